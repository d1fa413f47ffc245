package native

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/hugepage"
	"github.com/splade-go/splade/sparsevec"
)

// Options configure New.
type Options struct {
	Pooling    splade.Pooling    // empty: max
	Activation splade.Activation // empty: relu
	Precision  splade.Precision  // empty: fp32
	// Kernel names the micro-kernel: "avx512", "avx2", "neon" or "go"; empty
	// means the fastest this CPU runs (see Kernels).
	Kernel string
}

// Model is an encoder network (package arch describes it) with SPLADE
// pooling, its weights packed for the micro-kernel. It is safe for
// concurrent use: each Encode call has its own buffers, and all calls at
// once share one bound of GOMAXPROCS-1 helper goroutines, so that many
// callers do not start one goroutine per core each.
type Model struct {
	hidden, heads, inter, vocab int
	maxPos, posOffset           int
	eps                         float64
	rms                         bool // RMSNorm, not LayerNorm
	preNorm                     bool
	gate                        arch.Gate
	act, headAct                func([]float32)
	pooling                     splade.Pooling
	activation                  splade.Activation
	kernel                      namedKernel       // fp32: every product; bf16: attention's
	bf16                        *namedBlockKernel // bf16 precision: the linear layers' and the head's kernel; nil for fp32
	int8                        *namedInt8Kernel  // int8 precision: the linear layers' and the head's kernel; nil otherwise

	wordEmb, posEmb, typeEmb0 []float32 // posEmb: nil for rotary positions; typeEmb0: row 0 of the token-type table, nil without one
	embNorm                   norm
	layers                    []layer
	finalNorm                 norm // w nil: none
	headT                     linear
	headNorm                  norm
	dec                       packed     // [H, V]; fp32 only
	decBF16                   packedBF16 // [H, V]; bf16 only
	decInt8                   packedInt8 // [H, V], no bias (pool adds decB); int8 only
	decB                      []float32
	token                     *tokenHead // the per-token head; nil for an MLM head

	workspaces workspaces // buffers reused across Encode calls
	threads    threads    // the bound on helper goroutines all Encode calls share
}

// workspace holds the buffers of one Encode call. Reusing them spares the
// garbage collector hundreds of megabytes per batch.
type workspace struct {
	crew                             crew // this call's goroutines; the scratch below has one entry per member
	x, qkv, ctx, tmp, ff, hp, pooled []float32
	gated                            []float32 // [N, 2I]: a gated feed-forward's input projection
	pos                              []int32   // each packed row's position in its text
	xs                               []float32 // a short query's activations, packed by packRows
	xb                               []uint16  // a short query's activations in bf16 (rowsToBF16)
	hb                               []uint16
	attn                             []attnScratch
	tiles                            []scratchTile
	tilesBF16                        []bf16Scratch
	tilesInt8                        []int8Scratch
	xq                               quantRows // int8: the rows of a short query, or the head's, quantized once
	acc                              []float32 // the pooled head's maxima of one sequence (wholeKernel.maxPool)
}

// workspaces holds the workspaces of finished Encode calls for the next
// ones, the most recent first: as many as calls ever ran at once, kept
// for the Model's life (as PyTorch's caching allocator keeps its blocks).
// A sync.Pool would let the garbage collector free them, but it gives a
// workspace back only to the processor that returned it: the next batch,
// run on the other core, missed it about half the time and wrote its
// hundreds of megabytes of activations into fresh pages, which the
// kernel zeroes first (docs/performance.md).
type workspaces struct {
	mu   sync.Mutex
	idle []*workspace
}

// get takes the most recently returned workspace; nil when none is idle.
func (w *workspaces) get() *workspace {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.idle)
	if n == 0 {
		return nil
	}
	ws := w.idle[n-1]
	w.idle[n-1] = nil
	w.idle = w.idle[:n-1]
	return ws
}

// put returns ws for the next call.
func (w *workspaces) put(ws *workspace) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.idle = append(w.idle, ws)
}

// grow returns s resliced to n elements, reallocated when too small; the
// contents are not cleared. A large one is made in huge pages (package
// hugepage): a batch's activations are hundreds of megabytes, written
// first by the products, which on 4 KiB pages fault every 4 KiB.
func grow[T hugepage.Number](s []T, n int) []T {
	if cap(s) < n {
		return hugepage.Make[T](n)
	}
	return s[:n]
}

// layer is one encoder layer.
type layer struct {
	qkv, attnOut, ffIn, ffOut linear
	attnNorm, ffNorm          norm // attnNorm.w nil: a pre-norm layer without one
	window                    int  // > 0: sliding-window attention
	rope                      *rope
}

// norm is the weight and bias of a LayerNorm or an RMSNorm; b is zeros
// for a LayerNorm without bias and nil for an RMSNorm.
type norm struct{ w, b []float32 }

// linear is an nn.Linear layer: its weight packed as B = Wᵀ [in, out],
// in fp32 (w), bf16 (wb) or int8 (wq, which holds the bias too); b is
// nil without a bias.
type linear struct {
	w  packed
	wb packedBF16
	wq packedInt8
	b  []float32
}

// Kernels lists the micro-kernels this CPU runs at precision p (empty:
// fp32), fastest first: "avx512", "avx2" (amd64) or "neon" (arm64), then
// "go" for fp32; "amx", "avx512bf16" (amd64) or "neon" (arm64 with BF16),
// then "go" for bf16; "avx512vnni", "avxvnni" (amd64) or "neon" (arm64
// with SDOT), then "go" for int8. The last, portable Go, runs everywhere.
func Kernels(p splade.Precision) []string {
	var names []string
	if p == splade.PrecisionInt8 {
		for _, k := range int8Kernels() {
			names = append(names, k.name)
		}
		return names
	}
	if p == splade.PrecisionBF16 {
		for _, k := range bf16Kernels() {
			names = append(names, k.name)
		}
		return names
	}
	for _, k := range fp32Kernels() {
		names = append(names, k.name)
	}
	return names
}

// reclaimBytes is how many bytes of dropped tensors New lets pile up
// before it collects them, so that packing reuses their memory.
const reclaimBytes = 32 << 20

// New packs the weights of p for the native engine, building the network
// that p.Net describes. It consumes p: each tensor's data is dropped once
// packed, so that loading holds little more than one copy of the weights.
func New(p *checkpoint.Params, opts Options) (*Model, error) {
	c := p.Net
	if c == nil {
		return nil, fmt.Errorf("native: no network description")
	}
	H, V, I := c.Hidden, c.Vocab, c.Intermediate
	if H <= 0 || V <= 0 || I <= 0 || c.Heads <= 0 || H%c.Heads != 0 {
		return nil, fmt.Errorf("native: config: hidden %d, vocab %d, intermediate %d, heads %d do not make a model (hidden must be a multiple of heads)", H, V, I, c.Heads)
	}
	if err := (splade.Settings{Precision: opts.Precision}).Validate(); err != nil {
		return nil, fmt.Errorf("native: %w", err)
	}
	act, ok := activationFor(c.FeedForward.Act)
	if !ok {
		return nil, fmt.Errorf("native: config: unsupported feed-forward activation %q", c.FeedForward.Act)
	}
	headAct, ok := activationFor(c.Head.Act)
	if !ok && c.Head.Kind == arch.MLMHead {
		return nil, fmt.Errorf("native: config: unsupported head activation %q", c.Head.Act)
	}
	pooling, activation := splade.Settings{Pooling: opts.Pooling, Activation: opts.Activation}.Resolve("", "")
	m := &Model{hidden: H, heads: c.Heads, inter: I, vocab: V, eps: c.Norm.Eps, rms: c.Norm.Kind == arch.RMSNorm,
		preNorm: c.PreNorm, gate: c.FeedForward.Gate, act: act, headAct: headAct, pooling: pooling, activation: activation}
	if m.eps <= 0 {
		m.eps = 1e-12
	}
	m.kernel = fp32Kernels()[0]
	if opts.Precision == splade.PrecisionBF16 {
		ks := bf16Kernels()
		m.bf16 = &ks[0]
		if opts.Kernel != "" {
			m.bf16 = nil
			for i := range ks {
				if ks[i].name == opts.Kernel {
					m.bf16 = &ks[i]
				}
			}
		}
		if m.bf16 == nil {
			return nil, fmt.Errorf("native: bf16 kernel %q does not run on this CPU (available: %v)", opts.Kernel, Kernels(opts.Precision))
		}
	} else if opts.Precision == splade.PrecisionInt8 {
		ks := int8Kernels()
		m.int8 = &ks[0]
		if opts.Kernel != "" {
			m.int8 = nil
			for i := range ks {
				if ks[i].name == opts.Kernel {
					m.int8 = &ks[i]
				}
			}
		}
		if m.int8 == nil {
			return nil, fmt.Errorf("native: int8 kernel %q does not run on this CPU (available: %v)", opts.Kernel, Kernels(opts.Precision))
		}
	} else if opts.Kernel != "" {
		found := false
		for _, k := range fp32Kernels() {
			if k.name == opts.Kernel {
				m.kernel, found = k, true
			}
		}
		if !found {
			return nil, fmt.Errorf("native: kernel %q does not run on this CPU (available: %v)", opts.Kernel, Kernels(opts.Precision))
		}
	}

	var err error
	get := func(r arch.Role, n int) []float32 {
		if err != nil {
			return nil
		}
		t := p.Get(r)
		if t == nil {
			err = fmt.Errorf("native: weights: %s missing", r)
			return nil
		}
		if len(t.Data) != n {
			err = fmt.Errorf("native: weights: %s has %d values (shape %v), want %d", r, len(t.Data), t.Shape, n)
			return nil
		}
		return t.Data
	}
	// lin packs the nn.Linear weights of parts (stacked along out, each
	// [out, in]) and their biases (when bias) into one layer, and drops
	// their data. One part is packed from its tensor; several are stacked
	// in stack first, which every layer reuses.
	var stack []float32
	// Packing writes each weight again, into fresh memory, while the
	// tensor it came from, dropped, waits for a collection that the
	// heap's growth would not start before the whole model is packed.
	// Collecting each time reclaimBytes are dropped lets the packed
	// weights reuse the tensors' memory: fresh memory costs a page fault
	// and the kernel's zeroing of each page, which on a virtual machine
	// cost more than the packing (see docs/performance.md).
	var dropped int
	drop := func(t *checkpoint.Tensor) {
		dropped += 4 * len(t.Data)
		t.Data = nil
	}
	lin := func(layer, in, out int, bias bool, parts ...arch.Part) linear {
		if err != nil {
			return linear{}
		}
		if dropped >= reclaimBytes {
			runtime.GC()
			dropped = 0
		}
		var w, b []float32
		if len(parts) == 1 {
			w = get(arch.Role{Part: parts[0], Layer: layer}, out*in)
		} else {
			stack = grow(stack, len(parts)*out*in)
			for i, part := range parts {
				copy(stack[i*out*in:], get(arch.Role{Part: part, Layer: layer}, out*in))
			}
			w = stack
		}
		for _, part := range parts {
			if bias {
				b = append(b, get(arch.Role{Part: part, Layer: layer, Bias: true}, out)...)
			}
		}
		if err != nil {
			return linear{}
		}
		var l linear
		switch {
		case m.bf16 != nil:
			l = linear{wb: packBF16(w, in, len(parts)*out, 1, in, m.bf16.layout), b: b}
		case m.int8 != nil:
			l = linear{wq: packInt8(w, in, len(parts)*out, 1, in, b), b: b}
		default:
			l = linear{w: pack(nil, w, in, len(parts)*out, 1, in), b: b}
		}
		for _, part := range parts {
			drop(p.Get(arch.Role{Part: part, Layer: layer}))
			if bias {
				drop(p.Get(arch.Role{Part: part, Layer: layer, Bias: true}))
			}
		}
		return l
	}
	zeros := make([]float32, H) // the bias of a LayerNorm without one
	nrm := func(layer int, part arch.Part) norm {
		n := norm{w: get(arch.Role{Part: part, Layer: layer}, H)}
		switch {
		case m.rms:
		case c.Norm.Bias:
			n.b = get(arch.Role{Part: part, Layer: layer, Bias: true}, H)
		default:
			n.b = zeros
		}
		return n
	}

	m.wordEmb = get(arch.W(arch.WordEmbeddings), V*H)
	m.maxPos = c.Positions
	if c.PositionKind == arch.Absolute {
		if t := p.Get(arch.W(arch.PositionEmbeddings)); t != nil && len(t.Data)/H < m.maxPos {
			m.maxPos = len(t.Data) / H
		}
		m.posEmb = get(arch.W(arch.PositionEmbeddings), c.Positions*H)
		if c.PositionOffset < 0 || c.PositionOffset >= m.maxPos {
			return nil, fmt.Errorf("native: config: position offset %d outside the %d positions", c.PositionOffset, m.maxPos)
		}
		m.posOffset = c.PositionOffset
		m.maxPos -= c.PositionOffset
	}
	if c.TypeVocab > 0 {
		if t := get(arch.W(arch.TypeEmbeddings), c.TypeVocab*H); t != nil {
			m.typeEmb0 = t[:H]
		}
	}
	m.embNorm = nrm(0, arch.EmbeddingNorm)
	ropes := map[arch.Rope]*rope{}
	in := I
	if m.gate != arch.NoGate {
		in = 2 * I
	}
	a, f := c.Attention, c.FeedForward
	for i, cl := range c.Layers {
		l := layer{window: cl.Window}
		if !c.PreNorm || cl.AttentionNorm {
			l.attnNorm = nrm(i, arch.AttentionNorm)
		}
		if a.Packed {
			l.qkv = lin(i, H, 3*H, a.Bias, arch.QKV)
		} else {
			l.qkv = lin(i, H, H, a.Bias, arch.Query, arch.Key, arch.Value)
		}
		l.attnOut = lin(i, H, H, a.OutBias, arch.AttentionOut)
		l.ffNorm = nrm(i, arch.FeedForwardNorm)
		l.ffIn = lin(i, H, in, f.InBias, arch.FeedForwardIn)
		l.ffOut = lin(i, I, H, f.OutBias, arch.FeedForwardOut)
		if c.PositionKind == arch.Rotary {
			if ropes[cl.Rope] == nil {
				ropes[cl.Rope] = newRope(cl.Rope, H/c.Heads, m.maxPos)
			}
			l.rope = ropes[cl.Rope]
		}
		m.layers = append(m.layers, l)
	}
	if len(c.Layers) == 0 && err == nil {
		err = fmt.Errorf("native: weights: no encoder layers")
	}
	if c.FinalNorm {
		m.finalNorm = nrm(0, arch.FinalNorm)
	}
	switch c.Head.Kind {
	case arch.TokenHead:
		w := get(arch.W(arch.TokenLinear), H)
		b := get(arch.B(arch.TokenLinear), 1)
		if err != nil {
			return nil, err
		}
		m.token = &tokenHead{w: w, b: b[0], skip: c.Head.SkipIDs}
		return m, nil
	case arch.MLMHead:
	default:
		return nil, fmt.Errorf("native: config: unknown head kind %d", c.Head.Kind)
	}
	m.headNorm = nrm(0, arch.HeadNorm)
	m.headT = lin(0, H, H, c.Head.TransformBias, arch.HeadDense)
	dec := get(arch.W(arch.Decoder), V*H)
	if c.Head.DecoderBias {
		m.decB = get(arch.B(arch.Decoder), V)
	} else {
		m.decB = make([]float32, V)
	}
	if err != nil {
		return nil, err
	}
	if m.bf16 != nil {
		m.decBF16 = packBF16(dec, H, V, 1, H, m.bf16.layout)
	} else if m.int8 != nil {
		m.decInt8 = packInt8(dec, H, V, 1, H, nil)
	} else {
		m.dec = pack(nil, dec, H, V, 1, H)
		if p.Tied() {
			// The packed decoder holds the word embeddings: read them
			// from it rather than keep the table twice.
			m.wordEmb = nil
			p.Get(arch.W(arch.WordEmbeddings)).Data = nil
		}
	}
	if !p.Tied() {
		p.Get(arch.W(arch.Decoder)).Data = nil
	}
	return m, nil
}

// Kernel names the micro-kernel of the linear layers and the head: the
// bf16 one at bf16 precision, the int8 one at int8, else the fp32 one.
func (m *Model) Kernel() string {
	if m.bf16 != nil {
		return m.bf16.name
	}
	if m.int8 != nil {
		return m.int8.name
	}
	return m.kernel.name
}

// MaxPositions is the longest sequence the model takes: the position
// table's length less PositionOffset.
func (m *Model) MaxPositions() int { return m.maxPos }

// Encode returns the SPLADE vector of each token id sequence ([CLS] …
// [SEP], at most MaxPositions long), computed as one batch.
func (m *Model) Encode(ctx context.Context, seqs [][]int32) ([]sparsevec.Vector, error) {
	S := len(seqs)
	if S == 0 {
		return nil, nil
	}
	offs := make([]int, S+1)
	for s, ids := range seqs {
		if len(ids) == 0 {
			return nil, fmt.Errorf("native: sequence %d is empty", s)
		}
		if len(ids) > m.maxPos {
			return nil, fmt.Errorf("native: sequence %d has %d tokens; the model has %d positions", s, len(ids), m.maxPos)
		}
		for _, id := range ids {
			if id < 0 || int(id) >= m.vocab {
				return nil, fmt.Errorf("native: token id %d outside the vocabulary (%d)", id, m.vocab)
			}
		}
		offs[s+1] = offs[s] + len(ids)
	}
	c := newCrew(&m.threads)
	ws := m.workspaces.get()
	if ws == nil || len(ws.attn) < c.size { // GOMAXPROCS may have grown
		ws = &workspace{attn: make([]attnScratch, c.size), tiles: make([]scratchTile, c.size), tilesBF16: make([]bf16Scratch, c.size), tilesInt8: make([]int8Scratch, c.size)}
	}
	ws.crew = c
	defer m.workspaces.put(ws)
	h, err := m.forward(ctx, seqs, offs, ws)
	if err != nil {
		return nil, err
	}
	V := m.vocab
	ws.pooled = grow(ws.pooled, S*V)
	pooled := ws.pooled
	if m.token != nil {
		m.token.pool(h, seqs, offs, m.hidden, V, pooled)
	} else {
		pool(m, h, offs, pooled, ws)
	}
	out := make([]sparsevec.Vector, S)
	for s := range S {
		out[s] = sparsevec.FromDense(pooled[s*V : (s+1)*V])
	}
	return out, nil
}

// forward runs the embeddings, the encoder layers and the head transform
// on the packed tokens and returns h [N, H]: the decoder's input for an
// MLM head, the final hidden states for a token head.
func (m *Model) forward(ctx context.Context, seqs [][]int32, offs []int, ws *workspace) ([]float32, error) {
	H, I, N := m.hidden, m.inter, offs[len(seqs)]
	ws.x, ws.pos = grow(ws.x, N*H), grow(ws.pos, N)
	x, pos := ws.x, ws.pos
	for s, ids := range seqs {
		for i, id := range ids {
			t := offs[s] + i
			pos[t] = int32(i)
			row := x[t*H : (t+1)*H]
			m.embedding(row, id)
			if m.posEmb != nil {
				p := m.posOffset + i
				addRows(row, m.posEmb[p*H:(p+1)*H])
			}
			if m.typeEmb0 != nil {
				addRows(row, m.typeEmb0)
			}
		}
	}
	m.rows(ws.crew, N, func(lo, hi int) { m.norm(x, lo, hi, m.embNorm) })

	ws.qkv, ws.ctx, ws.tmp, ws.ff = grow(ws.qkv, N*3*H), grow(ws.ctx, N*H), grow(ws.tmp, N*H), grow(ws.ff, N*I)
	qkv, attnCtx, tmp, ff, attn := ws.qkv, ws.ctx, ws.tmp, ws.ff, ws.attn
	if m.gate != arch.NoGate {
		ws.gated = grow(ws.gated, N*2*I)
	}
	kern := m.kernel.fn
	for li := range m.layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l := &m.layers[li]
		// Attention: post-norm x = Norm(x + Attn(x)); pre-norm x = x + Attn(Norm(x)).
		in := x
		if m.preNorm && l.attnNorm.w != nil {
			in = tmp
			m.rows(ws.crew, N, func(lo, hi int) {
				copy(tmp[lo*H:hi*H], x[lo*H:hi*H])
				m.norm(tmp, lo, hi, l.attnNorm)
			})
		}
		var rot func(lo, hi int)
		if l.rope != nil {
			rot = func(lo, hi int) { l.rope.apply(qkv, lo, hi, pos, H, m.heads) }
		}
		m.apply(ws, &l.qkv, in, N, qkv, rot)
		ws.crew.parallel(len(seqs)*m.heads, func(w, i int) {
			s, head := i/m.heads, i%m.heads
			lo, hi := offs[s], offs[s+1]
			attention(kern, qkv[lo*3*H:hi*3*H], hi-lo, H, head, H/m.heads, l.window, attnCtx[lo*H:hi*H], &attn[w])
		})
		m.apply(ws, &l.attnOut, attnCtx, N, tmp, func(lo, hi int) {
			addRows(x[lo*H:hi*H], tmp[lo*H:hi*H])
			if !m.preNorm {
				m.norm(x, lo, hi, l.attnNorm)
			}
		})
		// Feed-forward: post-norm x = Norm(x + FF(x)); pre-norm x = x + FF(Norm(x)).
		in = x
		if m.preNorm {
			in = tmp
			m.rows(ws.crew, N, func(lo, hi int) {
				copy(tmp[lo*H:hi*H], x[lo*H:hi*H])
				m.norm(tmp, lo, hi, l.ffNorm)
			})
		}
		if m.gate == arch.NoGate {
			m.apply(ws, &l.ffIn, in, N, ff, func(lo, hi int) { m.act(ff[lo*I : hi*I]) })
		} else {
			g := ws.gated
			m.apply(ws, &l.ffIn, in, N, g, func(lo, hi int) { gated(ff[lo*I:hi*I], g[lo*2*I:hi*2*I], I, m.gate, m.act) })
		}
		m.apply(ws, &l.ffOut, ff, N, tmp, func(lo, hi int) {
			addRows(x[lo*H:hi*H], tmp[lo*H:hi*H])
			if !m.preNorm {
				m.norm(x, lo, hi, l.ffNorm)
			}
		})
	}
	if m.finalNorm.w != nil {
		m.rows(ws.crew, N, func(lo, hi int) { m.norm(x, lo, hi, m.finalNorm) })
	}
	if m.token != nil {
		return x, nil
	}
	// h = Norm(act(x·Wᵀ + b))
	h := tmp
	m.apply(ws, &m.headT, x, N, h, func(lo, hi int) {
		m.headAct(h[lo*H : hi*H])
		m.norm(h, lo, hi, m.headNorm)
	})
	return h, nil
}

// norm normalises rows lo to hi of x [·, H] with n: a LayerNorm or an
// RMSNorm as the network has.
func (m *Model) norm(x []float32, lo, hi int, n norm) {
	H := m.hidden
	if m.rms {
		rmsNormGo(x[lo*H:hi*H], hi-lo, n.w, m.eps)
		return
	}
	layerNorm(x[lo*H:hi*H], hi-lo, n.w, n.b, m.eps)
}

// chunkRows is how many token rows one goroutine multiplies at a time
// (8 tiles; 3 bf16 blocks): 96 rows of A (288 KB at K=768, 1.1 MB at
// K=3072) stay in L2 while the weight panels pass.
const chunkRows = 96

// apply computes dst [N, out] = x [N, in]·Wᵀ + b for the layer l, on all
// cores, chunk by chunk of rows; post(lo, hi) then finishes rows lo to hi
// (activation, residual, LayerNorm) while they are still in cache. With
// fewer chunks than cores (a short query), the cores split the columns
// instead, and post runs once all of them are done.
func (m *Model) apply(ws *workspace, l *linear, x []float32, N int, dst []float32, post func(lo, hi int)) {
	in, out := l.w.k, l.w.n
	if m.bf16 != nil {
		in, out = l.wb.k, l.wb.n
	}
	if m.int8 != nil {
		in, out = l.wq.k, l.wq.n
	}
	nw := ws.crew.size
	chunks := (N + chunkRows - 1) / chunkRows
	byRows := chunks >= 2*nw || nw == 1 // else the cores split the columns
	// int8: each chunk quantizes its rows; with the columns split, all
	// rows are quantized once, before.
	if m.int8 != nil && !byRows {
		quantizeRows(&ws.xq, N, x, in, in, l.wq.kp)
	}
	tiles, tilesBF16 := ws.tiles, ws.tilesBF16
	// A short query takes the small-M kernel, x packed for it once (fp32)
	// or rounded to bf16 once (bf16), not once per group of panels.
	small := m.bf16 == nil && m.kernel.small != nil && N > tileRows && N <= smallRows
	if small {
		ws.xs = packRows(ws.xs, N, x, in, in)
	}
	smallBF16 := m.bf16 != nil && m.bf16.rows != nil && N <= blockRows
	if smallBF16 {
		ws.xb = grow(ws.xb, N*l.wb.kp)
		rowsToBF16(ws.xb, N, l.wb.kp, x, in, in)
	}
	product := func(w, lo, hi, p0, p1 int) {
		if m.int8 != nil {
			st := &ws.tilesInt8[w]
			q, r0 := &ws.xq, lo
			if byRows {
				quantizeRows(&st.q, hi-lo, x[lo*in:], in, in, l.wq.kp)
				q, r0 = &st.q, 0
			}
			if m.int8.whole != nil {
				m.int8.whole.gemm(hi-lo, q, r0, &l.wq, p0, p1, dst[lo*out:hi*out], out)
				return
			}
			gemmInt8Panels(m.int8.fn, hi-lo, q, r0, &l.wq, p0, p1, dst[lo*out:hi*out], out, st)
			return
		}
		if smallBF16 {
			gemmBF16Rows(*m.bf16, N, ws.xb, l.wb, p0, p1, dst, out, &tilesBF16[w])
		} else if m.bf16 != nil {
			gemmBF16Panels(*m.bf16, hi-lo, x[lo*in:hi*in], in, l.wb, p0, p1, dst[lo*out:hi*out], out, &tilesBF16[w])
		} else if small {
			gemmSmall(m.kernel.small, N, ws.xs, l.w, p0, p1, dst, out, &tiles[w])
		} else if m.kernel.whole != nil {
			m.kernel.whole.gemm(hi-lo, x[lo*in:hi*in], in, l.w, p0, p1, dst[lo*out:hi*out], out)
		} else {
			gemmPanels(m.kernel.fn, hi-lo, x[lo*in:hi*in], in, l.w, p0, p1, dst[lo*out:hi*out], out, &tiles[w])
		}
	}
	if byRows {
		ws.crew.parallel(chunks, func(w, c int) {
			lo, hi := c*chunkRows, min((c+1)*chunkRows, N)
			product(w, lo, hi, 0, panels(out))
			if m.int8 == nil && l.b != nil { // int8's epilogue adds it
				addBias(dst[lo*out:hi*out], hi-lo, l.b)
			}
			if post != nil {
				post(lo, hi)
			}
		})
		return
	}
	const groupPanels = 4
	groups := (panels(out) + groupPanels - 1) / groupPanels
	ws.crew.parallel(chunks*groups, func(w, i int) {
		c, g := i/groups, i%groups
		product(w, c*chunkRows, min((c+1)*chunkRows, N), g*groupPanels, min((g+1)*groupPanels, panels(out)))
	})
	m.rows(ws.crew, N, func(lo, hi int) {
		if m.int8 == nil && l.b != nil { // int8's epilogue adds it
			addBias(dst[lo*out:hi*out], hi-lo, l.b)
		}
		if post != nil {
			post(lo, hi)
		}
	})
}

// rows runs fn on chunks of rows of [N, ·] on all cores: chunkRows at a
// time, or fewer when that leaves cores idle; a short query's rows on the
// calling goroutine.
func (m *Model) rows(c crew, N int, fn func(lo, hi int)) {
	if N <= smallRows { // a short query: less work than waking a core
		fn(0, N)
		return
	}
	size := min(chunkRows, max(1, (N+c.size-1)/c.size))
	chunks := (N + size - 1) / size
	c.parallel(chunks, func(_, i int) { fn(i*size, min((i+1)*size, N)) })
}
