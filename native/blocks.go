package native

import (
	"math"

	"github.com/splade-go/splade/arch"
)

// The blocks that only some families use, each in plain Go: RMSNorm,
// the rotary position embedding, the gated feed-forward and the per-token
// head. Each has a float64 reference in blocks_test.go.

// rmsNormGo normalises each row of x [rows, len(w)] in place:
// x / sqrt(mean(x²) + eps) * w, with the statistic in float64.
func rmsNormGo(x []float32, rows int, w []float32, eps float64) {
	n := len(w)
	for r := range rows {
		row := x[r*n : (r+1)*n : (r+1)*n]
		var ss float64
		for _, v := range row {
			ss += float64(v) * float64(v)
		}
		inv := float32(1 / math.Sqrt(ss/float64(n)+eps))
		for i, v := range row {
			row[i] = v * inv * w[i]
		}
	}
}

// rope is a rotary position embedding's cos and sin of position·freq_k,
// [positions, dh/2] each.
type rope struct {
	half     int
	cos, sin []float32
}

// newRope tabulates r for heads of dh dimensions at positions 0 to n-1.
func newRope(r arch.Rope, dh, n int) *rope {
	freq := r.Frequencies(dh)
	t := &rope{half: dh / 2, cos: make([]float32, n*dh/2), sin: make([]float32, n*dh/2)}
	for p := range n {
		for k, f := range freq {
			// As PyTorch computes it: the angle in float32.
			a := float64(float32(p) * float32(f))
			t.cos[p*t.half+k] = float32(math.Cos(a))
			t.sin[p*t.half+k] = float32(math.Sin(a))
		}
	}
	return t
}

// apply rotates the queries and keys of rows lo to hi of qkv [N, 3H]
// (queries, keys, values), row t at position pos[t], in the rotate-half
// form: for k < dh/2, (x_k, x_{k+dh/2}) becomes
// (x_k·cos − x_{k+dh/2}·sin, x_{k+dh/2}·cos + x_k·sin).
func (r *rope) apply(qkv []float32, lo, hi int, pos []int32, H, heads int) {
	dh, half := H/heads, r.half
	for t := lo; t < hi; t++ {
		p := int(pos[t])
		cos, sin := r.cos[p*half:(p+1)*half], r.sin[p*half:(p+1)*half]
		row := qkv[t*3*H : t*3*H+2*H] // queries, then keys
		for h := range 2 * heads {
			x := row[h*dh : (h+1)*dh]
			a, b := x[:half], x[half:dh]
			for k := range half {
				u, v := a[k], b[k]
				a[k] = u*cos[k] - v*sin[k]
				b[k] = v*cos[k] + u*sin[k]
			}
		}
	}
}

// gated combines the rows of a gated feed-forward's input projection g
// [rows, 2I] = [a, b] into dst [rows, I]: act(a)·b for GateActFirst,
// a·act(b) for GateActSecond.
func gated(dst, g []float32, I int, gate arch.Gate, act func([]float32)) {
	rows := len(dst) / I
	for r := range rows {
		a, b := g[r*2*I:r*2*I+I], g[r*2*I+I:(r+1)*2*I]
		if gate == arch.GateActSecond {
			a, b = b, a
		}
		act(a)
		out := dst[r*I : (r+1)*I]
		for i := range out {
			out[i] = a[i] * b[i]
		}
	}
}

// tokenHead is a per-token linear head (BGE-M3's sparse_linear): token t
// weighs relu(h_t·w + b), and a text's vector holds, per token id, the
// largest weight of its occurrences.
type tokenHead struct {
	w    []float32
	b    float32
	skip []int // ids that get no weight
}

// pool writes the pooled [S, V] vectors of the texts seqs, whose final
// hidden states are h [N, H] (text s has rows offs[s] to offs[s+1]).
func (th *tokenHead) pool(h []float32, seqs [][]int32, offs []int, H, V int, pooled []float32) {
	clear(pooled)
	for s, ids := range seqs {
		out := pooled[s*V : (s+1)*V]
		for i, id := range ids {
			t := offs[s] + i
			var z float64
			for k, v := range h[t*H : (t+1)*H] {
				z += float64(v) * float64(th.w[k])
			}
			out[id] = max(out[id], float32(max(z+float64(th.b), 0)))
		}
		for _, id := range th.skip {
			if id >= 0 && id < V {
				out[id] = 0
			}
		}
	}
}

// siLU applies x·sigmoid(x) in place.
func siLU(x []float32) {
	for i, v := range x {
		x[i] = float32(float64(v) / (1 + math.Exp(-float64(v))))
	}
}

// activationFor maps an activation to its in-place function.
func activationFor(a arch.Activation) (func([]float32), bool) {
	switch a {
	case arch.GELU:
		return geluErf, true
	case arch.GELUTanh:
		return geluTanh, true
	case arch.ReLU:
		return relu, true
	case arch.SiLU:
		return siLU, true
	}
	return nil, false
}
