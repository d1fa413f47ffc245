package native

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/splade-go/splade/arch"
)

func randRow(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

// TestRMSNorm holds rmsNormGo to x / sqrt(mean(x²) + eps) · w in float64.
func TestRMSNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const n, rows, eps = 48, 3, 1e-6
	x, w := randRow(r, rows*n), randRow(r, n)
	got := append([]float32(nil), x...)
	rmsNormGo(got, rows, w, eps)
	for row := range rows {
		var ss float64
		for _, v := range x[row*n : (row+1)*n] {
			ss += float64(v) * float64(v)
		}
		inv := 1 / math.Sqrt(ss/n+eps)
		for i := range n {
			want := float64(x[row*n+i]) * inv * float64(w[i])
			if d := math.Abs(float64(got[row*n+i]) - want); d > 1e-6*(1+math.Abs(want)) {
				t.Fatalf("row %d [%d]: %g, want %g", row, i, got[row*n+i], want)
			}
		}
	}
}

// TestRope holds the rotary embedding to the rotation of each pair
// (x_k, x_{k+d/2}) by position·freq_k, computed in float64.
func TestRope(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	const H, heads, N = 16, 2, 5
	dh := H / heads
	spec := arch.Rope{Theta: 500000, NTKFactor: 2}
	rp := newRope(spec, dh, 10)
	qkv := randRow(r, N*3*H)
	pos := []int32{0, 1, 2, 7, 9}
	got := append([]float32(nil), qkv...)
	rp.apply(got, 0, N, pos, H, heads)
	freq := spec.Frequencies(dh)
	for tok := range N {
		for c := range 3 * H {
			x := qkv[tok*3*H:]
			want := float64(x[c])
			if c < 2*H { // queries and keys rotate, values do not
				h, d := c/dh, c%dh
				k := d % (dh / 2)
				a := float64(pos[tok]) * freq[k]
				u, v := float64(x[h*dh+k]), float64(x[h*dh+k+dh/2])
				if d < dh/2 {
					want = u*math.Cos(a) - v*math.Sin(a)
				} else {
					want = v*math.Cos(a) + u*math.Sin(a)
				}
			}
			if d := math.Abs(float64(got[tok*3*H+c]) - want); d > 1e-5 {
				t.Fatalf("token %d column %d: %g, want %g", tok, c, got[tok*3*H+c], want)
			}
		}
	}
}

// TestGated checks both orders of a gated feed-forward.
func TestGated(t *testing.T) {
	g := []float32{1, -2, 3, 4, 5, 6} // I = 3: a = [1 -2 3], b = [4 5 6]
	dst := make([]float32, 3)
	gated(dst, append([]float32(nil), g...), 3, arch.GateActFirst, relu)
	if want := []float32{4, 0, 18}; !equal(dst, want) {
		t.Errorf("act(a)·b = %v, want %v", dst, want)
	}
	g2 := []float32{1, -2, 3, -4, 5, 6}
	gated(dst, g2, 3, arch.GateActSecond, relu)
	if want := []float32{0, -10, 18}; !equal(dst, want) {
		t.Errorf("a·act(b) = %v, want %v", dst, want)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAttentionWindow holds windowed attention to softmax over the keys
// within the window, computed in float64.
func TestAttentionWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const L, H, heads, window = 9, 8, 2, 2
	dh := H / heads
	qkv := randRow(r, L*3*H)
	ctx := make([]float32, L*H)
	var s attnScratch
	for h := range heads {
		attention(tileGo, qkv, L, H, h, dh, window, ctx, &s)
	}
	for h := range heads {
		for i := range L {
			var w []float64
			var sum float64
			for j := range L {
				if j < i-window || j > i+window {
					w = append(w, 0)
					continue
				}
				var dot float64
				for d := range dh {
					dot += float64(qkv[i*3*H+h*dh+d]) * float64(qkv[j*3*H+H+h*dh+d])
				}
				e := math.Exp(dot / math.Sqrt(float64(dh)))
				w = append(w, e)
				sum += e
			}
			for d := range dh {
				var want float64
				for j := range L {
					want += w[j] / sum * float64(qkv[j*3*H+2*H+h*dh+d])
				}
				if got := float64(ctx[i*H+h*dh+d]); math.Abs(got-want) > 1e-5 {
					t.Fatalf("head %d token %d dim %d: %g, want %g", h, i, d, got, want)
				}
			}
		}
	}
}

// TestTokenHead: per token id, the largest relu(h·w + b) of its
// occurrences; skipped ids and unseen ids 0.
func TestTokenHead(t *testing.T) {
	th := &tokenHead{w: []float32{1, 2}, b: -1, skip: []int{0}}
	h := []float32{ // [N=4, H=2]
		5, 0, // id 0: 4, skipped
		1, 1, // id 3: 2
		0, 3, // id 3: 5
		0, 0, // id 1: relu(-1) = 0
	}
	pooled := make([]float32, 5)
	th.pool(h, [][]int32{{0, 3, 3, 1}}, []int{0, 4}, 2, 5, pooled)
	if want := []float32{0, 0, 0, 5, 0}; !equal(pooled, want) {
		t.Errorf("pooled %v, want %v", pooled, want)
	}
}
