package model_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/stfixture"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/wasm"
)

// checkIDF encodes the queries of qs with encode and checks the vectors.
func checkIDF(t *testing.T, enc *model.Encoder, encode func(context.Context, []string) ([]sparsevec.Vector, error), qs []reference.IDFQuery) {
	t.Helper()
	texts := make([]string, len(qs))
	for i, q := range qs {
		texts[i] = q.Text
	}
	vs, err := encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	indices, values := make([][]uint32, len(vs)), make([][]float32, len(vs))
	for i, v := range vs {
		if err := v.Validate(); err != nil {
			t.Errorf("%q: %v", qs[i].Text, err)
		}
		if v.Dim != enc.Dim() {
			t.Errorf("%q: Dim %d, want %d", qs[i].Text, v.Dim, enc.Dim())
		}
		indices[i], values[i] = v.Indices, v.Values
	}
	reference.CheckIDF(t, qs, indices, values, enc.Tokenizer().Token)
}

// checkExpected encodes the texts of exp with encode and checks the vectors
// against the reference.
func checkExpected(t *testing.T, label string, encode func(context.Context, []string) ([]sparsevec.Vector, error), exp *reference.Expected) {
	t.Helper()
	vs, err := encode(context.Background(), exp.Texts())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range exp.Cases {
		reference.CheckVector(t, fmt.Sprintf("%s case %d", label, i), vs[i].Indices, vs[i].Values, c)
	}
}

// TestSparseEncoderLayout loads a sentence-transformers SparseEncoder
// folder, whose SpladePooling config picks the pooling and activation and
// whose sentence_bert_config.json picks the max length; options override
// them.
func TestSparseEncoderLayout(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ fixture, expected, pooling, activation, override string }{
		{"tiny-bert", "expected.sum.json", "sum", "relu", "expected.json"},
		{"tiny-distilbert", "expected.log1p_relu.json", "max", "log1p_relu", "expected.json"},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			src := reference.Fixture(t, tc.fixture)
			exp := reference.LoadExpected(t, filepath.Join(src, tc.expected))
			dir := stfixture.WriteDir(t, stfixture.SparseEncoder(t, src, tc.pooling, tc.activation, 0))
			enc, err := model.Load(ctx, dir, model.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			if enc.InferenceFree() {
				t.Error("InferenceFree() = true for a masked-LM folder")
			}
			checkExpected(t, "Encode", encodeDefault(enc), exp)
			checkExpected(t, "EncodeQuery", enc.EncodeQuery, exp)
			checkExpected(t, "EncodeDocument", enc.EncodeDocument, exp)

			// Options that are set override the SpladePooling config.
			over := reference.LoadExpected(t, filepath.Join(src, tc.override))
			enc2, err := model.Load(ctx, dir, model.Options{Pooling: splade.Pooling(over.Pooling), Activation: splade.Activation(over.Activation)})
			if err != nil {
				t.Fatal(err)
			}
			defer enc2.Close()
			checkExpected(t, "override", encodeDefault(enc2), over)

			// max_seq_length of sentence_bert_config.json, unless MaxLength is set.
			dir = stfixture.WriteDir(t, stfixture.SparseEncoder(t, src, tc.pooling, tc.activation, 8))
			for _, want := range []int{8, 10} {
				opts := model.Options{}
				if want != 8 {
					opts.MaxLength = want
				}
				enc3, err := model.Load(ctx, dir, opts)
				if err != nil {
					t.Fatal(err)
				}
				if enc3.MaxLength() != want {
					t.Errorf("MaxLength() = %d with options %+v, want %d", enc3.MaxLength(), opts, want)
				}
				enc3.Close()
			}
		})
	}
}

// checkRouter checks an encoder of the Router layout that stfixture.Router
// builds over edge-bert-30522: inference-free, with queries weighted as qs
// and documents encoded as exp.
func checkRouter(t *testing.T, enc *model.Encoder, qs []reference.IDFQuery, exp *reference.Expected) {
	t.Helper()
	if !enc.InferenceFree() || enc.Dim() != 30522 {
		t.Fatalf("InferenceFree %v, Dim %d", enc.InferenceFree(), enc.Dim())
	}
	checkIDF(t, enc, enc.EncodeQuery, qs)
	checkExpected(t, "EncodeDocument", enc.EncodeDocument, exp)
}

// TestRouterLayout builds the sentence-transformers Router layout of an
// inference-free SPLADE model (SparseStaticEmbedding queries,
// MLMTransformer + SpladePooling documents) and checks both routes, then
// the OpenSearch layout of the same model (idf.json beside the masked-LM
// folder).
func TestRouterLayout(t *testing.T) {
	ctx := context.Background()
	idfPath := filepath.Join(reference.Shared(t, "inference-free"), "idf.json")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	docDir := reference.Fixture(t, "edge-bert-30522")
	exp := reference.LoadExpected(t, filepath.Join(docDir, "expected.json"))
	qs := reference.IDFQueries(t, idfPath, 20)

	t.Run("router", func(t *testing.T) {
		dir := stfixture.WriteDir(t, stfixture.Router(t, idfPath, tokDir, docDir))
		enc, err := model.Load(ctx, dir, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		checkRouter(t, enc, qs, exp)
		checkExpected(t, "Encode", encodeDefault(enc), exp)
	})

	t.Run("opensearch", func(t *testing.T) {
		dir := stfixture.WriteDir(t, stfixture.OpenSearch(t, idfPath, docDir))
		enc, err := model.Load(ctx, dir, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		if !enc.InferenceFree() {
			t.Error("InferenceFree() = false with idf.json beside the model")
		}
		checkIDF(t, enc, enc.EncodeQuery, qs)
		checkExpected(t, "EncodeDocument", enc.EncodeDocument, exp)
		checkExpected(t, "Encode", encodeDefault(enc), exp)
	})
}

// TestInferenceFreeIDF loads a folder with only a tokenizer and idf.json:
// queries only, without config.json or weights.
func TestInferenceFreeIDF(t *testing.T) {
	ctx := context.Background()
	idfPath := filepath.Join(reference.Shared(t, "inference-free"), "idf.json")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	qs := reference.IDFQueries(t, idfPath, 43)
	dir := stfixture.WriteDir(t, stfixture.IDF(t, idfPath, tokDir))

	enc, err := model.Load(ctx, dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	if !enc.InferenceFree() || enc.Dim() != 30522 || enc.Backend() != "static" {
		t.Fatalf("InferenceFree %v, Dim %d, Backend %q", enc.InferenceFree(), enc.Dim(), enc.Backend())
	}
	checkIDF(t, enc, enc.EncodeQuery, qs)
	checkIDF(t, enc, encodeDefault(enc), qs)
	if _, err := enc.EncodeDocument(ctx, []string{"x"}); err == nil || !strings.Contains(err.Error(), "only encode queries") {
		t.Errorf("EncodeDocument: err = %v, want an inference-free error", err)
	}

	// MaxActiveDims keeps the heaviest tokens of table lookups too.
	enc2, err := model.Load(ctx, dir, model.Options{MaxActiveDims: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer enc2.Close()
	vs, err := enc2.EncodeQuery(ctx, []string{qs[0].Text})
	if err != nil {
		t.Fatal(err)
	}
	if vs[0].Len() != min(2, len(qs[0].Want)) {
		t.Errorf("MaxActiveDims 2: %d tokens", vs[0].Len())
	}
	for j, idx := range vs[0].Indices {
		if qs[0].Want[idx] != vs[0].Values[j] {
			t.Errorf("MaxActiveDims 2: token %d = %g, want %g", idx, vs[0].Values[j], qs[0].Want[idx])
		}
	}
}

// TestMaxLengthSameAsWasm loads folders of every route kind through this
// package and package wasm (the edge worker's encoder): both read the
// same routes (package route), so they report the same token limit, and
// serve and the worker answer 413 to the same texts.
func TestMaxLengthSameAsWasm(t *testing.T) {
	idfPath := filepath.Join(reference.Shared(t, "inference-free"), "idf.json")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	docDir := reference.Fixture(t, "edge-bert-30522")
	ctx := context.Background()
	for name, fsys := range map[string]fstest.MapFS{
		"idf":        stfixture.IDF(t, idfPath, tokDir),
		"router":     stfixture.Router(t, idfPath, tokDir, docDir),
		"opensearch": stfixture.OpenSearch(t, idfPath, docDir),
		"sparse":     stfixture.SparseEncoder(t, docDir, "max", "relu", 40),
		"masked-lm":  stfixture.MaskedLM(t, docDir),
	} {
		dir := stfixture.WriteDir(t, fsys)
		for _, maxLength := range []int{0, 9} {
			enc, err := model.Load(ctx, dir, model.Options{MaxLength: maxLength})
			if err != nil {
				t.Fatal(err)
			}
			w, err := wasm.LoadDirWith(dir, wasm.LoadOptions{MaxLength: maxLength})
			if err != nil {
				t.Fatal(err)
			}
			if enc.MaxLength() != w.MaxLength() || enc.MaxLength() <= 0 {
				t.Errorf("%s, MaxLength option %d: model %d, wasm %d", name, maxLength, enc.MaxLength(), w.MaxLength())
			}
			if maxLength > 0 && enc.MaxLength() != maxLength {
				t.Errorf("%s: MaxLength %d, want the option's %d", name, enc.MaxLength(), maxLength)
			}
			enc.Close()
		}
	}
}
