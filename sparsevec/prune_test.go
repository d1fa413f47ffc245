package sparsevec

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Hand-checked cases, among them the examples of OpenSearch's own tests
// of its rules (keys a, b, c, d at indices 0, 1, 2, 3).
func TestPruneHandChecked(t *testing.T) {
	for _, tc := range []struct {
		prune string
		in    Vector
		want  []uint32
	}{
		{"top_k:2", vec(4, 0, 5, 1, 3, 2, 4, 3, 1), []uint32{0, 2}},
		{"max_ratio:0.7", vec(4, 0, 10, 1, 8, 2, 5, 3, 2), []uint32{0, 1}},
		{"abs_value:3", vec(4, 0, 5, 1, 3, 2, 2, 3, 1), []uint32{0, 1}},
		// 10+6 = 16 <= 0.8*20 = 16 keeps b; 19 > 16 drops c.
		{"alpha_mass:0.8", vec(4, 0, 10, 1, 6, 2, 3, 3, 1), []uint32{0, 1}},
		{"alpha_mass:0.79", vec(4, 0, 10, 1, 6, 2, 3, 3, 1), []uint32{0}},
		{"alpha_mass:0.4", vec(4, 0, 10, 1, 6, 2, 3, 3, 1), []uint32{}},
		{"alpha_mass:0", vec(4, 0, 10, 1, 6), []uint32{}},
		{"max_ratio:0", vec(4, 0, 10, 1, 6), []uint32{0, 1}},
		{"abs_value:0", vec(4, 0, 10, 1, 6), []uint32{0, 1}},
		// Ties at the cut: the lower index stays.
		{"top_k:2", vec(5, 0, 1, 1, 2, 2, 1, 4, 1), []uint32{0, 1}},
		{"top_k:9", vec(5, 0, 1, 1, 2), []uint32{0, 1}},
		{"alpha_mass:0.5", vec(5, 1, 1, 2, 1, 3, 1, 4, 1), []uint32{1, 2}},
		{"top_k:3", Vector{Dim: 7}, nil},
		{"none", vec(4, 0, 10, 1, 6), []uint32{0, 1}},
	} {
		p, err := ParsePrune(tc.prune)
		if err != nil {
			t.Fatalf("ParsePrune(%q): %v", tc.prune, err)
		}
		got := tc.in.Prune(p)
		if !equalIndices(got.Indices, tc.want) || got.Dim != tc.in.Dim || got.Validate() != nil {
			t.Errorf("%s of %v: got %+v, want indices %v", tc.prune, tc.in, got, tc.want)
		}
		for i, idx := range got.Indices {
			j := sort.Search(len(tc.in.Indices), func(j int) bool { return tc.in.Indices[j] >= idx })
			if got.Values[i] != tc.in.Values[j] {
				t.Errorf("%s: value at %d is %v, want %v", tc.prune, idx, got.Values[i], tc.in.Values[j])
			}
		}
	}
}

func equalIndices(a, b []uint32) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// refKept is an independent statement of OpenSearch's rules: the set of
// indices each keeps, decided entry by entry from its rank (its place in
// decreasing order of weight, equal weights by increasing index).
func refKept(v Vector, p Prune) map[uint32]bool {
	n := len(v.Values)
	rank := make([]int, n)
	for i := range n {
		for j := range n {
			if v.Values[j] > v.Values[i] || (v.Values[j] == v.Values[i] && v.Indices[j] < v.Indices[i]) {
				rank[i]++
			}
		}
	}
	byRank := make([]float32, n)
	for i, r := range rank {
		byRank[r] = v.Values[i]
	}
	var maxW float32
	var total float64
	for _, w := range v.Values {
		maxW = max(maxW, w)
		total += float64(w)
	}
	kept := map[uint32]bool{}
	for i, w := range v.Values {
		var keep bool
		switch p.Type {
		case PruneTopK:
			keep = rank[i] < int(p.Ratio)
		case PruneMaxRatio:
			keep = w >= p.Ratio*maxW
		case PruneAbsValue:
			keep = w >= p.Ratio
		case PruneAlphaMass:
			// the running sum up to and including this entry
			var running float32
			for r := 0; r <= rank[i]; r++ {
				running += byRank[r]
			}
			keep = running <= p.Ratio*float32(total)
		case PruneNone:
			keep = true
		}
		if keep {
			kept[v.Indices[i]] = true
		}
	}
	return kept
}

func TestPruneMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		dim := 1 + rng.IntN(200)
		var v Vector
		v.Dim = dim
		for i := range dim {
			if rng.IntN(3) == 0 {
				w := rng.Float32()*3 + 0.01
				if rng.IntN(4) == 0 {
					w = float32(1+rng.IntN(3)) / 2 // many equal weights
				}
				v.Indices = append(v.Indices, uint32(i))
				v.Values = append(v.Values, w)
			}
		}
		var p Prune
		switch trial % 4 {
		case 0:
			p = Prune{PruneTopK, float32(1 + rng.IntN(40))}
		case 1:
			p = Prune{PruneMaxRatio, rng.Float32() * 0.999}
		case 2:
			p = Prune{PruneAlphaMass, rng.Float32() * 0.999}
		case 3:
			p = Prune{PruneAbsValue, rng.Float32() * 2}
		}
		got := v.Prune(p)
		if err := got.Validate(); err != nil {
			t.Fatalf("%v: invalid result: %v", p, err)
		}
		want := refKept(v, p)
		if len(want) != got.Len() {
			t.Fatalf("%v of %v: kept %v, want %d entries %v", p, v, got.Indices, len(want), want)
		}
		for _, i := range got.Indices {
			if !want[i] {
				t.Fatalf("%v of %v: kept %d, which the rule drops (want %v)", p, v, i, want)
			}
		}
	}
}

func TestParsePrune(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Prune
	}{
		{"", Prune{}},
		{"none", Prune{}},
		{"top_k:64", Prune{PruneTopK, 64}},
		{"top_k:64.0", Prune{PruneTopK, 64}},
		{"max_ratio:0.1", Prune{PruneMaxRatio, 0.1}},
		{"max_ratio:0", Prune{PruneMaxRatio, 0}},
		{"alpha_mass:0.4", Prune{PruneAlphaMass, 0.4}},
		{"abs_value:1.5", Prune{PruneAbsValue, 1.5}},
	} {
		got, err := ParsePrune(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParsePrune(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if err == nil && tc.in != "" && !strings.HasSuffix(tc.in, ".0") && got.String() != tc.in {
			t.Errorf("String of %q = %q", tc.in, got.String())
		}
	}
	for _, tc := range []struct{ in, msg string }{
		{"top_k:1.5", "positive integer"},
		{"top_k:0", "positive integer"},
		{"top_k:-3", "positive integer"},
		{"max_ratio:1", "[0, 1)"},
		{"max_ratio:-0.1", "[0, 1)"},
		{"alpha_mass:1", "[0, 1)"},
		{"alpha_mass:1.2", "[0, 1)"},
		{"abs_value:-1", "negative"},
		{"abs_value:NaN", "finite"},
		{"abs_value:Inf", "finite"},
		{"top_k", "missing value"},
		{"top_k:", "missing value"},
		{"top_k:ten", "not a number"},
		{"top:5", "unknown prune type"},
		{"none:3", "takes no value"},
	} {
		_, err := ParsePrune(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParsePrune(%q) error = %v, want one saying %q", tc.in, err, tc.msg)
		}
	}
	if err := (Prune{Ratio: 0.3}).Validate(); err == nil {
		t.Error("a ratio without a type validated")
	}
	// An invalid rule prunes nothing.
	v := vec(3, 0, 1, 2, 2)
	if got := v.Prune(Prune{PruneTopK, 1.5}); got.Len() != 2 {
		t.Errorf("invalid rule pruned: %+v", got)
	}
}
