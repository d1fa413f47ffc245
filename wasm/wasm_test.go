package wasm

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/stfixture"
	"github.com/splade-go/splade/sparsevec"
)

// checkCase asserts that got is a valid vector matching the reference
// vector of c (see reference.CheckVector).
func checkCase(t *testing.T, label string, got sparsevec.Vector, c reference.Case) {
	t.Helper()
	if err := got.Validate(); err != nil {
		t.Errorf("%s: invalid vector: %v", label, err)
	}
	reference.CheckVector(t, label, got.Indices, got.Values, c)
}

var parityCases = []struct {
	fixture, expected string
}{
	{"tiny-bert", "expected.json"},
	{"tiny-bert", "expected.sum.json"},
	{"tiny-distilbert", "expected.json"},
	{"tiny-distilbert", "expected.log1p_relu.json"},
	{"small-bert-30522", "expected.json"},
	{"edge-bert-30522", "expected.json"},
	{"tiny-roberta-50262", "expected.json"},
	{"tiny-gte-30522", "expected.json"},
	{"tiny-gte-30522", "expected.log1p_relu.json"},
	{"tiny-modernbert-50368", "expected.json"},
	{"tiny-xlmr-16002", "expected.json"},
	{"tiny-bgem3-16002", "expected.json"},
}

// TestParity checks the encoder against the PyTorch reference, text by text
// and with all texts as one batch.
func TestParity(t *testing.T) {
	for _, pc := range parityCases {
		t.Run(pc.fixture+"/"+pc.expected, func(t *testing.T) {
			dir := reference.Fixture(t, pc.fixture)
			exp := reference.LoadExpected(t, filepath.Join(dir, pc.expected))
			enc, err := LoadDirWith(dir, LoadOptions{Pooling: splade.Pooling(exp.Pooling), Activation: splade.Activation(exp.Activation)})
			if err != nil {
				t.Fatal(err)
			}
			if enc.Dim() != exp.VocabSize {
				t.Fatalf("Dim() = %d, want %d", enc.Dim(), exp.VocabSize)
			}
			ctx := context.Background()
			for i, c := range exp.Cases {
				ids := enc.routes.Default.IDs(c.Text)
				if fmt.Sprint(ids) != fmt.Sprint(c.InputIDs) {
					t.Fatalf("case %d %q: ids %v, want %v", i, c.Text, ids, c.InputIDs)
				}
				vs, err := enc.Encode(ctx, []string{c.Text}, splade.KindDefault)
				if err != nil {
					t.Fatal(err)
				}
				checkCase(t, fmt.Sprintf("case %d %q", i, c.Text), vs[0], c)
			}
			batch, err := enc.Encode(ctx, exp.Texts(), splade.KindDefault)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range exp.Cases {
				checkCase(t, fmt.Sprintf("batch case %d", i), batch[i], c)
			}
			sim := sparsevec.Similarity(batch, batch, sparsevec.DotFunc)
			for i := range sim {
				for j := range sim[i] {
					w := exp.SimilarityDot[i][j]
					if d := math.Abs(float64(sim[i][j]) - w); d > 1e-3+1e-4*math.Abs(w) {
						t.Errorf("dot(%d, %d) = %g, want %g", i, j, sim[i][j], w)
					}
				}
			}
			sp := sparsevec.SparsityOf(batch)
			// The BGE-M3 reference gives no sparsity stats.
			if exp.Sparsity.ActiveDims != 0 && math.Abs(sp.ActiveDims-exp.Sparsity.ActiveDims) > 0.5 {
				t.Errorf("active dims %g, want %g", sp.ActiveDims, exp.Sparsity.ActiveDims)
			}
		})
	}
}

// TestPyTorchWeights checks that pytorch_model.bin gives the very vectors
// model.safetensors gives.
func TestPyTorchWeights(t *testing.T) {
	for _, name := range []string{"tiny-bert", "tiny-roberta-50262"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			texts := reference.LoadExpected(t, filepath.Join(dir, "expected.json")).Texts()
			files := fstest.MapFS{}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Name() == "model.safetensors" {
					continue
				}
				data, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				files[e.Name()] = &fstest.MapFile{Data: data}
			}
			ctx := context.Background()
			var got [2][]sparsevec.Vector
			for i, load := range []func() (*Encoder, error){
				func() (*Encoder, error) { return LoadDir(dir) },
				func() (*Encoder, error) { return Load(files) },
			} {
				enc, err := load()
				if err != nil {
					t.Fatal(err)
				}
				if got[i], err = enc.Encode(ctx, texts, splade.KindDefault); err != nil {
					t.Fatal(err)
				}
			}
			for i := range texts {
				if fmt.Sprint(got[0][i]) != fmt.Sprint(got[1][i]) {
					t.Errorf("text %d: pytorch_model.bin gives %v, model.safetensors %v", i, got[1][i], got[0][i])
				}
			}
		})
	}
}

func checkIDF(t *testing.T, enc *Encoder, kind splade.Kind, qs []reference.IDFQuery) {
	t.Helper()
	texts := make([]string, len(qs))
	for i, q := range qs {
		texts[i] = q.Text
	}
	vs, err := enc.Encode(context.Background(), texts, kind)
	if err != nil {
		t.Fatal(err)
	}
	indices, values := make([][]uint32, len(vs)), make([][]float32, len(vs))
	for i, v := range vs {
		if err := v.Validate(); err != nil {
			t.Errorf("%q: %v", qs[i].Text, err)
		}
		indices[i], values[i] = v.Indices, v.Values
	}
	reference.CheckIDF(t, qs, indices, values, enc.Token)
}

// TestInferenceFreeIDF loads a tokenizer + idf.json folder.
func TestInferenceFreeIDF(t *testing.T) {
	idfPath := filepath.Join(reference.Shared(t, "inference-free"), "idf.json")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	qs := reference.IDFQueries(t, idfPath, 43)
	enc, err := LoadWith(stfixture.IDF(t, idfPath, tokDir), LoadOptions{Name: "idf"})
	if err != nil {
		t.Fatal(err)
	}
	if !enc.InferenceFree() || enc.Dim() != 30522 {
		t.Fatalf("InferenceFree %v, Dim %d", enc.InferenceFree(), enc.Dim())
	}
	checkIDF(t, enc, splade.KindQuery, qs)
	checkIDF(t, enc, splade.KindDefault, qs)
	if _, err := enc.Encode(context.Background(), []string{"x"}, splade.KindDocument); err == nil || !strings.Contains(err.Error(), "only encode queries") {
		t.Errorf("document kind: err = %v, want an inference-free error", err)
	}
	if _, err := enc.Encode(context.Background(), []string{"x"}, "passage"); err == nil {
		t.Errorf("unknown kind: no error")
	}
}

// writeWeights returns a safetensors file of ts.
func writeWeights(t *testing.T, ts map[string]*checkpoint.Tensor, dtype string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := checkpoint.WriteSafetensors(&buf, ts, dtype); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRouterLayout builds the sentence-transformers Router layout of an
// inference-free SPLADE model (SparseStaticEmbedding queries, MLMTransformer
// + SpladePooling documents) and checks both routes.
func TestRouterLayout(t *testing.T) {
	idfPath := filepath.Join(reference.Shared(t, "inference-free"), "idf.json")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	docDir := reference.Fixture(t, "edge-bert-30522")
	exp := reference.LoadExpected(t, filepath.Join(docDir, "expected.json"))
	qs := reference.IDFQueries(t, idfPath, 20)

	enc, err := LoadWith(stfixture.Router(t, idfPath, tokDir, docDir), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !enc.InferenceFree() || enc.Dim() != 30522 {
		t.Fatalf("InferenceFree %v, Dim %d", enc.InferenceFree(), enc.Dim())
	}
	checkIDF(t, enc, splade.KindQuery, qs)
	ctx := context.Background()
	for _, kind := range []splade.Kind{splade.KindDocument, splade.KindDefault} {
		vs, err := enc.Encode(ctx, exp.Texts(), kind)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range exp.Cases {
			checkCase(t, fmt.Sprintf("%q case %d", kind, i), vs[i], c)
		}
	}

	// The same document model with idf.json beside it (OpenSearch layout).
	enc, err = LoadWith(stfixture.OpenSearch(t, idfPath, docDir), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkIDF(t, enc, splade.KindQuery, qs)
	vs, err := enc.Encode(ctx, exp.Texts()[:2], splade.KindDocument)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range exp.Cases[:2] {
		checkCase(t, fmt.Sprintf("OpenSearch layout case %d", i), vs[i], c)
	}
}

// TestSparseEncoderLayout loads a plain sentence-transformers SparseEncoder
// folder, whose SpladePooling config picks the pooling and activation.
func TestSparseEncoderLayout(t *testing.T) {
	for _, tc := range []struct{ fixture, expected, pooling, activation string }{
		{"tiny-bert", "expected.sum.json", "sum", "relu"},
		{"tiny-distilbert", "expected.log1p_relu.json", "max", "log1p_relu"},
	} {
		dir := reference.Fixture(t, tc.fixture)
		exp := reference.LoadExpected(t, filepath.Join(dir, tc.expected))
		enc, err := LoadWith(stfixture.SparseEncoder(t, dir, tc.pooling, tc.activation, 0), LoadOptions{Name: tc.fixture})
		if err != nil {
			t.Fatal(err)
		}
		vs, err := enc.EncodeDocument(context.Background(), exp.Texts())
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range exp.Cases {
			checkCase(t, fmt.Sprintf("%s case %d", tc.expected, i), vs[i], c)
		}
		if enc.Model() != tc.fixture || enc.Backend() != "wasm-go" || enc.Kernel() != "go" { // no SIMD kernels outside a JavaScript host
			t.Errorf("Model %q Backend %q Kernel %q", enc.Model(), enc.Backend(), enc.Kernel())
		}
	}
}

// TestFloat16Weights loads half-precision weights: the vectors stay close
// to those of the float32 weights.
func TestFloat16Weights(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	data, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := checkpoint.ReadSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	m := stfixture.MaskedLM(t, dir)
	m["model.safetensors"] = &fstest.MapFile{Data: writeWeights(t, ts, "F16")}
	enc, err := LoadWith(m, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	vs, err := enc.Encode(context.Background(), exp.Texts(), "")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range exp.Cases {
		want := sparsevec.Vector{Indices: c.Indices, Values: c.Values, Dim: exp.VocabSize}
		if cos := sparsevec.Cosine(vs[i], want); cos < 0.99 {
			t.Errorf("case %d: cosine to the float32 reference %g", i, cos)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	for _, tc := range []struct {
		name string
		fsys fs.FS
		opts LoadOptions
		want string
	}{
		{"empty", fstest.MapFS{}, LoadOptions{}, "no config.json"},
		{"pooling", fstest.MapFS{}, LoadOptions{Pooling: "mean"}, "unknown pooling"},
		{"activation", fstest.MapFS{}, LoadOptions{Activation: "gelu"}, "unknown activation"},
		{"module", fstest.MapFS{"modules.json": {Data: []byte(`[{"path": "", "type": "sentence_transformers.models.Transformer"}]`)}}, LoadOptions{}, "unsupported sentence-transformers module"},
		{"weights", func() fs.FS {
			m := stfixture.MaskedLM(t, dir)
			return fstest.MapFS{"config.json": m["config.json"], "vocab.txt": m["vocab.txt"], "tokenizer_config.json": m["tokenizer_config.json"]}
		}(), LoadOptions{}, "wasm: model in ."},
	} {
		_, err := LoadWith(tc.fsys, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestCanceled(t *testing.T) {
	enc, err := LoadDir(reference.Fixture(t, "tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := enc.Encode(ctx, []string{"a"}, ""); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	vs, err := enc.Encode(context.Background(), nil, "")
	if err != nil || len(vs) != 0 {
		t.Errorf("no texts: %v, %v", vs, err)
	}
}

// edgeQuery is a query of exactly 16 tokens with [CLS] and [SEP].
const edgeQuery = "what are the symptoms of a vitamin d deficiency in adults and how is it treated"

// BenchmarkEncodeEdgeQuery encodes one 16-token query with edge-bert-30522
// (H=128, 2 layers, vocab 30522).
func BenchmarkEncodeEdgeQuery(b *testing.B) {
	enc, err := LoadDirWith(reference.Fixture(b, "edge-bert-30522"), LoadOptions{MaxLength: 16})
	if err != nil {
		b.Fatal(err)
	}
	p := enc.routes.Default
	if ids := p.IDs(edgeQuery); len(ids) != 16 {
		b.Fatalf("%d tokens, want 16", len(ids))
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := encode(ctx, p, edgeQuery); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenizeEdgeQuery is the tokenizer's share of
// BenchmarkEncodeEdgeQuery.
func BenchmarkTokenizeEdgeQuery(b *testing.B) {
	enc, err := LoadDirWith(reference.Fixture(b, "edge-bert-30522"), LoadOptions{MaxLength: 16})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		enc.routes.Default.IDs(edgeQuery)
	}
}

// TestMaxLengthRule: a MaxLength beyond the model's positions is an error,
// as in package model (splade.ResolveMaxLength), not a silent clamp.
func TestMaxLengthRule(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert") // 64 positions
	if _, err := LoadDirWith(dir, LoadOptions{MaxLength: 65}); err == nil || !strings.Contains(err.Error(), "exceeds the model's 64 positions") {
		t.Errorf("MaxLength 65: %v; want an error naming the 64 positions", err)
	}
	if _, err := LoadDirWith(dir, LoadOptions{MaxLength: 64}); err != nil {
		t.Errorf("MaxLength 64: %v", err)
	}
}
