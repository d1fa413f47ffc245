package native

import "github.com/splade-go/splade/internal/hugepage"

// The matrix products of the forward pass are C = A·B with A [M, K] row
// major (tokens by features) and B packed into panels of panelWidth
// columns: panel p holds columns p*panelWidth … p*panelWidth+panelWidth-1
// of B, row k after row k, zero past N. A micro-kernel computes one tile of
// tileRows rows of C by one panel; the drivers below split C into tiles and
// handle the edges.
const (
	tileRows   = 12
	panelWidth = 32
)

// packed is a matrix B [K, N] in panels (see above).
type packed struct {
	k, n int
	data []float32 // panels(n) * k * panelWidth values
}

func panels(n int) int { return (n + panelWidth - 1) / panelWidth }

// pack packs B [K, N] whose element (k, n) is src[k*sk + n*sn]: sk=1,
// sn=in for a PyTorch nn.Linear weight [out, in] (B = Wᵀ); sk=ld, sn=1 for
// a row-major [K, N] matrix with leading dimension ld. dst is reused when
// it is large enough.
func pack(dst []float32, src []float32, K, N, sk, sn int) packed {
	size := panels(N) * K * panelWidth
	if cap(dst) < size {
		dst = hugepage.Make[float32](size) // the weights' panels: see New
	}
	dst = dst[:size]
	for p := range panels(N) {
		n0 := p * panelWidth
		w := min(panelWidth, N-n0)
		pd := dst[p*K*panelWidth : (p+1)*K*panelWidth]
		if w < panelWidth {
			clear(pd)
		}
		if sk == 1 { // each column of B (a weight row, a key) is contiguous
			j := 0
			// Four columns at a time: each row of the panel gets four
			// neighbouring values at once rather than one.
			for ; j+4 <= w; j += 4 {
				c0 := src[(n0+j)*sn:][:K]
				c1 := src[(n0+j+1)*sn:][:K]
				c2 := src[(n0+j+2)*sn:][:K]
				c3 := src[(n0+j+3)*sn:][:K]
				for k := range K {
					row := pd[k*panelWidth+j:][:4]
					row[0], row[1], row[2], row[3] = c0[k], c1[k], c2[k], c3[k]
				}
			}
			for ; j < w; j++ {
				col := src[(n0+j)*sn:][:K]
				for k, v := range col {
					pd[k*panelWidth+j] = v
				}
			}
			continue
		}
		for k := range K {
			row := pd[k*panelWidth : (k+1)*panelWidth]
			base := k*sk + n0*sn
			if sn == 1 { // a row of B is contiguous
				copy(row[:w], src[base:base+w])
				continue
			}
			for j := range w {
				row[j] = src[base+j*sn]
			}
		}
	}
	return packed{k: K, n: N, data: dst}
}

// panel returns panel p of b.
func (b packed) panel(p int) []float32 {
	return b.data[p*b.k*panelWidth : (p+1)*b.k*panelWidth]
}

// tileKernel computes the tileRows x panelWidth tile
// c[r*ldc + j] = Σ_k a[r*lda + k] · panel[k*panelWidth + j], overwriting c.
// a holds at least (tileRows-1)*lda + k values, c (tileRows-1)*ldc +
// panelWidth.
type tileKernel func(k int, a []float32, lda int, panel []float32, c []float32, ldc int)

// tileGo is the plain-Go micro-kernel by the definition: the reference
// of the fast ones (the portable tileBlocked, the assembly kernels).
func tileGo(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	var acc [tileRows][panelWidth]float32
	panel = panel[:k*panelWidth]
	for kk := range k {
		b := (*[panelWidth]float32)(panel[kk*panelWidth:])
		for r := range tileRows {
			av := a[r*lda+kk]
			row := &acc[r]
			for j := range panelWidth {
				row[j] += av * b[j]
			}
		}
	}
	for r := range tileRows {
		copy(c[r*ldc:r*ldc+panelWidth], acc[r][:])
	}
}

// scratchTile holds an edge tile: rows of A copied and zero-padded to a
// full tile, and C written to a private tile before the valid part is
// copied out.
type scratchTile struct {
	a []float32                       // tileRows * K
	c [smallRows * panelWidth]float32 // tileRows rows; gemmSmall: smallRows
}

// gemm computes C [M, N] = A [M, K] · B into c with leading dimension
// ldc, on one goroutine. st holds the edge tiles' buffers.
func gemm(kern tileKernel, M int, a []float32, lda int, b packed, c []float32, ldc int, st *scratchTile) {
	gemmPanels(kern, M, a, lda, b, 0, panels(b.n), c, ldc, st)
}

// gemmPanels is gemm for the columns of panels p0 to p1 of B only.
func gemmPanels(kern tileKernel, M int, a []float32, lda int, b packed, p0, p1 int, c []float32, ldc int, st *scratchTile) {
	K, N := b.k, b.n
	full := M / tileRows * tileRows
	var edgeA []float32
	if full < M {
		if cap(st.a) < tileRows*K {
			st.a = make([]float32, tileRows*K)
		}
		edgeA = st.a[:tileRows*K]
		clear(edgeA)
		for r := full; r < M; r++ {
			copy(edgeA[(r-full)*K:(r-full+1)*K], a[r*lda:r*lda+K])
		}
	}
	for p := p0; p < p1; p++ {
		pn := b.panel(p)
		n0 := p * panelWidth
		w := min(panelWidth, N-n0)
		for m := 0; m < full; m += tileRows {
			if w == panelWidth {
				kern(K, a[m*lda:], lda, pn, c[m*ldc+n0:], ldc)
				continue
			}
			kern(K, a[m*lda:], lda, pn, st.c[:], panelWidth)
			for r := range tileRows {
				copy(c[(m+r)*ldc+n0:(m+r)*ldc+n0+w], st.c[r*panelWidth:])
			}
		}
		if full < M {
			kern(K, edgeA, K, pn, st.c[:], panelWidth)
			for r := full; r < M; r++ {
				copy(c[r*ldc+n0:r*ldc+n0+w], st.c[(r-full)*panelWidth:])
			}
		}
	}
}

// A short query (more than tileRows, at most smallRows tokens) would take
// two tiles per panel, the second mostly padding. A small kernel computes
// smallRows x panelWidth instead, each panel's weights streamed from
// memory once (the product is bound by that stream, not by arithmetic),
// from A packed k-major once per product (packRows), so that the rows'
// values at each k share one cache line.
//
// smallKernel computes c[r*ldc + j] = Σ_k a[k*smallRows + r] ·
// panel[k*panelWidth + j] for r < smallRows, j < panelWidth.
type smallKernel func(k int, a []float32, panel []float32, c []float32, ldc int)

// packRows packs A [M, K] (M at most smallRows, leading dimension lda)
// k-major into dst [K, smallRows], zero past row M.
func packRows(dst []float32, M int, a []float32, lda, K int) []float32 {
	dst = grow(dst, K*smallRows)
	clear(dst)
	for r := range M {
		for k, v := range a[r*lda : r*lda+K] {
			dst[k*smallRows+r] = v
		}
	}
	return dst
}

// gemmSmall computes C [M, N] = A·B for the columns of panels p0 to p1
// of B, M at most smallRows, A packed by packRows.
func gemmSmall(small smallKernel, M int, ap []float32, b packed, p0, p1 int, c []float32, ldc int, st *scratchTile) {
	K, N := b.k, b.n
	for p := p0; p < p1; p++ {
		n0 := p * panelWidth
		w := min(panelWidth, N-n0)
		if M == smallRows && w == panelWidth {
			small(K, ap, b.panel(p), c[n0:], ldc)
			continue
		}
		small(K, ap, b.panel(p), st.c[:], panelWidth)
		for r := range M {
			copy(c[r*ldc+n0:r*ldc+n0+w], st.c[r*panelWidth:])
		}
	}
}

// gemmRef is C = A·B by the definition, in float64: the reference the
// tests hold every kernel and driver to.
func gemmRef(M, N, K int, a []float32, lda int, b func(k, n int) float32, c []float32, ldc int) {
	for m := range M {
		for n := range N {
			var s float64
			for k := range K {
				s += float64(a[m*lda+k]) * float64(b(k, n))
			}
			c[m*ldc+n] = float32(s)
		}
	}
}

// namedKernel is a micro-kernel with the name Kernel reports, and
// optionally its small-M version (see gemmSmall) and whole-product
// versions (see wholeKernel).
type namedKernel struct {
	name  string
	fn    tileKernel
	small smallKernel
	whole *wholeKernel
}

// wholeKernel computes a whole product, or a whole max-pooled head, in
// one call: a kernel outside Go (WebAssembly SIMD, which the JavaScript
// host runs; gemm_wasm.go), where every call costs microseconds. The
// slices stay on the heap: the kernel reads and writes them by address.
type wholeKernel struct {
	// gemm is gemmPanels: C = A·B in the columns of panels p0 to p1 of B.
	gemm func(M int, a []float32, lda int, b packed, p0, p1 int, c []float32, ldc int)
	// maxPool sets acc[n] to the maximum of acc[n] and (A·B)[r, n] over
	// the M rows of A, for every n < panels(b.n)*panelWidth.
	maxPool func(M int, a []float32, lda int, b packed, acc []float32)
}

// clearTile zeroes a tile of c: the product over an empty K.
func clearTile(c []float32, ldc int) {
	for r := range tileRows {
		clear(c[r*ldc : r*ldc+panelWidth])
	}
}
