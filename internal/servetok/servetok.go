// Package servetok shows a tokenizer to the HTTP API: the tokens of a
// text as httpapi.Token values, for `splade serve` and the worker alike.
package servetok

import (
	"math"

	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/wordpiece"
)

// Tokens returns the untruncated tokens of text as tok encodes it, [CLS]
// and [SEP] included and marked special (as is [PAD], should the text
// hold it).
func Tokens(tok *wordpiece.Tokenizer, text string) []httpapi.Token {
	e := tok.Encode(text, math.MaxInt32)
	out := make([]httpapi.Token, len(e.IDs))
	for i, id := range e.IDs {
		special := id == tok.CLS() || id == tok.SEP() || id == tok.Pad()
		out[i] = httpapi.Token{ID: id, Text: e.Tokens[i], Special: special}
	}
	return out
}
