package native

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestInt8Kernels holds every int8 kernel this CPU runs, through the
// driver, to the quantized product by its definition in float64
// (Σ_k as·(u−zp)·ws·q + bias), and the VNNI kernels to the plain-Go one
// exactly (the same int32 sums, the same float32 epilogue).
func TestInt8Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ks := int8Kernels()
	for _, sh := range [][3]int{{12, 32, 4}, {1, 1, 1}, {13, 70, 768}, {24, 96, 41}, {5, 31, 0}, {16, 64, 3072}, {7, 33, 6}} {
		M, N, K := sh[0], sh[1], sh[2]
		lda := K + 3
		a := randSlice(r, M*lda+1)
		for i := range a { // one-sided rows too, as after GELU
			if i%lda < K/2 && i/lda%2 == 1 {
				a[i] = float32(math.Abs(float64(a[i])))
			}
		}
		w := randSlice(r, N*K+1)
		bias := randSlice(r, N)
		b := packInt8(w, K, N, 1, K, bias)
		var q quantRows
		quantizeRows(&q, M, a, lda, K, b.kp)
		want := make([]float64, M*N)
		for m := range M {
			for n := range N {
				s := float64(bias[n])
				for k := range K {
					pd := b.panel(n / panelWidth)
					wq := pd[k/int8Step*int8Step*panelWidth+n%panelWidth*int8Step+k%int8Step]
					s += float64(q.scale[m]) * float64(int32(q.u[m*b.kp+k])-q.zp[m]) * float64(b.scale[n]) * float64(wq)
				}
				want[m*N+n] = s
			}
		}
		ldc := N + 2
		var ref []float32
		for _, nk := range ks {
			c := make([]float32, M*ldc)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			gemmInt8(nk.fn, M, a, lda, &b, c, ldc, &int8Scratch{})
			for m := range M {
				for n := range N {
					got, exp := c[m*ldc+n], want[m*N+n]
					if d := math.Abs(float64(got) - exp); !(d <= 1e-4*(1+math.Abs(exp))) {
						t.Fatalf("%s M=%d N=%d K=%d: C[%d,%d] = %v, want %v", nk.name, M, N, K, m, n, got, exp)
					}
				}
			}
			if nk.name == "go" {
				continue
			}
			if ref == nil {
				ref = make([]float32, M*ldc)
				gemmInt8(int8TileGo, M, a, lda, &b, ref, ldc, &int8Scratch{})
			}
			for m := range M {
				for n := range N {
					if got, exp := c[m*ldc+n], ref[m*ldc+n]; got != exp {
						t.Fatalf("%s M=%d N=%d K=%d: C[%d,%d] = %v, the plain-Go kernel %v", nk.name, M, N, K, m, n, got, exp)
					}
				}
			}
		}
	}
	if len(ks) == 1 {
		t.Log("no int8 kernel for this CPU (AVX512-VNNI, AVX-VNNI, arm64 SDOT, WebAssembly SIMD): only the plain-Go int8 kernel was tested")
	}
}

// TestInt8Quantization checks that quantization loses at most half a step:
// |A − as·(u−zp)| <= as/2 per row, |B − ws·q| <= ws/2 per column.
func TestInt8Quantization(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const M, K, N = 5, 37, 40
	a := randSlice(r, M*K)
	for k := range K { // row 1 one-sided, row 2 zero
		a[K+k] = float32(math.Abs(float64(a[K+k]))) + 3
		a[2*K+k] = 0
	}
	var q quantRows
	quantizeRows(&q, M, a, K, K, 40)
	for m := range M {
		for k := range K {
			v := q.scale[m] * float32(int32(q.u[m*40+k])-q.zp[m])
			if d := math.Abs(float64(v - a[m*K+k])); d > float64(q.scale[m])/2*1.0001 {
				t.Fatalf("row %d k %d: %v quantized to %v (scale %v)", m, k, a[m*K+k], v, q.scale[m])
			}
		}
	}
	if q.scale[2] != 0 {
		t.Errorf("a zero row has scale %v, want 0", q.scale[2])
	}
	w := randSlice(r, N*K)
	b := packInt8(w, K, N, 1, K, nil)
	for n := range N {
		pd := b.panel(n / panelWidth)
		var sum int32
		for k := range K {
			wq := pd[k/int8Step*int8Step*panelWidth+n%panelWidth*int8Step+k%int8Step]
			sum += int32(wq)
			if d := math.Abs(float64(b.scale[n]*float32(wq) - w[n*K+k])); d > float64(b.scale[n])/2*1.0001 {
				t.Fatalf("column %d k %d: %v quantized to %v (scale %v)", n, k, w[n*K+k], b.scale[n]*float32(wq), b.scale[n])
			}
		}
		if sum != b.colSum[n] {
			t.Errorf("column %d: colSum %d, want %d", n, b.colSum[n], sum)
		}
	}
}

// BenchmarkGEMMInt8 reports GFLOP/s (2 per multiply-add) of each int8
// kernel on one core, at the shape of BenchmarkGEMM, the activations'
// quantization included.
func BenchmarkGEMMInt8(b *testing.B) {
	const M, N, K = 256, 768, 768
	r := rand.New(rand.NewPCG(1, 2))
	a := randSlice(r, M*K)
	w := packInt8(randSlice(r, N*K), K, N, 1, K, nil)
	c := make([]float32, M*N)
	for _, nk := range int8Kernels() {
		b.Run(nk.name, func(b *testing.B) {
			var st int8Scratch
			for b.Loop() {
				gemmInt8(nk.fn, M, a, K, &w, c, N, &st)
			}
			b.ReportMetric(2*M*N*K*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestQuantizeRow holds quantizeRow (AVX-512 where the CPU has it) to
// the plain-Go quantizeRowGo: the same bytes, scale and zero point.
func TestQuantizeRow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{0, 1, 15, 16, 17, 768, 3072, 100} {
		for _, kind := range []string{"normal", "positive", "zero", "large"} {
			a := randSlice(r, n)
			for i := range a {
				switch kind {
				case "positive":
					a[i] = float32(math.Abs(float64(a[i])))
				case "zero":
					a[i] = 0
				case "large":
					a[i] *= 1e4
				}
			}
			kp := n + 5
			u, want := make([]uint8, kp), make([]uint8, kp)
			for i := range u {
				u[i], want[i] = 7, 7 // the padding must be cleared
			}
			s, zp := quantizeRow(u, a)
			ws, wzp := quantizeRowGo(want, a)
			if s != ws || zp != wzp {
				t.Fatalf("n=%d %s: scale, zero point %v, %d; want %v, %d", n, kind, s, zp, ws, wzp)
			}
			for i := range u {
				if u[i] != want[i] {
					t.Fatalf("n=%d %s: u[%d] = %d, want %d", n, kind, i, u[i], want[i])
				}
			}
		}
	}
}

// TestRoundClamp holds the branch-free roundClamp to the branchy
// rounding it replaced (x ± 0.5 by the sign of x, in float32, truncated)
// and to math.Round away from the float32 ties near ±0.5.
func TestRoundClamp(t *testing.T) {
	plain := func(x float32, lo, hi int32) int32 {
		if x >= 0 {
			x += 0.5
		} else {
			x -= 0.5
		}
		return min(max(int32(x), lo), hi)
	}
	xs := []float32{0, float32(math.Copysign(0, -1)), 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997,
		126.5, -126.5, 127.4, -127.6, 200, -200, 1e30, -1e30, float32(math.Inf(1)), float32(math.Inf(-1))}
	r := rand.New(rand.NewPCG(11, 12))
	for range 10000 {
		xs = append(xs, (r.Float32()-0.5)*300)
	}
	for _, x := range xs {
		for _, lim := range [][2]int32{{-127, 127}, {0, 255}} {
			got, want := roundClamp(x, lim[0], lim[1]), plain(x, lim[0], lim[1])
			if got != want {
				t.Fatalf("roundClamp(%v, %d, %d) = %d, want %d", x, lim[0], lim[1], got, want)
			}
			if a := math.Abs(float64(x)); a < 1e6 && math.Abs(a-math.Floor(a)-0.5) > 1e-3 {
				if r := int32(max(float64(lim[0]), min(float64(lim[1]), math.Round(float64(x))))); got != r {
					t.Fatalf("roundClamp(%v, %d, %d) = %d, math.Round gives %d", x, lim[0], lim[1], got, r)
				}
			}
		}
	}
}

// BenchmarkPackInt8 reports the time to quantize and pack one BERT-base
// feed-forward weight (768 x 3072) at load.
func BenchmarkPackInt8(b *testing.B) {
	const K, N = 768, 3072
	w := randSlice(rand.New(rand.NewPCG(1, 2)), N*K)
	for b.Loop() {
		packInt8(w, K, N, 1, K, nil)
	}
}

// TestValueRange holds valueRange (AVX-512 where the CPU has it) to the
// plain-Go valueRangeGo.
func TestValueRange(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 15, 16, 17, 31, 768, 3072, 1001} {
		for _, shift := range []float32{0, 5, -5} {
			a := randSlice(r, n)
			for i := range a {
				a[i] += shift
			}
			lo, hi := valueRange(a)
			wlo, whi := valueRangeGo(a)
			if lo != wlo || hi != whi {
				t.Fatalf("n=%d shift %v: valueRange = %v, %v; want %v, %v", n, shift, lo, hi, wlo, whi)
			}
		}
	}
}
