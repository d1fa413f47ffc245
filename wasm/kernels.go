package wasm

import "math"

// The kernels below are written for the Go compiler's bounds-check
// elimination: every slice is re-sliced to the length of the loop's range
// operand before the loop, so the loop bodies carry no bounds checks, also
// on GOARCH=wasm where there is no SIMD and each check costs a branch.

// dot returns a·b over len(a) elements, with four independent accumulators.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		aa := a[i : i+4 : i+4]
		bb := b[i : i+4 : i+4]
		s0 += aa[0] * bb[0]
		s1 += aa[1] * bb[1]
		s2 += aa[2] * bb[2]
		s3 += aa[3] * bb[3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dot4 returns the dot products of w with x0, x1, x2 and x3, reading w once.
func dot4(w, x0, x1, x2, x3 []float32) (s0, s1, s2, s3 float32) {
	n := len(w)
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for i, wi := range w {
		s0 += wi * x0[i]
		s1 += wi * x1[i]
		s2 += wi * x2[i]
		s3 += wi * x3[i]
	}
	return
}

// dot2x4 returns the dot products of w0 and w1 with x0..x3: a register block
// of two weight rows by four tokens, which reads each element of the six
// inputs once per eight multiply-adds. It measured the fastest shape under
// GOARCH=wasm in V8 (no SIMD), ahead of 1x4, 1x8, 3x4 and 4x4, which spill.
func dot2x4(w0, w1, x0, x1, x2, x3 []float32) (a0, a1, a2, a3, b0, b1, b2, b3 float32) {
	n := len(w0)
	w1 = w1[:n]
	x0, x1, x2, x3 = x0[:n], x1[:n], x2[:n], x3[:n]
	for i, u := range w0 {
		v := w1[i]
		y0, y1, y2, y3 := x0[i], x1[i], x2[i], x3[i]
		a0 += u * y0
		a1 += u * y1
		a2 += u * y2
		a3 += u * y3
		b0 += v * y0
		b1 += v * y1
		b2 += v * y2
		b3 += v * y3
	}
	return
}

// rowsDot computes z[r*L+t] = w_r·x_t for the two weight rows w0, w1 and the
// L tokens of x [L, in]; w1 may be nil (then only row 0 is computed).
func rowsDot(z []float32, w0, w1, x []float32, L, in int) {
	t := 0
	if w1 != nil {
		for ; t+4 <= L; t += 4 {
			a0, a1, a2, a3, b0, b1, b2, b3 := dot2x4(w0, w1,
				x[t*in:(t+1)*in], x[(t+1)*in:(t+2)*in],
				x[(t+2)*in:(t+3)*in], x[(t+3)*in:(t+4)*in])
			z[t], z[t+1], z[t+2], z[t+3] = a0, a1, a2, a3
			z[L+t], z[L+t+1], z[L+t+2], z[L+t+3] = b0, b1, b2, b3
		}
		for ; t < L; t++ {
			xt := x[t*in : (t+1)*in]
			z[t] = dot(w0, xt)
			z[L+t] = dot(w1, xt)
		}
		return
	}
	for ; t+4 <= L; t += 4 {
		z[t], z[t+1], z[t+2], z[t+3] = dot4(w0,
			x[t*in:(t+1)*in], x[(t+1)*in:(t+2)*in],
			x[(t+2)*in:(t+3)*in], x[(t+3)*in:(t+4)*in])
	}
	for ; t < L; t++ {
		z[t] = dot(w0, x[t*in:(t+1)*in])
	}
}

// linear computes dst[t, o] = b[o] + x[t, :]·w[o, :] for rows tokens, with
// w in PyTorch's nn.Linear layout [out, in]. Weight rows are read once, two
// at a time, and applied to four tokens at a time; x stays in cache.
func linear(dst, x []float32, rows int, w, b []float32, in, out int) {
	z := make([]float32, 2*rows)
	for o := 0; o < out; o += 2 {
		w0 := w[o*in : (o+1)*in]
		var w1 []float32
		if o+1 < out {
			w1 = w[(o+1)*in : (o+2)*in]
		}
		rowsDot(z, w0, w1, x, rows, in)
		for t := 0; t < rows; t++ {
			dst[t*out+o] = z[t] + b[o]
		}
		if w1 != nil {
			for t := 0; t < rows; t++ {
				dst[t*out+o+1] = z[rows+t] + b[o+1]
			}
		}
	}
}

// layerNorm normalises x in place: (x - mean) / sqrt(var + eps) * w + b,
// with the statistics in float64.
func layerNorm(x, w, b []float32, eps float64) {
	w, b = w[:len(x)], b[:len(x)]
	var sum float64
	for _, v := range x {
		sum += float64(v)
	}
	mean := sum / float64(len(x))
	var ss float64
	for _, v := range x {
		d := float64(v) - mean
		ss += d * d
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+eps)
	for i, v := range x {
		x[i] = float32((float64(v)-mean)*inv)*w[i] + b[i]
	}
}

// activation applies a transformer activation function in place.
type activation func(x []float32)

func geluErf(x []float32) {
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

func geluTanh(x []float32) {
	const c = 0.7978845608028654 // sqrt(2/pi)
	for i, v := range x {
		f := float64(v)
		x[i] = float32(0.5 * f * (1 + math.Tanh(c*(f+0.044715*f*f*f))))
	}
}

func relu(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// activationFor maps config.json's hidden_act to a function.
func activationFor(name string) (activation, bool) {
	switch name {
	case "gelu", "":
		return geluErf, true
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return geluTanh, true
	case "relu":
		return relu, true
	}
	return nil, false
}

// softmax replaces x by its softmax, in place.
func softmax(x []float32) {
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	var sum float64
	for i, v := range x {
		e := math.Exp(float64(v - m))
		x[i] = float32(e)
		sum += e
	}
	inv := float32(1 / sum)
	for i := range x {
		x[i] *= inv
	}
}

// axpy adds a*x to y.
func axpy(y []float32, a float32, x []float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += a * x[i]
	}
}

// norm returns the Euclidean norm of x.
func norm(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}
