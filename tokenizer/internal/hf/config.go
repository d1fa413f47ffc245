package hf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"

	"github.com/splade-go/splade/internal/safefs"
)

// TokenSpec is a special token in tokenizer_config.json or
// special_tokens_map.json: a string, or an object with its content and
// matching flags.
type TokenSpec struct {
	Content    string `json:"content"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	SingleWord bool   `json:"single_word"`
	// Set reports that the token was an object, so that its flags were
	// given rather than defaulted.
	Set bool `json:"-"`
}

// UnmarshalJSON reads a string or an object with a content field.
func (s *TokenSpec) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*s = TokenSpec{}
		return nil
	}
	var str string
	if err := json.Unmarshal(data, &str); err == nil {
		*s = TokenSpec{Content: str}
		return nil
	}
	type plain TokenSpec
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return errors.New("want a string or an object with a content field")
	}
	*s = TokenSpec(p)
	s.Set = true
	return nil
}

// Name returns the content of s, "" when s is nil.
func (s *TokenSpec) Name() string {
	if s == nil {
		return ""
	}
	return s.Content
}

// Specials is the special tokens of tokenizer_config.json and
// special_tokens_map.json; a token the files do not name is nil.
type Specials struct {
	BOS        *TokenSpec  `json:"bos_token"`
	EOS        *TokenSpec  `json:"eos_token"`
	CLS        *TokenSpec  `json:"cls_token"`
	SEP        *TokenSpec  `json:"sep_token"`
	Pad        *TokenSpec  `json:"pad_token"`
	Unk        *TokenSpec  `json:"unk_token"`
	Mask       *TokenSpec  `json:"mask_token"`
	Additional []TokenSpec `json:"additional_special_tokens"`
}

// fill sets the tokens s does not name from o.
func (s *Specials) fill(o Specials) {
	for _, p := range []struct{ dst, src **TokenSpec }{
		{&s.BOS, &o.BOS}, {&s.EOS, &o.EOS}, {&s.CLS, &o.CLS}, {&s.SEP, &o.SEP},
		{&s.Pad, &o.Pad}, {&s.Unk, &o.Unk}, {&s.Mask, &o.Mask},
	} {
		if *p.dst == nil || (*p.dst).Content == "" {
			*p.dst = *p.src
		}
	}
	if s.Additional == nil {
		s.Additional = o.Additional
	}
}

// All returns the named special tokens in the order transformers adds
// them to a vocabulary (bos, eos, unk, sep, pad, cls, mask, then the
// additional ones).
func (s *Specials) All() []*TokenSpec {
	all := []*TokenSpec{s.BOS, s.EOS, s.Unk, s.SEP, s.Pad, s.CLS, s.Mask}
	for i := range s.Additional {
		all = append(all, &s.Additional[i])
	}
	return slices.DeleteFunc(all, func(t *TokenSpec) bool { return t == nil || t.Content == "" })
}

// Config is what tokenizer_config.json and special_tokens_map.json tell;
// tokenizer_config.json wins where both name a token.
type Config struct {
	Specials
	// Class is tokenizer_class ("BertTokenizer", "XLMRobertaTokenizer").
	Class string
	// MaxLength is model_max_length, 0 when unknown.
	MaxLength int
	// AddedDecoder is added_tokens_decoder, by id.
	AddedDecoder []AddedToken

	AddPrefixSpace       *bool // add_prefix_space
	AddBOS               *bool // add_bos_token
	DoLowerCase          *bool // do_lower_case
	StripAccents         *bool // strip_accents
	TokenizeChineseChars *bool // tokenize_chinese_chars
}

// ReadConfig reads tokenizer_config.json and special_tokens_map.json of
// the folder fsys when they are present; pkg prefixes the errors.
func ReadConfig(fsys fs.FS, pkg string) (Config, error) {
	var cfg Config
	data, err := safefs.ReadFile(fsys, "tokenizer_config.json")
	switch {
	case err == nil:
		var tc struct {
			Specials
			Class                string                     `json:"tokenizer_class"`
			ModelMaxLength       *float64                   `json:"model_max_length"`
			AddedDecoder         map[string]json.RawMessage `json:"added_tokens_decoder"`
			AddPrefixSpace       *bool                      `json:"add_prefix_space"`
			AddBOS               *bool                      `json:"add_bos_token"`
			DoLowerCase          *bool                      `json:"do_lower_case"`
			StripAccents         *bool                      `json:"strip_accents"`
			TokenizeChineseChars *bool                      `json:"tokenize_chinese_chars"`
		}
		if err := json.Unmarshal(data, &tc); err != nil {
			return cfg, fmt.Errorf("%s: tokenizer_config.json: %w (fix or remove the file)", pkg, err)
		}
		cfg = Config{
			Specials: tc.Specials, Class: tc.Class,
			AddPrefixSpace: tc.AddPrefixSpace, AddBOS: tc.AddBOS, DoLowerCase: tc.DoLowerCase,
			StripAccents: tc.StripAccents, TokenizeChineseChars: tc.TokenizeChineseChars,
		}
		// transformers writes a huge number (1e30) when the length is unknown.
		if m := tc.ModelMaxLength; m != nil && *m >= 1 && *m < 1e6 {
			cfg.MaxLength = int(*m)
		}
		for k, raw := range tc.AddedDecoder {
			id, err := strconv.ParseInt(k, 10, 32)
			if err != nil || id < 0 {
				return cfg, fmt.Errorf("%s: tokenizer_config.json: added_tokens_decoder key %q is not a token id (fix or remove the file)", pkg, k)
			}
			var a AddedToken
			if err := json.Unmarshal(raw, &a); err != nil {
				return cfg, fmt.Errorf("%s: tokenizer_config.json: added_tokens_decoder %s: %w (fix or remove the file)", pkg, k, err)
			}
			a.ID = int32(id)
			cfg.AddedDecoder = append(cfg.AddedDecoder, a)
		}
		slices.SortFunc(cfg.AddedDecoder, func(a, b AddedToken) int { return int(a.ID) - int(b.ID) })
	case !errors.Is(err, fs.ErrNotExist):
		return cfg, fmt.Errorf("%s: tokenizer_config.json: %w", pkg, err)
	}
	data, err = safefs.ReadFile(fsys, "special_tokens_map.json")
	switch {
	case err == nil:
		var sm Specials
		if err := json.Unmarshal(data, &sm); err != nil {
			return cfg, fmt.Errorf("%s: special_tokens_map.json: %w (fix or remove the file)", pkg, err)
		}
		cfg.Specials.fill(sm)
	case !errors.Is(err, fs.ErrNotExist):
		return cfg, fmt.Errorf("%s: special_tokens_map.json: %w", pkg, err)
	}
	return cfg, nil
}
