package arch

import (
	"fmt"
	"slices"
	"strings"

	"github.com/splade-go/splade/tokenizer"
)

// Tokenizers returns the kinds of tokenizer that checkpoints of n's
// family ship, the family's own first (WordPiece for BERT, byte-level BPE
// for RoBERTa, ...). It is nil for a family that is not registered.
//
// The tokenizer of a model folder comes from its tokenizer files, not
// from config.json; this says which of them can belong to the network.
func (n *Network) Tokenizers() []tokenizer.Model {
	f, err := lookup(n.Family)
	if err != nil {
		return nil
	}
	return slices.Clone(f.tokenizers)
}

// CheckTokenizer returns a *TokenizerError when no checkpoint of n's
// family ships a tokenizer of kind m: the tokenizer files of the folder
// then belong to another model, whose ids would index the wrong rows of
// the embeddings. An unknown kind ("") passes.
func (n *Network) CheckTokenizer(m tokenizer.Model) error {
	want := n.Tokenizers()
	if m == "" || want == nil || slices.Contains(want, m) {
		return nil
	}
	return &TokenizerError{Family: n.Family, Want: want, Got: m}
}

// TokenizerError reports tokenizer files of a kind that no checkpoint of
// the network's family ships (see [Network.CheckTokenizer]).
type TokenizerError struct {
	Family string            // config.json's model_type
	Want   []tokenizer.Model // the kinds the family's checkpoints ship
	Got    tokenizer.Model   // the kind of the tokenizer files
}

func (e *TokenizerError) Error() string {
	want := make([]string, len(e.Want))
	for i, m := range e.Want {
		want[i] = m.String()
	}
	return fmt.Sprintf("model_type %q expects a %s tokenizer, but the tokenizer files hold a %s model: use the tokenizer files of the checkpoint that config.json comes from",
		e.Family, strings.Join(want, " or "), e.Got)
}
