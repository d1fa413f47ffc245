package wordpiece

import (
	"github.com/splade-go/splade/tokenizer/internal/hf"
	"github.com/splade-go/splade/tokenizer/internal/trie"
	"sync"
	"unicode/utf8"
)

// Tokenizer is a BERT WordPiece tokenizer. It is immutable once loaded and
// safe for concurrent use.
type Tokenizer struct {
	vocab  map[string]int32 // every token, as written in the vocabulary
	tokens []string         // id -> token
	first  *trie.Trie       // every token, for the first piece of a word
	cont   *trie.Trie       // continuation pieces, without their prefix

	maxChars int // max_input_chars_per_word

	cleanText   bool
	chinese     bool
	stripAccent bool
	lowercase   bool
	ascii       [utf8.RuneSelf]uint8 // class of each ASCII byte

	added *hf.Matcher // matched on the raw text

	cls, sep, pad, unk int32
	maxLength          int

	scratch sync.Pool // *scratch
}

// ASCII byte classes of the normalizer and pre-tokenizer.
const (
	classWord  = iota // part of a word, kept as is
	classUpper        // part of a word, lowercased
	classSpace        // splits words
	classPunct        // a word of its own
	classDrop         // removed by clean_text
)

// scratch holds the buffers of one tokenization.
type scratch struct {
	a, b, c, word []byte
}

// Encoding is the token ids of one text, with [CLS] first and [SEP] last,
// and the tokens they stand for.
type Encoding struct {
	IDs    []int32
	Tokens []string
}

// Batch is the token ids of several texts, padded with the pad token to the
// length of the longest, and their attention masks: Mask[i][j] is 1 where
// IDs[i][j] is a token of text i and 0 where it is padding.
type Batch struct {
	IDs  [][]int32
	Mask [][]int32
	Len  int // length of every row
}

// VocabSize returns the number of token ids: one more than the largest id.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the token of id, or "" when id is out of range.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID returns the id of token, and whether the vocabulary or the added
// tokens hold it.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.vocab[token]; ok {
		return id, true
	}
	return t.added.ID(token)
}

// MaxLength returns model_max_length from tokenizer_config.json (or the
// truncation length of tokenizer.json), or 0 when neither gives a usable
// length.
func (t *Tokenizer) MaxLength() int { return t.maxLength }

// CLS returns the id of the classification token, [CLS].
func (t *Tokenizer) CLS() int32 { return t.cls }

// SEP returns the id of the separator token, [SEP].
func (t *Tokenizer) SEP() int32 { return t.sep }

// Pad returns the id of the padding token, [PAD].
func (t *Tokenizer) Pad() int32 { return t.pad }

// Unk returns the id of the unknown token, [UNK].
func (t *Tokenizer) Unk() int32 { return t.unk }

// Pieces returns the WordPiece tokens of text, without [CLS] and [SEP].
// An unknown word gives the unknown token, [UNK].
func (t *Tokenizer) Pieces(text string) []string {
	ids := t.IDs(text)
	pieces := make([]string, len(ids))
	for i, id := range ids {
		pieces[i] = t.tokens[id]
	}
	return pieces
}

// IDs returns the ids of the WordPiece tokens of text, without [CLS] and
// [SEP].
func (t *Tokenizer) IDs(text string) []int32 {
	return t.appendIDs(make([]int32, 0, len(text)/4+1), text, -1)
}

// Encode returns the ids and tokens of text between [CLS] and [SEP]. When
// the text has more than maxLen-2 pieces, only the first maxLen-2 are kept,
// so that the encoding has maxLen tokens; maxLen <= 0 stands for
// t.MaxLength(), and when that is 0 too the text is not truncated. The
// encoding always holds [CLS] and [SEP], even for maxLen < 2.
func (t *Tokenizer) Encode(text string, maxLen int) Encoding {
	ids := t.encodeIDs(text, maxLen)
	tokens := make([]string, len(ids))
	for i, id := range ids {
		tokens[i] = t.tokens[id]
	}
	return Encoding{IDs: ids, Tokens: tokens}
}

// encodeIDs returns [CLS] ids [SEP], truncated as Encode describes.
func (t *Tokenizer) encodeIDs(text string, maxLen int) []int32 {
	return hf.Encode([]int32{t.cls}, []int32{t.sep}, maxLen, t.maxLength, len(text)/4, func(dst []int32, limit int) []int32 {
		return t.appendIDs(dst, text, limit)
	})
}

// EncodeBatch encodes each text as Encode does and pads the encodings with
// the pad token to the length of the longest.
func (t *Tokenizer) EncodeBatch(texts []string, maxLen int) Batch {
	rows := make([][]int32, len(texts))
	n := 0
	for i, text := range texts {
		rows[i] = t.encodeIDs(text, maxLen)
		n = max(n, len(rows[i]))
	}
	ids := make([]int32, len(texts)*n)
	mask := make([]int32, len(texts)*n)
	b := Batch{IDs: make([][]int32, len(texts)), Mask: make([][]int32, len(texts)), Len: n}
	for i, row := range rows {
		b.IDs[i] = ids[i*n : (i+1)*n : (i+1)*n]
		b.Mask[i] = mask[i*n : (i+1)*n : (i+1)*n]
		copy(b.IDs[i], row)
		for j := range b.IDs[i] {
			if j < len(row) {
				b.Mask[i][j] = 1
			} else {
				b.IDs[i][j] = t.pad
			}
		}
	}
	return b
}

// appendIDs appends the piece ids of text to dst. With limit >= 0 it may
// stop once len(dst) >= limit.
func (t *Tokenizer) appendIDs(dst []int32, text string, limit int) []int32 {
	s, _ := t.scratch.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	defer t.scratch.Put(s)
	for text != "" && (limit < 0 || len(dst) < limit) {
		start, end, id := t.added.Next(text)
		if start < 0 {
			return t.appendSegment(dst, text, limit, s)
		}
		dst = t.appendSegment(dst, text[:start], limit, s)
		dst = append(dst, id)
		text = text[end:]
	}
	return dst
}

// EncodeIDs returns the ids of Encode(text, maxLen) without the tokens.
func (t *Tokenizer) EncodeIDs(text string, maxLen int) []int32 { return t.encodeIDs(text, maxLen) }
