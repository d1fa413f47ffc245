package layout

import (
	"slices"

	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/tokenizer"
)

// Static is an inference-free query encoder: sentence-transformers'
// SparseStaticEmbedding, or an idf.json table, giving each token a fixed
// weight. It is safe for concurrent use.
type Static struct {
	// Tokenizer splits texts into token ids.
	Tokenizer tokenizer.Tokenizer
	// Weights holds the weight of each token id; ids past its end weigh 0.
	Weights []float32
	// MaxLength caps the tokens per text (no [CLS] or [SEP] here), as
	// sentence-transformers truncates to the tokenizer's model_max_length;
	// 0 means no cap. Read sets the tokenizer's; to use another, encode
	// with a copy of the Static.
	MaxLength int
	// Dim is the dimension of the vectors: the model's vocabulary size.
	Dim int
}

// IDs returns the token ids of text that Encode weighs: its WordPiece
// tokens without [CLS] and [SEP], at most MaxLength of them.
func (s *Static) IDs(text string) []int32 {
	ids := s.Tokenizer.IDs(text)
	if s.MaxLength > 0 && len(ids) > s.MaxLength {
		ids = ids[:s.MaxLength]
	}
	return ids
}

// Encode returns the vector of text: the weight of every distinct token of
// IDs(text); tokens weighted 0 are left out.
func (s *Static) Encode(text string) sparsevec.Vector {
	ids := s.IDs(text)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	v := sparsevec.Vector{Dim: s.Dim}
	for _, id := range ids {
		if id < 0 || int(id) >= len(s.Weights) {
			continue
		}
		if w := s.Weights[id]; w != 0 {
			v.Indices = append(v.Indices, uint32(id))
			v.Values = append(v.Values, w)
		}
	}
	return v
}
