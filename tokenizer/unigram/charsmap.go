package unigram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// charsmap is SentencePiece's precompiled normalization rules: a
// double-array trie (darts-clone) of source strings whose values are
// offsets into a blob of NUL-terminated replacement strings.
type charsmap struct {
	units      []uint32
	normalized string
}

// parseCharsmap reads a precompiled_charsmap: a little-endian uint32 size
// of the trie, the trie's units, then the replacement strings.
func parseCharsmap(blob []byte) (*charsmap, error) {
	if len(blob) < 4 {
		return nil, errors.New("precompiled_charsmap is shorter than its 4-byte header")
	}
	size := binary.LittleEndian.Uint32(blob)
	if uint64(size) > uint64(len(blob)-4) || size%4 != 0 || size == 0 {
		return nil, fmt.Errorf("precompiled_charsmap: a trie of %d bytes does not fit in %d bytes of units", size, len(blob)-4)
	}
	c := &charsmap{units: make([]uint32, size/4), normalized: string(blob[4+size:])}
	for i := range c.units {
		c.units[i] = binary.LittleEndian.Uint32(blob[4+4*i:])
	}
	return c, nil
}

// The fields of a darts-clone unit.
func unitHasLeaf(u uint32) bool  { return (u>>8)&1 == 1 }
func unitValue(u uint32) uint32  { return u & (1<<31 - 1) }
func unitLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }

// transform returns the replacement of the shortest rule that chunk
// starts with, as HuggingFace's spm_precompiled does (SentencePiece's own
// normalizer takes the longest; within one grapheme they agree on real
// charsmaps), and whether a rule matched.
func (c *charsmap) transform(chunk string) (string, bool) {
	pos := uint32(0)
	if len(c.units) == 0 {
		return "", false
	}
	pos ^= unitOffset(c.units[0])
	for i := 0; i < len(chunk); i++ {
		b := uint32(chunk[i])
		pos ^= b
		if pos >= uint32(len(c.units)) {
			return "", false
		}
		u := c.units[pos]
		if unitLabel(u) != b {
			return "", false
		}
		pos ^= unitOffset(u)
		if unitHasLeaf(u) {
			if pos >= uint32(len(c.units)) {
				return "", false
			}
			at := int(unitValue(c.units[pos]))
			if at >= len(c.normalized) {
				return "", false
			}
			s := c.normalized[at:]
			if end := strings.IndexByte(s, 0); end >= 0 {
				s = s[:end]
			}
			return s, true
		}
	}
	return "", false
}

// normalize applies the rules to s as HuggingFace's Precompiled normalizer
// does: each grapheme cluster of fewer than 6 bytes that a rule starts is
// replaced whole by that rule's replacement; any other cluster is
// replaced character by character.
func (c *charsmap) normalize(dst *strings.Builder, s string) {
	state := -1
	for s != "" {
		var g string
		if s[0] < utf8.RuneSelf && (len(s) == 1 || s[1] < utf8.RuneSelf && !(s[0] == '\r' && s[1] == '\n')) {
			g, s, state = s[:1], s[1:], -1 // an ASCII character followed by ASCII is a cluster of its own
		} else {
			g, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		}
		if len(g) < 6 {
			if r, ok := c.transform(g); ok {
				dst.WriteString(r)
				continue
			}
		}
		for len(g) > 0 {
			_, n := utf8.DecodeRuneInString(g)
			if r, ok := c.transform(g[:n]); ok {
				dst.WriteString(r)
			} else {
				dst.WriteString(g[:n])
			}
			g = g[n:]
		}
	}
}
