package native

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// TestKernels holds every micro-kernel this CPU runs, through the driver,
// to the definition of the matrix product, on shapes with edge tiles and
// edge panels and with both packing layouts.
func TestKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, nk := range fp32Kernels() {
		for _, sh := range [][3]int{{1, 1, 1}, {8, 32, 5}, {7, 33, 64}, {17, 70, 768}, {64, 96, 3}, {9, 31, 0}} {
			M, N, K := sh[0], sh[1], sh[2]
			lda := K + 3
			a := randSlice(r, M*lda+1)
			w := randSlice(r, N*K+1) // [N, K]: an nn.Linear weight
			want := make([]float32, M*N)
			gemmRef(M, N, K, a, lda, func(k, n int) float32 { return w[n*K+k] }, want, N)
			for _, layout := range []string{"linear", "row-major"} {
				var b packed
				if layout == "linear" {
					b = pack(nil, w, K, N, 1, K)
				} else {
					bt := make([]float32, K*N) // Wᵀ, [K, N]
					for k := range K {
						for n := range N {
							bt[k*N+n] = w[n*K+k]
						}
					}
					b = pack(nil, bt, K, N, N, 1)
				}
				ldc := N + 2
				c := make([]float32, M*ldc)
				for i := range c {
					c[i] = float32(math.NaN()) // the driver must write every element it owns
				}
				gemm(nk.fn, M, a, lda, b, c, ldc, &scratchTile{})
				for m := range M {
					for n := range N {
						got, exp := c[m*ldc+n], want[m*N+n]
						if d := math.Abs(float64(got - exp)); !(d <= 1e-4*(1+math.Abs(float64(exp)))) {
							t.Fatalf("%s %s M=%d N=%d K=%d: C[%d,%d] = %v, want %v", nk.name, layout, M, N, K, m, n, got, exp)
						}
					}
				}
			}
		}
	}
	if ks := fp32Kernels(); len(ks) == 1 {
		t.Logf("only the plain-Go kernel runs on this CPU; the AVX2 and AVX-512 kernels were not tested")
	}
}

// BenchmarkGEMM reports GFLOP/s of each kernel on one core, at the shape
// of a BERT-base attention projection over 256 tokens.
func BenchmarkGEMM(b *testing.B) {
	const M, N, K = 256, 768, 768
	r := rand.New(rand.NewPCG(1, 2))
	a := randSlice(r, M*K)
	w := pack(nil, randSlice(r, N*K), K, N, 1, K)
	c := make([]float32, M*N)
	for _, nk := range fp32Kernels() {
		b.Run(nk.name, func(b *testing.B) {
			for b.Loop() {
				gemm(nk.fn, M, a, K, w, c, N, &scratchTile{})
			}
			b.ReportMetric(2*M*N*K*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

func TestMaxRows(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, rows := range []int{0, 1, 12, 32} {
		c := randSlice(r, rows*panelWidth)
		var got, want [panelWidth]float32
		for j := range got {
			got[j] = float32(r.NormFloat64())
		}
		want = got
		orig := got
		for j := range want {
			for i := range rows {
				want[j] = max(want[j], c[i*panelWidth+j])
			}
		}
		maxRows(&got, c)
		if got != want {
			t.Errorf("%d rows: maxRows = %v, want %v", rows, got, want)
		}
		ref := orig
		maxRowsGo(&ref, c)
		if ref != want {
			t.Errorf("%d rows: maxRowsGo = %v, want %v", rows, ref, want)
		}
	}
}
