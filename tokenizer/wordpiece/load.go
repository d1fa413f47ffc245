package wordpiece

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/splade-go/splade/tokenizer/internal/hf"
	"github.com/splade-go/splade/tokenizer/internal/trie"
	"io/fs"
	"os"
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

// config is what the JSON files beside the vocabulary tell, with
// BertTokenizer's defaults where they tell nothing.
type config struct {
	cls, sep, pad, unk string
	additional         []string
	lowercase, chinese bool
	stripAccents       *bool
	maxLength          int
}

// readConfig reads tokenizer_config.json and special_tokens_map.json when
// they are present.
func readConfig(fsys fs.FS) (config, error) {
	hc, err := hf.ReadConfig(fsys, "wordpiece")
	if err != nil {
		return config{}, err
	}
	name := func(s *hf.TokenSpec, def string) string {
		if n := s.Name(); n != "" {
			return n
		}
		return def
	}
	cfg := config{
		cls: name(hc.CLS, "[CLS]"), sep: name(hc.SEP, "[SEP]"), pad: name(hc.Pad, "[PAD]"),
		unk: name(hc.Unk, "[UNK]"), additional: []string{name(hc.Mask, "[MASK]")},
		lowercase: hc.DoLowerCase == nil || *hc.DoLowerCase, chinese: hc.TokenizeChineseChars == nil || *hc.TokenizeChineseChars,
		stripAccents: hc.StripAccents, maxLength: hc.MaxLength,
	}
	for _, a := range hc.Additional {
		cfg.additional = append(cfg.additional, a.Content)
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
	var added []hf.AddedToken
	for _, name := range append([]string{cfg.cls, cfg.sep, cfg.pad, cfg.unk}, cfg.additional...) {
		if id, ok := vocab[name]; ok && name != "" {
			added = append(added, hf.AddedToken{ID: id, Content: name})
		}
	}
	if err := t.build("vocab.txt", vocab, tokens, defaultPrefix, cfg.unk, added); err != nil {
		return nil, err
	}
	if err := t.setSpecials("vocab.txt", cfg); err != nil {
		return nil, err
	}
	return t, nil
}

// modelJSON is tokenizer.json's model.
type modelJSON struct {
	Type                    string           `json:"type"`
	Vocab                   map[string]int32 `json:"vocab"`
	UnkToken                string           `json:"unk_token"`
	ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
	MaxInputCharsPerWord    *int             `json:"max_input_chars_per_word"`
}

// normalizerJSON is tokenizer.json's normalizer.
type normalizerJSON struct {
	Type               string `json:"type"`
	CleanText          *bool  `json:"clean_text"`
	HandleChineseChars *bool  `json:"handle_chinese_chars"`
	StripAccents       *bool  `json:"strip_accents"`
	Lowercase          *bool  `json:"lowercase"`
}

// fromTokenizerJSON builds the tokenizer a tokenizer.json describes.
func fromTokenizerJSON(data []byte, cfg config) (*Tokenizer, error) {
	tj, err := hf.ParseFile(data, "wordpiece")
	if err != nil {
		return nil, err
	}
	var m modelJSON
	if err := json.Unmarshal(tj.Model, &m); err != nil {
		return nil, fmt.Errorf("wordpiece: tokenizer.json: model: %w (the file is damaged: download it again)", err)
	}
	var norm *normalizerJSON
	var pre *struct {
		Type string `json:"type"`
	}
	if !hf.IsNull(tj.Normalizer) {
		if err := json.Unmarshal(tj.Normalizer, &norm); err != nil {
			return nil, fmt.Errorf("wordpiece: tokenizer.json: normalizer: %w (the file is damaged: download it again)", err)
		}
	}
	if !hf.IsNull(tj.PreTokenizer) {
		if err := json.Unmarshal(tj.PreTokenizer, &pre); err != nil {
			return nil, fmt.Errorf("wordpiece: tokenizer.json: pre_tokenizer: %w (the file is damaged: download it again)", err)
		}
	}
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
	if n := norm; n != nil {
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
	if p := pre; p == nil || p.Type != "BertPreTokenizer" {
		typ := "null"
		if p != nil {
			typ = fmt.Sprintf("%q", p.Type)
		}
		return nil, fmt.Errorf("wordpiece: tokenizer.json: pre_tokenizer %s is not supported (want BertPreTokenizer)", typ)
	}
	vocab := m.Vocab
	prefix := defaultPrefix
	if m.ContinuingSubwordPrefix != nil {
		prefix = *m.ContinuingSubwordPrefix
	}
	unk := m.UnkToken
	if unk == "" {
		unk = cfg.unk
	}
	if err := t.build("tokenizer.json", vocab, nil, prefix, unk, tj.AddedTokens); err != nil {
		return nil, err
	}
	if p := tj.PadToken(); p != "" {
		cfg.pad = p
	}
	// The post-processor's tokens, when it puts one token on each side,
	// override the names of the configuration.
	prefixIDs, suffixIDs, err := tj.PostProcessor.Around(t.ID, len(t.tokens), "wordpiece")
	if err != nil {
		return nil, err
	}
	if len(prefixIDs) == 1 && len(suffixIDs) == 1 {
		cfg.cls, cfg.sep = t.tokens[prefixIDs[0]], t.tokens[suffixIDs[0]]
	}
	if err := t.setSpecials("tokenizer.json", cfg); err != nil {
		return nil, err
	}
	if n := tj.MaxLength(); n > 0 {
		t.maxLength = n
	}
	return t, nil
}

// build sets the vocabulary, the WordPiece settings and the added tokens.
// tokens, the token of each id, is built from vocab when nil.
func (t *Tokenizer) build(file string, vocab map[string]int32, tokens []string, prefix, unk string, added []hf.AddedToken) error {
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
			n = max(n, int64(a.ID)+1)
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
			if tokens[a.ID] == "" {
				tokens[a.ID] = a.Content
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
	t.first = trie.New(vocab)
	t.cont = trie.New(cont)
	id, ok := vocab[unk]
	if !ok {
		return fmt.Errorf("wordpiece: %s: the unknown token %q is not in the vocabulary (name it with unk_token in tokenizer_config.json)", file, unk)
	}
	t.unk = id

	t.added = hf.NewMatcher(added)
	t.initASCII()
	return nil
}

// setSpecials looks up the ids of [CLS], [SEP] and [PAD].
func (t *Tokenizer) setSpecials(file string, cfg config) error {
	var ok bool
	if t.cls, ok = t.ID(cfg.cls); !ok {
		return fmt.Errorf("wordpiece: %s: the classification token %q is not in the vocabulary (name it with cls_token in tokenizer_config.json)", file, cfg.cls)
	}
	if t.sep, ok = t.ID(cfg.sep); !ok {
		return fmt.Errorf("wordpiece: %s: the separator token %q is not in the vocabulary (name it with sep_token in tokenizer_config.json)", file, cfg.sep)
	}
	if t.pad, ok = t.ID(cfg.pad); !ok {
		return fmt.Errorf("wordpiece: %s: the padding token %q is not in the vocabulary (name it with pad_token in tokenizer_config.json)", file, cfg.pad)
	}
	return nil
}
