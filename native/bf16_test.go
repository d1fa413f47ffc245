package native

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBF16Kernels holds every bf16 block kernel this CPU runs, through the
// driver, to the product of the bf16-rounded matrices computed in float64.
func TestBF16Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, nk := range bf16Kernels() {
		for _, sh := range [][3]int{{32, 32, 32}, {1, 1, 1}, {33, 70, 768}, {64, 96, 40}, {5, 31, 0}, {16, 70, 768}, {7, 96, 40}, {3, 64, 0}, {18, 64, 768}, {31, 33, 64}} {
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
			b := packBF16(w, K, N, 1, K)
			ldc := N + 3
			c := make([]float32, M*ldc)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			gemmBF16(nk, M, a, lda, b, c, ldc, &bf16Scratch{})
			for m := range M {
				for n := range N {
					got, exp := c[m*ldc+n], want[m*N+n]
					if d := math.Abs(float64(got - exp)); !(d <= 1e-4*(1+math.Abs(float64(exp)))) {
						t.Fatalf("%s M=%d N=%d K=%d: C[%d,%d] = %v, want %v", nk.name, M, N, K, m, n, got, exp)
					}
				}
			}
		}
	}
	if len(bf16Kernels()) == 1 {
		t.Log("no AMX-BF16 on this CPU (or Linux refused the tile state): only the plain-Go bf16 kernel was tested")
	}
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
	w := packBF16(randSlice(r, N*K), K, N, 1, K)
	c := make([]float32, M*N)
	for _, nk := range bf16Kernels() {
		b.Run(nk.name, func(b *testing.B) {
			for b.Loop() {
				gemmBF16(nk, M, a, K, w, c, N, &bf16Scratch{})
			}
			b.ReportMetric(2*M*N*K*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestPackBF16 checks that packBF16 puts bf16(B[k, n]), B[k, n] =
// src[k*sk + n*sn], where the VNNI layout says: in panel n/panelWidth,
// step k/bf16Step, half j/16 of the columns (j = n%panelWidth), pair
// (k%bf16Step)/2, column j%16, k%2 within the pair; zero past K and N.
func TestPackBF16(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, sh := range []struct{ K, N int }{{1, 1}, {3, 5}, {33, 37}, {64, 64}, {77, 40}} {
		K, N := sh.K, sh.N
		for _, st := range []struct{ sk, sn int }{{1, K}, {1, K + 3}, {N, 1}, {2 * N, 2}} {
			src := randSlice(r, (K-1)*st.sk+(N-1)*st.sn+1)
			b := packBF16(src, K, N, st.sk, st.sn)
			for n := range panels(N) * panelWidth {
				j := n % panelWidth
				for k := range b.kp {
					var want uint16
					if n < N && k < K {
						want = bf16(src[k*st.sk+n*st.sn])
					}
					s, kk := k/bf16Step, k%bf16Step
					if got := b.panel(n / panelWidth)[((s*2+j/16)*16+kk/2)*32+j%16*2+kk%2]; got != want {
						t.Fatalf("K %d N %d strides %d, %d: element (%d, %d) = %#04x, want %#04x", K, N, st.sk, st.sn, k, n, got, want)
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
		packBF16(w, K, N, 1, K)
	}
}
