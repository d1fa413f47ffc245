// Package servetok shows a tokenizer to the HTTP API: the tokens of a
// text as httpapi.Token values, for `splade serve` and the worker alike.
package servetok

import (
	"math"
	"slices"

	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/tokenizer"
)

// Tokens returns the untruncated tokens of text as tok encodes it, the
// special tokens around it ([CLS] and [SEP], <s> and </s>) included and
// marked special (as is the padding token, should the text hold it).
func Tokens(tok tokenizer.Tokenizer, text string) []httpapi.Token {
	specials := append(tok.EncodeIDs("", 0), tok.Pad()) // what surrounds every text
	ids := tok.EncodeIDs(text, math.MaxInt32)
	out := make([]httpapi.Token, len(ids))
	for i, id := range ids {
		out[i] = httpapi.Token{ID: id, Text: tok.Token(int(id)), Special: slices.Contains(specials, id)}
	}
	return out
}
