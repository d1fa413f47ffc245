package native

import "math"

// attention computes the self-attention context of one sequence and one
// head: ctx[t, :] = Σ_u softmax_u(q_t·k_u / sqrt(dh)) v_u for t, u < L,
// where q, k and v are the head's columns of the fused projection qkv
// [L, 3H] (queries, then keys, then values), and ctx is the head's
// columns of [L, H]. The two products run on the micro-kernel: Kᵀ and V
// are packed per head (L·dh values each, cheap next to the L²·dh
// multiply-adds), the scores [L, L] stay in the caller's scratch. The
// sequence is unpadded, so every key is a real token. With window > 0,
// token t attends only to the keys u with |t-u| <= window (the others
// get probability 0).
func attention(kern tileKernel, qkv []float32, L, H, head, dh, window int, ctx []float32, s *attnScratch) {
	ld := 3 * H
	q := qkv[head*dh:]
	k := qkv[H+head*dh:]
	v := qkv[2*H+head*dh:]
	s.kt = pack(s.kt.data, k, dh, L, 1, ld) // Kᵀ [dh, L]: element (d, u) at k[u*ld + d]
	s.v = pack(s.v.data, v, L, dh, ld, 1)   // V [L, dh]
	if cap(s.scores) < L*L {
		s.scores = make([]float32, L*L)
	}
	scores := s.scores[:L*L]
	gemm(kern, L, q, ld, s.kt, scores, L, &s.tile)
	scale := float32(1 / math.Sqrt(float64(dh)))
	for t := range L {
		row := scores[t*L : (t+1)*L]
		if window <= 0 || window >= L {
			softmaxRow(row, scale)
			continue
		}
		lo, hi := max(t-window, 0), min(t+window+1, L)
		softmaxRow(row[lo:hi], scale)
		clear(row[:lo])
		clear(row[hi:])
	}
	gemm(kern, L, scores, L, s.v, ctx[head*dh:], H, &s.tile)
}

// attnScratch is one goroutine's attention buffers.
type attnScratch struct {
	kt, v  packed
	scores []float32
	tile   scratchTile
}
