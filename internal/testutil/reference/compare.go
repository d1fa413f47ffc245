package reference

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// The reference tolerances: 1e-4 absolute plus 1e-4 relative.
const (
	AbsTol = 1e-4
	RelTol = 1e-4
)

// Near reports whether got is within AbsTol + RelTol·|want| of want.
func Near(got, want float64) bool {
	return math.Abs(got-want) <= AbsTol+RelTol*math.Abs(want)
}

// VectorDiff compares a sparse vector, given as ascending indices and their
// values, with reference indices and values: a dimension mismatches when
// |got - want| > abs + rel·|want|, an index missing on one side counting as
// 0 (so an extra index above abs, or a missing one, mismatches). It returns
// the largest absolute difference and a description of the first
// mismatches ("" when none).
func VectorDiff(gotIdx []uint32, gotVal []float32, wantIdx []uint32, wantVal []float32, abs, rel float64) (worst float64, problems string) {
	got := make(map[uint32]float64, len(gotIdx))
	for i, j := range gotIdx {
		got[j] = float64(gotVal[i])
	}
	want := make(map[uint32]float64, len(wantIdx))
	for i, j := range wantIdx {
		want[j] = float64(wantVal[i])
	}
	union := make([]uint32, 0, len(got)+len(want))
	for j := range got {
		union = append(union, j)
	}
	for j := range want {
		if _, ok := got[j]; !ok {
			union = append(union, j)
		}
	}
	slices.Sort(union)
	bad := 0
	for _, j := range union {
		g, w := got[j], want[j]
		d := math.Abs(g - w)
		worst = max(worst, d)
		if d > abs+rel*math.Abs(w) {
			if bad < 3 {
				problems += fmt.Sprintf("index %d = %g, want %g; ", j, g, w)
			}
			bad++
		}
	}
	if bad > 3 {
		problems += fmt.Sprintf("%d mismatches in all", bad)
	}
	return worst, problems
}

// CheckVector fails the test when a vector differs from the reference case
// c beyond AbsTol + RelTol.
func CheckVector(t testing.TB, label string, gotIdx []uint32, gotVal []float32, c Case) {
	t.Helper()
	if _, problems := VectorDiff(gotIdx, gotVal, c.Indices, c.Values, AbsTol, RelTol); problems != "" {
		t.Errorf("%s: %s", label, problems)
	}
}
