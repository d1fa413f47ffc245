package unigram

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/splade-go/splade/tokenizer/internal/hf"
)

// normalizer is one step of the normalizer of tokenizer.json.
type normalizer interface {
	normalize(s string) string
}

// precompiled is the Precompiled normalizer: SentencePiece's charsmap.
type precompiled struct{ m *charsmap }

func (p precompiled) normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	p.m.normalize(&b, s)
	return b.String()
}

// strip is the Strip normalizer: white space off either end.
type strip struct{ left, right bool }

func (p strip) normalize(s string) string {
	if p.left {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
	}
	if p.right {
		s = strings.TrimRightFunc(s, unicode.IsSpace)
	}
	return s
}

// replace is the Replace normalizer: every match of a string or a regular
// expression replaced by content.
type replace struct {
	old     string         // the string pattern, when re is nil
	re      *regexp.Regexp // the regex pattern
	content string
}

func (p replace) normalize(s string) string {
	if p.re != nil {
		return p.re.ReplaceAllLiteralString(s, p.content)
	}
	if p.old == "" {
		return s
	}
	return strings.ReplaceAll(s, p.old, p.content)
}

// sequence applies its normalizers in turn.
type sequence []normalizer

func (q sequence) normalize(s string) string {
	for _, n := range q {
		s = n.normalize(s)
	}
	return s
}

// normalizerJSON is a normalizer of tokenizer.json.
type normalizerJSON struct {
	Type        string            `json:"type"`
	Normalizers []json.RawMessage `json:"normalizers"` // Sequence
	Charsmap    *string           `json:"precompiled_charsmap"`
	StripLeft   *bool             `json:"strip_left"`
	StripRight  *bool             `json:"strip_right"`
	Pattern     *struct {
		String *string `json:"String"`
		Regex  *string `json:"Regex"`
	} `json:"pattern"`
	Content string `json:"content"`
}

// maxNormalizerDepth bounds the nesting of Sequence normalizers.
const maxNormalizerDepth = 8

// parseNormalizer builds the normalizer raw describes; nil when raw is null.
func parseNormalizer(raw json.RawMessage, depth int) (normalizer, error) {
	if hf.IsNull(raw) {
		return nil, nil
	}
	if depth > maxNormalizerDepth {
		return nil, fmt.Errorf("normalizers nest deeper than %d Sequences", maxNormalizerDepth)
	}
	var n normalizerJSON
	if err := json.Unmarshal(raw, &n); err != nil {
		return nil, err
	}
	switch n.Type {
	case "Sequence":
		var q sequence
		for _, r := range n.Normalizers {
			s, err := parseNormalizer(r, depth+1)
			if err != nil {
				return nil, err
			}
			if s != nil {
				q = append(q, s)
			}
		}
		return q, nil
	case "Precompiled":
		if n.Charsmap == nil || *n.Charsmap == "" {
			return sequence(nil), nil // an empty charsmap changes nothing
		}
		blob, err := base64.StdEncoding.DecodeString(*n.Charsmap)
		if err != nil {
			return nil, fmt.Errorf("Precompiled: precompiled_charsmap is not base64: %w", err)
		}
		m, err := parseCharsmap(blob)
		if err != nil {
			return nil, err
		}
		return precompiled{m}, nil
	case "Strip":
		// HuggingFace's defaults are true on both sides.
		return strip{left: n.StripLeft == nil || *n.StripLeft, right: n.StripRight == nil || *n.StripRight}, nil
	case "Replace":
		switch {
		case n.Pattern == nil:
			return nil, fmt.Errorf("Replace has no pattern")
		case n.Pattern.Regex != nil:
			re, err := regexp.Compile(*n.Pattern.Regex)
			if err != nil {
				return nil, fmt.Errorf("Replace: pattern %q: %w (want a regular expression RE2 reads, as SentencePiece converters write)", *n.Pattern.Regex, err)
			}
			return replace{re: re, content: n.Content}, nil
		case n.Pattern.String != nil:
			return replace{old: *n.Pattern.String, content: n.Content}, nil
		}
		return nil, fmt.Errorf("Replace: pattern is neither String nor Regex")
	}
	return nil, fmt.Errorf("normalizer %s is not supported (want Precompiled, Strip, Replace or a Sequence of them, as SentencePiece converters write)", strconv.Quote(n.Type))
}

// extraSpaces is the pattern transformers' SentencePiece converters
// replace by one "▁".
var extraSpaces = regexp.MustCompile(" {2,}")
