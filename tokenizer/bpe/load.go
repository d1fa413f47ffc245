package bpe

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/splade-go/splade/tokenizer/internal/hf"
	"io/fs"
	"os"
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
	cfg, err := hf.ReadConfig(fsys, "bpe")
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
	if cfg.MaxLength > 0 {
		t.maxLength = cfg.MaxLength
	}
	return t, nil
}

// modelJSON is tokenizer.json's model.
type modelJSON struct {
	Type                    string            `json:"type"`
	Vocab                   map[string]int32  `json:"vocab"`
	Merges                  []json.RawMessage `json:"merges"`
	UnkToken                *string           `json:"unk_token"`
	ContinuingSubwordPrefix *string           `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string           `json:"end_of_word_suffix"`
	Dropout                 *float64          `json:"dropout"`
	ByteFallback            bool              `json:"byte_fallback"`
	IgnoreMerges            bool              `json:"ignore_merges"`
}

type preTokenizer struct {
	Type           string          `json:"type"`
	AddPrefixSpace *bool           `json:"add_prefix_space"`
	UseRegex       *bool           `json:"use_regex"`
	PreTokenizers  []*preTokenizer `json:"pretokenizers"` // Sequence
}

// fromTokenizerJSON builds the tokenizer a tokenizer.json describes.
func fromTokenizerJSON(data []byte, cfg hf.Config) (*Tokenizer, error) {
	tj, err := hf.ParseFile(data, "bpe")
	if err != nil {
		return nil, err
	}
	var m modelJSON
	if err := json.Unmarshal(tj.Model, &m); err != nil {
		return nil, fmt.Errorf("bpe: tokenizer.json: model: %w (the file is damaged: download it again)", err)
	}
	var pre *preTokenizer
	if !hf.IsNull(tj.PreTokenizer) {
		if err := json.Unmarshal(tj.PreTokenizer, &pre); err != nil {
			return nil, fmt.Errorf("bpe: tokenizer.json: pre_tokenizer: %w (the file is damaged: download it again)", err)
		}
	}
	if m.Type != "BPE" {
		return nil, fmt.Errorf("bpe: tokenizer.json: model type %q is not supported (want BPE)", m.Type)
	}
	if !hf.IsNull(tj.Normalizer) {
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
	addPrefixSpace, err := byteLevelPre(pre)
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
	unk := ""
	if m.UnkToken != nil {
		unk = *m.UnkToken
	}
	t, err := build("tokenizer.json", m.Vocab, merges, tj.AddedTokens, unk)
	if err != nil {
		return nil, err
	}
	t.addPrefixSpace = addPrefixSpace
	t.ignoreMerges = m.IgnoreMerges
	if t.prefix, t.suffix, err = tj.PostProcessor.Around(t.ID, len(t.tokens), "bpe"); err != nil {
		return nil, err
	}
	pad := cfg.Pad.Name()
	if p := tj.PadToken(); p != "" {
		pad = p
	}
	if err := t.setPad(pad, cfg); err != nil {
		return nil, err
	}
	if n := tj.MaxLength(); n > 0 {
		t.maxLength = n
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

// setPad sets the padding token: name, else <pad>, else the end token.
func (t *Tokenizer) setPad(name string, cfg hf.Config) error {
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
func build(file string, vocab map[string]int32, merges [][2]string, added []hf.AddedToken, unk string) (*Tokenizer, error) {
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
		if a.ID < 0 {
			return nil, fmt.Errorf("bpe: %s: added token %q has a negative id %d", file, a.Content, a.ID)
		}
		n = max(n, a.ID+1)
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
		if a.Content == "" {
			continue
		}
		t.tokens[a.ID] = a.Content
		t.addedIDs[a.Content] = a.ID
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
	t.added = hf.NewMatcher(added)
	return t, nil
}

// fromVocabMerges builds the tokenizer of vocab.json, merges.txt and
// tokenizer_config.json, as transformers' RobertaConverter and
// GPT2Converter do.
func fromVocabMerges(fsys fs.FS, cfg hf.Config) (*Tokenizer, error) {
	vdata, err := safefs.ReadFile(fsys, "vocab.json")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errors.New("bpe: the model folder has neither tokenizer.json nor vocab.json and merges.txt (want the files of a byte-level BPE tokenizer)")
	}
	if err != nil {
		return nil, fmt.Errorf("bpe: vocab.json: %w", err)
	}
	var vocab map[string]int32
	if err := json.Unmarshal(vdata, &vocab); err != nil {
		return nil, fmt.Errorf("bpe: vocab.json: %w (the file is damaged: download it again)", err)
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
	gpt2 := strings.HasPrefix(cfg.Class, "GPT2")
	def := func(p **hf.TokenSpec, content string, lstrip bool) {
		if *p == nil && content != "" {
			*p = &hf.TokenSpec{Content: content, LStrip: lstrip}
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
	if m := cfg.Mask; m != nil && !m.Set && !gpt2 {
		m.LStrip = true // RobertaTokenizer: the mask token takes the space before it
	}
	var added []hf.AddedToken
	seen := map[string]bool{}
	addToken := func(a hf.AddedToken) {
		if a.Content == "" || seen[a.Content] {
			return
		}
		seen[a.Content] = true
		added = append(added, a)
	}
	for _, a := range cfg.AddedDecoder {
		addToken(a)
	}
	next := int32(0)
	for _, id := range vocab {
		next = max(next, id+1)
	}
	for _, s := range cfg.All() {
		if seen[s.Content] {
			continue
		}
		id, ok := vocab[s.Content]
		if !ok { // transformers appends a special token missing from the vocabulary
			id = next
			next++
		}
		addToken(hf.AddedToken{ID: id, Content: s.Content, LStrip: s.LStrip, RStrip: s.RStrip, SingleWord: s.SingleWord})
	}
	t, err := build("vocab.json", vocab, merges, added, cfg.Unk.Name())
	if err != nil {
		return nil, err
	}
	t.addPrefixSpace = cfg.AddPrefixSpace != nil && *cfg.AddPrefixSpace
	special := func(s *hf.TokenSpec, what string) (int32, error) {
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
		if cfg.AddBOS != nil && *cfg.AddBOS {
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
	if err := t.setPad(cfg.Pad.Name(), cfg); err != nil {
		return nil, err
	}
	return t, nil
}
