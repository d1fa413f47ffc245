package wordpiece

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// isChineseChar reports whether r is a CJK ideograph, which the
// BertNormalizer surrounds with spaces. The ranges are HuggingFace's.
func isChineseChar(r rune) bool {
	switch {
	case r < 0x3400:
		return false
	case r <= 0x4DBF:
		return true
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

// isRemoved reports whether clean_text drops r: U+0000, U+FFFD and the
// characters of the categories Cc, Cf and Co except \t, \n and \r.
func isRemoved(r rune) bool {
	switch r {
	case '\t', '\n', '\r':
		return false
	case 0, utf8.RuneError:
		return true
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co)
}

// isPunct reports whether r is punctuation to the BertPreTokenizer: any
// ASCII character that is neither a letter, a digit, a space nor a control,
// and the Unicode categories P*.
func isPunct(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 33 && r <= 47 || r >= 58 && r <= 64 || r >= 91 && r <= 96 || r >= 123 && r <= 126
	}
	return unicode.IsPunct(r)
}

// initASCII fills the byte class table of the normalizer settings.
func (t *Tokenizer) initASCII() {
	for c := range t.ascii {
		r := rune(c)
		switch {
		case t.cleanText && isRemoved(r):
			t.ascii[c] = classDrop
		case unicode.IsSpace(r):
			t.ascii[c] = classSpace
		case isPunct(r):
			t.ascii[c] = classPunct
		case t.lowercase && 'A' <= r && r <= 'Z':
			t.ascii[c] = classUpper
		default:
			t.ascii[c] = classWord
		}
	}
}

// appendSegment normalizes and pre-tokenizes seg, a text with no added
// token, and appends the ids of its words to dst. With limit >= 0 it may
// stop once len(dst) >= limit.
//
// ASCII characters go through a table. Each run of non-ASCII characters
// is normalized on its own: the normalizer works character by character
// except for NFD, whose reordering of combining marks never crosses an
// ASCII character.
func (t *Tokenizer) appendSegment(dst []int32, seg string, limit int, s *scratch) []int32 {
	if limit < 0 {
		limit = int(^uint(0) >> 1)
	}
	word, chars := s.word[:0], 0
	for i := 0; i < len(seg) && len(dst) < limit; {
		if c := seg[i]; c < utf8.RuneSelf {
			i++
			switch t.ascii[c] {
			case classWord:
				word = append(word, c)
				chars++
			case classUpper:
				word = append(word, c+'a'-'A')
				chars++
			case classSpace:
				if len(word) > 0 {
					dst = t.appendWord(dst, word, chars)
					word, chars = word[:0], 0
				}
			case classPunct:
				if len(word) > 0 {
					dst = t.appendWord(dst, word, chars)
				}
				dst = t.appendWord(dst, append(word[:0], c), 1)
				word, chars = word[:0], 0
			}
			continue
		}
		j := i + 1
		for j < len(seg) && seg[j] >= utf8.RuneSelf {
			j++
		}
		norm := t.normalize(seg[i:j], s)
		i = j
		// BertPreTokenizer on the normalized characters.
		for k := 0; k < len(norm); {
			r, n := utf8.DecodeRune(norm[k:])
			k += n
			switch {
			case unicode.IsSpace(r):
				if len(word) > 0 {
					dst = t.appendWord(dst, word, chars)
					word, chars = word[:0], 0
				}
			case isPunct(r):
				if len(word) > 0 {
					dst = t.appendWord(dst, word, chars)
				}
				dst = t.appendWord(dst, utf8.AppendRune(word[:0], r), 1)
				word, chars = word[:0], 0
			default:
				word = utf8.AppendRune(word, r)
				chars++
			}
		}
	}
	if len(word) > 0 && len(dst) < limit {
		dst = t.appendWord(dst, word, chars)
	}
	s.word = word[:0]
	return dst
}

// normalize applies the BertNormalizer to run, in HuggingFace's order:
// clean_text and handle_chinese_chars, then strip_accents (NFD, then no
// Mn), then lowercase. The result is in a buffer of s.
func (t *Tokenizer) normalize(run string, s *scratch) []byte {
	a := s.a[:0]
	for _, r := range run { // an invalid byte reads as utf8.RuneError
		if t.cleanText {
			if isRemoved(r) {
				continue
			}
			if unicode.IsSpace(r) {
				r = ' '
			}
		}
		if t.chinese && isChineseChar(r) {
			a = append(a, ' ')
			a = utf8.AppendRune(a, r)
			a = append(a, ' ')
			continue
		}
		a = utf8.AppendRune(a, r)
	}
	s.a = a
	if !t.stripAccent && !t.lowercase {
		return a
	}
	if t.stripAccent {
		s.b = norm.NFD.Append(s.b[:0], a...)
		a = s.b
	}
	out := s.c[:0]
	for k := 0; k < len(a); {
		r, n := utf8.DecodeRune(a[k:])
		k += n
		if t.stripAccent && unicode.Is(unicode.Mn, r) {
			continue
		}
		if t.lowercase {
			if r == 'İ' {
				// İ lowercases to two characters.
				out = append(out, "i\u0307"...)
				continue
			}
			r = unicode.ToLower(r)
		}
		out = utf8.AppendRune(out, r)
	}
	s.c = out
	return out
}

// appendWord appends the WordPiece ids of word, a normalized word of chars
// characters, to dst: the longest vocabulary piece at each position, or
// the unknown token alone when the word is too long or cannot be cut.
func (t *Tokenizer) appendWord(dst []int32, word []byte, chars int) []int32 {
	if chars > t.maxChars {
		return append(dst, t.unk)
	}
	mark := len(dst)
	pieces := t.first
	for start := 0; start < len(word); {
		id, n := pieces.Longest(word[start:])
		if n == 0 {
			return append(dst[:mark], t.unk)
		}
		dst = append(dst, id)
		start += n
		pieces = t.cont
	}
	return dst
}
