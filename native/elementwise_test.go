package native

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestGELU(t *testing.T) {
	var worst float64
	for i := -20000; i <= 20000; i++ {
		v := float32(i) / 1000
		x := []float32{v}
		geluErf(x)
		f := float64(v)
		want := 0.5 * f * (1 + math.Erf(f/math.Sqrt2))
		d := math.Abs(float64(x[0]) - want)
		worst = max(worst, d/(1+math.Abs(want)))
	}
	if worst > 2e-7 {
		t.Errorf("geluErf: worst relative error %g, want <= 2e-7", worst)
	}
}

func TestExpNeg(t *testing.T) {
	var worst float64
	for i := 0; i <= 100000; i++ {
		x := -float32(i) / 1000
		got := float64(expNeg(x))
		want := math.Exp(float64(x))
		if want < 1e-37 {
			continue
		}
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 3e-7 {
		t.Errorf("expNeg: worst relative error %g, want <= 3e-7", worst)
	}
	if expNeg(-1000) != 0 {
		t.Errorf("expNeg(-1000) = %g", expNeg(-1000))
	}
}

func TestLayerNormSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, rows = 37, 3
	x := randSlice(r, n*rows)
	w, b := randSlice(r, n), randSlice(r, n)
	want := make([]float64, len(x))
	for row := range rows {
		var mean, v float64
		for i := range n {
			mean += float64(x[row*n+i]) / n
		}
		for i := range n {
			d := float64(x[row*n+i]) - mean
			v += d * d / n
		}
		for i := range n {
			want[row*n+i] = (float64(x[row*n+i])-mean)/math.Sqrt(v+1e-12)*float64(w[i]) + float64(b[i])
		}
	}
	layerNorm(x, rows, w, b, 1e-12)
	for i := range x {
		if d := math.Abs(float64(x[i]) - want[i]); d > 1e-5 {
			t.Fatalf("layerNorm[%d] = %g, want %g", i, x[i], want[i])
		}
	}

	s := randSlice(r, n)
	var z float64
	for _, v := range s {
		z += math.Exp(0.5 * float64(v))
	}
	ref := make([]float64, n)
	for i, v := range s {
		ref[i] = math.Exp(0.5*float64(v)) / z
	}
	softmaxRow(s, 0.5)
	for i := range s {
		if d := math.Abs(float64(s[i]) - ref[i]); d > 1e-6 {
			t.Fatalf("softmax[%d] = %g, want %g", i, s[i], ref[i])
		}
	}
}
