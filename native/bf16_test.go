package native

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/splade-go/splade"
)

// TestBF16Kernels holds every bf16 block kernel this CPU runs, through the
// driver (the block path above blockRows rows, the rows path below), to
// the product of the bf16-rounded matrices computed in float64, and to
// the plain-Go kernel (blockGo, on the same bf16 activations) within
// bf16SumBound: the kernels differ from it only in the order and rounding
// of their float32 sums.
func TestBF16Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sh := range [][3]int{{32, 32, 32}, {1, 1, 1}, {33, 70, 768}, {64, 96, 40}, {5, 31, 0}, {16, 70, 768}, {7, 96, 40}, {3, 64, 0}, {18, 64, 768}, {31, 33, 64}, {9, 40, 100}, {2, 64, 8}} {
		M, N, K := sh[0], sh[1], sh[2]
		lda := K + 1
		a := randSlice(r, M*lda+1)
		w := randSlice(r, N*K+1)
		round := func(f float32) float32 { return bf16ToF32(bf16(f)) }
		ar := make([]float32, len(a))
		for i, v := range a {
			ar[i] = round(v)
		}
		want := make([]float32, M*N)
		gemmRef(M, N, K, ar, lda, func(k, n int) float32 { return round(w[n*K+k]) }, want, N)
		bound := make([]float64, M*N) // bf16SumBound of each element
		for m := range M {
			for n := range N {
				var abs float64
				for k := range K {
					abs += math.Abs(float64(ar[m*lda+k]) * float64(round(w[n*K+k])))
				}
				bound[m*N+n] = bf16SumBound(K, abs)
			}
		}
		ldc := N + 3
		run := func(nk namedBlockKernel) []float32 {
			b := packBF16(w, K, N, 1, K, nk.layout)
			c := make([]float32, M*ldc)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			gemmBF16(nk, M, a, lda, b, c, ldc, &bf16Scratch{})
			return c
		}
		plain := run(namedBlockKernel{name: "plain", layout: layoutVNNI, fn: blockGo})
		for _, nk := range bf16Kernels() {
			c := run(nk)
			for m := range M {
				for n := range N {
					got, exp, ref := c[m*ldc+n], want[m*N+n], plain[m*ldc+n]
					if d := math.Abs(float64(got - exp)); !(d <= 1e-4*(1+math.Abs(float64(exp)))) {
						t.Fatalf("%s M=%d N=%d K=%d: C[%d,%d] = %v, want %v", nk.name, M, N, K, m, n, got, exp)
					}
					if d := math.Abs(float64(got - ref)); !(d <= bound[m*N+n]) {
						t.Fatalf("%s M=%d N=%d K=%d: C[%d,%d] = %v, plain Go %v: |difference| %g > %g", nk.name, M, N, K, m, n, got, ref, d, bound[m*N+n])
					}
				}
				if c[m*ldc+N] == c[m*ldc+N] { // past N: not written
					t.Fatalf("%s M=%d N=%d K=%d: C[%d,%d] written", nk.name, M, N, K, m, N)
				}
			}
		}
	}
	t.Logf("bf16 kernels tested: %v", Kernels(splade.PrecisionBF16))
}

// bf16SumBound bounds |kernel − plain Go| for an element of C = A·B over K
// products of bf16 values whose absolute values sum to abs. Products of
// two bf16 values are exact in float32, so the two differ only in their
// sums: the plain kernel rounds each of K additions to nearest (relative
// error 2⁻²⁴ each), VDPBF16PS the same; BFMMLA and BFDOT add pairs of
// products, then the pair to the sum, K/2+1 roundings deep, each to odd
// (relative error below 2⁻²³). A term passes through at most K/2+1
// roundings of at most 2⁻²³ on either side, hence (K+2)·2⁻²³·abs; the
// tiny absolute term covers BFMMLA's flushing of subnormal sums (below
// 2⁻¹²⁶) to zero. A kernel that drops, repeats or misplaces one product
// of average size (abs/K) misses by 2²³/(K·(K+2)) times the bound: 14
// times at K = 768, the largest K above.
func bf16SumBound(K int, abs float64) float64 {
	return float64(K+2)*0x1p-23*abs + 0x1p-120
}

func TestBF16Rounding(t *testing.T) {
	for _, c := range []struct {
		f    float32
		want uint16
	}{
		{1, 0x3f80},
		{-2, 0xc000},
		{math.Float32frombits(0x3f808000), 0x3f80}, // a tie: to even
		{math.Float32frombits(0x3f818000), 0x3f82}, // a tie: to even, up
		{math.Float32frombits(0x3f808001), 0x3f81}, // above the tie
	} {
		if got := bf16(c.f); got != c.want {
			t.Errorf("bf16(%#x) = %#x, want %#x", math.Float32bits(c.f), got, c.want)
		}
	}
}

// BenchmarkGEMMBF16 reports GFLOP/s of each bf16 kernel on one core, at
// the shape of BenchmarkGEMM.
func BenchmarkGEMMBF16(b *testing.B) {
	const M, N, K = 256, 768, 768
	r := rand.New(rand.NewPCG(1, 2))
	a := randSlice(r, M*K)
	c := make([]float32, M*N)
	for _, nk := range bf16Kernels() {
		w := packBF16(randSlice(r, N*K), K, N, 1, K, nk.layout)
		b.Run(nk.name, func(b *testing.B) {
			for b.Loop() {
				gemmBF16(nk, M, a, K, w, c, N, &bf16Scratch{})
			}
			b.ReportMetric(2*M*N*K*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestPackBF16 checks that packBF16 puts bf16(B[k, n]), B[k, n] =
// src[k*sk + n*sn], where each layout's index says (the VNNI layout's
// contiguous columns take their own path), zero past K and N.
func TestPackBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, l := range []bf16Layout{layoutVNNI, layoutMMLA} {
		for _, sh := range []struct{ K, N int }{{1, 1}, {3, 5}, {33, 37}, {64, 64}, {77, 40}} {
			K, N := sh.K, sh.N
			for _, st := range []struct{ sk, sn int }{{1, K}, {1, K + 3}, {N, 1}, {2 * N, 2}} {
				src := randSlice(r, (K-1)*st.sk+(N-1)*st.sn+1)
				b := packBF16(src, K, N, st.sk, st.sn, l)
				for n := range panels(N) * panelWidth {
					for k := range b.kp {
						var want uint16
						if n < N && k < K {
							want = bf16(src[k*st.sk+n*st.sn])
						}
						if got := b.panel(n / panelWidth)[l.index(b.kp, k, n%panelWidth)]; got != want {
							t.Fatalf("layout %d K %d N %d strides %d, %d: element (%d, %d) = %#04x, want %#04x", l, K, N, st.sk, st.sn, k, n, got, want)
						}
					}
				}
			}
		}
	}
}

// BenchmarkPackBF16 packs one BERT-base feed-forward weight (768 x 3072)
// at load.
func BenchmarkPackBF16(b *testing.B) {
	const K, N = 768, 3072
	w := randSlice(rand.New(rand.NewPCG(1, 2)), N*K)
	for b.Loop() {
		packBF16(w, K, N, 1, K, layoutVNNI)
	}
}
