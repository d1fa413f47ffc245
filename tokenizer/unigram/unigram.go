package unigram

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/splade-go/splade/tokenizer/internal/hf"
	"github.com/splade-go/splade/tokenizer/internal/trie"
)

// unkPenalty is how much lower than the lowest piece score an unknown
// character scores, as in SentencePiece and HuggingFace.
const unkPenalty = 10.0

// prependScheme says where Metaspace puts the replacement character
// before a piece of text.
type prependScheme uint8

const (
	prependAlways prependScheme = iota // before every piece of text
	prependFirst                       // before the piece that starts the text
	prependNever
)

// Tokenizer is a SentencePiece Unigram tokenizer. It is immutable once
// loaded and safe for concurrent use.
type Tokenizer struct {
	tokens   []string         // id -> piece
	scores   []float64        // id -> log probability
	ids      map[string]int32 // piece -> id (the last id of a piece written twice)
	pieces   *trie.Trie
	unk      int32
	unkScore float64
	byteFall bool
	byteIDs  [256]int32 // id of <0xXX>, -1 when absent

	norm        normalizer // nil: none
	replacement string     // Metaspace's replacement of ' ' ("▁")
	prepend     prependScheme
	split       bool // split the text before each replacement character
	// whitespaceSplit: a WhitespaceSplit pre-tokenizer comes before
	// Metaspace (as older transformers converters wrote).
	whitespaceSplit bool

	raw        *hf.Matcher // added tokens matched in the raw text
	normalized *hf.Matcher // added tokens matched in the normalized text

	prefix, suffix []int32 // what the post-processor puts around one text
	pad            int32
	maxLength      int

	scratch sync.Pool // *lattice
}

// VocabSize returns the number of token ids: one more than the largest.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the piece of id, or "" when id is out of range.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID returns the id of token and whether the vocabulary or the added
// tokens hold it.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.raw.ID(token); ok {
		return id, true
	}
	if id, ok := t.normalized.ID(token); ok {
		return id, true
	}
	id, ok := t.ids[token]
	return id, ok
}

// MaxLength returns model_max_length of tokenizer_config.json (or the
// truncation length of tokenizer.json), 0 when neither gives one.
func (t *Tokenizer) MaxLength() int { return t.maxLength }

// Pad returns the id of the padding token.
func (t *Tokenizer) Pad() int32 { return t.pad }

// Unk returns the id of the unknown token.
func (t *Tokenizer) Unk() int32 { return t.unk }

// IDs returns the ids of the pieces of text, without the special tokens
// the post-processor adds.
func (t *Tokenizer) IDs(text string) []int32 {
	return t.appendIDs(make([]int32, 0, len(text)/3+1), text, -1)
}

// Pieces returns the pieces of text, without special tokens.
func (t *Tokenizer) Pieces(text string) []string {
	ids := t.IDs(text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.tokens[id]
	}
	return out
}

// EncodeIDs returns the ids of text with the post-processor's special
// tokens around them (<s> ... </s> for XLM-RoBERTa). When the text has
// more than maxLen minus the special tokens pieces, only the first are
// kept, as HuggingFace truncates; maxLen <= 0 stands for t.MaxLength(),
// and when that is 0 too the text is not truncated. The special tokens
// are always there, even when maxLen leaves no room for a piece.
func (t *Tokenizer) EncodeIDs(text string, maxLen int) []int32 {
	return hf.Encode(t.prefix, t.suffix, maxLen, t.maxLength, len(text)/3, func(dst []int32, limit int) []int32 {
		return t.appendIDs(dst, text, limit)
	})
}

// appendIDs appends the ids of text to dst: the added tokens of the raw
// text are kept whole, and each text between them is normalized, split
// again on the added tokens of the normalized text, pre-tokenized and cut
// into pieces. With limit >= 0 it may stop once len(dst) >= limit.
func (t *Tokenizer) appendIDs(dst []int32, text string, limit int) []int32 {
	text = hf.ValidUTF8(text)
	first := true // the next segment starts the text
	for text != "" && (limit < 0 || len(dst) < limit) {
		start, end, id := t.raw.Next(text)
		seg := text
		if start >= 0 {
			seg = text[:start]
		}
		if seg != "" {
			dst = t.appendNormalized(dst, seg, first, limit)
		}
		if start < 0 {
			break
		}
		dst = append(dst, id)
		text = text[end:]
		first = false
	}
	return dst
}

// appendNormalized appends the ids of a segment of raw text without added
// tokens; first tells that it starts the text.
func (t *Tokenizer) appendNormalized(dst []int32, seg string, first bool, limit int) []int32 {
	if t.norm != nil {
		seg = t.norm.normalize(seg)
	}
	for seg != "" && (limit < 0 || len(dst) < limit) {
		start, end, id := t.normalized.Next(seg)
		part := seg
		if start >= 0 {
			part = seg[:start]
		}
		if part != "" {
			dst = t.appendPreTokenized(dst, part, first)
		}
		if start < 0 {
			break
		}
		dst = append(dst, id)
		seg = seg[end:]
		first = false
	}
	return dst
}

// appendPreTokenized appends the ids of a normalized text: with
// WhitespaceSplit first, each of its words is pre-tokenized alone (a word
// starts the text only at offset 0); Metaspace turns the spaces into the
// replacement character, puts one before the text as the prepend scheme
// says, and splits it before each replacement character; each part is cut
// by the Unigram model.
func (t *Tokenizer) appendPreTokenized(dst []int32, s string, first bool) []int32 {
	if !t.whitespaceSplit {
		return t.appendMetaspace(dst, s, first)
	}
	for off := 0; ; {
		i := strings.IndexFunc(s[off:], isNotSpace)
		if i < 0 {
			return dst
		}
		start, end := off+i, len(s)
		if j := strings.IndexFunc(s[start:], unicode.IsSpace); j >= 0 {
			end = start + j
		}
		dst = t.appendMetaspace(dst, s[start:end], first && start == 0)
		off = end
	}
}

func isNotSpace(r rune) bool { return !unicode.IsSpace(r) }

// appendMetaspace appends the ids of a text as Metaspace and the model cut
// it; see appendPreTokenized.
func (t *Tokenizer) appendMetaspace(dst []int32, s string, first bool) []int32 {
	if t.replacement != "" {
		s = strings.ReplaceAll(s, " ", t.replacement)
		if (t.prepend == prependAlways || t.prepend == prependFirst && first) && !strings.HasPrefix(s, t.replacement) {
			s = t.replacement + s
		}
	}
	if !t.split || t.replacement == "" {
		return t.appendModel(dst, s)
	}
	for s != "" {
		// Each replacement character starts a part (MergedWithNext).
		i := strings.Index(s[1:], t.replacement)
		if i < 0 {
			return t.appendModel(dst, s)
		}
		dst = t.appendModel(dst, s[:i+1])
		s = s[i+1:]
	}
	return dst
}

// node is a lattice position: the best way to cut the text up to it.
type node struct {
	score float64
	start int32 // start of the last piece, -1 when unreached
	id    int32
}

type lattice struct{ nodes []node }

// maxPooledNodes bounds the lattices kept for reuse.
const maxPooledNodes = 1 << 16

// appendModel appends the ids of the best cut of s into pieces (the
// Viterbi path of highest total score). A character no piece starts with
// is unknown; neighbouring unknown characters fuse into one unknown
// token, or, with byte_fallback, into the tokens of their bytes.
func (t *Tokenizer) appendModel(dst []int32, s string) []int32 {
	if s == "" {
		return dst
	}
	l, _ := t.scratch.Get().(*lattice)
	if l == nil {
		l = new(lattice)
	}
	defer func() {
		if cap(l.nodes) <= maxPooledNodes { // one huge word does not pin its lattice
			t.scratch.Put(l)
		}
	}()
	if cap(l.nodes) < len(s)+1 {
		l.nodes = make([]node, len(s)+1)
	}
	nodes := l.nodes[:len(s)+1]
	for i := range nodes {
		nodes[i] = node{start: -1}
	}
	nodes[0].start = 0
	for at := 0; at < len(s); {
		base := nodes[at].score
		_, char := utf8.DecodeRuneInString(s[at:])
		single := false
		t.pieces.Prefixes(s[at:], func(id int32, n int) bool {
			end := &nodes[at+n]
			if sc := base + t.scores[id]; end.start < 0 || sc > end.score {
				*end = node{score: sc, start: int32(at), id: id}
			}
			single = single || n == char
			return true
		})
		if !single {
			end := &nodes[at+char]
			if sc := base + t.unkScore; end.start < 0 || sc > end.score {
				*end = node{score: sc, start: int32(at), id: t.unk}
			}
		}
		at += char
	}
	// Walk the best path back, then append it forward.
	mark := len(dst)
	unkEnd := -1 // end of the run of unknown pieces being fused
	for end := len(s); end > 0; {
		n := nodes[end]
		if n.id == t.unk {
			if unkEnd < 0 {
				unkEnd = end
			}
		} else {
			if unkEnd >= 0 {
				dst = t.appendUnknown(dst, s[end:unkEnd])
				unkEnd = -1
			}
			dst = append(dst, n.id)
		}
		end = int(n.start)
	}
	if unkEnd >= 0 {
		dst = t.appendUnknown(dst, s[:unkEnd])
	}
	reverseFrom(dst, mark)
	return dst
}

// appendUnknown appends the ids of a run of unknown text in reverse order
// (appendModel reverses the whole path): the piece if the vocabulary has
// it, else its bytes' tokens with byte_fallback, else the unknown token.
func (t *Tokenizer) appendUnknown(dst []int32, s string) []int32 {
	if id, ok := t.ids[s]; ok {
		return append(dst, id)
	}
	if t.byteFall {
		ok := true
		for i := 0; i < len(s); i++ {
			ok = ok && t.byteIDs[s[i]] >= 0
		}
		if ok {
			for i := len(s) - 1; i >= 0; i-- {
				dst = append(dst, t.byteIDs[s[i]])
			}
			return dst
		}
	}
	return append(dst, t.unk)
}

func reverseFrom(s []int32, from int) {
	for i, j := from, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}
