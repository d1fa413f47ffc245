package model

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/compute"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/native"
	"github.com/splade-go/splade/route"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/tokenizer"
)

// Encoder turns texts into SPLADE sparse vectors. It is safe for use by
// many goroutines at once: tokenization runs in parallel, and the network
// runs one forward pass at a time (each already uses every core), into
// which the texts of concurrent calls are merged (dynamic batching; see
// Options.MaxBatchTokens).
type Encoder struct {
	name string
	opts Options
	dim  int
	tok  tokenizer.Tokenizer // the document side's; the query side's for a query-only folder

	backend     compute.Backend // nil for the native engine, and when no route runs a network
	backendSpec string          // e.g. "native:avx512", "go:ops_sequential,creation_order" or "xla:cuda"
	nets        []*network      // the distinct networks of the routes

	routes *route.Set

	prompts       map[string]string // config_sentence_transformers.json's
	defaultPrompt string            // the name of the prompt Encode applies

	batch *batcher // merges the sequences of concurrent calls into passes

	mu     sync.Mutex // serializes engine calls and Close
	closed bool
}

// network is a masked-LM model with SPLADE pooling, ready on an engine:
// the route.Engine of the routes that run it.
type network struct {
	net       *arch.Network
	tok       tokenizer.Tokenizer
	maxLength int     // its routes' (route.Build resolves the same)
	specials  []int32 // the tokens around every text: [CLS] and [SEP], <s> and </s>
	eng       engine
}

// Encode runs seqs as one forward pass.
func (n *network) Encode(ctx context.Context, seqs [][]int32) ([]sparsevec.Vector, error) {
	return n.eng.encode(ctx, seqs)
}

// engine runs a masked-LM model with SPLADE pooling: the GoMLX graph
// (graph.go) or the native CPU engine (native.go).
type engine interface {
	// encode returns the pooled vector of each token sequence, all of
	// them at most the network's MaxLength long.
	encode(ctx context.Context, seqs [][]int32) ([]sparsevec.Vector, error)
	// close releases the engine's weights.
	close()
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
	e := &Encoder{name: name, opts: opts, dim: desc.Dim, tok: desc.Tokenizer(), backendSpec: "static",
		prompts: desc.Prompts, defaultPrompt: desc.DefaultPromptName}
	e.batch = newBatcher(e)
	defer func() {
		if err != nil {
			e.release()
		}
	}()
	var loadErr error // the loader's errors are complete; route.Build's own are wrapped below
	e.routes, err = route.Build(desc, opts.settings(), func(m *layout.MLM, pooling splade.Pooling, act splade.Activation) (route.Engine, int, error) {
		n, err := e.loadNetwork(ctx, m, load, pooling, act)
		if err != nil {
			loadErr = err
			return nil, 0, err
		}
		return n, n.net.MaxTokens(), nil
	})
	if err != nil {
		if err == loadErr {
			return nil, err
		}
		return nil, fmt.Errorf("model: %s: %w", e.name, err)
	}
	if len(e.nets) > 0 {
		// The host copies of the weights are garbage now; hand the memory
		// back so a long-running server's RSS reflects the model, not its
		// loading.
		debug.FreeOSMemory()
	}
	return e, nil
}

// loadNetwork reads the weights of m with load and prepares them on the
// encoder's backend, which the first model chooses.
func (e *Encoder) loadNetwork(ctx context.Context, m *layout.MLM, load func(*layout.MLM) (*checkpoint.Params, error), pooling splade.Pooling, act splade.Activation) (*network, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if e.backendSpec == "static" {
		b, spec, err := newBackend(e.opts.Backend, e.opts.Precision)
		if err != nil {
			return nil, err
		}
		e.backend, e.backendSpec = b, spec
		if e.opts.Precision != "" && e.opts.Precision != splade.PrecisionFP32 && b != nil {
			return nil, fmt.Errorf("model: precision %s needs the native engine (--backend native); backend %s computes in fp32", e.opts.Precision, spec)
		}
	}
	params, err := load(m)
	if err != nil {
		return nil, err
	}
	n, err := e.newNetwork(m, params, pooling, act)
	if err != nil {
		return nil, err
	}
	e.nets = append(e.nets, n)
	return n, nil
}

// newNetwork prepares the masked-LM model m with the weights params,
// which it consumes, on the encoder's engine, with the pooling and
// activation of its routes.
func (e *Encoder) newNetwork(m *layout.MLM, params *checkpoint.Params, pooling splade.Pooling, act splade.Activation) (*network, error) {
	net := params.Net
	if m.Tokenizer.VocabSize() != net.Vocab {
		return nil, fmt.Errorf("model: %s: tokenizer has %d tokens but config.json says vocab_size %d", e.name, m.Tokenizer.VocabSize(), net.Vocab)
	}
	maxLength, err := splade.ResolveMaxLength(e.opts.MaxLength, m.MaxLength, net.MaxTokens())
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", e.name, err)
	}
	n := &network{net: net, tok: m.Tokenizer, maxLength: maxLength, specials: m.Tokenizer.EncodeIDs("", 0)}
	if e.opts.Chunk {
		if len(n.specials) != 2 {
			return nil, fmt.Errorf("model: %s: chunking needs one special token on each side of a text; this tokenizer adds %d", e.name, len(n.specials))
		}
		if w := maxLength - 2; e.opts.ChunkOverlap >= w {
			return nil, fmt.Errorf("model: %s: chunk overlap %d must be less than the %d tokens of a window (max length %d less the two special tokens)", e.name, e.opts.ChunkOverlap, w, maxLength)
		}
	}
	if e.backend == nil {
		_, kernel, _ := strings.Cut(e.backendSpec, ":")
		n.eng, err = newNativeEngine(params, native.Options{Pooling: pooling, Activation: act, Precision: e.opts.Precision, Kernel: kernel})
	} else {
		n.eng, err = newGraphEngine(e.backend, params, pooling, act, m.Tokenizer.Pad(), maxLength)
	}
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", e.name, err)
	}
	return n, nil
}

// Encode returns one sparse vector per text, in order, encoded as kind
// (see splade.Kind): KindQuery as EncodeQuery, KindDocument as
// EncodeDocument, KindDefault as the folder encodes texts of no stated
// kind — for a sentence-transformers Router its default route (documents,
// as sentence-transformers saves it), for an inference-free folder without
// a model the query table, else the masked-LM model. Texts longer than
// MaxLength tokens are truncated. Texts are grouped by length so batches
// carry little padding.
func (e *Encoder) Encode(ctx context.Context, texts []string, kind splade.Kind) ([]sparsevec.Vector, error) {
	return e.EncodeWith(ctx, texts, kind, e.EncodeOptions())
}

// EncodeOptions returns the per-call options that Encode applies: those
// of Options (Chunk, ChunkOverlap) and the folder's default prompt.
func (e *Encoder) EncodeOptions() splade.EncodeOptions {
	return splade.EncodeOptions{Chunk: e.opts.Chunk, ChunkOverlap: e.opts.ChunkOverlap, Prompt: e.prompts[e.defaultPrompt]}
}

// Prompts returns the prompts of the folder's
// config_sentence_transformers.json by name, and the name of its
// default_prompt_name ("" for none).
func (e *Encoder) Prompts() (map[string]string, string) { return e.prompts, e.defaultPrompt }

// EncodeWith is Encode with the per-call options opts in place of
// EncodeOptions(). Inference-free query tables take only the prompt.
func (e *Encoder) EncodeWith(ctx context.Context, texts []string, kind splade.Kind, opts splade.EncodeOptions) ([]sparsevec.Vector, error) {
	if opts.ChunkOverlap < 0 || (opts.ChunkOverlap > 0 && !opts.Chunk) {
		return nil, fmt.Errorf("model: chunk overlap %d needs chunking and must not be negative", opts.ChunkOverlap)
	}
	if opts.Prompt != "" {
		prompted := make([]string, len(texts))
		for i, t := range texts {
			prompted[i] = opts.Prompt + t
		}
		texts = prompted
	}
	r, err := e.routes.For(kind)
	if errors.Is(err, route.ErrQueryOnly) {
		return nil, fmt.Errorf("model: %s is an inference-free folder and can only encode queries (EncodeQuery); documents need its masked-LM model", e.name)
	}
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return e.encode(ctx, r, texts, opts)
}

// EncodeQuery encodes search queries: by table lookup for an
// inference-free model (a SparseStaticEmbedding query route or an
// idf.json), else like Encode with KindDefault. SPLADE encoders without
// separate query and document modules treat both alike, as
// sentence-transformers does.
func (e *Encoder) EncodeQuery(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.Encode(ctx, texts, splade.KindQuery)
}

// EncodeDocument encodes documents to index; see EncodeQuery. A folder with
// only a tokenizer and idf.json cannot encode documents.
func (e *Encoder) EncodeDocument(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.Encode(ctx, texts, splade.KindDocument)
}

// InferenceFree reports whether queries are encoded by table lookup.
func (e *Encoder) InferenceFree() bool { return e.routes.InferenceFree() }

func (e *Encoder) encode(ctx context.Context, r *route.Route, texts []string, opts splade.EncodeOptions) ([]sparsevec.Vector, error) {
	if r.Static != nil {
		return e.encodeStatic(ctx, r.Static, texts)
	}
	n := r.Engine.(*network)
	if (opts.Chunk || opts.TruncateLeft) && len(n.specials) != 2 {
		return nil, fmt.Errorf("model: %s: chunking and left truncation need one special token on each side of a text; this tokenizer adds %d", e.name, len(n.specials))
	}
	size := n.maxLength - 2 // the content tokens of a window
	if opts.Chunk && opts.ChunkOverlap >= size {
		return nil, fmt.Errorf("model: %s: chunk overlap %d must be less than the %d tokens of a window (max length %d less the two special tokens)", e.name, opts.ChunkOverlap, size, n.maxLength)
	}
	var seqs [][]int32 // token ids: one per text, or its windows
	var owner []int    // the text of each sequence
	for i, t := range texts {
		var windows [][]int32
		switch {
		case opts.Chunk:
			windows = Windows(n.tok.IDs(t), size, opts.ChunkOverlap)
		case opts.TruncateLeft:
			ids := n.tok.IDs(t)
			windows = [][]int32{ids[max(0, len(ids)-size):]}
		default:
			seqs, owner = append(seqs, n.tok.EncodeIDs(t, n.maxLength)), append(owner, i)
			continue
		}
		for _, w := range windows {
			seq := make([]int32, 0, len(w)+2)
			seq = append(append(append(seq, n.specials[0]), w...), n.specials[1])
			seqs, owner = append(seqs, seq), append(owner, i)
		}
	}
	// Shortest first, so that passes of the graph engine carry little
	// padding.
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(seqs[a]) - len(seqs[b]) })
	sorted := make([][]int32, len(seqs))
	for i, k := range order {
		sorted[i] = seqs[k]
	}
	vecs, err := e.batch.encode(ctx, n, sorted)
	if err != nil {
		return nil, err
	}
	out := make([]sparsevec.Vector, len(texts))
	seen := make([]bool, len(texts))
	for i, k := range order {
		t := owner[k]
		if seen[t] {
			out[t] = sparsevec.Max(out[t], vecs[i])
		} else {
			out[t], seen[t] = vecs[i], true
		}
	}
	for i := range out {
		out[i] = e.reduce(out[i])
	}
	return out, nil
}

// Windows cuts the tokens of a text (without special tokens) into the
// windows that Options.Chunk encodes: size tokens each, starting at 0,
// size-overlap, 2(size-overlap), ... while a window still ends before
// the last token, and a last window that ends at the last token. A text
// of at most size tokens is one window (an empty text too). Windows share
// the memory of ids. size must exceed overlap, and overlap be at least 0.
func Windows(ids []int32, size, overlap int) [][]int32 {
	if len(ids) <= size || size <= 0 || overlap < 0 || overlap >= size {
		return [][]int32{ids}
	}
	var ws [][]int32
	for start := 0; start+size < len(ids); start += size - overlap {
		ws = append(ws, ids[start:start+size])
	}
	return append(ws, ids[len(ids)-size:])
}

// encodeStatic encodes texts by table lookup (see layout.Static.Encode).
func (e *Encoder) encodeStatic(ctx context.Context, s *layout.Static, texts []string) ([]sparsevec.Vector, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	out := make([]sparsevec.Vector, len(texts))
	for i, t := range texts {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = e.reduce(s.Encode(t))
	}
	return out, nil
}

// pass runs seqs through n as one forward pass.
func (e *Encoder) pass(ctx context.Context, n *network, seqs [][]int32) ([]sparsevec.Vector, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, errClosed
	}
	vecs, err := n.eng.encode(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("model: %s: %w", e.name, err)
	}
	if len(vecs) != len(seqs) {
		return nil, fmt.Errorf("model: %s: engine returned %d vectors for %d sequences", e.name, len(vecs), len(seqs))
	}
	return vecs, nil
}

// reduce applies the options that drop weights: MaxActiveDims, then
// Prune.
func (e *Encoder) reduce(v sparsevec.Vector) sparsevec.Vector {
	return v.KeepTop(e.opts.MaxActiveDims).Prune(e.opts.Prune)
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

// MaxLength is the token limit per text of Encode with KindDefault
// (route.Set.MaxLength): [CLS] and [SEP] included for a model; for a
// query-only inference-free folder the query tokens, which have no [CLS]
// and [SEP].
func (e *Encoder) MaxLength() int { return e.routes.MaxLength() }

// Precision is the number format of the network: Options.Precision, or
// splade.PrecisionFP32 when that is empty.
func (e *Encoder) Precision() splade.Precision {
	if e.opts.Precision == "" {
		return splade.PrecisionFP32
	}
	return e.opts.Precision
}

// MaxBatchTokens is the most tokens of one forward pass, into which
// concurrent calls are merged (Options.MaxBatchTokens).
func (e *Encoder) MaxBatchTokens() int { return e.opts.MaxBatchTokens }

// Tokenizer returns the model's tokenizer: the document side's, or the
// query side's for a query-only folder.
func (e *Encoder) Tokenizer() tokenizer.Tokenizer { return e.tok }

// Model is the model id or folder the encoder was loaded from.
func (e *Encoder) Model() string { return e.name }

// Token returns the vocabulary entry of dimension id ("" out of range).
func (e *Encoder) Token(id int) string { return e.tok.Token(id) }

var _ splade.OptionEncoder = (*Encoder)(nil)

// Backend names the engine in use, as Options.Backend spells it: the
// native engine with its kernel (for example "native:avx512", or
// "native:amx" in bf16), a GoMLX backend ("go:ops_sequential,creation_order",
// "xla:cuda"), or "static" for a query-only inference-free folder, which
// runs no network.
func (e *Encoder) Backend() string { return e.backendSpec }

// Close releases the compiled graphs, the weights and the backend.
func (e *Encoder) Close() error {
	e.batch.stop()
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
		n.eng.close()
	}
	e.nets = nil
	if e.backend != nil {
		e.backend.Finalize()
		e.backend = nil
	}
}
