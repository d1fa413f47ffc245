package unigram_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/splade-go/splade/tokenizer/unigram"
)

// spmSeed returns a small SentencePiece ModelProto, written field by field:
// <unk> <s> </s>, then ▁, ▁he, llo, ▁hello; no charsmap.
func spmSeed() []byte { return spmModel() }

// spmPiece is a piece of a SentencePiece model: its type is 1 normal, 2
// unknown, 3 control, 4 user-defined.
type spmPiece struct {
	piece string
	score float32
	typ   uint64
}

// spmModel writes a ModelProto of spmSeed's pieces and extra after them.
func spmModel(extra ...spmPiece) []byte {
	var b []byte
	for _, p := range append([]spmPiece{{"<unk>", 0, 2}, {"<s>", 0, 3}, {"</s>", 0, 3}, {"▁", -2, 1}, {"▁he", -3, 1}, {"llo", -3, 1}, {"▁hello", -4, 1}}, extra...) {
		var m []byte
		m = protowire.AppendTag(m, 1, protowire.BytesType)
		m = protowire.AppendString(m, p.piece)
		m = protowire.AppendTag(m, 2, protowire.Fixed32Type)
		m = protowire.AppendFixed32(m, math.Float32bits(p.score))
		m = protowire.AppendTag(m, 3, protowire.VarintType)
		m = protowire.AppendVarint(m, p.typ)
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	return b
}

// TestSentencePieceIDs: a model read alone gets fairseq's ids, as
// XLMRobertaTokenizer gives them: <s> 0 <pad> 1 </s> 2 <unk> 3, the
// model's pieces from its fourth shifted by one, <mask> last.
func TestSentencePieceIDs(t *testing.T) {
	tok, err := unigram.Load(fstest.MapFS{unigram.ModelFile: {Data: spmSeed()}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 9 || tok.Token(8) != "<mask>" || tok.Token(4) != "▁" || tok.Pad() != 1 || tok.Unk() != 3 {
		t.Errorf("VocabSize %d, Token(8) %q, Token(4) %q, Pad %d, Unk %d", tok.VocabSize(), tok.Token(8), tok.Token(4), tok.Pad(), tok.Unk())
	}
	// "hello" is ▁hello (score -4) rather than ▁he + llo (-6); the
	// spaces before <mask> go with it; x is unknown.
	if got, want := tok.EncodeIDs("hello  hello <mask>x", 0), []int32{0, 7, 7, 8, 4, 3, 2}; !slices.Equal(got, want) {
		t.Errorf("EncodeIDs = %v, want %v", got, want)
	}
}

// TestSentencePieceUserDefined: a user-defined piece is kept whole inside
// a word, as transformers' converter makes it an added token (and the
// text after it gets its own "▁", prepend_scheme always).
func TestSentencePieceUserDefined(t *testing.T) {
	tok, err := unigram.Load(fstest.MapFS{unigram.ModelFile: {Data: spmModel(spmPiece{"<x>", 0, 4}, spmPiece{"<", -1, 1}, spmPiece{"x", -1, 1}, spmPiece{">", -1, 1})}})
	if err != nil {
		t.Fatal(err)
	}
	x, ok := tok.ID("<x>")
	if !ok || x != 8 || tok.VocabSize() != 13 {
		t.Fatalf("ID(<x>) = %d, %v; VocabSize %d; want 8, true, 13", x, ok, tok.VocabSize())
	}
	if got, want := tok.IDs("hello<x>hello"), []int32{7, 8, 7}; !slices.Equal(got, want) {
		t.Errorf("IDs = %v (%q), want %v", got, tok.Pieces("hello<x>hello"), want)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"nothing", fstest.MapFS{}, "neither tokenizer.json nor sentencepiece.bpe.model"},
		{"bpe model", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": {"type": "BPE"}}`)}}, `model type "BPE"`},
		{"bad unk", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": {"type": "Unigram", "unk_id": 5, "vocab": [["a", -1]]}}`)}}, "unk_id 5"},
		{"bad score", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", "x"]]}}`)}}, "[piece, score]"},
		{"bad normalizer", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"normalizer": {"type": "NFKC"}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", -1]]}}`)}}, `normalizer "NFKC" is not supported`},
		{"bad charsmap", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAAA"}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", -1]]}}`)}}, "precompiled_charsmap"},
		{"bad pre-tokenizer", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "Unigram", "unk_id": 0, "vocab": [["a", -1]]}}`)}}, `pre_tokenizer "Whitespace"`},
		{"truncated model", fstest.MapFS{unigram.ModelFile: {Data: spmSeed()[:20]}}, "damaged"},
		{"not xlm-r", fstest.MapFS{unigram.ModelFile: {Data: spmSeed()}, "tokenizer_config.json": {Data: []byte(`{"tokenizer_class": "CamembertTokenizer"}`)}}, "XLMRobertaTokenizer"},
	} {
		_, err := unigram.Load(c.fsys)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Load = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}
