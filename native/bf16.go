package native

import (
	"math"

	"github.com/splade-go/splade/internal/hugepage"
)

// The bf16 matrix products: B's weights rounded to bfloat16 once, at
// load; A's activations rounded per product; sums accumulated in float32
// (as PyTorch with the model cast to bfloat16 and oneDNN do). A block
// kernel computes blockRows x panelWidth of C over all of K, from
//
//   - A in bf16, row major [blockRows, kp] (kp: K rounded up to bf16Step,
//     zero past K), and
//   - a panel of B [kp, panelWidth] in the layout its kernel reads
//     (bf16Layout), packed once at load.
//
// A product of at most blockRows rows (a short query) takes the kernel's
// rows version where it has one: A converted once for all panels, no
// padding rows computed (see gemmBF16Rows).
const (
	blockRows = 32
	bf16Step  = 32
	smallRows = 16
)

// bf16 rounds f to bfloat16, to nearest even.
func bf16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 { // NaN: keep it a NaN
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// bf16ToF32 widens a bfloat16.
func bf16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// bf16Layout is the order of a panel's values, the one its kernel reads.
type bf16Layout int

const (
	// layoutVNNI is the layout of AMX, VDPBF16PS and blockGo: for each
	// step of bf16Step rows of K, two halves of 16 columns, each 16 pairs
	// of rows by 16 columns by the pair (k even, k odd): 1 KB per half.
	layoutVNNI bf16Layout = iota
	// layoutMMLA is the layout of arm64's BFMMLA, which multiplies a 2 x 4
	// matrix of A by the transpose of a 2 x 4 one of B: for each group of
	// 8 columns, for each 4 rows of K, the 4 pairs of columns (j even, j
	// odd) by the 4 rows: 64 bytes, one 16-byte register per pair.
	layoutMMLA
)

// index is where element (k, j) of a panel [kp, panelWidth] lies.
func (l bf16Layout) index(kp, k, j int) int {
	if l == layoutMMLA {
		return (j/8*kp/4+k/4)*32 + j%8/2*8 + j%2*4 + k%4
	}
	s, kk := k/bf16Step, k%bf16Step
	return ((s*2+j/16)*16+kk/2)*32 + j%16*2 + kk%2
}

// packedBF16 is B [K, N] in bf16 panels (see above).
type packedBF16 struct {
	k, kp, n int
	data     []uint16 // panels(n) * kp * panelWidth values
}

// packBF16 packs B [K, N] whose element (k, n) is src[k*sk + n*sn] (see
// pack) in bf16, in layout l.
func packBF16(src []float32, K, N, sk, sn int, l bf16Layout) packedBF16 {
	kp := (K + bf16Step - 1) / bf16Step * bf16Step
	b := packedBF16{k: K, kp: kp, n: N, data: hugepage.Make[uint16](panels(N) * kp * panelWidth)}
	newCrew(&threads{}).parallel(panels(N), func(_, p int) { // at load: on every core
		pd := b.panel(p)
		for j := range min(panelWidth, N-p*panelWidth) {
			n := p*panelWidth + j
			half, c := j/16, j%16
			if sk != 1 || l != layoutVNNI {
				for k := range K {
					pd[l.index(kp, k, j)] = bf16(src[k*sk+n*sn])
				}
				continue
			}
			// A contiguous column (a weight row) in the VNNI layout, a
			// step of bf16Step values at a time: each pair (k even, k
			// odd) is two neighbours, the pairs one 32-value row apart.
			col := src[n*sn:][:K]
			for s := 0; s*bf16Step < K; s++ {
				step := col[s*bf16Step : min((s+1)*bf16Step, K)]
				blk := pd[(s*2+half)*16*32+c*2:]
				i := 0
				for ; i+1 < len(step); i += 2 {
					pair := blk[i/2*32:][:2]
					pair[0], pair[1] = bf16(step[i]), bf16(step[i+1])
				}
				if i < len(step) {
					blk[i/2*32] = bf16(step[i])
				}
			}
		}
	})
	return b
}

// panel returns panel p of b.
func (b packedBF16) panel(p int) []uint16 {
	return b.data[p*b.kp*panelWidth : (p+1)*b.kp*panelWidth]
}

// blockKernel computes the blockRows x panelWidth block
// c[r*ldc + j] = Σ_k a[r*kp + k] · B[k, j] of one panel, overwriting c.
type blockKernel func(kp int, a []uint16, panel []uint16, c []float32, ldc int)

// blockGo is the plain-Go bf16 block kernel: the reference for the AMX
// and AVX512-BF16 ones, and the kernel of CPUs without either.
func blockGo(kp int, a []uint16, panel []uint16, c []float32, ldc int) {
	var acc [panelWidth]float32
	for r := range blockRows {
		clear(acc[:])
		row := a[r*kp : (r+1)*kp]
		for k, av := range row {
			if av == 0 {
				continue
			}
			x := bf16ToF32(av)
			for h := 0; h < panelWidth; h += 16 { // a half: 16 columns, every other value
				half := panel[layoutVNNI.index(kp, k, h):]
				for j := range 16 {
					acc[h+j] += x * bf16ToF32(half[2*j])
				}
			}
		}
		copy(c[r*ldc:r*ldc+panelWidth], acc[:])
	}
}

// bf16Scratch holds one goroutine's buffers for gemmBF16.
type bf16Scratch struct {
	a []uint16 // blockRows * kp
	c [blockRows * panelWidth]float32
}

// gemmBF16 computes C [M, N] = A [M, K] · B in bf16 into c with leading
// dimension ldc, on one goroutine.
func gemmBF16(kern namedBlockKernel, M int, a []float32, lda int, b packedBF16, c []float32, ldc int, st *bf16Scratch) {
	gemmBF16Panels(kern, M, a, lda, b, 0, panels(b.n), c, ldc, st)
}

// gemmBF16Panels is gemmBF16 for the columns of panels p0 to p1 of B only.
func gemmBF16Panels(kern namedBlockKernel, M int, a []float32, lda int, b packedBF16, p0, p1 int, c []float32, ldc int, st *bf16Scratch) {
	K, kp, N := b.k, b.kp, b.n
	if cap(st.a) < blockRows*kp {
		st.a = make([]uint16, blockRows*kp)
	}
	if kern.rows != nil && M <= blockRows {
		ab := st.a[:M*kp]
		rowsToBF16(ab, M, kp, a, lda, K)
		gemmBF16Rows(kern, M, ab, b, p0, p1, c, ldc, st)
		return
	}
	ab := st.a[:blockRows*kp]
	for m := 0; m < M; m += blockRows {
		rows := min(blockRows, M-m)
		for r := range blockRows {
			dst := ab[r*kp : (r+1)*kp]
			if r >= rows {
				clear(dst)
				continue
			}
			toBF16(dst[:K], a[(m+r)*lda:(m+r)*lda+K])
			clear(dst[K:])
		}
		if full := min(p1, N/panelWidth); kern.multi != nil && rows == blockRows && full > p0 {
			// The whole panels in one call; the loop below does the rest.
			kern.multi(kp, ab, b.data[p0*kp*panelWidth:], c[m*ldc+p0*panelWidth:], ldc, full-p0)
		}
		for p := p0; p < p1; p++ {
			n0 := p * panelWidth
			w := min(panelWidth, N-n0)
			if rows == blockRows && w == panelWidth {
				if kern.multi == nil {
					kern.fn(kp, ab, b.panel(p), c[m*ldc+n0:], ldc)
				}
				continue
			}
			kern.fn(kp, ab, b.panel(p), st.c[:], panelWidth)
			for r := range rows {
				copy(c[(m+r)*ldc+n0:(m+r)*ldc+n0+w], st.c[r*panelWidth:])
			}
		}
	}
}

// rowsToBF16 rounds rows 0 to M-1 of A [M, K] (leading dimension lda)
// to bf16 into dst [M, kp], zero past K.
func rowsToBF16(dst []uint16, M, kp int, a []float32, lda, K int) {
	for r := range M {
		row := dst[r*kp : (r+1)*kp]
		toBF16(row[:K], a[r*lda:r*lda+K])
		clear(row[K:])
	}
}

// gemmBF16Rows computes C [M, N] = A·B for the columns of panels p0 to p1
// of B, M at most blockRows, A already in bf16 [M, kp] (rowsToBF16), on
// the kernel's rows version: the whole panels in one call, the last,
// partial one through st.c.
func gemmBF16Rows(kern namedBlockKernel, M int, ab []uint16, b packedBF16, p0, p1 int, c []float32, ldc int, st *bf16Scratch) {
	kp, N := b.kp, b.n
	if M == 0 || p1 <= p0 {
		return
	}
	if full := min(p1, N/panelWidth); full > p0 {
		kern.rows(M, kp, ab, b.data[p0*kp*panelWidth:], c[p0*panelWidth:], ldc, full-p0)
	}
	if p1 > N/panelWidth { // the partial last panel
		p := N / panelWidth
		n0 := p * panelWidth
		kern.rows(M, kp, ab, b.panel(p), st.c[:], panelWidth, 1)
		for r := range M {
			copy(c[r*ldc+n0:r*ldc+N], st.c[r*panelWidth:])
		}
	}
}

// namedBlockKernel is a bf16 block kernel with the name Kernel reports,
// the layout of the panels it reads, optionally a version that computes n
// consecutive full panels at once (panels and c advance by one panel and
// panelWidth columns each), and optionally one that does so for 1 to
// blockRows rows of A and C.
type namedBlockKernel struct {
	name   string
	layout bf16Layout
	fn     blockKernel
	multi  func(kp int, a []uint16, panels []uint16, c []float32, ldc, n int)
	rows   func(rows, kp int, a []uint16, panels []uint16, c []float32, ldc, n int)
}

// clearBlock zeroes a block of c: the product over an empty K.
func clearBlock(c []float32, ldc int) {
	for r := range blockRows {
		clear(c[r*ldc : r*ldc+panelWidth])
	}
}
