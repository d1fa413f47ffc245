package arch

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/splade-go/splade/tokenizer"
)

// family is one registered model family: the file that describes it
// calls register from an init function.
type family struct {
	// types are the config.json model_type values it reads.
	types []string
	// parse reads config.json into a Network (Family, sizes, blocks);
	// Parse validates what it returns.
	parse func(config []byte) (*Network, error)
	// names returns the checkpoint names of the tensor of role r in n,
	// the preferred first.
	names func(n *Network, r Role) []string
	// ignored reports whether a tensor that no role names belongs to a
	// part of the family's checkpoints that the encoder does not use
	// (a pooler, a pre-training head, a buffer).
	ignored func(name string) bool
	// tokenHead reports whether parse sets Head.SkipIDs, so that the
	// family can carry a per-token head (Network.UseTokenHead).
	tokenHead bool
	// tokenizers are the kinds of tokenizer the family's published
	// checkpoints ship, its own first. The architecture does not fix
	// the tokenizer (a BERT network may carry XLM-R's SentencePiece
	// vocabulary), so the list holds every kind a real checkpoint of
	// the family is known to ship, and Network.CheckTokenizer refuses
	// the others: such files belong to another model, and encoding
	// with them would give plausible-looking but wrong vectors, which a
	// warning would let through. A checkpoint found with a new kind is
	// one more entry here.
	tokenizers []tokenizer.Model
}

// families maps model_type to its family. It is filled by the init
// functions of this package's family files and only read afterwards.
var families = map[string]*family{}

// register adds f under each of its model types.
func register(f *family) {
	if len(f.tokenizers) == 0 {
		panic("arch: model_type " + strings.Join(f.types, ", ") + " registered without tokenizers")
	}
	for _, t := range f.types {
		if _, dup := families[t]; dup {
			panic("arch: model_type " + t + " registered twice")
		}
		families[t] = f
	}
}

// Families returns the model_type values of the registered families,
// sorted.
func Families() []string {
	var ts []string
	for t := range families {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

func lookup(modelType string) (*family, error) {
	f := families[modelType]
	if f == nil {
		return nil, fmt.Errorf("unsupported model_type %q (supported: %s)", modelType, strings.Join(Families(), ", "))
	}
	return f, nil
}

// Parse reads a HuggingFace config.json into the Network of its family
// (model_type), with the defaults of the transformers library for the
// fields it leaves out, and checks that the engines can run it.
func Parse(config []byte) (*Network, error) {
	var head struct {
		ModelType *string `json:"model_type"`
	}
	if err := json.Unmarshal(config, &head); err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	if head.ModelType == nil {
		return nil, fmt.Errorf("config.json: no model_type (supported: %s)", strings.Join(Families(), ", "))
	}
	f, err := lookup(*head.ModelType)
	if err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	n, err := f.parse(config)
	if err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	n.Family = *head.ModelType
	return n, nil
}

// TensorNames returns the names a checkpoint of n's family may store the
// tensor of role r under, the preferred first.
func (n *Network) TensorNames(r Role) []string {
	f, err := lookup(n.Family)
	if err != nil {
		return nil
	}
	if r.Part == TokenLinear {
		return TokenHeadNames(r)
	}
	return f.names(n, r)
}

// Ignored reports whether a checkpoint tensor that no role of n names is
// one the family's checkpoints carry beside the encoder and that it does
// not use (a pooler, a pre-training head, a buffer), rather than a sign
// that config.json does not describe the checkpoint.
func (n *Network) Ignored(name string) bool {
	f, err := lookup(n.Family)
	return err == nil && f.ignored != nil && f.ignored(name)
}

// TiedDecoderNames returns, for every registered family, the name pairs
// (decoder weight, word embeddings) that a checkpoint holding a tied
// decoder twice stores.
func TiedDecoderNames() [][2]string {
	var pairs [][2]string
	seen := map[[2]string]bool{}
	for _, t := range Families() {
		f := families[t]
		n := &Network{Family: t}
		for _, dec := range f.names(n, W(Decoder)) {
			for _, emb := range f.names(n, W(WordEmbeddings)) {
				if p := [2]string{dec, emb}; !seen[p] {
					seen[p] = true
					pairs = append(pairs, p)
				}
			}
		}
	}
	return pairs
}

// The naming helpers of the family files.

// prefixed returns the names pre+name and name, for the tensors of a
// base model that checkpoints store with or without its prefix.
func prefixed(pre string, names ...string) []string {
	out := make([]string, 0, 2*len(names))
	for _, n := range names {
		out = append(out, pre+n)
	}
	return append(out, names...)
}

// param returns module's weight or bias name; for a norm (norm true)
// also the old gamma/beta names.
func param(module string, r Role, norm bool) []string {
	switch {
	case r.Bias && norm:
		return []string{module + ".bias", module + ".beta"}
	case r.Bias:
		return []string{module + ".bias"}
	case norm:
		return []string{module + ".weight", module + ".gamma"}
	}
	return []string{module + ".weight"}
}

// isNorm reports whether p is a normalisation.
func isNorm(p Part) bool {
	switch p {
	case EmbeddingNorm, AttentionNorm, FeedForwardNorm, FinalNorm, HeadNorm:
		return true
	}
	return false
}

// orInt returns *p, or def when p is nil (a field config.json leaves out).
func orInt(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// orFloat returns *p, or def when p is nil.
func orFloat(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// unmarshal decodes config.json into v.
func unmarshal(config []byte, v any) error {
	if err := json.Unmarshal(config, v); err != nil {
		return err
	}
	return nil
}
