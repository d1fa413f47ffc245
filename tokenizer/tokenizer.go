// Package tokenizer turns text into the token ids a SPLADE encoder reads.
// It holds the one interface every front end (package layout, both
// encoders, the CLI and the Worker) tokenizes through, and [Load], which
// reads the tokenizer of a model folder: BERT's WordPiece (package
// wordpiece, for BERT and DistilBERT models), GPT-2's byte-level BPE
// (package bpe, for RoBERTa-family models) or SentencePiece's Unigram
// (package unigram, for XLM-RoBERTa models), each exact to HuggingFace's
// tokenizers library. [ModelOf] names the kind of a loaded tokenizer
// ([Model]), which package arch checks against the network's family.
package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/splade-go/splade/internal/safefs"
	"github.com/splade-go/splade/tokenizer/bpe"
	"github.com/splade-go/splade/tokenizer/unigram"
	"github.com/splade-go/splade/tokenizer/wordpiece"
)

// Tokenizer is a loaded tokenizer. Implementations are immutable once
// loaded (caches aside) and safe for concurrent use.
type Tokenizer interface {
	// EncodeIDs returns the ids of text with the special tokens the model
	// expects around them ([CLS] ... [SEP], <s> ... </s>). When the text
	// has more pieces than maxLen leaves room for, the first are kept, as
	// HuggingFace truncates; maxLen <= 0 stands for MaxLength(), and when
	// that is 0 too the text is not truncated.
	EncodeIDs(text string, maxLen int) []int32
	// IDs returns the ids of the pieces of text, without special tokens.
	IDs(text string) []int32
	// Token returns the token of id, or "" when id is out of range.
	Token(id int) string
	// ID returns the id of token and whether the tokenizer knows it.
	ID(token string) (int32, bool)
	// VocabSize returns the number of ids: one more than the largest.
	VocabSize() int
	// MaxLength returns model_max_length of tokenizer_config.json (or
	// the truncation length of tokenizer.json), 0 when unknown.
	MaxLength() int
	// Pad returns the id of the padding token.
	Pad() int32
}

var (
	_ Tokenizer = (*wordpiece.Tokenizer)(nil)
	_ Tokenizer = (*bpe.Tokenizer)(nil)
	_ Tokenizer = (*unigram.Tokenizer)(nil)
)

// Model is the kind of tokenizer, named as tokenizer.json's model.type
// names it: the algorithm that splits words into pieces. Each has its
// package.
type Model string

const (
	// WordPiece is BERT's WordPiece (package wordpiece).
	WordPiece Model = "WordPiece"
	// BPE is GPT-2's byte-level BPE (package bpe), as RoBERTa and
	// ModernBERT use it.
	BPE Model = "BPE"
	// Unigram is SentencePiece's Unigram (package unigram), as
	// XLM-RoBERTa uses it.
	Unigram Model = "Unigram"
)

// String returns the name of m for messages: "WordPiece", "byte-level
// BPE" or "SentencePiece Unigram".
func (m Model) String() string {
	switch m {
	case BPE:
		return "byte-level BPE"
	case Unigram:
		return "SentencePiece Unigram"
	}
	return string(m)
}

// ModelOf returns the kind of t, or "" for a Tokenizer of none of this
// module's packages.
func ModelOf(t Tokenizer) Model {
	switch t.(type) {
	case *wordpiece.Tokenizer:
		return WordPiece
	case *bpe.Tokenizer:
		return BPE
	case *unigram.Tokenizer:
		return Unigram
	}
	return ""
}

// FileNames returns the names of the tokenizer files a model folder may
// hold, which Load reads: a folder needs tokenizer.json, vocab.txt
// (WordPiece), vocab.json with merges.txt (byte-level BPE), or
// sentencepiece.bpe.model (XLM-RoBERTa's Unigram); the others tune them.
func FileNames() []string {
	return []string{"tokenizer.json", "vocab.txt", "vocab.json", "merges.txt", unigram.ModelFile, "tokenizer_config.json", "special_tokens_map.json"}
}

// Complete reports whether the files that exists says are there make a
// tokenizer Load can read.
func Complete(exists func(name string) bool) bool {
	return exists("tokenizer.json") || exists("vocab.txt") || exists("vocab.json") && exists("merges.txt") || exists(unigram.ModelFile)
}

// LoadDir loads the tokenizer of the model folder dir; see [Load].
func LoadDir(dir string) (Tokenizer, error) {
	return Load(os.DirFS(dir))
}

// Load loads the tokenizer of a HuggingFace model folder, the root of
// fsys. The model type of tokenizer.json chooses it (WordPiece, BPE or
// Unigram); without tokenizer.json, vocab.txt means WordPiece, vocab.json
// with merges.txt means byte-level BPE, and sentencepiece.bpe.model means
// XLM-RoBERTa's Unigram.
func Load(fsys fs.FS) (Tokenizer, error) {
	data, err := safefs.ReadFile(fsys, "tokenizer.json")
	switch {
	case err == nil:
		var head struct {
			Model struct {
				Type                    string          `json:"type"`
				ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
				Merges                  json.RawMessage `json:"merges"`
			} `json:"model"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("tokenizer: tokenizer.json: %w (the file is damaged: download it again)", err)
		}
		switch typ := Model(head.Model.Type); {
		case typ == WordPiece, typ == "" && head.Model.Merges == nil && head.Model.ContinuingSubwordPrefix != nil:
			return loaded(wordpiece.Load(fsys))
		case typ == BPE, typ == "" && head.Model.Merges != nil:
			return loaded(bpe.Load(fsys))
		case typ == Unigram:
			return loaded(unigram.Load(fsys))
		default:
			return nil, fmt.Errorf("tokenizer: tokenizer.json: model type %q is not supported (want WordPiece, as BERT models have, BPE, as RoBERTa models have, or Unigram, as XLM-RoBERTa models have)", typ)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("tokenizer: tokenizer.json: %w", err)
	}
	exists := func(name string) bool {
		_, err := fs.Stat(fsys, name)
		return err == nil
	}
	switch {
	case exists("vocab.txt"):
		return loaded(wordpiece.Load(fsys))
	case exists("vocab.json"):
		return loaded(bpe.Load(fsys))
	case exists(unigram.ModelFile):
		return loaded(unigram.Load(fsys))
	}
	return nil, fmt.Errorf("tokenizer: the model folder has no tokenizer.json, vocab.txt, vocab.json with merges.txt, or %s (want the tokenizer files of a HuggingFace model)", unigram.ModelFile)
}

// loaded returns t as a Tokenizer, or a nil Tokenizer with err.
func loaded[T Tokenizer](t T, err error) (Tokenizer, error) {
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Tokens returns the token of each id of ids.
func Tokens(t Tokenizer, ids []int32) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.Token(int(id))
	}
	return out
}
