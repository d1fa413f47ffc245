package wasm

import (
	"context"
	"fmt"
	"math"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/sparsevec"
)

// pruneSlack widens the pruning bounds so that rounding in the float32
// forward pass can never turn a skipped logit positive.
const pruneSlack = 1e-4

// mlm is a masked-LM model over plain float32 slices.
type mlm struct {
	hidden, vocab, heads, inter int
	maxPos                      int // tokens a text may have
	posOffset                   int // position id of the first token
	eps                         float64
	act                         activation

	wordEmb, posEmb, typeEmb0 []float32 // typeEmb0: row 0 of the token-type table, nil for DistilBERT
	embNormW, embNormB        []float32
	layers                    []mlmLayer

	headW, headB         []float32
	headNormW, headNormB []float32
	dec, decB            []float32 // [V, H], [V]

	// Pruning tables, computed once at load.
	decNorm     []float32 // |E_j|, rounded up
	live        []int32   // rows j whose logit can be positive for some input, ascending
	decMean     []float64 // μ, the mean decoder row
	decCentered []float32 // |E_j − μ|, rounded up
}

type mlmLayer struct {
	qW, qB, kW, kB, vW, vB []float32
	oW, oB                 []float32
	n1W, n1B               []float32
	inW, inB, outW, outB   []float32
	n2W, n2B               []float32
}

// newMLM checks the shapes of p and builds the model with its pruning tables.
func newMLM(p *checkpoint.Params) (*mlm, error) {
	c := p.Net
	if c.PositionKind != arch.Absolute || c.PreNorm || c.Attention.Packed || c.FeedForward.Gate != arch.NoGate || c.FinalNorm ||
		c.Head.Kind != arch.MLMHead || c.Norm.Kind != arch.LayerNorm || !c.Norm.Bias {
		return nil, fmt.Errorf("wasm: %s networks are not supported yet (want post-LayerNorm, absolute positions)", c.Family)
	}
	H, V, I := c.Hidden, c.Vocab, c.Intermediate
	if H <= 0 || V <= 0 || I <= 0 || c.Heads <= 0 || H%c.Heads != 0 {
		return nil, fmt.Errorf("wasm: config: hidden %d, vocab %d, intermediate %d, heads %d do not make a model (hidden must be a multiple of heads)", H, V, I, c.Heads)
	}
	act, ok := activationFor(string(c.FeedForward.Act))
	if !ok {
		return nil, fmt.Errorf("wasm: config: unsupported hidden_act %q (want gelu, gelu_new or relu)", string(c.FeedForward.Act))
	}
	m := &mlm{hidden: H, vocab: V, heads: c.Heads, inter: I, eps: c.Norm.Eps, act: act}
	if m.eps <= 0 {
		m.eps = 1e-12
	}
	var err error
	get := func(name string, t *checkpoint.Tensor, shape ...int) []float32 {
		if err != nil {
			return nil
		}
		if t == nil {
			err = fmt.Errorf("wasm: weights: %s missing", name)
			return nil
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if len(t.Data) != n {
			err = fmt.Errorf("wasm: weights: %s has %d values (shape %v), want shape %v", name, len(t.Data), t.Shape, shape)
			return nil
		}
		return t.Data
	}
	m.wordEmb = get("word embeddings", p.Get(arch.W(arch.WordEmbeddings)), V, H)
	if p.Get(arch.W(arch.PositionEmbeddings)) != nil && H > 0 {
		m.maxPos = len(p.Get(arch.W(arch.PositionEmbeddings)).Data) / H
	}
	m.posEmb = get("position embeddings", p.Get(arch.W(arch.PositionEmbeddings)), m.maxPos, H)
	if c.Positions > 0 && c.Positions < m.maxPos {
		m.maxPos = c.Positions
	}
	m.posOffset = max(c.PositionOffset, 0) // RoBERTa: pad_token_id+1
	m.maxPos = max(m.maxPos-m.posOffset, 0)
	if p.Get(arch.W(arch.TypeEmbeddings)) != nil {
		if len(p.Get(arch.W(arch.TypeEmbeddings)).Data) < H {
			return nil, fmt.Errorf("wasm: weights: token type embeddings have %d values, want at least %d", len(p.Get(arch.W(arch.TypeEmbeddings)).Data), H)
		}
		m.typeEmb0 = p.Get(arch.W(arch.TypeEmbeddings)).Data[:H]
	}
	m.embNormW = get("embedding LayerNorm weight", p.Get(arch.W(arch.EmbeddingNorm)), H)
	m.embNormB = get("embedding LayerNorm bias", p.Get(arch.B(arch.EmbeddingNorm)), H)
	for i := range c.Layers {
		n := func(s string) string { return fmt.Sprintf("layer %d %s", i, s) }
		m.layers = append(m.layers, mlmLayer{
			qW: get(n("query weight"), p.Get(arch.LW(i, arch.Query)), H, H), qB: get(n("query bias"), p.Get(arch.LB(i, arch.Query)), H),
			kW: get(n("key weight"), p.Get(arch.LW(i, arch.Key)), H, H), kB: get(n("key bias"), p.Get(arch.LB(i, arch.Key)), H),
			vW: get(n("value weight"), p.Get(arch.LW(i, arch.Value)), H, H), vB: get(n("value bias"), p.Get(arch.LB(i, arch.Value)), H),
			oW: get(n("attention output weight"), p.Get(arch.LW(i, arch.AttentionOut)), H, H), oB: get(n("attention output bias"), p.Get(arch.LB(i, arch.AttentionOut)), H),
			n1W: get(n("attention LayerNorm weight"), p.Get(arch.LW(i, arch.AttentionNorm)), H), n1B: get(n("attention LayerNorm bias"), p.Get(arch.LB(i, arch.AttentionNorm)), H),
			inW: get(n("intermediate weight"), p.Get(arch.LW(i, arch.FeedForwardIn)), I, H), inB: get(n("intermediate bias"), p.Get(arch.LB(i, arch.FeedForwardIn)), I),
			outW: get(n("output weight"), p.Get(arch.LW(i, arch.FeedForwardOut)), H, I), outB: get(n("output bias"), p.Get(arch.LB(i, arch.FeedForwardOut)), H),
			n2W: get(n("output LayerNorm weight"), p.Get(arch.LW(i, arch.FeedForwardNorm)), H), n2B: get(n("output LayerNorm bias"), p.Get(arch.LB(i, arch.FeedForwardNorm)), H),
		})
	}
	m.headW = get("MLM head transform weight", p.Get(arch.W(arch.HeadDense)), H, H)
	m.headB = get("MLM head transform bias", p.Get(arch.B(arch.HeadDense)), H)
	m.headNormW = get("MLM head LayerNorm weight", p.Get(arch.W(arch.HeadNorm)), H)
	m.headNormB = get("MLM head LayerNorm bias", p.Get(arch.B(arch.HeadNorm)), H)
	m.dec = get("MLM decoder weight", p.Get(arch.W(arch.Decoder)), V, H)
	if p.Get(arch.B(arch.Decoder)) != nil {
		m.decB = get("MLM decoder bias", p.Get(arch.B(arch.Decoder)), V)
	} else {
		m.decB = make([]float32, V)
	}
	if err != nil {
		return nil, err
	}
	if len(m.layers) == 0 {
		return nil, fmt.Errorf("wasm: weights: no encoder layers")
	}
	m.prepare()
	return m, nil
}

// prepare computes the pruning tables.
//
// The head's last LayerNorm gives h = γ∘n + β with |n| <= sqrt(H), so
//
//	z_j = h·E_j + b_j = n·(γ∘E_j) + (β·E_j + b_j) <= sqrt(H)·|γ∘E_j| + β·E_j + b_j.
//
// Rows whose bound is not positive can never produce a positive logit, for
// any input: they are left out of live. At encode time, input-dependent
// bounds skip more rows (see pool).
func (m *mlm) prepare() {
	H := m.hidden
	sqrtH := math.Sqrt(float64(H))
	m.decNorm = make([]float32, m.vocab)
	m.live = m.live[:0]
	m.decMean = make([]float64, H)
	for j := 0; j < m.vocab; j++ {
		for i, v := range m.dec[j*H : (j+1)*H] {
			m.decMean[i] += float64(v)
		}
	}
	for i := range m.decMean {
		m.decMean[i] /= float64(m.vocab)
	}
	m.decCentered = make([]float32, m.vocab)
	for j := 0; j < m.vocab; j++ {
		e := m.dec[j*H : (j+1)*H]
		var ee, ce, ge, be float64
		for i, v := range e {
			f := float64(v)
			ee += f * f
			c := f - m.decMean[i]
			ce += c * c
			g := float64(m.headNormW[i]) * f
			ge += g * g
			be += float64(m.headNormB[i]) * f
		}
		en := math.Sqrt(ee)
		m.decNorm[j] = float32(en * (1 + 1e-6))
		m.decCentered[j] = float32(math.Sqrt(ce) * (1 + 1e-6))
		varying := sqrtH * math.Sqrt(ge)
		fixed := be + float64(m.decB[j])
		if varying+fixed+pruneSlack*(varying+math.Abs(fixed)) > 0 {
			m.live = append(m.live, int32(j))
		}
	}
}

// headStats counts the decoder rows of one head pass.
type headStats struct {
	rows     int // vocabulary size
	computed int // rows whose logits were computed
}

// encodeIDs runs the model on one unpadded sequence and pools its logits.
func (m *mlm) encodeIDs(ctx context.Context, ids []int32, pooling splade.Pooling, act splade.Activation) (sparsevec.Vector, headStats, error) {
	h, L, err := m.forward(ctx, ids)
	if err != nil {
		return sparsevec.Vector{}, headStats{}, err
	}
	v, st := m.pool(h, L, pooling, act, true)
	return v, st, nil
}

// forward runs the embeddings, the encoder layers and the MLM head
// transform on one unpadded sequence, and returns h [L, H], the input of
// the decoder.
func (m *mlm) forward(ctx context.Context, ids []int32) ([]float32, int, error) {
	H, L := m.hidden, len(ids)
	if L > m.maxPos {
		return nil, 0, fmt.Errorf("wasm: %d tokens exceed the model's %d positions", L, m.maxPos)
	}
	x := make([]float32, L*H)
	for t, id := range ids {
		if id < 0 || int(id) >= m.vocab {
			return nil, 0, fmt.Errorf("wasm: token id %d outside the vocabulary (%d)", id, m.vocab)
		}
		row := x[t*H : (t+1)*H]
		we := m.wordEmb[int(id)*H : int(id+1)*H]
		pe := m.posEmb[(m.posOffset+t)*H : (m.posOffset+t+1)*H]
		if m.typeEmb0 != nil {
			te := m.typeEmb0[:H]
			for i := range row {
				row[i] = (we[i] + te[i]) + pe[i]
			}
		} else {
			for i := range row {
				row[i] = we[i] + pe[i]
			}
		}
		layerNorm(row, m.embNormW, m.embNormB, m.eps)
	}

	s := newScratch(L, H, m.inter)
	for i := range m.layers {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		m.layer(&m.layers[i], x, L, s)
	}

	// MLM head transform: h = LN(act(x·Wᵀ + b)).
	h := s.a
	linear(h, x, L, m.headW, m.headB, H, H)
	m.act(h)
	for t := 0; t < L; t++ {
		layerNorm(h[t*H:(t+1)*H], m.headNormW, m.headNormB, m.eps)
	}
	return h, L, nil
}

// scratch holds the per-call buffers of one sequence.
type scratch struct {
	q, k, v, ctx, a, b []float32 // [L, H]
	ff                 []float32 // [L, I]
	scores             []float32 // [L]
}

func newScratch(L, H, I int) *scratch {
	buf := make([]float32, 6*L*H+L*I+L)
	take := func(n int) []float32 {
		s := buf[:n:n]
		buf = buf[n:]
		return s
	}
	return &scratch{
		q: take(L * H), k: take(L * H), v: take(L * H), ctx: take(L * H), a: take(L * H), b: take(L * H),
		ff: take(L * I), scores: take(L),
	}
}

// layer runs one post-LN encoder layer on x [L, H] in place.
func (m *mlm) layer(l *mlmLayer, x []float32, L int, s *scratch) {
	H, I := m.hidden, m.inter
	linear(s.q, x, L, l.qW, l.qB, H, H)
	linear(s.k, x, L, l.kW, l.kB, H, H)
	linear(s.v, x, L, l.vW, l.vB, H, H)

	// Self-attention, one head at a time. The sequence is unpadded, so
	// every key is a real token.
	dh := H / m.heads
	scale := float32(1 / math.Sqrt(float64(dh)))
	clear(s.ctx)
	sc := s.scores[:L]
	for hd := 0; hd < m.heads; hd++ {
		off := hd * dh
		for t := 0; t < L; t++ {
			q := s.q[t*H+off : t*H+off+dh]
			for u := range sc {
				sc[u] = dot(q, s.k[u*H+off:u*H+off+dh]) * scale
			}
			softmax(sc)
			out := s.ctx[t*H+off : t*H+off+dh]
			for u, p := range sc {
				axpy(out, p, s.v[u*H+off:u*H+off+dh])
			}
		}
	}

	// x = LN(x + ctx·Woᵀ + bo)
	linear(s.a, s.ctx, L, l.oW, l.oB, H, H)
	for t := 0; t < L; t++ {
		row := s.a[t*H : (t+1)*H]
		axpy(row, 1, x[t*H:(t+1)*H])
		layerNorm(row, l.n1W, l.n1B, m.eps)
	}
	// x = LN(a + FFOut(act(FFIn(a))))
	linear(s.ff, s.a, L, l.inW, l.inB, H, I)
	m.act(s.ff[:L*I])
	linear(x, s.ff, L, l.outW, l.outB, I, H)
	for t := 0; t < L; t++ {
		row := x[t*H : (t+1)*H]
		axpy(row, 1, s.a[t*H:(t+1)*H])
		layerNorm(row, l.n2W, l.n2B, m.eps)
	}
}

// pool computes the decoder logits row by row over all L tokens of h
// [L, H] and applies SPLADE pooling, skipping rows whose logits provably
// cannot be positive (their weight is exactly 0 for both activations).
//
// Two bounds are tried per row, both Cauchy–Schwarz: z_tj <= |h_t|·|E_j| + b_j
// and, around the mean decoder row μ, z_tj <= h_t·μ + |h_t|·|E_j − μ| + b_j;
// the second is much tighter for real embeddings, which share a large
// common direction.
//
// With prune false every row is computed (for tests and benchmarks).
func (m *mlm) pool(h []float32, L int, pooling splade.Pooling, act splade.Activation, prune bool) (sparsevec.Vector, headStats) {
	H := m.hidden
	var maxNorm, maxMu float64
	maxMu = math.Inf(-1)
	for t := 0; t < L; t++ {
		ht := h[t*H : (t+1)*H]
		maxNorm = max(maxNorm, norm(ht))
		var a float64
		for i, v := range ht {
			a += float64(v) * m.decMean[i]
		}
		maxMu = max(maxMu, a)
	}
	st := headStats{rows: m.vocab}

	// The rows to compute, in ascending order.
	var rows []int32
	if prune {
		n := float32(maxNorm * (1 + pruneSlack))
		mu := float32(maxMu + pruneSlack*math.Abs(maxMu))
		rows = make([]int32, 0, len(m.live))
		for _, j := range m.live {
			b := m.decB[j]
			if n*m.decNorm[j]+b <= 0 || mu+n*m.decCentered[j]+b <= 0 {
				continue
			}
			rows = append(rows, j)
		}
	} else {
		rows = make([]int32, m.vocab)
		for j := range rows {
			rows[j] = int32(j)
		}
	}
	st.computed = len(rows)

	sum := pooling == splade.PoolingSum
	loglog := act == splade.ActivationLog1pReLU
	out := sparsevec.Vector{Dim: m.vocab}
	emit := func(j int32, z []float32) {
		b := m.decB[j]
		var w float64
		if sum {
			for _, v := range z {
				if v += b; v > 0 {
					w += activate(v, loglog)
				}
			}
		} else {
			zmax := float32(math.Inf(-1))
			for _, v := range z {
				zmax = max(zmax, v)
			}
			if zmax += b; zmax > 0 {
				w = activate(zmax, loglog) // the activation is monotone
			}
		}
		if w32 := float32(w); w32 > 0 {
			out.Indices = append(out.Indices, uint32(j))
			out.Values = append(out.Values, w32)
		}
	}
	z := make([]float32, 2*L)
	for k := 0; k < len(rows); k += 2 {
		j0 := rows[k]
		e0 := m.dec[int(j0)*H : int(j0+1)*H]
		if k+1 == len(rows) {
			rowsDot(z, e0, nil, h, L, H)
			emit(j0, z[:L])
			break
		}
		j1 := rows[k+1]
		rowsDot(z, e0, m.dec[int(j1)*H:int(j1+1)*H], h, L, H)
		emit(j0, z[:L])
		emit(j1, z[L:])
	}
	return out, st
}

// activate returns the SPLADE activation of a positive logit z.
func activate(z float32, loglog bool) float64 {
	w := math.Log1p(float64(z))
	if loglog {
		w = math.Log1p(w)
	}
	return w
}
