package bpe

import (
	"github.com/splade-go/splade/tokenizer/internal/hf"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// cacheCapacity bounds the word cache (HuggingFace's BPE cache holds
// 10,000 words; the 1,406 ArguAna queries alone have more distinct words
// than that); once full, new words are merged without being cached. At
// about 100 bytes a word the full cache takes some 5 MB.
const cacheCapacity = 50000

// maxCachedWord is the longest word, in bytes, that the cache keeps, so that
// a few huge words cannot fill memory.
const maxCachedWord = 256

// Tokenizer is a byte-level BPE tokenizer. It is safe for concurrent use.
type Tokenizer struct {
	vocab  map[string]int32 // every token of the model, byte-level spelled
	tokens []string         // id -> token
	merges map[uint64]merge // (left id, right id) -> rank and merged id
	byteID [256]int32       // id of the one-byte token of each byte; -1 when absent
	unk    int32            // -1 when the model has no unknown token

	addPrefixSpace bool
	ignoreMerges   bool

	added    *hf.Matcher // matched on the raw text
	addedIDs map[string]int32

	prefix, suffix []int32 // what the post-processor puts around one text
	pad            int32
	maxLength      int

	cache     sync.Map // word (string) -> ids ([]int32); read-mostly
	cacheSize atomic.Int32

	scratch sync.Pool // *scratch
}

type merge struct {
	rank, id int32
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// VocabSize returns the number of token ids: one more than the largest id.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// Token returns the token of id (byte-level spelled: "Ġweather" for
// " weather"), or "" when id is out of range.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID returns the id of token, and whether the vocabulary or the added
// tokens hold it.
func (t *Tokenizer) ID(token string) (int32, bool) {
	if id, ok := t.addedIDs[token]; ok {
		return id, true
	}
	id, ok := t.vocab[token]
	return id, ok
}

// MaxLength returns model_max_length from tokenizer_config.json (or the
// truncation length of tokenizer.json), or 0 when neither gives a usable
// length (transformers writes 1e30 when it does not know).
func (t *Tokenizer) MaxLength() int { return t.maxLength }

// Pad returns the id of the padding token.
func (t *Tokenizer) Pad() int32 { return t.pad }

// Pieces returns the tokens of text, without the special tokens the
// post-processor adds.
func (t *Tokenizer) Pieces(text string) []string {
	ids := t.IDs(text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.tokens[id]
	}
	return out
}

// IDs returns the token ids of text, without the special tokens the
// post-processor adds.
func (t *Tokenizer) IDs(text string) []int32 {
	return t.appendIDs(make([]int32, 0, len(text)/3+1), text, -1)
}

// EncodeIDs returns the ids of text with the post-processor's special
// tokens around them (<s> ... </s> for RoBERTa). When the text has more
// than maxLen minus the special tokens pieces, only the first are kept,
// as HuggingFace truncates; maxLen <= 0 stands for t.MaxLength(), and when
// that is 0 too the text is not truncated. The special tokens are always
// there, even when maxLen leaves no room for a piece.
func (t *Tokenizer) EncodeIDs(text string, maxLen int) []int32 {
	return hf.Encode(t.prefix, t.suffix, maxLen, t.maxLength, len(text)/3, func(dst []int32, limit int) []int32 {
		return t.appendIDs(dst, text, limit)
	})
}

// appendIDs appends the ids of text to dst. With limit >= 0 it may stop
// once len(dst) >= limit.
func (t *Tokenizer) appendIDs(dst []int32, text string, limit int) []int32 {
	text = hf.ValidUTF8(text)
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

// scratch holds the buffers of one tokenization.
type scratch struct {
	word []byte   // the prefix-space copy of a segment
	syms []symbol // the symbols of one word during merging
	heap []candidate
}

// appendSegment appends the ids of a text without added tokens: it is
// split into words by the GPT-2 pattern, and each word into BPE tokens.
func (t *Tokenizer) appendSegment(dst []int32, seg string, limit int, s *scratch) []int32 {
	if seg == "" {
		return dst
	}
	if t.addPrefixSpace && seg[0] != ' ' {
		s.word = append(append(s.word[:0], ' '), seg...)
		seg = string(s.word)
	}
	for seg != "" && (limit < 0 || len(dst) < limit) {
		n := nextWord(seg)
		dst = t.appendWord(dst, seg[:n], s)
		seg = seg[n:]
	}
	return dst
}

// appendWord appends the BPE tokens of one pre-tokenized word.
func (t *Tokenizer) appendWord(dst []int32, word string, s *scratch) []int32 {
	if ids, ok := t.cache.Load(word); ok {
		return append(dst, ids.([]int32)...)
	}
	start := len(dst)
	dst = t.mergeWord(dst, word, s)
	if len(word) <= maxCachedWord && t.cacheSize.Load() < cacheCapacity {
		if _, loaded := t.cache.LoadOrStore(strings.Clone(word), slices.Clone(dst[start:])); !loaded {
			t.cacheSize.Add(1)
		}
	}
	return dst
}

// symbol is one token of a word being merged, in a linked list.
type symbol struct {
	id         int32
	prev, next int32 // -1 at the ends
	size       int32 // bytes; 0 once merged into its left neighbour
}

// candidate is a pair of neighbouring symbols that a merge joins.
type candidate struct {
	rank, pos, id int32
}

func (a candidate) less(b candidate) bool {
	return a.rank < b.rank || a.rank == b.rank && a.pos < b.pos
}

// mergeWord applies the merges to the bytes of word, lowest rank first and
// leftmost first among equal ranks (HuggingFace's order), and appends the
// resulting ids.
func (t *Tokenizer) mergeWord(dst []int32, word string, s *scratch) []int32 {
	if t.ignoreMerges {
		if id, ok := t.vocab[byteLevel(word)]; ok {
			return append(dst, id)
		}
	}
	syms := s.syms[:0]
	for i := 0; i < len(word); i++ {
		id := t.byteID[word[i]]
		if id < 0 {
			if t.unk < 0 {
				continue // HuggingFace drops what it cannot spell without an unknown token
			}
			id = t.unk
		}
		syms = append(syms, symbol{id: id, prev: int32(len(syms)) - 1, next: int32(len(syms)) + 1, size: 1})
	}
	if len(syms) == 0 {
		s.syms = syms
		return dst
	}
	syms[len(syms)-1].next = -1
	h := s.heap[:0]
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := t.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			h = push(h, candidate{m.rank, int32(i), m.id})
		}
	}
	for len(h) > 0 {
		var c candidate
		h, c = pop(h)
		left := &syms[c.pos]
		if left.size == 0 || left.next < 0 {
			continue
		}
		right := &syms[left.next]
		if m, ok := t.merges[pairKey(left.id, right.id)]; !ok || m.id != c.id {
			continue // the pair has changed since it was queued
		}
		left.id = c.id
		left.size += right.size
		right.size = 0
		left.next = right.next
		if left.next >= 0 {
			syms[left.next].prev = c.pos
		}
		if left.prev >= 0 {
			p := syms[left.prev]
			if m, ok := t.merges[pairKey(p.id, left.id)]; ok {
				h = push(h, candidate{m.rank, left.prev, m.id})
			}
		}
		if left.next >= 0 {
			if m, ok := t.merges[pairKey(left.id, syms[left.next].id)]; ok {
				h = push(h, candidate{m.rank, c.pos, m.id})
			}
		}
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		dst = append(dst, syms[i].id)
	}
	s.syms, s.heap = syms, h
	return dst
}

// push and pop keep h a binary min-heap of candidates.
func push(h []candidate, c candidate) []candidate {
	h = append(h, c)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].less(h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	return h
}

func pop(h []candidate) ([]candidate, candidate) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h[l].less(h[m]) {
			m = l
		}
		if r := l + 1; r < n && h[r].less(h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return h, top
}
