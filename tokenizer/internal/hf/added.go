package hf

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matcher finds added tokens in a text. The zero Matcher finds none.
type Matcher struct {
	tokens []AddedToken // longest first
	first  [256]bool    // first bytes of the tokens
}

// NewMatcher returns a Matcher of the tokens with content.
func NewMatcher(tokens []AddedToken) *Matcher {
	m := &Matcher{}
	for _, a := range tokens {
		if a.Content != "" {
			m.tokens = append(m.tokens, a)
			m.first[a.Content[0]] = true
		}
	}
	slices.SortStableFunc(m.tokens, func(a, b AddedToken) int { return len(b.Content) - len(a.Content) })
	return m
}

// Len returns the number of tokens m finds.
func (m *Matcher) Len() int { return len(m.tokens) }

// Next finds the first added token in text, the longest when several
// start at the same place, and returns the span it takes (grown over the
// white space on its left with lstrip and on its right with rstrip) and
// its id; start is -1 when text holds none. A single_word token counts
// only where no word character touches it.
func (m *Matcher) Next(text string) (start, end int, id int32) {
	if m == nil || len(m.tokens) == 0 {
		return -1, 0, 0
	}
	for i := 0; i < len(text); i++ {
		if !m.first[text[i]] {
			continue
		}
		for _, a := range m.tokens { // longest first
			if !strings.HasPrefix(text[i:], a.Content) {
				continue
			}
			s, e := i, i+len(a.Content)
			if a.SingleWord && (wordBefore(text, s) || wordAfter(text, e)) {
				continue
			}
			if a.LStrip {
				for s > 0 {
					r, n := utf8.DecodeLastRuneInString(text[:s])
					if !unicode.IsSpace(r) {
						break
					}
					s -= n
				}
			}
			if a.RStrip {
				for e < len(text) {
					r, n := utf8.DecodeRuneInString(text[e:])
					if !unicode.IsSpace(r) {
						break
					}
					e += n
				}
			}
			return s, e, a.ID
		}
	}
	return -1, 0, 0
}

// wordBefore and wordAfter report whether a word character (a letter, a
// digit or '_', as HuggingFace's single_word test counts them) touches the
// span boundary i.
func wordBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isWordRune(r)
}

func wordAfter(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isWordRune(r)
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// ID returns the id of the added token content and whether m holds it.
func (m *Matcher) ID(content string) (int32, bool) {
	if m == nil {
		return 0, false
	}
	for _, a := range m.tokens {
		if a.Content == content {
			return a.ID, true
		}
	}
	return 0, false
}
