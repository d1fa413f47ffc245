package native

import (
	"math"

	"github.com/splade-go/splade"
)

// headGroup is how many vocabulary panels one goroutine takes at a time
// in the pooled MLM head: 16 panels of 768 rows are 1.5 MB, which stay in
// a core's L2 cache while every token's hidden state streams past them.
const headGroup = 16

// pool computes the SPLADE-pooled vectors of the sequences packed in h
// [N, H] (sequence s has rows offs[s] to offs[s+1]) through m's decoder
// [H, V] and its bias, fused: each tile of logits is reduced into
// the pooled [S, V] result (max pooling: the raw maximum, activated once
// at the end, since the activation is monotone; sum pooling: the sum of
// the activated logits) and dropped. pooled is overwritten. In bf16 the
// tiles are AMX's 32-row blocks, else the fp32 kernel's 8-row tiles.
func pool(m *Model, h []float32, offs []int, pooled []float32) {
	S, V, H := len(offs)-1, m.vocab, m.hidden
	N := offs[S]
	// block computes rows [r, r+R) of panel p of the logits into c.
	var block func(r, p int, c []float32)
	R := tileRows
	if m.bf16 != nil {
		R = blockRows
	}
	rows := (N + R - 1) / R * R
	if m.bf16 == nil {
		hp := make([]float32, rows*H) // h with zero rows up to a whole tile
		copy(hp, h[:N*H])
		kern := m.kernel.fn
		block = func(r, p int, c []float32) { kern(H, hp[r*H:], H, m.dec.panel(p), c, panelWidth) }
	} else {
		kp := m.decBF16.kp
		hb := make([]uint16, rows*kp) // h in bf16, zero-padded
		for t := range N {
			for k, v := range h[t*H : (t+1)*H] {
				hb[t*kp+k] = bf16(v)
			}
		}
		kern := m.bf16.fn
		block = func(r, p int, c []float32) { kern(kp, hb[r*kp:], m.decBF16.panel(p), c, panelWidth) }
	}
	pooling, act, decB := m.pooling, m.activation, m.decB
	seqOf := make([]int32, rows)
	for s := range S {
		for t := offs[s]; t < offs[s+1]; t++ {
			seqOf[t] = int32(s)
		}
	}
	for t := N; t < rows; t++ {
		seqOf[t] = -1
	}
	sum := pooling == splade.PoolingSum
	loglog := act == splade.ActivationLog1pReLU
	init := float32(math.Inf(-1))
	if sum {
		init = 0
	}
	for i := range pooled[:S*V] {
		pooled[i] = init
	}
	groups := (panels(V) + headGroup - 1) / headGroup
	parallel(groups, func(_, g int) {
		var c [blockRows * panelWidth]float32
		p0, p1 := g*headGroup, min((g+1)*headGroup, panels(V))
		for t0 := 0; t0 < rows; t0 += R {
			for p := p0; p < p1; p++ {
				n0 := p * panelWidth
				w := min(panelWidth, V-n0)
				block(t0, p, c[:])
				for r := range R {
					s := seqOf[t0+r]
					if s < 0 {
						break
					}
					dst := pooled[int(s)*V+n0 : int(s)*V+n0+w]
					src := c[r*panelWidth : r*panelWidth+w]
					if sum {
						b := decB[n0 : n0+w]
						for j, z := range src {
							if z += b[j]; z > 0 {
								dst[j] += activate(z, loglog)
							}
						}
						continue
					}
					for j, z := range src {
						dst[j] = max(dst[j], z)
					}
				}
			}
		}
	})
	if sum {
		return
	}
	parallel(S, func(_, s int) {
		row := pooled[s*V : (s+1)*V]
		for j, z := range row {
			if z += decB[j]; z > 0 {
				row[j] = activate(z, loglog)
			} else {
				row[j] = 0
			}
		}
	})
}

// activate is the SPLADE activation of a positive logit z: log(1+z), or
// log(1+log(1+z)) for log1p_relu.
func activate(z float32, loglog bool) float32 {
	w := math.Log1p(float64(z))
	if loglog {
		w = math.Log1p(w)
	}
	return float32(w)
}
