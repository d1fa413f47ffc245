package native

import (
	"math"
	"math/rand/v2"
	"testing"
)

// plainKernel is the plain-Go tile and small-M kernels, the reference of
// the portable ones: held to gemmRef like every kernel.
var plainKernel = namedKernel{"plain", tileGo, smallGo, nil}

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
	for _, nk := range append(fp32Kernels(), plainKernel) {
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
	t.Logf("tested kernels: %v and the plain one", Kernels(""))
	if ks := fp32Kernels(); len(ks) == 1 {
		t.Logf("only the portable kernel runs on this CPU; the SIMD kernels were not tested")
	}
}

// TestSmallKernels holds every small-M kernel this CPU runs, through
// gemmSmall, to the definition of the matrix product.
func TestSmallKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tested := 0
	for _, nk := range append(fp32Kernels(), plainKernel) {
		if nk.small == nil {
			continue
		}
		tested++
		for _, sh := range [][3]int{{16, 70, 768}, {13, 96, 40}, {1, 33, 5}, {16, 32, 0}, {16, 64, 3072}} {
			M, N, K := sh[0], sh[1], sh[2]
			lda := K + 3
			a := randSlice(r, M*lda+1)
			w := randSlice(r, N*K+1)
			want := make([]float32, M*N)
			gemmRef(M, N, K, a, lda, func(k, n int) float32 { return w[n*K+k] }, want, N)
			b := pack(nil, w, K, N, 1, K)
			ldc := N + 2
			c := make([]float32, M*ldc)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			gemmSmall(nk.small, M, packRows(nil, M, a, lda, K), b, 0, panels(N), c, ldc, &scratchTile{})
			for m := range M {
				for n := range N {
					got, exp := c[m*ldc+n], want[m*N+n]
					if d := math.Abs(float64(got - exp)); !(d <= 1e-4*(1+math.Abs(float64(exp)))) {
						t.Fatalf("%s small M=%d N=%d K=%d: C[%d,%d] = %v, want %v", nk.name, M, N, K, m, n, got, exp)
					}
				}
			}
		}
	}
	if tested == 0 {
		t.Log("no small-M kernel runs on this CPU (AVX-512 has one): nothing to test")
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

// BenchmarkGEMMEdge reports GFLOP/s of each kernel, the plain one
// included, on one core at the shape of the edge fixture's MLM head
// (hidden 128) over 128 tokens, for 4096 vocabulary columns.
func BenchmarkGEMMEdge(b *testing.B) {
	const M, N, K = 128, 4096, 128
	r := rand.New(rand.NewPCG(1, 2))
	a := randSlice(r, M*K)
	w := pack(nil, randSlice(r, N*K), K, N, 1, K)
	c := make([]float32, M*N)
	for _, nk := range append(fp32Kernels(), plainKernel) {
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

// BenchmarkGEMMSmall reports the weight stream (bytes/s) of a 16-token
// query's product through the MLM decoder's shape (768 x 30522, 94 MB of
// fp32 weights, far past the caches) on one core: the tile kernel
// (gemmPanels, two 12-row tiles per panel) and each small-M kernel.
func BenchmarkGEMMSmall(b *testing.B) {
	const M, N, K = 16, 30522, 768
	r := rand.New(rand.NewPCG(1, 2))
	a := randSlice(r, M*K)
	w := pack(nil, randSlice(r, N*K), K, N, 1, K)
	c := make([]float32, M*N)
	for _, nk := range fp32Kernels() {
		if nk.name == "go" {
			continue
		}
		b.Run(nk.name+"/tiles", func(b *testing.B) {
			b.SetBytes(int64(len(w.data) * 4))
			for b.Loop() {
				gemmPanels(nk.fn, M, a, K, w, 0, panels(N), c, N, &scratchTile{})
			}
		})
		if nk.small == nil {
			continue
		}
		b.Run(nk.name+"/small", func(b *testing.B) {
			b.SetBytes(int64(len(w.data) * 4))
			var ap []float32
			for b.Loop() {
				ap = packRows(ap, M, a, K, K)
				gemmSmall(nk.small, M, ap, w, 0, panels(N), c, N, &scratchTile{})
			}
		})
	}
}

// TestRowsBlocked holds rowsBlocked, the portable kernel's block of a
// short query's rows, to the definition of the matrix product.
func TestRowsBlocked(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sh := range [][2]int{{4, 128}, {18, 70}, {2, 33}, {20, 70}, {32, 5}, {8, 0}, {6, 0}} {
		R, K := sh[0], sh[1]
		lda, ldc := K+3, panelWidth+2
		a := randSlice(r, R*lda+1)
		w := randSlice(r, panelWidth*K+1)
		want := make([]float32, R*panelWidth)
		gemmRef(R, panelWidth, K, a, lda, func(k, n int) float32 { return w[n*K+k] }, want, panelWidth)
		c := make([]float32, R*ldc)
		for i := range c {
			c[i] = float32(math.NaN())
		}
		rowsBlocked(R, K, a, lda, pack(nil, w, K, panelWidth, 1, K).panel(0), c, ldc)
		for m := range R {
			for n := range panelWidth {
				got, exp := c[m*ldc+n], want[m*panelWidth+n]
				if d := math.Abs(float64(got - exp)); !(d <= 1e-4*(1+math.Abs(float64(exp)))) {
					t.Fatalf("R=%d K=%d: C[%d,%d] = %v, want %v", R, K, m, n, got, exp)
				}
			}
		}
	}
}

// TestWholeKernels holds every whole-product kernel this host runs (the
// WebAssembly SIMD one, under native/simd128/go_js_wasm_exec) to the
// definition of the matrix product, and its max-pooled head to the
// maximum of that product's rows: edge rows, edge panels, panel ranges.
func TestWholeKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	tested := 0
	for _, nk := range fp32Kernels() {
		if nk.whole == nil {
			continue
		}
		tested++
		for _, sh := range [][3]int{{1, 1, 1}, {4, 32, 8}, {3, 33, 5}, {18, 100, 128}, {18, 70, 0}, {5, 200, 64}, {0, 40, 16}} {
			M, N, K := sh[0], sh[1], sh[2]
			lda := K + 3
			a := randSlice(r, M*lda+1)
			w := randSlice(r, N*K+1) // [N, K]: an nn.Linear weight
			b := pack(nil, w, K, N, 1, K)
			want := make([]float32, M*N)
			gemmRef(M, N, K, a, lda, func(k, n int) float32 { return w[n*K+k] }, want, N)
			near := func(got, exp float32) bool {
				return math.Abs(float64(got-exp)) <= 1e-4*(1+math.Abs(float64(exp)))
			}
			for _, pr := range [][2]int{{0, panels(N)}, {panels(N) / 2, panels(N)}, {0, (panels(N) + 1) / 2}} {
				p0, p1 := pr[0], pr[1]
				ldc := N + 2
				c := make([]float32, M*ldc)
				for i := range c {
					c[i] = float32(math.NaN()) // every element of the panels is written, no other
				}
				nk.whole.gemm(M, a, lda, b, p0, p1, c, ldc)
				for m := range M {
					for n := range ldc {
						got := c[m*ldc+n]
						if n < p0*panelWidth || n >= min(N, p1*panelWidth) {
							if !math.IsNaN(float64(got)) {
								t.Fatalf("%s gemm M=%d N=%d K=%d panels %d-%d: C[%d,%d] = %v written", nk.name, M, N, K, p0, p1, m, n, got)
							}
							continue
						}
						if exp := want[m*N+n]; !near(got, exp) {
							t.Fatalf("%s gemm M=%d N=%d K=%d panels %d-%d: C[%d,%d] = %v, want %v", nk.name, M, N, K, p0, p1, m, n, got, exp)
						}
					}
				}
			}
			acc := randSlice(r, panels(N)*panelWidth) // maxima so far
			exp := append([]float32(nil), acc...)
			for n := range N {
				for m := range M {
					exp[n] = max(exp[n], want[m*N+n])
				}
			}
			for n := N; n < len(exp); n++ { // the zero columns past N
				if M > 0 {
					exp[n] = max(exp[n], 0)
				}
			}
			nk.whole.maxPool(M, a, lda, b, acc)
			for n := range acc {
				if !near(acc[n], exp[n]) {
					t.Fatalf("%s maxPool M=%d N=%d K=%d: column %d = %v, want %v", nk.name, M, N, K, n, acc[n], exp[n])
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no whole-product kernel here: the WebAssembly SIMD one runs under native/simd128/go_js_wasm_exec")
	}
}

// TestWholeInt8Kernels holds every whole-product int8 kernel this host
// runs (as TestWholeKernels) to the plain-Go int8 kernel: the product
// with bias through gemmInt8Panels, and its maximum over the rows.
func TestWholeInt8Kernels(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	near := func(got, exp float32) bool {
		return math.Abs(float64(got-exp)) <= 1e-5*(1+math.Abs(float64(exp)))
	}
	tested := 0
	for _, nk := range int8Kernels() {
		if nk.whole == nil {
			continue
		}
		tested++
		for _, sh := range [][3]int{{1, 1, 1}, {4, 32, 8}, {3, 33, 5}, {18, 100, 128}, {18, 70, 0}, {5, 200, 64}, {13, 40, 512}} {
			M, N, K := sh[0], sh[1], sh[2]
			lda := K + 3
			a := randSlice(r, M*lda+1)
			w := randSlice(r, N*K+1)
			b := packInt8(w, K, N, 1, K, randSlice(r, N))
			var q quantRows
			quantizeRows(&q, M, a, lda, K, b.kp)
			ldc := N + 2
			want := make([]float32, M*ldc)
			gemmInt8Panels(int8TileGo, M, &q, 0, &b, 0, panels(N), want, ldc, &int8Scratch{})
			for _, pr := range [][2]int{{0, panels(N)}, {panels(N) / 2, panels(N)}, {0, (panels(N) + 1) / 2}} {
				p0, p1 := pr[0], pr[1]
				for _, r0 := range []int{0, M / 2} { // rows r0 to M-1 of q
					c := make([]float32, M*ldc)
					for i := range c {
						c[i] = float32(math.NaN()) // every element of the panels is written, no other
					}
					nk.whole.gemm(M-r0, &q, r0, &b, p0, p1, c, ldc)
					for m := range M - r0 {
						for n := range ldc {
							got := c[m*ldc+n]
							if n < p0*panelWidth || n >= min(N, p1*panelWidth) {
								if !math.IsNaN(float64(got)) {
									t.Fatalf("%s gemm M=%d N=%d K=%d rows %d- panels %d-%d: C[%d,%d] = %v written", nk.name, M, N, K, r0, p0, p1, m, n, got)
								}
								continue
							}
							if exp := want[(r0+m)*ldc+n]; !near(got, exp) {
								t.Fatalf("%s gemm M=%d N=%d K=%d rows %d- panels %d-%d: C[%d,%d] = %v, want %v", nk.name, M, N, K, r0, p0, p1, m, n, got, exp)
							}
						}
					}
				}
			}
			acc := randSlice(r, panels(N)*panelWidth) // maxima so far
			exp := append([]float32(nil), acc...)
			for n := range N {
				for m := range M {
					exp[n] = max(exp[n], want[m*ldc+n])
				}
			}
			for n := N; n < len(exp); n++ { // the zero columns past N, zero bias
				if M > 0 {
					exp[n] = max(exp[n], 0)
				}
			}
			nk.whole.maxPool(M, &q, &b, acc)
			for n := range acc {
				if !near(acc[n], exp[n]) {
					t.Fatalf("%s maxPool M=%d N=%d K=%d: column %d = %v, want %v", nk.name, M, N, K, n, acc[n], exp[n])
				}
			}
		}
	}
	if tested == 0 {
		t.Skip("no whole-product int8 kernel here: the WebAssembly SIMD one runs under native/simd128/go_js_wasm_exec")
	}
}

// TestPack checks that pack puts element (k, n) of B, src[k*sk + n*sn],
// at row k, column n%panelWidth of panel n/panelWidth, zero past N, for
// B read by columns (weights, keys), by rows (values) and strided.
func TestPack(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, sh := range []struct{ K, N int }{{1, 1}, {3, 5}, {64, 37}, {17, 64}, {64, 200}} {
		K, N := sh.K, sh.N
		for _, st := range []struct{ sk, sn int }{{1, K}, {1, K + 3}, {N, 1}, {N + 2, 1}, {2 * N, 2}} {
			src := randSlice(r, (K-1)*st.sk+(N-1)*st.sn+1)
			dst := randSlice(r, panels(N)*K*panelWidth) // stale values must go
			b := pack(dst, src, K, N, st.sk, st.sn)
			for n := range panels(N) * panelWidth {
				for k := range K {
					var want float32
					if n < N {
						want = src[k*st.sk+n*st.sn]
					}
					if got := b.panel(n / panelWidth)[k*panelWidth+n%panelWidth]; got != want {
						t.Fatalf("K %d N %d strides %d, %d: element (%d, %d) = %v, want %v", K, N, st.sk, st.sn, k, n, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkPackKeys packs one head's keys, Kᵀ [64, 256] out of a
// BERT-base qkv row block, as attention does for every head and text.
func BenchmarkPackKeys(b *testing.B) {
	const dh, L, ld = 64, 256, 3 * 768
	src := randSlice(rand.New(rand.NewPCG(1, 2)), L*ld)
	var kt packed
	for b.Loop() {
		kt = pack(kt.data, src, dh, L, 1, ld)
	}
}
