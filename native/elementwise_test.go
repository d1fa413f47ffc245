package native

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGELU holds the table GELU (geluErfGo) and the vectorised one
// (geluErf) to x·Φ(x) computed with math.Erf.
func TestGELU(t *testing.T) {
	var xs []float32
	for i := -20000; i <= 20000; i++ {
		xs = append(xs, float32(i)/1000)
	}
	xs = append(xs, 30, -30, 1e-8, -1e-8)
	for _, c := range []struct {
		name  string
		fn    func([]float32)
		bound float64
	}{{"geluErfGo", geluErfGo, 2e-7}, {"geluErf", geluErf, 1e-6}} {
		x := append([]float32(nil), xs...)
		c.fn(x)
		var worst float64
		for i, v := range xs {
			f := float64(v)
			want := 0.5 * f * (1 + math.Erf(f/math.Sqrt2))
			worst = max(worst, math.Abs(float64(x[i])-want)/(1+math.Abs(want)))
		}
		if worst > c.bound {
			t.Errorf("%s: worst relative error %g, want <= %g", c.name, worst, c.bound)
		}
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
	for _, n := range []int{37, 64, 768} {
		testLayerNorm(t, r, n)
	}
	testSoftmax(t, r)
}

func testLayerNorm(t *testing.T, r *rand.Rand, n int) {
	const rows = 3
	x := randSlice(r, n*rows)
	for i := range x {
		x[i] = 3 + 2*x[i] // an offset, as in real activations
	}
	w, b := randSlice(r, n), randSlice(r, n)
	want := make([]float64, len(x))
	for row := range rows {
		var mean, v float64
		for i := range n {
			mean += float64(x[row*n+i]) / float64(n)
		}
		for i := range n {
			d := float64(x[row*n+i]) - mean
			v += d * d / float64(n)
		}
		for i := range n {
			want[row*n+i] = (float64(x[row*n+i])-mean)/math.Sqrt(v+1e-12)*float64(w[i]) + float64(b[i])
		}
	}
	y := append([]float32(nil), x...)
	layerNorm(x, rows, w, b, 1e-12)
	layerNormGo(y, rows, w, b, 1e-12)
	for i := range x {
		if d := math.Abs(float64(x[i]) - want[i]); d > 1e-5 {
			t.Fatalf("n=%d: layerNorm[%d] = %g, want %g", n, i, x[i], want[i])
		}
		if d := math.Abs(float64(y[i]) - want[i]); d > 1e-5 {
			t.Fatalf("n=%d: layerNormGo[%d] = %g, want %g", n, i, y[i], want[i])
		}
	}
}

func testSoftmax(t *testing.T, r *rand.Rand) {
	const n = 37

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

// TestSoftmaxAddBF16 holds the vectorised softmax, addition and bf16
// rounding to their plain-Go references, at lengths around the vector
// width.
func TestSoftmaxAddBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 15, 16, 17, 33, 185, 256} {
		x := randSlice(r, n)
		for i := range x {
			x[i] *= 20 // logits spread wide: exp underflows for some
		}
		want := append([]float32(nil), x...)
		softmaxRowGo(want, 0.125)
		got := append([]float32(nil), x...)
		softmaxRow(got, 0.125)
		for i := range got {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*(1+float64(want[i])) {
				t.Fatalf("n=%d: softmax[%d] = %g, want %g", n, i, got[i], want[i])
			}
		}
		a, b := randSlice(r, n), randSlice(r, n)
		sum := make([]float32, n)
		for i := range sum {
			sum[i] = a[i] + b[i]
		}
		addRows(a, b)
		for i := range a {
			if a[i] != sum[i] {
				t.Fatalf("n=%d: addRows[%d] = %g, want %g", n, i, a[i], sum[i])
			}
		}
		// NaN, the infinities, the largest float, two ties (round to
		// even: down, then up) and two subnormals among the values
		// rounded; a subnormal may also become a zero of its sign.
		copy(b, []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32,
			math.Float32frombits(0x3f808000), math.Float32frombits(0x3f818000),
			math.Float32frombits(0x00012345), math.Float32frombits(0x80400001)})
		h := make([]uint16, n)
		toBF16(h, b)
		for i := range h {
			want := bf16(b[i])
			subnormal := math.Float32bits(b[i])&0x7f800000 == 0
			if h[i] != want && !(subnormal && h[i] == want&0x8000) || i == 0 && h[i]&0x7fff <= 0x7f80 {
				t.Fatalf("n=%d: toBF16(%g) = %#x, want %#x", n, b[i], h[i], want)
			}
		}
	}
}
