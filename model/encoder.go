package model

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/wordpiece"
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
	cfg       checkpoint.Config
	tok       *wordpiece.Tokenizer
	maxLength int

	backend     compute.Backend
	backendSpec string // e.g. "go:ops_sequential,creation_order" or "xla:cuda"
	exec        *graph.Exec
	weights     *weights

	mu     sync.Mutex // serializes exec calls and Close
	closed bool
}

// Term is one dimension of a sparse vector, named by its vocabulary token.
type Term struct {
	Token  string  `json:"token"`
	ID     uint32  `json:"id"`
	Weight float32 `json:"weight"`
}

// Load reads a SPLADE model — a BertForMaskedLM or DistilBertForMaskedLM
// checkpoint — from a local folder or a HuggingFace hub model id
// (downloaded into the HuggingFace cache, see package hub), and prepares it
// on the backend that opts names.
func Load(ctx context.Context, nameOrDir string, opts Options) (*Encoder, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	dir, err := hub.Resolve(ctx, nameOrDir, opts.Hub)
	if err != nil {
		return nil, err
	}
	tok, err := wordpiece.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	params, err := checkpoint.LoadDir(dir)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newEncoder(nameOrDir, params, tok, opts)
}

// newEncoder builds the encoder; it consumes params (see newWeights).
func newEncoder(name string, params *checkpoint.Params, tok *wordpiece.Tokenizer, opts Options) (*Encoder, error) {
	cfg := params.Config
	if tok.VocabSize() != cfg.VocabSize {
		return nil, fmt.Errorf("model: %s: tokenizer has %d tokens but config.json says vocab_size %d", name, tok.VocabSize(), cfg.VocabSize)
	}
	maxLength := cfg.MaxPositions
	if m := tok.MaxLength(); m > 0 && m < maxLength {
		maxLength = m
	}
	if opts.MaxLength > 0 {
		if opts.MaxLength > cfg.MaxPositions {
			return nil, fmt.Errorf("model: %s: max length %d exceeds the model's %d positions", name, opts.MaxLength, cfg.MaxPositions)
		}
		maxLength = opts.MaxLength
	}
	if maxLength < 2 {
		return nil, fmt.Errorf("model: %s: max length %d leaves no room for [CLS] and [SEP]", name, maxLength)
	}
	backend, spec, err := newBackend(opts.Backend)
	if err != nil {
		return nil, err
	}
	gc := graphConfig{
		cfg:        cfg,
		hasTypeEmb: params.TypeEmb != nil,
		tied:       isTied(params),
		pooling:    opts.Pooling,
		activation: opts.Activation,
	}
	exec, err := graph.NewExec(backend, gc.spladeGraph)
	if err != nil {
		backend.Finalize()
		return nil, fmt.Errorf("model: %s: %w", name, err)
	}
	exec.SetMaxCache(maxCompiledShapes)
	w, err := newWeights(backend, params)
	if err != nil {
		exec.Finalize()
		backend.Finalize()
		return nil, err
	}
	// The host copies of the weights are garbage now; hand the memory back
	// so a long-running server's RSS reflects the model, not its loading.
	debug.FreeOSMemory()
	return &Encoder{
		name:        name,
		opts:        opts,
		cfg:         cfg,
		tok:         tok,
		maxLength:   maxLength,
		backend:     backend,
		backendSpec: spec,
		exec:        exec,
		weights:     w,
	}, nil
}

// Encode returns one sparse vector per text, in order. Texts longer than
// MaxLength tokens are truncated. Texts are grouped by length so batches
// carry little padding.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	encs := make([]wordpiece.Encoding, len(texts))
	for i, t := range texts {
		encs[i] = e.tok.Encode(t, e.maxLength)
	}
	order := make([]int, len(texts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(encs[a].IDs) - len(encs[b].IDs) })

	out := make([]sparsevec.Vector, len(texts))
	for start := 0; start < len(order); start += e.opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := order[start:min(start+e.opts.BatchSize, len(order))]
		vecs, err := e.run(batch, encs)
		if err != nil {
			return nil, err
		}
		for i, idx := range batch {
			out[idx] = vecs[i]
		}
	}
	return out, nil
}

// EncodeQuery encodes search queries. SPLADE encoders without separate
// query and document modules treat both alike, as sentence-transformers
// does.
func (e *Encoder) EncodeQuery(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.Encode(ctx, texts)
}

// EncodeDocument encodes documents to index; see EncodeQuery.
func (e *Encoder) EncodeDocument(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.Encode(ctx, texts)
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

// run encodes the texts encs[batch[i]] as one padded batch.
func (e *Encoder) run(batch []int, encs []wordpiece.Encoding) ([]sparsevec.Vector, error) {
	longest := 0
	for _, i := range batch {
		longest = max(longest, len(encs[i].IDs))
	}
	B, T := len(batch), bucketLength(longest, e.maxLength)
	ids := make([]int32, B*T)
	mask := make([]float32, B*T)
	pad := e.tok.Pad()
	for r, i := range batch {
		row := ids[r*T : (r+1)*T]
		n := copy(row, encs[i].IDs)
		for j := n; j < T; j++ {
			row[j] = pad
		}
		for j := range n {
			mask[r*T+j] = 1
		}
	}
	args := make([]any, 0, 2+len(e.weights.list))
	args = append(args,
		tensors.FromFlatDataAndDimensions(ids, B, T),
		tensors.FromFlatDataAndDimensions(mask, B, T))

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, errors.New("model: encoder is closed")
	}
	for _, w := range e.weights.list {
		args = append(args, w)
	}
	outs, err := e.exec.Exec(args...)
	e.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("model: %s: running batch [%d x %d]: %w", e.name, B, T, err)
	}
	defer func() { _ = outs[0].FinalizeAll() }()
	dense, err := tensors.CopyFlatData[float32](outs[0])
	if err != nil {
		return nil, fmt.Errorf("model: %s: reading batch output: %w", e.name, err)
	}
	V := e.cfg.VocabSize
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
func (e *Encoder) Decode(v sparsevec.Vector, k int) []Term {
	top := sparsevec.Top(v, k)
	terms := make([]Term, len(top))
	for i, t := range top {
		terms[i] = Term{Token: e.tok.Token(int(t.Index)), ID: t.Index, Weight: t.Value}
	}
	return terms
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
func (e *Encoder) Dim() int { return e.cfg.VocabSize }

// MaxLength is the token limit per text, [CLS] and [SEP] included.
func (e *Encoder) MaxLength() int { return e.maxLength }

// Tokenizer returns the model's tokenizer.
func (e *Encoder) Tokenizer() *wordpiece.Tokenizer { return e.tok }

// Name is the model id or folder the encoder was loaded from.
func (e *Encoder) Name() string { return e.name }

// Backend names the GoMLX backend in use, as Options.Backend spells it
// (for example "go:ops_sequential,creation_order" or "xla:cuda").
func (e *Encoder) Backend() string { return e.backendSpec }

// Close releases the compiled graphs, the weights and the backend.
func (e *Encoder) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	e.exec.Finalize()
	e.weights.finalize()
	e.backend.Finalize()
	return nil
}
