package model

import (
	"fmt"

	"github.com/splade-go/splade/hub"
)

// Pooling and activation names, as sentence-transformers' SpladePooling
// spells them.
const (
	PoolingMax = "max" // w_j = max over tokens (SPLADE v2 and later; the default)
	PoolingSum = "sum" // w_j = sum over tokens (the original SPLADE)

	ActivationRelu      = "relu"       // log(1 + ReLU(z)); the default
	ActivationLog1pRelu = "log1p_relu" // log(1 + log(1 + ReLU(z))); OpenSearch v3 models
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
	// Pooling is PoolingMax or PoolingSum. Empty means the model's own: the
	// SpladePooling module's pooling_strategy, else PoolingMax.
	Pooling string
	// Activation is ActivationRelu or ActivationLog1pRelu. Empty means the
	// model's own: the SpladePooling module's activation_function, else
	// ActivationRelu.
	Activation string
	// BatchSize is how many texts go through the network at once.
	BatchSize int
	// MaxActiveDims keeps only the k largest weights of each vector; zero
	// keeps all (sentence-transformers' max_active_dims).
	MaxActiveDims int
	// Backend selects the GoMLX backend: "go" (pure Go, the default),
	// "go:ops_sequential", "xla:cpu", "xla:cuda" or "xla:/abs/path/plugin.so".
	// Empty means $GOMLX_BACKEND, else DefaultBackend.
	Backend string
	// Hub configures downloads when Load is given a hub model id.
	Hub hub.Options
}

func (o *Options) validate() error {
	switch o.Pooling {
	case "", PoolingMax, PoolingSum:
	default:
		return fmt.Errorf("model: unknown pooling %q (want %s or %s)", o.Pooling, PoolingMax, PoolingSum)
	}
	switch o.Activation {
	case "", ActivationRelu, ActivationLog1pRelu:
	default:
		return fmt.Errorf("model: unknown activation %q (want %s or %s)", o.Activation, ActivationRelu, ActivationLog1pRelu)
	}
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.BatchSize < 0 {
		return fmt.Errorf("model: batch size %d is negative", o.BatchSize)
	}
	if o.MaxLength < 0 {
		return fmt.Errorf("model: max length %d is negative", o.MaxLength)
	}
	if o.MaxActiveDims < 0 {
		return fmt.Errorf("model: max active dims %d is negative", o.MaxActiveDims)
	}
	return nil
}
