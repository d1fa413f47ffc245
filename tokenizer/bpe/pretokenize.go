package bpe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rune classes of the GPT-2 pattern
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// which HuggingFace's ByteLevel pre-tokenizer splits text with.
const (
	classOther  = iota // [^\s\p{L}\p{N}]
	classLetter        // \p{L}
	classNumber        // \p{N}
	classSpace         // \s
)

// asciiClass is the class of each ASCII byte.
var asciiClass = func() (c [utf8.RuneSelf]uint8) {
	for b := range utf8.RuneSelf {
		c[b] = runeClass(rune(b))
	}
	return c
}()

func runeClass(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case isSpace(r):
		return classSpace
	}
	return classOther
}

// isSpace reports whether r is white space as Oniguruma's \s counts it
// (U+0009-U+000D, U+0085 and the Zs, Zl and Zp categories), which is
// Unicode's White_Space property, as unicode.IsSpace tests it.
func isSpace(r rune) bool { return unicode.IsSpace(r) }

// classAt returns the class and the size of the rune at s[i].
func classAt(s string, i int) (uint8, int) {
	if b := s[i]; b < utf8.RuneSelf {
		return asciiClass[b], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return runeClass(r), n
}

// run returns the end of the run of runes of class c that starts at i.
func run(s string, i int, c uint8) int {
	for i < len(s) {
		k, n := classAt(s, i)
		if k != c {
			break
		}
		i += n
	}
	return i
}

// nextWord returns the length in bytes of the first match of the GPT-2
// pattern in s (not empty). The pattern matches at every position, so the
// words of a text are its consecutive matches.
func nextWord(s string) int {
	if s[0] == '\'' && len(s) > 1 {
		switch s[1] {
		case 's', 't', 'm', 'd':
			return 2
		}
		for _, c := range [...]string{"'re", "'ve", "'ll"} {
			if strings.HasPrefix(s, c) {
				return 3
			}
		}
	}
	c, n := classAt(s, 0)
	if c == classSpace && s[0] == ' ' && n < len(s) {
		// " ?X+": a space joins the word after it, unless that is space.
		if next, m := classAt(s, n); next != classSpace {
			return run(s, n+m, next)
		}
	}
	if c != classSpace {
		return run(s, n, c)
	}
	// \s+(?!\S)|\s+: a run of white space, less its last character when a
	// word follows and the run has more than one (that character goes with
	// the word, or stands alone).
	end, last := n, 0
	for end < len(s) {
		k, m := classAt(s, end)
		if k != classSpace {
			break
		}
		last = m
		end += m
	}
	if end == len(s) || last == 0 {
		return end
	}
	return end - last
}

// byteChars is GPT-2's byte-to-character table: the printable bytes
// stand for themselves, the others for the characters from U+0100 on, in
// byte order, so that every byte sequence is a string of visible
// characters (' ' is 'Ġ', '\n' is 'Ċ').
var byteChars = func() (t [256]string) {
	n := 0
	for b := range 256 {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE {
			t[b] = string(rune(b))
		} else {
			t[b] = string(rune(256 + n))
			n++
		}
	}
	return t
}()

// byteLevel spells the bytes of s in GPT-2's byte characters.
func byteLevel(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	for i := 0; i < len(s); i++ {
		b.WriteString(byteChars[s[i]])
	}
	return b.String()
}
