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
// [H, V] and its bias, fused: each tile of logits is reduced into the
// pooled [S, V] result and dropped. pooled is overwritten.
//
// Max pooling takes the raw maximum and activates it once at the end
// (the activation is monotone). Each sequence's rows are padded to whole
// tiles with copies of its last row, which leave the maximum as it is, so
// that every tile belongs to one sequence and reduces with maxRows. Sum
// pooling sums the activated logits row by row, padding rows skipped.
// On a whole-head kernel (WebAssembly SIMD) max pooling takes each
// sequence in one call instead (poolWhole).
func pool(m *Model, h []float32, offs []int, pooled []float32, ws *workspace) {
	S, V, H := len(offs)-1, m.vocab, m.hidden
	sum := m.pooling == splade.PoolingSum
	if w := m.kernel.whole; w != nil && !sum && m.bf16 == nil && m.int8 == nil {
		poolWhole(m, S, pooled, ws, func(s int, acc []float32) {
			w.maxPool(offs[s+1]-offs[s], h[offs[s]*H:], H, m.dec, acc)
		})
		return
	}
	if m.int8 != nil && m.int8.whole != nil && !sum {
		kp := m.decInt8.kp
		poolWhole(m, S, pooled, ws, func(s int, acc []float32) { // the sequence's rows quantized first
			n := offs[s+1] - offs[s]
			quantizeRows(&ws.xq, n, h[offs[s]*H:], H, H, kp)
			m.int8.whole.maxPool(n, &ws.xq, &m.decInt8, acc)
		})
		return
	}
	// R rows per block: a kernel's tile, or smallRows on its small-M
	// version where that pads fewer rows (a short query).
	padded := func(R int) (n int) {
		for s := range S {
			n += (offs[s+1] - offs[s] + R - 1) / R * R
		}
		return n
	}
	R := tileRows
	if m.bf16 != nil {
		R = blockRows
	}
	small := (m.bf16 == nil && m.int8 == nil && m.kernel.small != nil || m.bf16 != nil && m.bf16.rows != nil) && padded(smallRows) < padded(R)
	if small {
		R = smallRows
	}
	if m.bf16 != nil && m.bf16.rows != nil && S == 1 && offs[1] <= blockRows {
		R, small = offs[1], true // one query: blocks of its own length
	}
	// One query on the portable kernel (WebAssembly), which is bound by
	// arithmetic: one block of its length rounded up to even (rowsBlocked).
	goRows := m.bf16 == nil && m.int8 == nil && m.kernel.name == "go" && S == 1 && offs[1] <= blockRows
	if goRows {
		R, small = (offs[1]+1)/2*2, false
	}
	// The padded rows: sequence s has rows starts[s] to starts[s+1], of
	// which the first offs[s+1]-offs[s] are real.
	starts := make([]int, S+1)
	for s := range S {
		n := offs[s+1] - offs[s]
		starts[s+1] = starts[s] + (n+R-1)/R*R
	}
	rows := starts[S]
	seqOf := make([]int32, rows) // -1 for padding
	src := make([]int, rows)     // the row of h each padded row copies
	for s := range S {
		for t := starts[s]; t < starts[s+1]; t++ {
			i := t - starts[s]
			seqOf[t], src[t] = int32(s), offs[s]+i
			if offs[s]+i >= offs[s+1] {
				seqOf[t], src[t] = -1, offs[s+1]-1
			}
		}
	}

	// block computes rows [r, r+R) of panel p of the logits into c.
	var block func(r, p int, c []float32)
	if m.int8 != nil { // the padded rows quantized once
		kp := m.decInt8.kp
		q := &ws.xq
		q.kp, q.u, q.scale, q.zp = kp, grow(q.u, rows*kp), grow(q.scale, rows), grow(q.zp, rows)
		m.rows(ws.crew, rows, func(lo, hi int) {
			for t := lo; t < hi; t++ {
				i := src[t]
				q.scale[t], q.zp[t] = quantizeRow(q.u[t*kp:(t+1)*kp], h[i*H:(i+1)*H])
			}
		})
		kern := m.int8.fn
		block = func(r, p int, c []float32) { kern(q, r, &m.decInt8, p, c, panelWidth) }
	} else if m.bf16 == nil {
		ws.hp = grow(ws.hp, rows*H)
		hp := ws.hp
		for t, i := range src {
			copy(hp[t*H:(t+1)*H], h[i*H:(i+1)*H])
		}
		kern := m.kernel.fn
		block = func(r, p int, c []float32) { kern(H, hp[r*H:], H, m.dec.panel(p), c, panelWidth) }
		if goRows {
			block = func(r, p int, c []float32) { rowsBlocked(R, H, hp[r*H:], H, m.dec.panel(p), c, panelWidth) }
		}
		if small { // each block of smallRows rows packed by packRows
			ws.xs = grow(ws.xs, rows*H)
			xs := ws.xs
			for r := 0; r < rows; r += smallRows {
				packRows(xs[r*H:(r+smallRows)*H], smallRows, hp[r*H:], H, H)
			}
			kern := m.kernel.small
			block = func(r, p int, c []float32) { kern(H, xs[r*H:(r+smallRows)*H], m.dec.panel(p), c, panelWidth) }
		}
	} else {
		kp := m.decBF16.kp
		ws.hb = grow(ws.hb, rows*kp)
		hb := ws.hb
		for t, i := range src {
			toBF16(hb[t*kp:t*kp+H], h[i*H:(i+1)*H])
			clear(hb[t*kp+H : (t+1)*kp])
		}
		kern := m.bf16.fn
		block = func(r, p int, c []float32) { kern(kp, hb[r*kp:], m.decBF16.panel(p), c, panelWidth) }
		if small {
			rows := m.bf16.rows
			block = func(r, p int, c []float32) { rows(R, kp, hb[r*kp:], m.decBF16.panel(p), c, panelWidth, 1) }
		}
	}

	act, decB := m.activation, m.decB
	loglog := act == splade.ActivationLog1pReLU
	init := float32(math.Inf(-1))
	if sum {
		init = 0
	}
	for i := range pooled[:S*V] {
		pooled[i] = init
	}
	groups := (panels(V) + headGroup - 1) / headGroup
	ws.crew.parallel(groups, func(_, g int) {
		var c [blockRows * panelWidth]float32
		var acc [panelWidth]float32
		p0, p1 := g*headGroup, min((g+1)*headGroup, panels(V))
		for t0 := 0; t0 < rows; t0 += R {
			s := int(seqOf[t0]) // a tile's first row is always real
			for p := p0; p < p1; p++ {
				n0 := p * panelWidth
				w := min(panelWidth, V-n0)
				block(t0, p, c[:])
				dst := pooled[s*V+n0 : s*V+n0+w]
				if !sum {
					copy(acc[:w], dst)
					maxRows(&acc, c[:R*panelWidth])
					copy(dst, acc[:w])
					continue
				}
				b := decB[n0 : n0+w]
				for r := range R {
					if seqOf[t0+r] < 0 {
						break
					}
					for j, z := range c[r*panelWidth : r*panelWidth+w] {
						if z += b[j]; z > 0 {
							dst[j] += activate(z, loglog)
						}
					}
				}
			}
		}
	})
	if !sum {
		activatePooled(m, S, pooled, ws)
	}
}

// poolWhole is pool (max pooling) on a whole-head kernel (wholeKernel,
// wholeInt8Kernel): maxPool(s, acc) takes the maxima of sequence s over
// all of the vocabulary's panels into acc in one call.
func poolWhole(m *Model, S int, pooled []float32, ws *workspace, maxPool func(s int, acc []float32)) {
	V := m.vocab
	ws.acc = grow(ws.acc, panels(V)*panelWidth)
	for s := range S {
		for i := range ws.acc {
			ws.acc[i] = float32(math.Inf(-1))
		}
		maxPool(s, ws.acc)
		copy(pooled[s*V:(s+1)*V], ws.acc)
	}
	activatePooled(m, S, pooled, ws)
}

// activatePooled adds the decoder's bias to the S max-pooled rows of
// logits in pooled and activates them.
func activatePooled(m *Model, S int, pooled []float32, ws *workspace) {
	V, decB, loglog := m.vocab, m.decB, m.activation == splade.ActivationLog1pReLU
	ws.crew.parallel(S, func(_, s int) {
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

// maxRowsGo sets acc[j] to the maximum of acc[j] and c[r*panelWidth+j]
// over the rows r of c: the plain-Go reference of maxRows.
func maxRowsGo(acc *[panelWidth]float32, c []float32) {
	for r := 0; r+panelWidth <= len(c); r += panelWidth {
		row := (*[panelWidth]float32)(c[r:])
		for j := range acc {
			acc[j] = max(acc[j], row[j])
		}
	}
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
