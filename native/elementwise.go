package native

import "math"

// The element-wise kernels of the forward pass: LayerNorm, GELU and the
// exponential of the softmax, in plain Go (they are a few percent of the
// work; the matrix products are the rest). Each has a float64 reference
// in elementwise_test.go.

// layerNormGo normalises each row of x [rows, len(w)] in place:
// (x - mean) / sqrt(var + eps) * w + b, with the statistics in float64.
// The plain-Go LayerNorm, the reference of the AVX-512 one.
func layerNormGo(x []float32, rows int, w, b []float32, eps float64) {
	n := len(w)
	b = b[:n]
	for r := range rows {
		row := x[r*n : (r+1)*n : (r+1)*n]
		var sum float64
		for _, v := range row {
			sum += float64(v)
		}
		mean := sum / float64(n)
		var ss float64
		for _, v := range row {
			d := float64(v) - mean
			ss += d * d
		}
		inv := float32(1 / math.Sqrt(ss/float64(n)+eps))
		m := float32(mean)
		for i, v := range row {
			row[i] = (v-m)*inv*w[i] + b[i]
		}
	}
}

// addBias adds b to each row of x [rows, len(b)].
func addBias(x []float32, rows int, b []float32) {
	n := len(b)
	for r := range rows {
		addRows(x[r*n:(r+1)*n], b)
	}
}

// The GELU of BERT is x·Φ(x), Φ the standard normal distribution
// function. geluErf evaluates Φ by cubic Hermite interpolation in a table
// of Φ and its derivative φ at steps of 1/geluSteps on [-geluRange,
// geluRange]: the error is below h⁴·max|Φ””|/384 ≈ 2e-10, far under
// float32 rounding, at a fraction of the cost of math.Erf. Outside the
// range Φ is 0 or 1 to within 1e-9.
const (
	geluRange = 8
	geluSteps = 32
)

// geluTable holds Φ(x_i), φ(x_i)·h for x_i = -geluRange + i/geluSteps.
var geluTable = func() [][2]float32 {
	n := 2*geluRange*geluSteps + 1
	t := make([][2]float32, n+1) // one spare entry: the interpolation reads i+1
	h := 1.0 / geluSteps
	for i := range t {
		x := -geluRange + float64(i)*h
		t[i][0] = float32(0.5 * math.Erfc(-x/math.Sqrt2))
		t[i][1] = float32(math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) * h)
	}
	return t
}()

// geluErfGo applies x·Φ(x) in place: the plain-Go GELU.
func geluErfGo(x []float32) {
	t := geluTable
	const lo, hi = -geluRange, geluRange
	for i, v := range x {
		switch {
		case v <= lo:
			x[i] = 0
		case v >= hi:
			// Φ(v) = 1 to float32 precision.
		default:
			u := (v - lo) * geluSteps
			j := int(u)
			s := u - float32(j)
			p0, m0 := t[j][0], t[j][1]
			p1, m1 := t[j+1][0], t[j+1][1]
			// Cubic Hermite basis on [0, 1].
			s2 := s * s
			s3 := s2 * s
			h00 := 2*s3 - 3*s2 + 1
			h10 := s3 - 2*s2 + s
			h01 := -2*s3 + 3*s2
			h11 := s3 - s2
			x[i] = v * (h00*p0 + h10*m0 + h01*p1 + h11*m1)
		}
	}
}

// geluTanh applies the tanh approximation of GELU ("gelu_new") in place.
func geluTanh(x []float32) {
	const c = 0.7978845608028654 // sqrt(2/pi)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
	}
}

// relu applies max(x, 0) in place.
func relu(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// expNeg returns e^x for x <= 0 to a relative error under 1e-7 (and 0
// below -87, where float32 underflows): x = n·ln2 + r with |r| <= ln2/2,
// e^r by its Taylor series to degree 7, 2^n from the exponent bits.
func expNeg(x float32) float32 {
	if x < -87 {
		return 0
	}
	const log2e, ln2hi, ln2lo = 1.4426950408889634, 0.693145751953125, 1.428606765330187e-06
	n := float32(math.Floor(float64(x*log2e + 0.5)))
	r := (x - n*ln2hi) - n*ln2lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float32frombits(uint32(int32(n)+127)<<23)
}

// softmaxRowGo replaces x by softmax(scale·x) in place: the plain-Go
// softmax, the reference of the AVX-512 one.
func softmaxRowGo(x []float32, scale float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float32
	for i, v := range x {
		e := expNeg((v - m) * scale)
		x[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range x {
		x[i] *= inv
	}
}
