package layout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// fixtureFS copies the named files of a fixture into a MapFS under prefix.
func fixtureFS(t *testing.T, m fstest.MapFS, fixture, prefix string, names ...string) fstest.MapFS {
	t.Helper()
	dir := reference.Fixture(t, fixture)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		m[strings.TrimPrefix(prefix+"/"+n, "/")] = &fstest.MapFile{Data: data}
	}
	return m
}

var modelFiles = []string{"config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"}

func TestReadPlain(t *testing.T) {
	m, err := Read(fixtureFS(t, fstest.MapFS{}, "tiny-bert", "", modelFiles...))
	if err != nil {
		t.Fatal(err)
	}
	mlm := m.Query.MLM
	if mlm == nil || m.Document.MLM != mlm || m.Default.MLM != mlm || m.QueryOnly() {
		t.Fatalf("routes %+v %+v %+v: want one masked-LM model for all", m.Query, m.Document, m.Default)
	}
	if mlm.Pooling != "max" || mlm.Activation != "relu" || mlm.Dir != "." || m.Dim != mlm.Net.Vocab || mlm.MaxLength != mlm.Net.Positions {
		t.Errorf("got %+v, dim %d", mlm, m.Dim)
	}
	if len(m.MLMs()) != 1 || m.Tokenizer() != mlm.Tokenizer {
		t.Errorf("MLMs %d, tokenizer %p vs %p", len(m.MLMs()), m.Tokenizer(), mlm.Tokenizer)
	}
}

func TestStaticEncode(t *testing.T) {
	m := fixtureFS(t, fstest.MapFS{}, "tiny-bert", "", "vocab.txt", "tokenizer_config.json")
	m["idf.json"] = &fstest.MapFile{Data: []byte(`{"hello": 2, "world": 0.5, "[CLS]": 9, "nosuchtoken": 3}`)}
	desc, err := Read(m)
	if err != nil {
		t.Fatal(err)
	}
	s := desc.Query.Static
	if s == nil || desc.Default.Static != s || !desc.QueryOnly() {
		t.Fatalf("routes %+v %+v %+v: want the idf table for queries only", desc.Query, desc.Document, desc.Default)
	}
	v := s.Encode("world hello world unknownword")
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	want := map[string]float32{"hello": 2, "world": 0.5}
	if v.Len() != len(want) || v.Dim != desc.Dim {
		t.Fatalf("vector %+v, want %v of dim %d", v, want, desc.Dim)
	}
	for i, idx := range v.Indices {
		if tok := s.Tokenizer.Token(int(idx)); want[tok] != v.Values[i] {
			t.Errorf("%s = %g, want %g", tok, v.Values[i], want[tok])
		}
	}
	c := *s
	c.MaxLength = 1
	if v := c.Encode("world hello"); v.Len() != 1 || s.Tokenizer.Token(int(v.Indices[0])) != "world" {
		t.Errorf("MaxLength 1: %+v, want world only", v)
	}
}

func TestReadErrors(t *testing.T) {
	router := func(pooling, params string) fstest.MapFS {
		m := fixtureFS(t, fstest.MapFS{}, "tiny-bert", "doc", modelFiles...)
		m["modules.json"] = &fstest.MapFile{Data: []byte(`[{"path": "", "type": "sentence_transformers.models.Router"}]`)}
		m["router_config.json"] = &fstest.MapFile{Data: []byte(`{"types": {"doc": "sentence_transformers.sparse_encoder.models.MLMTransformer", "pool": "sentence_transformers.sparse_encoder.models.SpladePooling"},
  "structure": {"document": ["doc", "pool"]}, "parameters": ` + params + `}`)}
		m["pool/config.json"] = &fstest.MapFile{Data: []byte(`{"pooling_strategy": "` + pooling + `"}`)}
		return m
	}
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty", fstest.MapFS{}, "no config.json, modules.json or idf.json"},
		{"no modules", fstest.MapFS{"modules.json": {Data: []byte(`[]`)}}, "lists no modules"},
		{"module", fstest.MapFS{"modules.json": {Data: []byte(`[{"path": "", "type": "sentence_transformers.models.Transformer"}]`)}}, "unsupported sentence-transformers module"},
		{"pooling", router("mean", `{}`), `unsupported pooling_strategy "mean"`},
		{"default route", router("max", `{"default_route": "nosuch"}`), `default_route "nosuch" is not a route`},
		{"tokenizer past vocab_size", func() fstest.MapFS {
			m := fixtureFS(t, fstest.MapFS{}, "tiny-bert", "", "config.json", "vocab.txt", "tokenizer_config.json")
			m["vocab.txt"] = &fstest.MapFile{Data: append(append([]byte{}, m["vocab.txt"].Data...), "extra1\nextra2\n"...)}
			return m
		}(), "the tokenizer has ids up to 479, past config.json's vocab_size 478"},
	} {
		_, err := Read(tc.fsys)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "layout: ") {
			t.Errorf("%s: err = %v, want a layout error mentioning %q", tc.name, err, tc.want)
		}
	}
}
