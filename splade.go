// Package splade is the encoder contract: what every SPLADE engine of this
// module offers (the GoMLX graph and the native CPU engine of package
// model, the plain-Go encoder of package wasm), and the settings they all
// take, with one validation and one rule for the token limit.
//
// Code that serves or writes vectors (the HTTP API, the CLI, the Worker)
// takes an [Encoder] and does not care which engine is behind it.
package splade

import (
	"context"
	"fmt"

	"github.com/splade-go/splade/sparsevec"
)

// Encoder turns texts into SPLADE sparse vectors. Implementations are
// safe for concurrent use and stop early when ctx is done.
type Encoder interface {
	// Encode returns one vector per text, in order, encoded as kind.
	Encode(ctx context.Context, texts []string, kind Kind) ([]sparsevec.Vector, error)
	// Token returns the vocabulary entry of a dimension ("" when unknown).
	Token(id int) string
	// Dim returns the dimension of the vectors (the vocabulary size).
	Dim() int
	// Model returns the model's name: its hub id or folder.
	Model() string
	// Backend names the engine that runs the network, for example
	// "native", "go:ops_sequential,creation_order", "xla:cuda", "wasm-go",
	// or "static" when no network runs (inference-free queries only).
	Backend() string
}

// EncodeOptions are the settings of one call that a caller, such as a
// request to the HTTP API, may choose per call; engines that take them
// implement [OptionEncoder].
type EncodeOptions struct {
	// TruncateLeft keeps the last tokens of a text longer than the
	// token limit instead of the first (TEI's truncation_direction
	// "Left"); the special tokens stay.
	TruncateLeft bool
	// Chunk encodes a text longer than the token limit L as windows of
	// L-2 tokens (plus the special tokens) starting every
	// L-2-ChunkOverlap tokens, the last one ending at the text's last
	// token, and keeps each dimension's largest weight over the windows,
	// instead of truncating it.
	Chunk bool
	// ChunkOverlap is the tokens that consecutive windows share; less
	// than L-2.
	ChunkOverlap int
	// Prompt is a text put before each text (a sentence-transformers
	// prompt).
	Prompt string
}

// OptionEncoder is an Encoder that takes EncodeOptions per call.
type OptionEncoder interface {
	Encoder
	// EncodeOptions returns the options that Encode applies.
	EncodeOptions() EncodeOptions
	// EncodeWith is Encode with the options opts (all of them: start
	// from EncodeOptions to change one).
	EncodeWith(ctx context.Context, texts []string, kind Kind, opts EncodeOptions) ([]sparsevec.Vector, error)
	// Prompts returns the model's prompts by name and the name of the
	// one Encode applies ("" for none).
	Prompts() (prompts map[string]string, defaultName string)
}

// Kind says which side of an asymmetric model encodes a text.
type Kind string

// The kinds of text. KindDefault lets the model choose: for a
// sentence-transformers Router its default route (documents, as
// sentence-transformers saves it), for a folder of an inference-free query
// table alone the table, else the masked-LM model. Symmetric models encode
// every kind the same way.
const (
	KindDefault  Kind = ""
	KindQuery    Kind = "query"
	KindDocument Kind = "document"
)

// ParseKind returns the Kind that s names.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindDefault, KindQuery, KindDocument:
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %q (want %q, %q or none)", s, KindQuery, KindDocument)
}

// Pooling is how token weights become one vector, as sentence-transformers'
// SpladePooling spells it.
type Pooling string

const (
	PoolingMax Pooling = "max" // w_j = max over tokens (SPLADE v2 and later; the default)
	PoolingSum Pooling = "sum" // w_j = sum over tokens (the original SPLADE)
)

// Activation is SpladePooling's activation_function.
type Activation string

const (
	ActivationReLU      Activation = "relu"       // w = log(1 + ReLU(z)); the default
	ActivationLog1pReLU Activation = "log1p_relu" // w = log(1 + log(1 + ReLU(z))); OpenSearch v3 models
)

// Precision is the number format of the network's matrix products.
type Precision string

const (
	// PrecisionFP32 computes in float32 throughout: the vectors match
	// PyTorch's to 1e-4. The default.
	PrecisionFP32 Precision = "fp32"
	// PrecisionBF16 rounds the weights and the activations entering each
	// large matrix product to bfloat16 and accumulates in float32 (as
	// PyTorch does with the model cast to bfloat16): faster on CPUs with
	// AVX512-BF16 or AMX, with vectors close to but not equal to fp32's.
	PrecisionBF16 Precision = "bf16"
	// PrecisionInt8 quantizes every linear layer dynamically (the
	// vocabulary-sized MLM head included): the weights to int8 per output
	// channel, once at load; the activations entering each product to
	// uint8 per token, at run time; sums in int32. The fastest on CPUs
	// with AVX512-VNNI or AVX-VNNI, with vectors close to fp32's (the
	// native engine only).
	PrecisionInt8 Precision = "int8"
)

// Settings are the encoding settings every engine takes. The zero value of
// each field means the model folder's own value (see package layout), else
// SPLADE's default.
type Settings struct {
	// MaxLength caps the tokens per text, [CLS] and [SEP] included (the
	// tokens of an inference-free query, which has neither, too). Zero
	// means the model's own: sentence_bert_config.json's max_seq_length,
	// else the tokenizer's model_max_length, never more than
	// max_position_embeddings. See [ResolveMaxLength].
	MaxLength int
	// Pooling is PoolingMax or PoolingSum. Empty means the SpladePooling
	// module's pooling_strategy, else PoolingMax.
	Pooling Pooling
	// Activation is ActivationReLU or ActivationLog1pReLU. Empty means the
	// SpladePooling module's activation_function, else ActivationReLU.
	Activation Activation
	// Precision is PrecisionFP32, PrecisionBF16 or PrecisionInt8. Empty
	// means PrecisionFP32.
	Precision Precision
}

// Validate reports the first setting that no engine accepts.
func (s Settings) Validate() error {
	switch s.Pooling {
	case "", PoolingMax, PoolingSum:
	default:
		return fmt.Errorf("unknown pooling %q (want %s or %s)", s.Pooling, PoolingMax, PoolingSum)
	}
	switch s.Activation {
	case "", ActivationReLU, ActivationLog1pReLU:
	default:
		return fmt.Errorf("unknown activation %q (want %s or %s)", s.Activation, ActivationReLU, ActivationLog1pReLU)
	}
	switch s.Precision {
	case "", PrecisionFP32, PrecisionBF16, PrecisionInt8:
	default:
		return fmt.Errorf("unknown precision %q (want %s, %s or %s)", s.Precision, PrecisionFP32, PrecisionBF16, PrecisionInt8)
	}
	if s.MaxLength < 0 {
		return fmt.Errorf("max length %d is negative", s.MaxLength)
	}
	return nil
}

// Resolve returns the pooling and activation to use: s's when set, else
// the folder's (folderPooling, folderActivation, either possibly empty),
// else the defaults.
func (s Settings) Resolve(folderPooling Pooling, folderActivation Activation) (Pooling, Activation) {
	p, a := s.Pooling, s.Activation
	if p == "" {
		p = folderPooling
	}
	if p == "" {
		p = PoolingMax
	}
	if a == "" {
		a = folderActivation
	}
	if a == "" {
		a = ActivationReLU
	}
	return p, a
}

// ResolveMaxLength is the one rule for the token limit of a masked-LM
// model with positions position embeddings: a requested limit (> 0) is
// used as given and is an error when it exceeds positions, since the
// caller asked for something the model cannot do; otherwise the folder's
// limit, clamped to positions (folders often state 512 for models with
// more, or a tokenizer's huge "no limit" value), or positions when the
// folder states none. The result leaves room for [CLS] and [SEP].
func ResolveMaxLength(requested, folder, positions int) (int, error) {
	n := requested
	switch {
	case requested > 0 && positions > 0 && requested > positions:
		return 0, fmt.Errorf("max length %d exceeds the model's %d positions", requested, positions)
	case requested > 0:
	case folder > 0 && (positions <= 0 || folder <= positions):
		n = folder
	default:
		n = positions
	}
	if n < 2 {
		return 0, fmt.Errorf("max length %d leaves no room for [CLS] and [SEP]", n)
	}
	return n, nil
}
