package httpapi

import (
	"math"
	"slices"
)

// IDTokenizer is the part of a tokenizer (package tokenizer's Tokenizer)
// that [Tokens] uses.
type IDTokenizer interface {
	// EncodeIDs returns the ids of text, with the special tokens around
	// it, keeping at most maxLen.
	EncodeIDs(text string, maxLen int) []int32
	// Token returns the token string of id.
	Token(id int) string
	// Pad returns the padding token's id.
	Pad() int32
}

// Tokens returns the untruncated tokens of text as tok encodes it, the
// special tokens around it ([CLS] and [SEP], <s> and </s>) included and
// marked special (as is the padding token, should the text hold it). An
// encoder implements [Tokenizer] with it:
//
//	func (s served) Tokenize(text string) []httpapi.Token {
//		return httpapi.Tokens(s.Tokenizer(), text)
//	}
func Tokens(tok IDTokenizer, text string) []Token {
	specials := append(tok.EncodeIDs("", 0), tok.Pad()) // what surrounds every text
	ids := tok.EncodeIDs(text, math.MaxInt32)
	out := make([]Token, len(ids))
	for i, id := range ids {
		out[i] = Token{ID: id, Text: tok.Token(int(id)), Special: slices.Contains(specials, id)}
	}
	return out
}
