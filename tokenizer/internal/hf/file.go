package hf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// AddedToken is a token of tokenizer.json's added_tokens (or of
// tokenizer_config.json's added_tokens_decoder): matched whole in the text
// before the model sees it.
type AddedToken struct {
	ID         int32  `json:"id"`
	Content    string `json:"content"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	SingleWord bool   `json:"single_word"`
	// Normalized tokens are matched in the normalized text, the others in
	// the raw text. HuggingFace's default is true for tokens that are not
	// special.
	Normalized *bool `json:"normalized"`
	Special    bool  `json:"special"`
}

// IsNormalized reports whether a is matched in the normalized text.
func (a AddedToken) IsNormalized() bool {
	if a.Normalized != nil {
		return *a.Normalized
	}
	return !a.Special
}

// File is the part of tokenizer.json every model shares. The model, its
// normalizer and its pre-tokenizer are left raw for the model's package.
type File struct {
	AddedTokens   []AddedToken    `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor *PostProcessor  `json:"post_processor"`
	Truncation    *struct {
		MaxLength int `json:"max_length"`
	} `json:"truncation"`
	Padding *struct {
		PadID    *int32 `json:"pad_id"`
		PadToken string `json:"pad_token"`
	} `json:"padding"`
	Model json.RawMessage `json:"model"`
}

// ParseFile reads tokenizer.json; pkg prefixes the errors.
func ParseFile(data []byte, pkg string) (*File, error) {
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: tokenizer.json: %w (the file is damaged: download it again)", pkg, err)
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 {
			return nil, fmt.Errorf("%s: tokenizer.json: added token %q has a negative id %d (the file is damaged: download it again)", pkg, a.Content, a.ID)
		}
	}
	return &f, nil
}

// MaxLength returns the truncation length of the file, 0 when it has none.
func (f *File) MaxLength() int {
	if f.Truncation != nil && f.Truncation.MaxLength > 0 {
		return f.Truncation.MaxLength
	}
	return 0
}

// PadToken returns the padding token of the file, "" when it has none.
func (f *File) PadToken() string {
	if f.Padding != nil {
		return f.Padding.PadToken
	}
	return ""
}

// IsNull reports whether a raw JSON value is absent or null.
func IsNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// PostProcessor is tokenizer.json's post_processor: the special tokens put
// around a text.
type PostProcessor struct {
	Type          string          `json:"type"`
	CLS           []any           `json:"cls"` // RobertaProcessing, BertProcessing: [token, id]
	SEP           []any           `json:"sep"`
	Single        json.RawMessage `json:"single"` // TemplateProcessing
	SpecialTokens map[string]struct {
		IDs []int32 `json:"ids"`
	} `json:"special_tokens"`
	Processors []*PostProcessor `json:"processors"` // Sequence
}

// Around returns the ids p puts before and after one text. id looks a
// token up, n is the number of ids; pkg prefixes the errors.
func (p *PostProcessor) Around(id func(string) (int32, bool), n int, pkg string) (prefix, suffix []int32, err error) {
	if p == nil {
		return nil, nil, nil
	}
	switch p.Type {
	case "ByteLevel":
		return nil, nil, nil
	case "Sequence":
		for _, q := range p.Processors {
			pre, suf, err := q.Around(id, n, pkg)
			if err != nil {
				return nil, nil, err
			}
			prefix, suffix = append(prefix, pre...), append(suf, suffix...)
		}
		return prefix, suffix, nil
	case "RobertaProcessing", "BertProcessing":
		cls, err := p.pair(id, n, "cls", p.CLS, pkg)
		if err != nil {
			return nil, nil, err
		}
		sep, err := p.pair(id, n, "sep", p.SEP, pkg)
		if err != nil {
			return nil, nil, err
		}
		return []int32{cls}, []int32{sep}, nil
	case "TemplateProcessing":
		var items []struct {
			SpecialToken *struct {
				ID string `json:"id"`
			} `json:"SpecialToken"`
			Sequence *struct {
				ID string `json:"id"`
			} `json:"Sequence"`
		}
		if err := json.Unmarshal(p.Single, &items); err != nil {
			return nil, nil, fmt.Errorf("%s: tokenizer.json: TemplateProcessing single: %w (the file is damaged: download it again)", pkg, err)
		}
		seen := false
		for _, it := range items {
			switch {
			case it.Sequence != nil:
				if seen {
					return nil, nil, fmt.Errorf("%s: tokenizer.json: TemplateProcessing single holds the text twice (want one $A)", pkg)
				}
				seen = true
			case it.SpecialToken != nil:
				st, ok := p.SpecialTokens[it.SpecialToken.ID]
				if !ok {
					return nil, nil, fmt.Errorf("%s: tokenizer.json: TemplateProcessing names special token %q but special_tokens does not define it", pkg, it.SpecialToken.ID)
				}
				for _, i := range st.IDs {
					if i < 0 || int(i) >= n {
						return nil, nil, fmt.Errorf("%s: tokenizer.json: special token %q has id %d, outside the vocabulary", pkg, it.SpecialToken.ID, i)
					}
				}
				if seen {
					suffix = append(suffix, st.IDs...)
				} else {
					prefix = append(prefix, st.IDs...)
				}
			}
		}
		if !seen {
			return nil, nil, fmt.Errorf("%s: tokenizer.json: TemplateProcessing single does not hold the text ($A)", pkg)
		}
		return prefix, suffix, nil
	}
	return nil, nil, fmt.Errorf("%s: tokenizer.json: post_processor %s is not supported (want TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, a Sequence of them, or none)", pkg, strconv.Quote(p.Type))
}

// pair reads a [token, id] pair of a RobertaProcessing or BertProcessing.
func (p *PostProcessor) pair(id func(string) (int32, bool), n int, field string, pair []any, pkg string) (int32, error) {
	if len(pair) == 2 {
		if tok, ok := pair[0].(string); ok {
			if i, ok := id(tok); ok {
				return i, nil
			}
		}
		if f, ok := pair[1].(float64); ok && f >= 0 && f < float64(n) && f == float64(int32(f)) {
			return int32(f), nil
		}
	}
	return 0, fmt.Errorf("%s: tokenizer.json: %s %s %v is not a [token, id] pair of the vocabulary", pkg, p.Type, field, pair)
}
