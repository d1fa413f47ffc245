package unigram

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"

	"github.com/splade-go/splade/internal/safefs"
	"github.com/splade-go/splade/tokenizer/internal/hf"
	"github.com/splade-go/splade/tokenizer/internal/trie"
)

// ModelFile is the SentencePiece model an XLM-RoBERTa folder holds beside
// (or instead of) tokenizer.json.
const ModelFile = "sentencepiece.bpe.model"

// LoadDir loads the tokenizer of the model folder dir; see [Load].
func LoadDir(dir string) (*Tokenizer, error) {
	return Load(os.DirFS(dir))
}

// Load loads the Unigram tokenizer of a HuggingFace model folder, the
// root of fsys: tokenizer.json when the folder has one, else
// sentencepiece.bpe.model with the ids XLMRobertaTokenizer gives its
// pieces. model_max_length of tokenizer_config.json gives
// [Tokenizer.MaxLength]; tokenizer_config.json and special_tokens_map.json
// may name the special tokens.
func Load(fsys fs.FS) (*Tokenizer, error) {
	cfg, err := hf.ReadConfig(fsys, "unigram")
	if err != nil {
		return nil, err
	}
	var t *Tokenizer
	data, err := safefs.ReadFile(fsys, "tokenizer.json")
	switch {
	case err == nil:
		t, err = fromTokenizerJSON(data, cfg)
	case errors.Is(err, fs.ErrNotExist):
		data, err = safefs.ReadFile(fsys, ModelFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("unigram: the model folder has neither tokenizer.json nor %s (want the files of a SentencePiece tokenizer)", ModelFile)
		}
		if err != nil {
			return nil, fmt.Errorf("unigram: %s: %w", ModelFile, err)
		}
		t, err = fromSentencePiece(data, cfg)
	default:
		return nil, fmt.Errorf("unigram: tokenizer.json: %w", err)
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
	Type         string            `json:"type"`
	UnkID        *int              `json:"unk_id"`
	Vocab        []json.RawMessage `json:"vocab"` // [piece, score]
	ByteFallback bool              `json:"byte_fallback"`
}

// preTokenizerJSON is tokenizer.json's pre_tokenizer.
type preTokenizerJSON struct {
	Type           string              `json:"type"`
	Replacement    *string             `json:"replacement"`
	PrependScheme  *string             `json:"prepend_scheme"`
	AddPrefixSpace *bool               `json:"add_prefix_space"` // before prepend_scheme
	Split          *bool               `json:"split"`
	PreTokenizers  []*preTokenizerJSON `json:"pretokenizers"` // Sequence
}

// fromTokenizerJSON builds the tokenizer a tokenizer.json describes.
func fromTokenizerJSON(data []byte, cfg hf.Config) (*Tokenizer, error) {
	tj, err := hf.ParseFile(data, "unigram")
	if err != nil {
		return nil, err
	}
	var m modelJSON
	if err := json.Unmarshal(tj.Model, &m); err != nil {
		return nil, fmt.Errorf("unigram: tokenizer.json: model: %w (the file is damaged: download it again)", err)
	}
	if m.Type != "Unigram" {
		return nil, fmt.Errorf("unigram: tokenizer.json: model type %q is not supported (want Unigram)", m.Type)
	}
	pieces := make([]string, len(m.Vocab))
	scores := make([]float64, len(m.Vocab))
	for i, raw := range m.Vocab {
		var pair []any
		if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
			return nil, fmt.Errorf("unigram: tokenizer.json: vocab entry %d is not a [piece, score] pair (the file is damaged: download it again)", i)
		}
		p, ok1 := pair[0].(string)
		sc, ok2 := pair[1].(float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("unigram: tokenizer.json: vocab entry %d is not a [piece, score] pair (the file is damaged: download it again)", i)
		}
		pieces[i], scores[i] = p, sc
	}
	if m.UnkID == nil {
		return nil, errors.New("unigram: tokenizer.json: the Unigram model has no unk_id (want the id of the unknown token)")
	}
	t, err := build("tokenizer.json", pieces, scores, *m.UnkID, m.ByteFallback)
	if err != nil {
		return nil, err
	}
	if t.norm, err = parseNormalizer(tj.Normalizer, 0); err != nil {
		return nil, fmt.Errorf("unigram: tokenizer.json: normalizer: %w", err)
	}
	var pre *preTokenizerJSON
	if !hf.IsNull(tj.PreTokenizer) {
		if err := json.Unmarshal(tj.PreTokenizer, &pre); err != nil {
			return nil, fmt.Errorf("unigram: tokenizer.json: pre_tokenizer: %w (the file is damaged: download it again)", err)
		}
	}
	if err := t.setMetaspace(pre); err != nil {
		return nil, err
	}
	if err := t.setAdded(tj.AddedTokens); err != nil {
		return nil, err
	}
	if t.prefix, t.suffix, err = tj.PostProcessor.Around(t.ID, len(t.tokens), "unigram"); err != nil {
		return nil, err
	}
	pad := cfg.Pad.Name()
	if p := tj.PadToken(); p != "" {
		pad = p
	}
	if err := t.setPad(pad); err != nil {
		return nil, err
	}
	t.maxLength = tj.MaxLength()
	return t, nil
}

// setMetaspace reads the Metaspace pre-tokenizer: alone, or in a
// Sequence after WhitespaceSplit.
func (t *Tokenizer) setMetaspace(p *preTokenizerJSON) error {
	if p != nil && p.Type == "Sequence" {
		q := p.PreTokenizers
		if len(q) == 2 && q[0] != nil && q[0].Type == "WhitespaceSplit" {
			t.whitespaceSplit, q = true, q[1:]
		}
		if len(q) != 1 {
			return errors.New("unigram: tokenizer.json: this Sequence pre_tokenizer is not supported (want Metaspace, alone or after WhitespaceSplit, as SentencePiece converters write)")
		}
		p = q[0]
	}
	if p == nil {
		return nil // the text is one piece
	}
	if p.Type != "Metaspace" {
		return fmt.Errorf("unigram: tokenizer.json: pre_tokenizer %s is not supported (want Metaspace, alone or after WhitespaceSplit, as SentencePiece converters write)", strconv.Quote(p.Type))
	}
	t.replacement = "▁"
	if p.Replacement != nil {
		t.replacement = *p.Replacement
	}
	if t.replacement == "" {
		return errors.New("unigram: tokenizer.json: Metaspace has an empty replacement (want \"▁\")")
	}
	t.prepend = prependAlways
	switch {
	case p.PrependScheme != nil:
		switch *p.PrependScheme {
		case "always":
		case "first":
			t.prepend = prependFirst
		case "never":
			t.prepend = prependNever
		default:
			return fmt.Errorf("unigram: tokenizer.json: Metaspace prepend_scheme %q is not always, first or never", *p.PrependScheme)
		}
	case p.AddPrefixSpace != nil && !*p.AddPrefixSpace:
		t.prepend = prependNever
	}
	t.split = p.Split == nil || *p.Split
	return nil
}

// setAdded sets the added tokens, each matched in the raw or the
// normalized text as its normalized flag says.
func (t *Tokenizer) setAdded(added []hf.AddedToken) error {
	var raw, norm []hf.AddedToken
	for _, a := range added {
		if a.Content == "" {
			continue
		}
		if int(a.ID) >= len(t.tokens)+len(added)+1024 {
			return fmt.Errorf("unigram: added token %q has id %d, too large for a vocabulary of %d (the file is damaged: download it again)", a.Content, a.ID, len(t.tokens))
		}
		for int(a.ID) >= len(t.tokens) { // added tokens may extend the vocabulary
			t.tokens = append(t.tokens, "")
		}
		t.tokens[a.ID] = a.Content
		if a.IsNormalized() {
			norm = append(norm, a)
		} else {
			raw = append(raw, a)
		}
	}
	t.raw, t.normalized = hf.NewMatcher(raw), hf.NewMatcher(norm)
	return nil
}

// setPad sets the padding token: name, else <pad>, else 0.
func (t *Tokenizer) setPad(name string) error {
	if name == "" {
		name = "<pad>"
		if _, ok := t.ID(name); !ok {
			return nil
		}
	}
	id, ok := t.ID(name)
	if !ok {
		return fmt.Errorf("unigram: the padding token %q is not in the vocabulary (name it with pad_token in tokenizer_config.json)", name)
	}
	t.pad = id
	return nil
}

// maxPieces bounds the vocabulary a file may declare.
const maxPieces = 1 << 24

// build sets the pieces, their scores and the unknown token.
func build(file string, pieces []string, scores []float64, unk int, byteFallback bool) (*Tokenizer, error) {
	if len(pieces) == 0 {
		return nil, fmt.Errorf("unigram: %s: the vocabulary is empty (the file is damaged: download it again)", file)
	}
	if len(pieces) > maxPieces {
		return nil, fmt.Errorf("unigram: %s: %d pieces is more than %d (the file is damaged: download it again)", file, len(pieces), maxPieces)
	}
	if unk < 0 || unk >= len(pieces) {
		return nil, fmt.Errorf("unigram: %s: unk_id %d is outside the vocabulary of %d pieces (the file is damaged: download it again)", file, unk, len(pieces))
	}
	t := &Tokenizer{tokens: pieces, scores: scores, ids: make(map[string]int32, len(pieces)), unk: int32(unk), byteFall: byteFallback}
	minScore := math.Inf(1)
	for i, p := range pieces {
		if math.IsNaN(scores[i]) || math.IsInf(scores[i], 0) {
			return nil, fmt.Errorf("unigram: %s: piece %d %q has score %g (want a finite log probability)", file, i, p, scores[i])
		}
		t.ids[p] = int32(i)
		minScore = min(minScore, scores[i])
	}
	t.unkScore = minScore - unkPenalty
	delete(t.ids, "") // an empty piece matches nothing
	t.pieces = trie.New(t.ids)
	for b := range t.byteIDs {
		t.byteIDs[b] = -1
		if id, ok := t.ids[fmt.Sprintf("<0x%02X>", b)]; ok {
			t.byteIDs[b] = id
		}
	}
	return t, nil
}
