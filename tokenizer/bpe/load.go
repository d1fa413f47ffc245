package bpe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/splade-go/splade/internal/safefs"
)

// LoadDir loads the tokenizer of the model folder dir; see [Load].
func LoadDir(dir string) (*Tokenizer, error) {
	return Load(os.DirFS(dir))
}

// Load loads the byte-level BPE tokenizer of a HuggingFace model folder,
// the root of fsys: tokenizer.json when the folder has one, else
// vocab.json and merges.txt with the settings of tokenizer_config.json
// (as transformers converts a RobertaTokenizer or GPT2Tokenizer into a
// fast one). model_max_length of tokenizer_config.json gives
// [Tokenizer.MaxLength]; special_tokens_map.json may name the special
// tokens.
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
		t, err = fromVocabMerges(fsys, cfg)
	default:
		return nil, fmt.Errorf("bpe: tokenizer.json: %w", err)
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
// special_tokens_map.json: a string, or an object with its content and
// matching flags.
type tokenSpec struct {
	Content    string `json:"content"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	SingleWord bool   `json:"single_word"`
	set        bool   // lstrip and rstrip were given
}

func (s *tokenSpec) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*s = tokenSpec{}
		return nil
	}
	var str string
	if err := json.Unmarshal(data, &str); err == nil {
		*s = tokenSpec{Content: str}
		return nil
	}
	type plain tokenSpec
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return errors.New("want a string or an object with a content field")
	}
	*s = tokenSpec(p)
	s.set = true
	return nil
}

// specialsJSON is the special tokens of tokenizer_config.json and
// special_tokens_map.json.
type specialsJSON struct {
	BOS        *tokenSpec  `json:"bos_token"`
	EOS        *tokenSpec  `json:"eos_token"`
	CLS        *tokenSpec  `json:"cls_token"`
	SEP        *tokenSpec  `json:"sep_token"`
	Pad        *tokenSpec  `json:"pad_token"`
	Unk        *tokenSpec  `json:"unk_token"`
	Mask       *tokenSpec  `json:"mask_token"`
	Additional []tokenSpec `json:"additional_special_tokens"`
}

// config is what tokenizer_config.json and special_tokens_map.json tell.
type config struct {
	specialsJSON
	class          string
	addPrefixSpace bool
	addBOS         *bool
	maxLength      int
	// addedDecoder is tokenizer_config.json's added_tokens_decoder: id ->
	// added token.
	addedDecoder map[string]struct {
		tokenSpec
		Special bool `json:"special"`
	}
}

// merge fills the unset fields of c from o.
func (c *specialsJSON) merge(o specialsJSON) {
	for _, p := range []struct{ dst, src **tokenSpec }{
		{&c.BOS, &o.BOS}, {&c.EOS, &o.EOS}, {&c.CLS, &o.CLS}, {&c.SEP, &o.SEP},
		{&c.Pad, &o.Pad}, {&c.Unk, &o.Unk}, {&c.Mask, &o.Mask},
	} {
		if *p.dst == nil {
			*p.dst = *p.src
		}
	}
	if c.Additional == nil {
		c.Additional = o.Additional
	}
}

func readConfig(fsys fs.FS) (config, error) {
	var cfg config
	data, err := safefs.ReadFile(fsys, "tokenizer_config.json")
	switch {
	case err == nil:
		var tc struct {
			specialsJSON
			Class          string   `json:"tokenizer_class"`
			AddPrefixSpace *bool    `json:"add_prefix_space"`
			AddBOS         *bool    `json:"add_bos_token"`
			ModelMaxLength *float64 `json:"model_max_length"`
			AddedDecoder   map[string]struct {
				tokenSpec
				Special bool `json:"special"`
			} `json:"added_tokens_decoder"`
		}
		if err := json.Unmarshal(data, &tc); err != nil {
			return cfg, fmt.Errorf("bpe: tokenizer_config.json: %v (fix or remove the file)", err)
		}
		cfg.specialsJSON = tc.specialsJSON
		cfg.class = tc.Class
		cfg.addPrefixSpace = tc.AddPrefixSpace != nil && *tc.AddPrefixSpace
		cfg.addBOS = tc.AddBOS
		cfg.addedDecoder = tc.AddedDecoder
		// transformers writes a huge number (1e30) when the length is unknown.
		if m := tc.ModelMaxLength; m != nil && *m >= 1 && *m < 1e6 {
			cfg.maxLength = int(*m)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return cfg, fmt.Errorf("bpe: tokenizer_config.json: %w", err)
	}
	data, err = safefs.ReadFile(fsys, "special_tokens_map.json")
	switch {
	case err == nil:
		var sm specialsJSON
		if err := json.Unmarshal(data, &sm); err != nil {
			return cfg, fmt.Errorf("bpe: special_tokens_map.json: %v (fix or remove the file)", err)
		}
		cfg.specialsJSON.merge(sm)
	case !errors.Is(err, fs.ErrNotExist):
		return cfg, fmt.Errorf("bpe: special_tokens_map.json: %w", err)
	}
	return cfg, nil
}

// tokenizerJSON is the part of tokenizer.json this package reads.
type tokenizerJSON struct {
	AddedTokens []struct {
		ID         int32  `json:"id"`
		Content    string `json:"content"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		SingleWord bool   `json:"single_word"`
	} `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  *preTokenizer   `json:"pre_tokenizer"`
	PostProcessor *postProcessor  `json:"post_processor"`
	Truncation    *struct {
		MaxLength int `json:"max_length"`
	} `json:"truncation"`
	Padding *struct {
		PadID    *int32 `json:"pad_id"`
		PadToken string `json:"pad_token"`
	} `json:"padding"`
	Model struct {
		Type                    string            `json:"type"`
		Vocab                   map[string]int32  `json:"vocab"`
		Merges                  []json.RawMessage `json:"merges"`
		UnkToken                *string           `json:"unk_token"`
		ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
		Dropout                 *float64          `json:"dropout"`
		ByteFallback            bool              `json:"byte_fallback"`
		IgnoreMerges            bool              `json:"ignore_merges"`
	} `json:"model"`
}

type preTokenizer struct {
	Type           string          `json:"type"`
	AddPrefixSpace *bool           `json:"add_prefix_space"`
	UseRegex       *bool           `json:"use_regex"`
	PreTokenizers  []*preTokenizer `json:"pretokenizers"` // Sequence
}

type postProcessor struct {
	Type          string          `json:"type"`
	CLS           []any           `json:"cls"` // RobertaProcessing, BertProcessing: [token, id]
	SEP           []any           `json:"sep"`
	Single        json.RawMessage `json:"single"` // TemplateProcessing
	SpecialTokens map[string]struct {
		IDs []int32 `json:"ids"`
	} `json:"special_tokens"`
	Processors []*postProcessor `json:"processors"` // Sequence
}

// fromTokenizerJSON builds the tokenizer a tokenizer.json describes.
func fromTokenizerJSON(data []byte, cfg config) (*Tokenizer, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("bpe: tokenizer.json: %v (the file is damaged: download it again)", err)
	}
	m := tj.Model
	if m.Type != "BPE" {
		return nil, fmt.Errorf("bpe: tokenizer.json: model type %q is not supported (want BPE)", m.Type)
	}
	if n := bytes.TrimSpace(tj.Normalizer); len(n) > 0 && !bytes.Equal(n, []byte("null")) {
		return nil, errors.New("bpe: tokenizer.json: a normalizer is not supported (want null, as byte-level BPE tokenizers have)")
	}
	if (m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "") || (m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "") {
		return nil, errors.New("bpe: tokenizer.json: continuing_subword_prefix and end_of_word_suffix are not supported (want the byte-level BPE of GPT-2 and RoBERTa)")
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, fmt.Errorf("bpe: tokenizer.json: BPE dropout %g is not supported (want null: encoding must be deterministic)", *m.Dropout)
	}
	if m.ByteFallback {
		return nil, errors.New("bpe: tokenizer.json: byte_fallback is not supported (want a byte-level BPE, which needs none)")
	}
	addPrefixSpace, err := byteLevelPre(tj.PreTokenizer)
	if err != nil {
		return nil, err
	}
	merges := make([][2]string, 0, len(m.Merges))
	for i, raw := range m.Merges {
		var pair [2]string
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			a, b, ok := strings.Cut(s, " ")
			if !ok {
				return nil, fmt.Errorf("bpe: tokenizer.json: merge %d %q is not two tokens (the file is damaged: download it again)", i, s)
			}
			pair = [2]string{a, b}
		} else if err := json.Unmarshal(raw, &pair); err != nil {
			return nil, fmt.Errorf("bpe: tokenizer.json: merge %d is neither \"a b\" nor [\"a\", \"b\"] (the file is damaged: download it again)", i)
		}
		merges = append(merges, pair)
	}
	var added []addedToken
	for _, a := range tj.AddedTokens {
		if a.Content == "" {
			continue
		}
		added = append(added, addedToken{content: a.Content, id: a.ID, lstrip: a.LStrip, rstrip: a.RStrip, oneWord: a.SingleWord})
	}
	unk := ""
	if m.UnkToken != nil {
		unk = *m.UnkToken
	}
	t, err := build("tokenizer.json", m.Vocab, merges, added, unk)
	if err != nil {
		return nil, err
	}
	t.addPrefixSpace = addPrefixSpace
	t.ignoreMerges = m.IgnoreMerges
	if t.prefix, t.suffix, err = t.postSpecials(tj.PostProcessor); err != nil {
		return nil, err
	}
	pad := ""
	if cfg.Pad != nil {
		pad = cfg.Pad.Content
	}
	if tj.Padding != nil && tj.Padding.PadToken != "" {
		pad = tj.Padding.PadToken
	}
	if err := t.setPad(pad, cfg); err != nil {
		return nil, err
	}
	if tj.Truncation != nil && tj.Truncation.MaxLength > 0 {
		t.maxLength = tj.Truncation.MaxLength
	}
	return t, nil
}

// byteLevelPre checks that the pre-tokenizer is ByteLevel with the GPT-2
// pattern, and returns its add_prefix_space.
func byteLevelPre(p *preTokenizer) (bool, error) {
	if p != nil && p.Type == "Sequence" && len(p.PreTokenizers) == 1 {
		p = p.PreTokenizers[0]
	}
	if p == nil || p.Type != "ByteLevel" {
		typ := "null"
		if p != nil {
			typ = strconv.Quote(p.Type)
		}
		return false, fmt.Errorf("bpe: tokenizer.json: pre_tokenizer %s is not supported (want ByteLevel, the pre-tokenizer of GPT-2 and RoBERTa)", typ)
	}
	if p.UseRegex != nil && !*p.UseRegex {
		return false, errors.New("bpe: tokenizer.json: ByteLevel with use_regex false is not supported (want the GPT-2 pattern)")
	}
	// HuggingFace's ByteLevel defaults to add_prefix_space true.
	return p.AddPrefixSpace == nil || *p.AddPrefixSpace, nil
}

// postSpecials returns the ids a post-processor puts before and after one
// text.
func (t *Tokenizer) postSpecials(p *postProcessor) (prefix, suffix []int32, err error) {
	if p == nil {
		return nil, nil, nil
	}
	switch p.Type {
	case "ByteLevel":
		return nil, nil, nil
	case "Sequence":
		for _, q := range p.Processors {
			pre, suf, err := t.postSpecials(q)
			if err != nil {
				return nil, nil, err
			}
			prefix, suffix = append(prefix, pre...), append(suf, suffix...)
		}
		return prefix, suffix, nil
	case "RobertaProcessing", "BertProcessing":
		cls, err := t.processorToken(p.Type, "cls", p.CLS)
		if err != nil {
			return nil, nil, err
		}
		sep, err := t.processorToken(p.Type, "sep", p.SEP)
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
			return nil, nil, fmt.Errorf("bpe: tokenizer.json: TemplateProcessing single: %v", err)
		}
		seen := false
		for _, it := range items {
			switch {
			case it.Sequence != nil:
				if seen {
					return nil, nil, errors.New("bpe: tokenizer.json: TemplateProcessing single holds the text twice")
				}
				seen = true
			case it.SpecialToken != nil:
				st, ok := p.SpecialTokens[it.SpecialToken.ID]
				if !ok {
					return nil, nil, fmt.Errorf("bpe: tokenizer.json: TemplateProcessing names special token %q but special_tokens does not define it", it.SpecialToken.ID)
				}
				for _, id := range st.IDs {
					if id < 0 || int(id) >= len(t.tokens) {
						return nil, nil, fmt.Errorf("bpe: tokenizer.json: special token %q has id %d, outside the vocabulary", it.SpecialToken.ID, id)
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
			return nil, nil, errors.New("bpe: tokenizer.json: TemplateProcessing single does not hold the text ($A)")
		}
		return prefix, suffix, nil
	}
	return nil, nil, fmt.Errorf("bpe: tokenizer.json: post_processor %q is not supported (want RobertaProcessing, TemplateProcessing, ByteLevel or none)", p.Type)
}

// processorToken reads a [token, id] pair of a RobertaProcessing.
func (t *Tokenizer) processorToken(typ, field string, pair []any) (int32, error) {
	if len(pair) == 2 {
		if tok, ok := pair[0].(string); ok {
			if id, ok := t.ID(tok); ok {
				return id, nil
			}
		}
		if f, ok := pair[1].(float64); ok && f >= 0 && int(f) < len(t.tokens) && f == float64(int32(f)) {
			return int32(f), nil
		}
	}
	return 0, fmt.Errorf("bpe: tokenizer.json: %s %s %v is not a [token, id] pair of the vocabulary", typ, field, pair)
}

// setPad sets the padding token: name, else <pad>, else the end token.
func (t *Tokenizer) setPad(name string, cfg config) error {
	if name != "" {
		id, ok := t.ID(name)
		if !ok {
			return fmt.Errorf("bpe: the padding token %q is not in the vocabulary (name it with pad_token in tokenizer_config.json)", name)
		}
		t.pad = id
		return nil
	}
	if id, ok := t.ID("<pad>"); ok {
		t.pad = id
		return nil
	}
	if cfg.EOS != nil {
		if id, ok := t.ID(cfg.EOS.Content); ok {
			t.pad = id // GPT-2 has no padding token; padding is masked anyway
			return nil
		}
	}
	t.pad = 0
	return nil
}

// build sets the vocabulary, the merges and the added tokens.
func build(file string, vocab map[string]int32, merges [][2]string, added []addedToken, unk string) (*Tokenizer, error) {
	if len(vocab) == 0 {
		return nil, fmt.Errorf("bpe: %s: the vocabulary is empty (the file is damaged: download it again)", file)
	}
	n := int32(0)
	for tok, id := range vocab {
		if id < 0 {
			return nil, fmt.Errorf("bpe: %s: token %q has a negative id %d", file, tok, id)
		}
		n = max(n, id+1)
	}
	for _, a := range added {
		if a.id < 0 {
			return nil, fmt.Errorf("bpe: %s: added token %q has a negative id %d", file, a.content, a.id)
		}
		n = max(n, a.id+1)
	}
	if int(n) > 2*(len(vocab)+len(added))+1024 {
		return nil, fmt.Errorf("bpe: %s: token id %d is too large for a vocabulary of %d tokens (the file is damaged: download it again)", file, n-1, len(vocab))
	}
	t := &Tokenizer{vocab: vocab, tokens: make([]string, n), unk: -1}
	for tok, id := range vocab {
		// Two tokens of one id should not happen; take the smaller, so
		// that loading is deterministic.
		if t.tokens[id] == "" || tok < t.tokens[id] {
			t.tokens[id] = tok
		}
	}
	t.addedIDs = make(map[string]int32, len(added))
	for _, a := range added {
		t.tokens[a.id] = a.content
		t.addedIDs[a.content] = a.id
	}
	for b := range t.byteID {
		t.byteID[b] = -1
		if id, ok := vocab[byteChars[b]]; ok {
			t.byteID[b] = id
		}
	}
	if unk != "" {
		id, ok := t.ID(unk)
		if !ok {
			return nil, fmt.Errorf("bpe: %s: the unknown token %q is not in the vocabulary", file, unk)
		}
		t.unk = id
	}
	t.merges = make(map[uint64]merge, len(merges))
	for rank, m := range merges {
		a, okA := vocab[m[0]]
		b, okB := vocab[m[1]]
		ab, okAB := vocab[m[0]+m[1]]
		if !okA || !okB || !okAB {
			return nil, fmt.Errorf("bpe: %s: merge %d %q %q uses a token that is not in the vocabulary (the file is damaged: download it again)", file, rank, m[0], m[1])
		}
		k := pairKey(a, b)
		if _, dup := t.merges[k]; !dup { // the first rank of a pair counts
			t.merges[k] = merge{rank: int32(rank), id: ab}
		}
	}
	slices.SortStableFunc(added, func(a, b addedToken) int { return len(b.content) - len(a.content) })
	t.added = added
	for _, a := range added {
		t.addedFirst[a.content[0]] = true
	}
	return t, nil
}

// fromVocabMerges builds the tokenizer of vocab.json, merges.txt and
// tokenizer_config.json, as transformers' RobertaConverter and
// GPT2Converter do.
func fromVocabMerges(fsys fs.FS, cfg config) (*Tokenizer, error) {
	vdata, err := safefs.ReadFile(fsys, "vocab.json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("bpe: the model folder has neither tokenizer.json nor vocab.json and merges.txt (want the files of a byte-level BPE tokenizer)")
	}
	if err != nil {
		return nil, fmt.Errorf("bpe: vocab.json: %w", err)
	}
	var vocab map[string]int32
	if err := json.Unmarshal(vdata, &vocab); err != nil {
		return nil, fmt.Errorf("bpe: vocab.json: %v (the file is damaged: download it again)", err)
	}
	mdata, err := safefs.ReadFile(fsys, "merges.txt")
	if err != nil {
		return nil, fmt.Errorf("bpe: merges.txt: %w (a vocab.json tokenizer needs merges.txt beside it)", err)
	}
	var merges [][2]string
	for i, line := range strings.Split(string(mdata), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || (i == 0 && strings.HasPrefix(line, "#version")) {
			continue
		}
		a, b, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("bpe: merges.txt: line %d %q is not two tokens (the file is damaged: download it again)", i+1, line)
		}
		merges = append(merges, [2]string{a, b})
	}
	gpt2 := strings.HasPrefix(cfg.class, "GPT2")
	def := func(p **tokenSpec, content string, lstrip bool) {
		if *p == nil && content != "" {
			*p = &tokenSpec{Content: content, LStrip: lstrip}
		}
	}
	if gpt2 {
		def(&cfg.BOS, "<|endoftext|>", false)
		def(&cfg.EOS, "<|endoftext|>", false)
		def(&cfg.Unk, "<|endoftext|>", false)
	} else { // RobertaTokenizer and its relatives
		def(&cfg.BOS, "<s>", false)
		def(&cfg.EOS, "</s>", false)
		def(&cfg.SEP, "</s>", false)
		def(&cfg.CLS, "<s>", false)
		def(&cfg.Unk, "<unk>", false)
		def(&cfg.Pad, "<pad>", false)
		def(&cfg.Mask, "<mask>", true)
	}
	if m := cfg.Mask; m != nil && !m.set && !gpt2 {
		m.LStrip = true // RobertaTokenizer: the mask token takes the space before it
	}
	var added []addedToken
	seen := map[string]bool{}
	addToken := func(s tokenSpec, id int32) {
		if s.Content == "" || seen[s.Content] {
			return
		}
		seen[s.Content] = true
		added = append(added, addedToken{content: s.Content, id: id, lstrip: s.LStrip, rstrip: s.RStrip, oneWord: s.SingleWord})
	}
	if len(cfg.addedDecoder) > 0 {
		ids := make([]string, 0, len(cfg.addedDecoder))
		for k := range cfg.addedDecoder {
			ids = append(ids, k)
		}
		slices.Sort(ids)
		for _, k := range ids {
			id, err := strconv.ParseInt(k, 10, 32)
			if err != nil || id < 0 {
				return nil, fmt.Errorf("bpe: tokenizer_config.json: added_tokens_decoder key %q is not a token id", k)
			}
			addToken(cfg.addedDecoder[k].tokenSpec, int32(id))
		}
	}
	specials := []*tokenSpec{cfg.BOS, cfg.EOS, cfg.Unk, cfg.SEP, cfg.Pad, cfg.CLS, cfg.Mask}
	for i := range cfg.Additional {
		specials = append(specials, &cfg.Additional[i])
	}
	next := int32(0)
	for _, id := range vocab {
		next = max(next, id+1)
	}
	for _, s := range specials {
		if s == nil || s.Content == "" || seen[s.Content] {
			continue
		}
		id, ok := vocab[s.Content]
		if !ok { // transformers appends a special token missing from the vocabulary
			id = next
			next++
		}
		addToken(*s, id)
	}
	unk := ""
	if cfg.Unk != nil {
		unk = cfg.Unk.Content
	}
	t, err := build("vocab.json", vocab, merges, added, unk)
	if err != nil {
		return nil, err
	}
	t.addPrefixSpace = cfg.addPrefixSpace
	special := func(s *tokenSpec, what string) (int32, error) {
		if s == nil {
			return 0, fmt.Errorf("bpe: tokenizer_config.json names no %s token", what)
		}
		id, ok := t.ID(s.Content)
		if !ok {
			return 0, fmt.Errorf("bpe: the %s token %q is not in the vocabulary", what, s.Content)
		}
		return id, nil
	}
	if gpt2 {
		if cfg.addBOS != nil && *cfg.addBOS {
			bos, err := special(cfg.BOS, "beginning")
			if err != nil {
				return nil, err
			}
			t.prefix = []int32{bos}
		}
	} else {
		cls, err := special(cfg.CLS, "classification (cls_token)")
		if err != nil {
			return nil, err
		}
		sep, err := special(cfg.SEP, "separator (sep_token)")
		if err != nil {
			return nil, err
		}
		t.prefix, t.suffix = []int32{cls}, []int32{sep}
	}
	pad := ""
	if cfg.Pad != nil {
		pad = cfg.Pad.Content
	}
	if err := t.setPad(pad, cfg); err != nil {
		return nil, err
	}
	return t, nil
}
