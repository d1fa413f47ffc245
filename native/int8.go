package native

import (
	"math"

	"github.com/splade-go/splade/internal/hugepage"
)

// The int8 matrix products (dynamic quantization, as ONNX Runtime's
// U8S8 and PyTorch's quantize_dynamic do):
//
//   - B's weights quantized once, at load, per output column n,
//     symmetric: B[k, n] ≈ ws[n]·q[k, n], q in [-127, 127],
//     ws[n] = max_k |B[k, n]| / 127;
//
//   - A's activations quantized per product, per row r, asymmetric:
//     A[r, k] ≈ as[r]·(u[r, k] − zp[r]), u in [0, 255], the row's range
//     (0 included) spread over the 256 steps, so that a row of GELU
//     outputs (mostly small, one-sided) loses no bit to a sign;
//
//   - the products of u8 by s8 summed in int32 (exact: 255·127·K stays
//     far below 2³¹ for any K under 60000), then dequantized in the
//     kernel's epilogue:
//
//     C[r, n] = as[r]·ws[n]·(Σ_k u[r, k]·q[k, n] − zp[r]·Σ_k q[k, n]) + bias[n].
//
// Unsigned activations times signed weights is the operand order of
// VPDPBUSD (AVX512-VNNI, AVX-VNNI); the correction zp[r]·colSum[n] turns
// it back into the signed product, colSum packed with the weights.
//
// A panel of B holds panelWidth columns in groups of int8Step rows of K:
// for each group, the 32 columns one after another, each its int8Step
// weights (k = 4g … 4g+3) in order: 128 bytes, two 512-bit vectors of 16
// columns. A kernel computes tileRows x panelWidth of C over all of K.
const int8Step = 4

// packedInt8 is B [K, N] quantized per column in int8 panels (see above),
// with the per-column values the epilogue needs, zero past N.
type packedInt8 struct {
	k, kp, n int
	data     []int8    // panels(n) * kp * panelWidth
	colSum   []int32   // panels(n) * panelWidth: Σ_k q[k, n]
	scale    []float32 // panels(n) * panelWidth: ws[n]
	bias     []float32 // panels(n) * panelWidth
}

// packInt8 quantizes B [K, N] whose element (k, n) is src[k*sk + n*sn]
// (see pack) per column, with the columns' bias (nil: zero).
func packInt8(src []float32, K, N, sk, sn int, bias []float32) packedInt8 {
	kp := (K + int8Step - 1) / int8Step * int8Step
	np := panels(N) * panelWidth
	b := packedInt8{k: K, kp: kp, n: N, data: hugepage.Make[int8](panels(N) * kp * panelWidth),
		colSum: make([]int32, np), scale: make([]float32, np), bias: make([]float32, np)}
	copy(b.bias, bias)
	c := newCrew(&threads{})
	cols := make([][]float32, c.size)      // each goroutine's column, where B's columns are strided
	c.parallel(panels(N), func(w, p int) { // at load: on every core
		for n := p * panelWidth; n < min((p+1)*panelWidth, N); n++ {
			var col []float32
			if sk == 1 {
				col = src[n*sn : n*sn+K]
			} else {
				cols[w] = grow(cols[w], K)
				col = cols[w]
				for k := range col {
					col[k] = src[k*sk+n*sn]
				}
			}
			b.packColumn(col, n)
		}
	})
	return b
}

// packColumn quantizes col, column n of B (see packInt8), into b.
func (b *packedInt8) packColumn(col []float32, n int) {
	lo, hi := valueRange(col)
	amax := max(-lo, hi)
	if amax == 0 {
		return // a zero column: q, its sum and its scale stay 0
	}
	b.scale[n] = amax / 127
	inv := 127 / amax
	// The column's int8Step weights from k (a multiple of int8Step) lie
	// at pd[k*panelWidth:].
	pd := b.panel(n / panelWidth)[n%panelWidth*int8Step:]
	var sum int32
	for k := 0; k < len(col); k += int8Step {
		step := col[k:min(k+int8Step, len(col))]
		dst := pd[k*panelWidth : k*panelWidth+len(step)]
		for i, v := range step {
			q := roundClamp(v*inv, -127, 127)
			dst[i] = int8(q)
			sum += q
		}
	}
	b.colSum[n] = sum
}

// panel returns panel p of b's weights.
func (b packedInt8) panel(p int) []int8 {
	return b.data[p*b.kp*panelWidth : (p+1)*b.kp*panelWidth]
}

// roundClamp rounds x to the nearest integer (halves away from zero)
// and clamps it to [lo, hi]. It adds ±0.5 with x's sign, set by bits
// rather than by a branch: the sign of a random weight is a coin toss
// that a branch predictor loses half the time.
func roundClamp(x float32, lo, hi int32) int32 {
	half := math.Float32frombits(math.Float32bits(x)&(1<<31) | math.Float32bits(0.5))
	return min(max(int32(x+half), lo), hi)
}

// quantRows is A's rows quantized for an int8 product: u [M, kp] and
// each row's scale and zero point (see above).
type quantRows struct {
	kp    int
	u     []uint8
	scale []float32
	zp    []int32
}

// quantizeRows quantizes rows 0 to M-1 of A [M, K] (leading dimension
// lda) into q, reusing its buffers.
func quantizeRows(q *quantRows, M int, a []float32, lda, K, kp int) {
	q.kp = kp
	q.u, q.scale, q.zp = grow(q.u, M*kp), grow(q.scale, M), grow(q.zp, M)
	for r := range M {
		q.scale[r], q.zp[r] = quantizeRow(q.u[r*kp:(r+1)*kp], a[r*lda:r*lda+K])
	}
}

// quantizeRowGo quantizes the activations a into u (zero past len(a):
// B is zero there) and returns their scale and zero point (see above):
// the plain-Go reference of quantizeRow.
func quantizeRowGo(u []uint8, a []float32) (scale float32, zp int32) {
	scale, inv, zp := quantParams(valueRangeGo(a))
	quantizeValuesGo(u[:len(a)], a, inv, float32(zp))
	clear(u[len(a):])
	return scale, zp
}

// valueRangeGo returns the least and the greatest of 0 and the values of
// a: the plain-Go reference of valueRange.
func valueRangeGo(a []float32) (lo, hi float32) {
	for _, v := range a {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// quantParams returns the scale, its inverse and the zero point of
// activations in [lo, hi] (lo <= 0 <= hi): 256 steps over the range; all
// zero for a zero row.
func quantParams(lo, hi float32) (scale, inv float32, zp int32) {
	if hi == lo {
		return 0, 0, 0
	}
	scale = (hi - lo) / 255
	inv = 1 / scale
	return scale, inv, roundClamp(-lo*inv, 0, 255)
}

// quantizeValuesGo sets u[k] = a[k]·inv + zp rounded to nearest (ties to
// even, as VCVTPS2DQ) and clamped to [0, 255], the product rounded to
// float32 before the sum (no fused multiply-add, as the assembly).
func quantizeValuesGo(u []uint8, a []float32, inv, zp float32) {
	u = u[:len(a)]
	for k, v := range a {
		x := float32(v*inv) + zp
		u[k] = uint8(min(max(int32(math.RoundToEven(float64(x))), 0), 255))
	}
}

// int8Kernel computes the tileRows x panelWidth tile of C for panel p of
// b: c[r*ldc + j] = the dequantized product of rows r0 to r0+tileRows-1
// of A's quantized rows a and the panel, plus the bias (see the formula
// above), overwriting c.
type int8Kernel func(a *quantRows, r0 int, b *packedInt8, p int, c []float32, ldc int)

// int8TileGo is the plain-Go int8 kernel: the reference for the VNNI
// ones, and the kernel of CPUs without them (arm64, WASM).
func int8TileGo(a *quantRows, r0 int, b *packedInt8, p int, c []float32, ldc int) {
	kp := a.kp
	u, as, zp := a.u[r0*kp:(r0+tileRows)*kp], a.scale[r0:r0+tileRows], a.zp[r0:r0+tileRows]
	panel := b.panel(p)
	var acc [tileRows][panelWidth]int32
	for g := 0; g < kp; g += int8Step {
		bg := (*[int8Step * panelWidth]int8)(panel[g*panelWidth:])
		for r := range tileRows {
			a4 := (*[int8Step]uint8)(u[r*kp+g:])
			u0, u1, u2, u3 := int32(a4[0]), int32(a4[1]), int32(a4[2]), int32(a4[3])
			row := &acc[r]
			for j := range panelWidth {
				q := bg[j*int8Step : j*int8Step+int8Step : j*int8Step+int8Step]
				row[j] += u0*int32(q[0]) + u1*int32(q[1]) + u2*int32(q[2]) + u3*int32(q[3])
			}
		}
	}
	n0 := p * panelWidth
	cs, ws, bias := b.colSum[n0:n0+panelWidth], b.scale[n0:n0+panelWidth], b.bias[n0:n0+panelWidth]
	for r := range tileRows {
		dequantize(c[r*ldc:r*ldc+panelWidth], &acc[r], zp[r], as[r], cs, ws, bias)
	}
}

// dequantize is the int8 kernels' epilogue for one row of a tile, in the
// order of operations the assembly follows (the explicit conversions
// keep the compiler from fusing a multiply and an add): c[j] =
// (float32(acc[j] − zp·cs[j])·ws[j])·as + bias[j].
func dequantize(c []float32, acc *[panelWidth]int32, zp int32, as float32, cs []int32, ws, bias []float32) {
	for j := range panelWidth {
		v := float32(acc[j]-zp*cs[j]) * ws[j]
		c[j] = float32(v*as) + bias[j]
	}
}

// int8Scratch holds one goroutine's buffers for gemmInt8.
type int8Scratch struct {
	q    quantRows                      // the rows of A, quantized
	edge quantRows                      // an edge tile's rows, zero-padded
	c    [tileRows * panelWidth]float32 // an edge tile of C
}

// gemmInt8 computes C [M, N] = A [M, K]·B + bias in int8 into c with
// leading dimension ldc, on one goroutine: A quantized into st, then
// every panel.
func gemmInt8(kern int8Kernel, M int, a []float32, lda int, b *packedInt8, c []float32, ldc int, st *int8Scratch) {
	quantizeRows(&st.q, M, a, lda, b.k, b.kp)
	gemmInt8Panels(kern, M, &st.q, 0, b, 0, panels(b.n), c, ldc, st)
}

// gemmInt8Panels computes rows r0 to r0+M-1 of C = A·B + bias for the
// columns of panels p0 to p1 of B, from the rows of A already quantized
// in q (row r0 first), into c (row r0 first).
func gemmInt8Panels(kern int8Kernel, M int, q *quantRows, r0 int, b *packedInt8, p0, p1 int, c []float32, ldc int, st *int8Scratch) {
	kp, N := b.kp, b.n
	full := M / tileRows * tileRows
	if full < M { // the last rows, zero-padded to a tile
		e := &st.edge
		e.kp = kp
		e.u, e.scale, e.zp = grow(e.u, tileRows*kp), grow(e.scale, tileRows), grow(e.zp, tileRows)
		clear(e.u)
		clear(e.scale)
		clear(e.zp)
		copy(e.u, q.u[(r0+full)*kp:(r0+M)*kp])
		copy(e.scale, q.scale[r0+full:r0+M])
		copy(e.zp, q.zp[r0+full:r0+M])
	}
	for p := p0; p < p1; p++ {
		n0 := p * panelWidth
		w := min(panelWidth, N-n0)
		for m := 0; m < full; m += tileRows {
			if w == panelWidth {
				kern(q, r0+m, b, p, c[m*ldc+n0:], ldc)
				continue
			}
			kern(q, r0+m, b, p, st.c[:], panelWidth)
			for r := range tileRows {
				copy(c[(m+r)*ldc+n0:(m+r)*ldc+n0+w], st.c[r*panelWidth:])
			}
		}
		if full < M {
			kern(&st.edge, 0, b, p, st.c[:], panelWidth)
			for r := full; r < M; r++ {
				copy(c[r*ldc+n0:r*ldc+n0+w], st.c[(r-full)*panelWidth:])
			}
		}
	}
}

// namedInt8Kernel is an int8 kernel with the name Kernel reports, and
// optionally its whole-product versions (see wholeInt8Kernel).
type namedInt8Kernel struct {
	name  string
	fn    int8Kernel
	whole *wholeInt8Kernel
}

// wholeInt8Kernel is wholeKernel for int8: a whole product, or a whole
// max-pooled head, in one call (WebAssembly SIMD; gemm_wasm.go).
type wholeInt8Kernel struct {
	// gemm is gemmInt8Panels: rows r0 to r0+M-1 of C = A·B + bias in
	// the columns of panels p0 to p1 of B, from A's rows quantized in q.
	gemm func(M int, q *quantRows, r0 int, b *packedInt8, p0, p1 int, c []float32, ldc int)
	// maxPool sets acc[n] to the maximum of acc[n] and C[r, n] over the
	// rows 0 to M-1 of C = A·B + bias, A's rows quantized in q, for every
	// n < panels(b.n)*panelWidth.
	maxPool func(M int, q *quantRows, b *packedInt8, acc []float32)
}
