package model

import (
	"fmt"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/sparsevec"
)

// DefaultBatchSize is the number of texts run through the network at once
// when Options.BatchSize is zero (sentence-transformers uses 32 too).
const DefaultBatchSize = 32

// Options configure Load. The zero value gives the model's own settings:
// the pooling, activation and maximum length its folder states (see
// package layout), else max pooling, relu activation and the model's
// maximum length; batches of 32, every active dimension kept, the backend
// named by $GOMLX_BACKEND or else GoMLX's pure-Go backend, and hub
// settings from the environment. A field that is set overrides the
// folder.
type Options struct {
	// MaxLength caps the tokens per text, [CLS] and [SEP] included (the
	// tokens of an inference-free query, which has neither, too). Zero
	// means the model's own: sentence_bert_config.json's max_seq_length,
	// else the tokenizer's model_max_length, never more than
	// max_position_embeddings.
	MaxLength int
	// Pooling is splade.PoolingMax or splade.PoolingSum. Empty means the
	// model's own: the SpladePooling module's pooling_strategy, else max.
	Pooling splade.Pooling
	// Activation is splade.ActivationReLU or splade.ActivationLog1pReLU.
	// Empty means the model's own: the SpladePooling module's
	// activation_function, else relu.
	Activation splade.Activation
	// Precision is splade.PrecisionFP32 (empty: the default, exact),
	// splade.PrecisionBF16 (the native engine on a CPU with AVX512-BF16,
	// AMX or arm64's BF16; see the README for its accuracy) or splade.PrecisionInt8 (the
	// native engine, fastest with AVX512-VNNI or AVX-VNNI; see
	// docs/kernels.md for its accuracy).
	Precision splade.Precision
	// BatchSize is the most token sequences (texts, or windows of texts
	// with Chunk) in one forward pass.
	BatchSize int
	// MaxBatchTokens is the most tokens in one forward pass (TEI's
	// max_batch_tokens); a single longer sequence still runs alone.
	// Zero means DefaultMaxBatchTokens. Concurrent Encode calls share
	// forward passes within these two limits (dynamic batching).
	MaxBatchTokens int
	// ObserveBatch, when set, is called after each forward pass with its
	// number of sequences and tokens (for metrics). It must be quick
	// and safe for concurrent use.
	ObserveBatch func(seqs, tokens int)
	// Chunk encodes texts longer than MaxLength as overlapping windows
	// instead of truncating them: the text's tokens without [CLS] and
	// [SEP] are cut into windows of MaxLength-2 tokens starting every
	// MaxLength-2-ChunkOverlap tokens, the last window moved back to end
	// at the text's last token; each window gets the model's special
	// tokens and is encoded as a text, and the text's vector is the
	// elementwise max of its windows' vectors (with sum pooling too: each
	// window sums its tokens, and the windows are still combined by max,
	// so that overlapping tokens do not count twice). Inference-free
	// query tables, which read every token, ignore it.
	Chunk bool
	// ChunkOverlap is the tokens that consecutive windows share; less
	// than MaxLength-2.
	ChunkOverlap int
	// MaxActiveDims keeps only the k largest weights of each vector; zero
	// keeps all (sentence-transformers' max_active_dims).
	MaxActiveDims int
	// Prune drops the small weights of each vector by one of OpenSearch's
	// rules (see sparsevec.Prune), after MaxActiveDims; the zero value
	// keeps all.
	Prune sparsevec.Prune
	// Backend selects the engine: "native" (package native; "native:avx512",
	// "native:avx2", "native:neon" or "native:go" for a given kernel), or a GoMLX backend:
	// "go" (GoMLX's pure Go), "go:ops_sequential", "xla:cpu", "xla:cuda" or
	// "xla:/abs/path/plugin.so". Empty means $GOMLX_BACKEND, else the
	// fastest exact engine on this CPU: native where it has a SIMD kernel
	// (x86-64 with AVX2 or AVX-512), else DefaultBackend.
	Backend string
	// Hub configures downloads when Load is given a hub model id.
	Hub hub.Options
}

// settings returns the options that every engine takes.
func (o *Options) settings() splade.Settings {
	return splade.Settings{MaxLength: o.MaxLength, Pooling: o.Pooling, Activation: o.Activation, Precision: o.Precision}
}

func (o *Options) validate() error {
	if err := o.settings().Validate(); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchSize < 0 {
		return fmt.Errorf("model: batch size %d is negative", o.BatchSize)
	}
	if o.MaxBatchTokens == 0 {
		o.MaxBatchTokens = DefaultMaxBatchTokens
	}
	if o.MaxBatchTokens < 0 {
		return fmt.Errorf("model: max batch tokens %d is negative", o.MaxBatchTokens)
	}
	if o.ChunkOverlap < 0 {
		return fmt.Errorf("model: chunk overlap %d is negative", o.ChunkOverlap)
	}
	if o.ChunkOverlap > 0 && !o.Chunk {
		return fmt.Errorf("model: chunk overlap %d without Chunk; set Chunk to encode long texts as windows", o.ChunkOverlap)
	}
	if o.MaxActiveDims < 0 {
		return fmt.Errorf("model: max active dims %d is negative", o.MaxActiveDims)
	}
	if err := o.Prune.Validate(); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return nil
}
