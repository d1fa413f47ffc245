package wordpiece

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/splade-go/splade/internal/safefs"
)

// Defaults of HuggingFace's BertTokenizer.
const (
	defaultMaxChars = 100
	defaultPrefix   = "##"
)

// LoadDir loads the tokenizer of the model folder dir; see [Load].
func LoadDir(dir string) (*Tokenizer, error) {
	return Load(os.DirFS(dir))
}

// Load loads the tokenizer of a HuggingFace model folder, the root of fsys.
// It reads tokenizer.json when the folder has one, and otherwise vocab.txt
// (one token a line, the id being the line number) with the settings of
// tokenizer_config.json when present (do_lower_case, strip_accents,
// tokenize_chinese_chars, the special tokens). model_max_length of
// tokenizer_config.json gives [Tokenizer.MaxLength]; special_tokens_map.json
// may name the special tokens.
func Load(fsys fs.FS) (*Tokenizer, error) {
	cfg, err := readConfig(fsys)
	if err != nil {
		return nil, err
	}
	var t *Tokenizer
	data, err := safefs.ReadFile(fsys, "tokenizer.json")
	switch {
	case err == nil:
		t, err = fromTokenizerJSON(data, cfg)
	case errors.Is(err, fs.ErrNotExist):
		data, err = safefs.ReadFile(fsys, "vocab.txt")
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("wordpiece: the model folder has neither tokenizer.json nor vocab.txt (want the files of a BERT WordPiece tokenizer)")
		}
		if err != nil {
			return nil, fmt.Errorf("wordpiece: vocab.txt: %w", err)
		}
		t, err = fromVocabTxt(data, cfg)
	default:
		return nil, fmt.Errorf("wordpiece: tokenizer.json: %w", err)
	}
	if err != nil {
		return nil, err
	}
	if cfg.maxLength > 0 {
		t.maxLength = cfg.maxLength
	}
	return t, nil
}

// tokenSpec is a special token in tokenizer_config.json or
// special_tokens_map.json: a string, or an object with its content.
type tokenSpec string

func (s *tokenSpec) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	var str string
	if err := json.Unmarshal(data, &str); err == nil {
		*s = tokenSpec(str)
		return nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("want a string or an object with a content field")
	}
	*s = tokenSpec(obj.Content)
	return nil
}

// specialsJSON is the special tokens of tokenizer_config.json and
// special_tokens_map.json.
type specialsJSON struct {
	CLS        tokenSpec   `json:"cls_token"`
	SEP        tokenSpec   `json:"sep_token"`
	Pad        tokenSpec   `json:"pad_token"`
	Unk        tokenSpec   `json:"unk_token"`
	Mask       tokenSpec   `json:"mask_token"`
	Additional []tokenSpec `json:"additional_special_tokens"`
}

// config is what the JSON files beside the vocabulary tell.
type config struct {
	specialsJSON
	lowercase, chinese bool
	stripAccents       *bool
	maxLength          int
}

// readConfig reads tokenizer_config.json and special_tokens_map.json when
// they are present.
func readConfig(fsys fs.FS) (config, error) {
	cfg := config{
		specialsJSON: specialsJSON{CLS: "[CLS]", SEP: "[SEP]", Pad: "[PAD]", Unk: "[UNK]", Mask: "[MASK]"},
		lowercase:    true,
		chinese:      true,
	}
	if data, err := safefs.ReadFile(fsys, "special_tokens_map.json"); err == nil {
		if err := json.Unmarshal(data, &cfg.specialsJSON); err != nil {
			return cfg, fmt.Errorf("wordpiece: special_tokens_map.json: %v (fix or remove the file)", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return cfg, fmt.Errorf("wordpiece: special_tokens_map.json: %w", err)
	}
	data, err := safefs.ReadFile(fsys, "tokenizer_config.json")
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("wordpiece: tokenizer_config.json: %w", err)
	}
	var tc struct {
		specialsJSON
		DoLowerCase          *bool    `json:"do_lower_case"`
		StripAccents         *bool    `json:"strip_accents"`
		TokenizeChineseChars *bool    `json:"tokenize_chinese_chars"`
		ModelMaxLength       *float64 `json:"model_max_length"`
	}
	tc.specialsJSON = cfg.specialsJSON
	if err := json.Unmarshal(data, &tc); err != nil {
		return cfg, fmt.Errorf("wordpiece: tokenizer_config.json: %v (fix or remove the file)", err)
	}
	cfg.specialsJSON = tc.specialsJSON
	if tc.DoLowerCase != nil {
		cfg.lowercase = *tc.DoLowerCase
	}
	if tc.TokenizeChineseChars != nil {
		cfg.chinese = *tc.TokenizeChineseChars
	}
	cfg.stripAccents = tc.StripAccents
	// transformers writes a huge number (1e30) when the length is unknown.
	if m := tc.ModelMaxLength; m != nil && *m >= 1 && *m < 1e6 {
		cfg.maxLength = int(*m)
	}
	return cfg, nil
}

// fromVocabTxt builds the tokenizer of a vocab.txt and tokenizer_config.json,
// as transformers converts a BertTokenizer into a fast one.
func fromVocabTxt(data []byte, cfg config) (*Tokenizer, error) {
	if len(data) == 0 {
		return nil, errors.New("wordpiece: vocab.txt is empty (want one token a line)")
	}
	text := strings.TrimSuffix(string(data), "\n")
	lines := strings.Split(text, "\n")
	vocab := make(map[string]int32, len(lines))
	tokens := make([]string, len(lines))
	for i, line := range lines {
		// A token written twice keeps the id of its last line, as in
		// transformers, but each line still names its id.
		tokens[i] = strings.TrimSuffix(line, "\r")
		vocab[tokens[i]] = int32(i)
	}
	t := &Tokenizer{
		cleanText:   true,
		chinese:     cfg.chinese,
		lowercase:   cfg.lowercase,
		stripAccent: cfg.lowercase,
		maxChars:    defaultMaxChars,
	}
	if cfg.stripAccents != nil {
		t.stripAccent = *cfg.stripAccents
	}
	var added []addedToken
	for _, name := range append([]tokenSpec{cfg.CLS, cfg.SEP, cfg.Pad, cfg.Unk, cfg.Mask}, cfg.Additional...) {
		if id, ok := vocab[string(name)]; ok && name != "" {
			added = append(added, addedToken{string(name), id})
		}
	}
	if err := t.build("vocab.txt", vocab, tokens, defaultPrefix, string(cfg.Unk), added); err != nil {
		return nil, err
	}
	if err := t.setSpecials("vocab.txt", cfg, "", ""); err != nil {
		return nil, err
	}
	return t, nil
}

// tokenizerJSON is the part of tokenizer.json this package reads.
type tokenizerJSON struct {
	AddedTokens []struct {
		ID      int32  `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
	Normalizer *struct {
		Type               string `json:"type"`
		CleanText          *bool  `json:"clean_text"`
		HandleChineseChars *bool  `json:"handle_chinese_chars"`
		StripAccents       *bool  `json:"strip_accents"`
		Lowercase          *bool  `json:"lowercase"`
	} `json:"normalizer"`
	PreTokenizer *struct {
		Type string `json:"type"`
	} `json:"pre_tokenizer"`
	PostProcessor *struct {
		Type          string          `json:"type"`
		CLS           []any           `json:"cls"` // BertProcessing: [token, id]
		SEP           []any           `json:"sep"`
		Single        json.RawMessage `json:"single"` // TemplateProcessing
		SpecialTokens map[string]struct {
			IDs []int32 `json:"ids"`
		} `json:"special_tokens"`
	} `json:"post_processor"`
	Truncation *struct {
		MaxLength int `json:"max_length"`
	} `json:"truncation"`
	Padding *struct {
		PadToken string `json:"pad_token"`
	} `json:"padding"`
	Model struct {
		Type                    string           `json:"type"`
		Vocab                   map[string]int32 `json:"vocab"`
		UnkToken                string           `json:"unk_token"`
		ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
		MaxInputCharsPerWord    *int             `json:"max_input_chars_per_word"`
	} `json:"model"`
}

// fromTokenizerJSON builds the tokenizer a tokenizer.json describes.
func fromTokenizerJSON(data []byte, cfg config) (*Tokenizer, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("wordpiece: tokenizer.json: %v (the file is damaged: download it again)", err)
	}
	m := tj.Model
	if m.Type != "WordPiece" && !(m.Type == "" && m.ContinuingSubwordPrefix != nil) {
		return nil, fmt.Errorf("wordpiece: tokenizer.json: model type %q is not supported (want WordPiece, the tokenizer of BERT models)", m.Type)
	}
	if len(m.Vocab) == 0 {
		return nil, errors.New("wordpiece: tokenizer.json: model.vocab is empty (the file is damaged: download it again)")
	}
	t := &Tokenizer{maxChars: defaultMaxChars}
	if m.MaxInputCharsPerWord != nil {
		t.maxChars = *m.MaxInputCharsPerWord
	}
	if n := tj.Normalizer; n != nil {
		if n.Type != "BertNormalizer" {
			return nil, fmt.Errorf("wordpiece: tokenizer.json: normalizer %q is not supported (want BertNormalizer)", n.Type)
		}
		// Fields left out take HuggingFace's defaults.
		t.cleanText, t.chinese, t.lowercase = true, true, true
		if n.CleanText != nil {
			t.cleanText = *n.CleanText
		}
		if n.HandleChineseChars != nil {
			t.chinese = *n.HandleChineseChars
		}
		if n.Lowercase != nil {
			t.lowercase = *n.Lowercase
		}
		t.stripAccent = t.lowercase
		if n.StripAccents != nil {
			t.stripAccent = *n.StripAccents
		}
	}
	if p := tj.PreTokenizer; p == nil || p.Type != "BertPreTokenizer" {
		typ := "null"
		if p != nil {
			typ = fmt.Sprintf("%q", p.Type)
		}
		return nil, fmt.Errorf("wordpiece: tokenizer.json: pre_tokenizer %s is not supported (want BertPreTokenizer)", typ)
	}
	vocab := m.Vocab
	var added []addedToken
	for _, a := range tj.AddedTokens {
		if a.Content == "" {
			continue
		}
		if a.ID < 0 {
			return nil, fmt.Errorf("wordpiece: tokenizer.json: added token %q has a negative id %d", a.Content, a.ID)
		}
		added = append(added, addedToken{a.Content, a.ID})
	}
	prefix := defaultPrefix
	if m.ContinuingSubwordPrefix != nil {
		prefix = *m.ContinuingSubwordPrefix
	}
	unk := m.UnkToken
	if unk == "" {
		unk = string(cfg.Unk)
	}
	if err := t.build("tokenizer.json", vocab, nil, prefix, unk, added); err != nil {
		return nil, err
	}
	if tj.Padding != nil && tj.Padding.PadToken != "" {
		cfg.Pad = tokenSpec(tj.Padding.PadToken)
	}
	cls, sep := "", ""
	if p := tj.PostProcessor; p != nil {
		switch p.Type {
		case "BertProcessing", "RobertaProcessing":
			if len(p.CLS) == 2 && len(p.SEP) == 2 {
				cls, _ = p.CLS[0].(string)
				sep, _ = p.SEP[0].(string)
			}
		case "TemplateProcessing":
			cls, sep = templateSpecials(p.Single)
		}
	}
	if err := t.setSpecials("tokenizer.json", cfg, cls, sep); err != nil {
		return nil, err
	}
	if tj.Truncation != nil && tj.Truncation.MaxLength > 0 {
		t.maxLength = tj.Truncation.MaxLength
	}
	return t, nil
}

// templateSpecials returns the names of the special tokens a
// TemplateProcessing puts before and after a single sequence.
func templateSpecials(single json.RawMessage) (first, last string) {
	var items []struct {
		SpecialToken *struct {
			ID string `json:"id"`
		} `json:"SpecialToken"`
	}
	if json.Unmarshal(single, &items) != nil || len(items) == 0 {
		return "", ""
	}
	if s := items[0].SpecialToken; s != nil {
		first = s.ID
	}
	if s := items[len(items)-1].SpecialToken; s != nil {
		last = s.ID
	}
	return first, last
}

// build sets the vocabulary, the WordPiece settings and the added tokens.
// tokens, the token of each id, is built from vocab when nil.
func (t *Tokenizer) build(file string, vocab map[string]int32, tokens []string, prefix, unk string, added []addedToken) error {
	if tokens == nil {
		// n is the id bound, in int64 so that an id of 2147483647 cannot
		// wrap around: every id must index the token table made below.
		n := int64(0)
		for tok, id := range vocab {
			if id < 0 {
				return fmt.Errorf("wordpiece: %s: token %q has a negative id %d", file, tok, id)
			}
			n = max(n, int64(id)+1)
		}
		for _, a := range added {
			n = max(n, int64(a.id)+1)
		}
		if n > 2*int64(len(vocab))+1024 {
			return fmt.Errorf("wordpiece: %s: token id %d is too large for a vocabulary of %d tokens, the limit being %d (the file is damaged: download it again)",
				file, n-1, len(vocab), 2*len(vocab)+1024-1)
		}
		tokens = make([]string, n)
		for tok, id := range vocab {
			// Two tokens of one id should not happen; take the
			// smaller, so that loading is deterministic.
			if tokens[id] == "" || tok < tokens[id] {
				tokens[id] = tok
			}
		}
		for _, a := range added {
			if tokens[a.id] == "" {
				tokens[a.id] = a.content
			}
		}
	}
	t.vocab = vocab
	t.tokens = tokens
	cont := make(map[string]int32)
	for tok, id := range vocab {
		if rest, ok := strings.CutPrefix(tok, prefix); ok && rest != "" {
			cont[rest] = id
		}
	}
	t.first = newTrie(vocab)
	t.cont = newTrie(cont)
	id, ok := vocab[unk]
	if !ok {
		return fmt.Errorf("wordpiece: %s: the unknown token %q is not in the vocabulary (name it with unk_token in tokenizer_config.json)", file, unk)
	}
	t.unk = id

	slices.SortStableFunc(added, func(a, b addedToken) int { return len(b.content) - len(a.content) })
	t.added = added
	for _, a := range added {
		t.addedFirst[a.content[0]] = true
	}
	t.initASCII()
	return nil
}

// setSpecials looks up the ids of [CLS], [SEP] and [PAD]; cls and sep, when
// not empty, override the names of cfg.
func (t *Tokenizer) setSpecials(file string, cfg config, cls, sep string) error {
	if cls == "" {
		cls = string(cfg.CLS)
	}
	if sep == "" {
		sep = string(cfg.SEP)
	}
	var ok bool
	if t.cls, ok = t.ID(cls); !ok {
		return fmt.Errorf("wordpiece: %s: the classification token %q is not in the vocabulary (name it with cls_token in tokenizer_config.json)", file, cls)
	}
	if t.sep, ok = t.ID(sep); !ok {
		return fmt.Errorf("wordpiece: %s: the separator token %q is not in the vocabulary (name it with sep_token in tokenizer_config.json)", file, sep)
	}
	if t.pad, ok = t.ID(string(cfg.Pad)); !ok {
		return fmt.Errorf("wordpiece: %s: the padding token %q is not in the vocabulary (name it with pad_token in tokenizer_config.json)", file, cfg.Pad)
	}
	return nil
}
