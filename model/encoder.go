package model

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/tokenizer"
)

// maxCompiledShapes bounds how many [batch, length] graph shapes are kept
// compiled. Lengths are bucketed (see bucketLength), so a 512-token model
// needs at most a few dozen.
const maxCompiledShapes = 64

// Encoder turns texts into SPLADE sparse vectors. It is safe for use by
// many goroutines at once: tokenization runs in parallel, and the network
// runs one batch at a time (each batch already uses every core).
type Encoder struct {
	name      string
	opts      Options
	dim       int
	tok       tokenizer.Tokenizer // the document side's; the query side's for a query-only folder
	maxLength int                 // the default route's

	backend     compute.Backend // nil when no route runs a network
	backendSpec string          // e.g. "go:ops_sequential,creation_order" or "xla:cuda"
	nets        []*network      // the distinct networks of the routes

	query, document, def route // document is zero for a query-only folder

	mu     sync.Mutex // serializes exec calls and Close
	closed bool
}

// route is one way of encoding texts: exactly one of net and static is
// set, or neither for a missing route.
type route struct {
	net    *network
	static *layout.Static // inference-free queries: table lookup
}

// network is a masked-LM model with SPLADE pooling compiled on the backend.
type network struct {
	cfg       checkpoint.Config
	tok       tokenizer.Tokenizer
	maxLength int
	exec      *graph.Exec
	weights   *weights
}

// Load reads a SPLADE model from a local folder or a HuggingFace hub model
// id (downloaded into the HuggingFace cache, see package hub), and prepares
// it on the backend that opts names. The folder is read through package
// layout, as package wasm reads it: a BertForMaskedLM or
// DistilBertForMaskedLM folder (with idf.json beside it: OpenSearch's
// inference-free layout), a sentence-transformers SparseEncoder folder
// (MLMTransformer + SpladePooling, or a Router with an inference-free
// SparseStaticEmbedding query route), or a tokenizer with idf.json, which
// encodes queries only.
func Load(ctx context.Context, nameOrDir string, opts Options) (*Encoder, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	dir, err := hub.Resolve(ctx, nameOrDir, opts.Hub)
	if err != nil {
		return nil, err
	}
	desc, err := layout.Read(os.DirFS(dir))
	if err != nil {
		return nil, err
	}
	return build(ctx, nameOrDir, desc, opts, func(m *layout.MLM) (*checkpoint.Params, error) {
		p, err := checkpoint.Load(m.FS)
		if err != nil && m.Dir != "." {
			return nil, fmt.Errorf("model: %s: module %s: %w", nameOrDir, m.Dir, err)
		}
		return p, err
	})
}

// build makes the Encoder that desc describes, compiling each masked-LM
// model once however many routes use it; load reads a model's weights, which
// build consumes (see newWeights).
func build(ctx context.Context, name string, desc *layout.Model, opts Options, load func(*layout.MLM) (*checkpoint.Params, error)) (_ *Encoder, err error) {
	e := &Encoder{name: name, opts: opts, dim: desc.Dim, tok: desc.Tokenizer(), backendSpec: "static"}
	defer func() {
		if err != nil {
			e.release()
		}
	}()
	nets := map[*layout.MLM]*network{}
	statics := map[*layout.Static]*layout.Static{}
	makeRoute := func(r layout.Route) (route, error) {
		switch {
		case r.Static != nil:
			s := statics[r.Static]
			if s == nil {
				c := *r.Static
				if opts.MaxLength > 0 {
					c.MaxLength = opts.MaxLength
				}
				s = &c
				statics[r.Static] = s
			}
			return route{static: s}, nil
		case r.MLM != nil:
			if n := nets[r.MLM]; n != nil {
				return route{net: n}, nil
			}
			if err := ctx.Err(); err != nil {
				return route{}, err
			}
			if e.backend == nil {
				b, spec, err := newBackend(opts.Backend)
				if err != nil {
					return route{}, err
				}
				e.backend, e.backendSpec = b, spec
			}
			params, err := load(r.MLM)
			if err != nil {
				return route{}, err
			}
			n, err := e.newNetwork(r.MLM, params)
			if err != nil {
				return route{}, err
			}
			nets[r.MLM] = n
			e.nets = append(e.nets, n)
			return route{net: n}, nil
		}
		return route{}, nil
	}
	if e.query, err = makeRoute(desc.Query); err != nil {
		return nil, err
	}
	if e.document, err = makeRoute(desc.Document); err != nil {
		return nil, err
	}
	if e.def, err = makeRoute(desc.Default); err != nil {
		return nil, err
	}
	if e.def.net != nil {
		e.maxLength = e.def.net.maxLength
	} else if e.def.static != nil {
		e.maxLength = e.def.static.MaxLength
	}
	if len(e.nets) > 0 {
		// The host copies of the weights are garbage now; hand the memory
		// back so a long-running server's RSS reflects the model, not its
		// loading.
		debug.FreeOSMemory()
	}
	return e, nil
}

// newNetwork compiles the masked-LM model m with the weights params, which
// it consumes (see newWeights). The options override m's settings.
func (e *Encoder) newNetwork(m *layout.MLM, params *checkpoint.Params) (*network, error) {
	cfg := params.Config
	if m.Tokenizer.VocabSize() != cfg.VocabSize {
		return nil, fmt.Errorf("model: %s: tokenizer has %d tokens but config.json says vocab_size %d", e.name, m.Tokenizer.VocabSize(), cfg.VocabSize)
	}
	maxLength := m.MaxLength
	if e.opts.MaxLength > 0 {
		if e.opts.MaxLength > cfg.MaxTokens() {
			return nil, fmt.Errorf("model: %s: max length %d exceeds the model's %d positions", e.name, e.opts.MaxLength, cfg.MaxTokens())
		}
		maxLength = e.opts.MaxLength
	}
	if maxLength < 2 {
		return nil, fmt.Errorf("model: %s: max length %d leaves no room for [CLS] and [SEP]", e.name, maxLength)
	}
	gc := graphConfig{
		cfg:        cfg,
		hasTypeEmb: params.TypeEmb != nil,
		tied:       isTied(params),
		pooling:    cmp.Or(e.opts.Pooling, m.Pooling, PoolingMax),
		activation: cmp.Or(e.opts.Activation, m.Activation, ActivationRelu),
	}
	exec, err := graph.NewExec(e.backend, gc.spladeGraph)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", e.name, err)
	}
	exec.SetMaxCache(maxCompiledShapes)
	w, err := newWeights(e.backend, params)
	if err != nil {
		exec.Finalize()
		return nil, err
	}
	return &network{cfg: cfg, tok: m.Tokenizer, maxLength: maxLength, exec: exec, weights: w}, nil
}

// Encode returns one sparse vector per text, in order, encoded as the
// folder encodes texts of no stated kind: for a sentence-transformers
// Router its default route (documents, as sentence-transformers saves
// it), for an inference-free folder without a model the query table, else
// the masked-LM model. Texts longer than MaxLength tokens are truncated.
// Texts are grouped by length so batches carry little padding.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.encode(ctx, e.def, texts)
}

// EncodeQuery encodes search queries: by table lookup for an
// inference-free model (a SparseStaticEmbedding query route or an
// idf.json), else like Encode. SPLADE encoders without separate query and
// document modules treat both alike, as sentence-transformers does.
func (e *Encoder) EncodeQuery(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.encode(ctx, e.query, texts)
}

// EncodeDocument encodes documents to index; see EncodeQuery. A folder with
// only a tokenizer and idf.json cannot encode documents.
func (e *Encoder) EncodeDocument(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	if e.document.net == nil && e.document.static == nil {
		return nil, fmt.Errorf("model: %s is an inference-free folder and can only encode queries (EncodeQuery); documents need its masked-LM model", e.name)
	}
	return e.encode(ctx, e.document, texts)
}

// InferenceFree reports whether queries are encoded by table lookup.
func (e *Encoder) InferenceFree() bool { return e.query.static != nil }

func (e *Encoder) encode(ctx context.Context, r route, texts []string) ([]sparsevec.Vector, error) {
	if r.static != nil {
		return e.encodeStatic(ctx, r.static, texts)
	}
	n := r.net
	encs := make([][]int32, len(texts)) // token ids
	for i, t := range texts {
		encs[i] = n.tok.EncodeIDs(t, n.maxLength)
	}
	order := make([]int, len(texts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(encs[a]) - len(encs[b]) })

	out := make([]sparsevec.Vector, len(texts))
	for start := 0; start < len(order); start += e.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := order[start:min(start+e.opts.BatchSize, len(order))]
		vecs, err := e.run(n, batch, encs)
		if err != nil {
			return nil, err
		}
		for i, idx := range batch {
			out[idx] = vecs[i]
		}
	}
	return out, nil
}

// encodeStatic encodes texts by table lookup (see layout.Static.Encode).
func (e *Encoder) encodeStatic(ctx context.Context, s *layout.Static, texts []string) ([]sparsevec.Vector, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, errors.New("model: encoder is closed")
	}
	out := make([]sparsevec.Vector, len(texts))
	for i, t := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		v := s.Encode(t)
		if e.opts.MaxActiveDims > 0 {
			v = v.KeepTop(e.opts.MaxActiveDims)
		}
		out[i] = v
	}
	return out, nil
}

// bucketLength rounds a batch's token length up so that few distinct
// shapes get compiled: multiples of 8 up to 64, of 32 above.
func bucketLength(n, maxLength int) int {
	step := 8
	if n > 64 {
		step = 32
	}
	return min((n+step-1)/step*step, maxLength)
}

// run encodes the texts encs[batch[i]] as one padded batch through n.
func (e *Encoder) run(n *network, batch []int, encs [][]int32) ([]sparsevec.Vector, error) {
	longest := 0
	for _, i := range batch {
		longest = max(longest, len(encs[i]))
	}
	B, T := len(batch), bucketLength(longest, n.maxLength)
	ids := make([]int32, B*T)
	mask := make([]float32, B*T)
	pad := n.tok.Pad()
	for r, i := range batch {
		row := ids[r*T : (r+1)*T]
		n := copy(row, encs[i])
		for j := n; j < T; j++ {
			row[j] = pad
		}
		for j := range n {
			mask[r*T+j] = 1
		}
	}
	args := make([]any, 0, 2+len(n.weights.list))
	args = append(args,
		tensors.FromFlatDataAndDimensions(ids, B, T),
		tensors.FromFlatDataAndDimensions(mask, B, T))

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errors.New("model: encoder is closed")
	}
	for _, w := range n.weights.list {
		args = append(args, w)
	}
	outs, err := n.exec.Exec(args...)
	e.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("model: %s: running batch [%d x %d]: %w", e.name, B, T, err)
	}
	defer func() { _ = outs[0].FinalizeAll() }()
	dense, err := tensors.CopyFlatData[float32](outs[0])
	if err != nil {
		return nil, fmt.Errorf("model: %s: reading batch output: %w", e.name, err)
	}
	V := n.cfg.VocabSize
	vecs := make([]sparsevec.Vector, B)
	for r := range B {
		v := sparsevec.FromDense(dense[r*V : (r+1)*V])
		if e.opts.MaxActiveDims > 0 {
			v = v.KeepTop(e.opts.MaxActiveDims)
		}
		vecs[r] = v
	}
	return vecs, nil
}

// Decode returns the k heaviest dimensions of v with their tokens,
// heaviest first; k <= 0 returns them all.
func (e *Encoder) Decode(v sparsevec.Vector, k int) []sparsevec.Term {
	return sparsevec.Terms(v, k, e.tok.Token)
}

// Similarity scores every vector of a against every vector of b.
func (e *Encoder) Similarity(a, b []sparsevec.Vector, fn sparsevec.Func) [][]float32 {
	return sparsevec.Similarity(a, b, fn)
}

// Sparsity reports the mean active dimensions of vs and the sparsity ratio,
// as SparseEncoder.sparsity does.
func (e *Encoder) Sparsity(vs []sparsevec.Vector) sparsevec.Sparsity {
	return sparsevec.SparsityOf(vs)
}

// Dim is the vector dimension: the vocabulary size.
func (e *Encoder) Dim() int { return e.dim }

// MaxLength is the token limit per text of Encode, [CLS] and [SEP]
// included (for a query-only inference-free folder: the query tokens, which
// have no [CLS] and [SEP]; 0 for no limit).
func (e *Encoder) MaxLength() int { return e.maxLength }

// Tokenizer returns the model's tokenizer: the document side's, or the
// query side's for a query-only folder.
func (e *Encoder) Tokenizer() tokenizer.Tokenizer { return e.tok }

// Name is the model id or folder the encoder was loaded from.
func (e *Encoder) Name() string { return e.name }

// Backend names the GoMLX backend in use, as Options.Backend spells it
// (for example "go:ops_sequential,creation_order" or "xla:cuda"), or
// "static" for a query-only inference-free folder, which runs no network.
func (e *Encoder) Backend() string { return e.backendSpec }

// Close releases the compiled graphs, the weights and the backend.
func (e *Encoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.release()
	return nil
}

// release frees the compiled graphs, the weights and the backend.
func (e *Encoder) release() {
	for _, n := range e.nets {
		n.exec.Finalize()
		n.weights.finalize()
	}
	e.nets = nil
	if e.backend != nil {
		e.backend.Finalize()
		e.backend = nil
	}
}
