package model_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/native"
	"github.com/splade-go/splade/sparsevec"
)

type parityCase struct {
	fixture, expected string
	opts              model.Options
}

var parityCases = []parityCase{
	{"tiny-bert", "expected.json", model.Options{}},
	{"tiny-bert", "expected.sum.json", model.Options{Pooling: splade.PoolingSum}},
	{"tiny-distilbert", "expected.json", model.Options{}},
	{"tiny-distilbert", "expected.log1p_relu.json", model.Options{Activation: splade.ActivationLog1pReLU}},
	{"small-bert-30522", "expected.json", model.Options{}},
	{"edge-bert-30522", "expected.json", model.Options{}},
	{"tiny-roberta-50262", "expected.json", model.Options{}},
	{"tiny-gte-30522", "expected.json", model.Options{}},
	{"tiny-gte-30522", "expected.log1p_relu.json", model.Options{Activation: splade.ActivationLog1pReLU}},
	{"tiny-modernbert-50368", "expected.json", model.Options{}},
	{"tiny-xlmr-16002", "expected.json", model.Options{}},
	{"tiny-bgem3-16002", "expected.json", model.Options{}},
}

// parityBackends are the engines every parity test runs on: the native
// engine on each kernel this CPU runs, and GoMLX's pure-Go backend; or, when
// SPLADE_TEST_BACKENDS is set (comma-separated backend specs, e.g.
// "xla:/path/xla_cuda_plugin.so" on a GPU machine, see docs/gpu.md), those.
func parityBackends() []string {
	if env := os.Getenv("SPLADE_TEST_BACKENDS"); env != "" {
		return strings.Split(env, ",")
	}
	var bs []string
	for _, k := range native.Kernels(splade.PrecisionFP32) {
		bs = append(bs, "native:"+k)
	}
	return append(bs, model.DefaultBackend)
}

// TestParity checks the encoder, on every engine, against the independent
// PyTorch + JS reference: input ids, vectors (each text alone and all as
// one padded batch), the dot-product similarity matrix and the sparsity
// stats.
func TestParity(t *testing.T) {
	ctx := context.Background()
	for _, pc := range parityCases {
		for _, backend := range parityBackends() {
			t.Run(pc.fixture+"/"+pc.expected+"/"+backend, func(t *testing.T) { testParity(t, ctx, pc, backend) })
		}
	}
}

func testParity(t *testing.T, ctx context.Context, pc parityCase, backend string) {
	dir := reference.Fixture(t, pc.fixture)
	exp := reference.LoadExpected(t, filepath.Join(dir, pc.expected))
	opts := pc.opts
	opts.Backend = backend
	enc, err := model.Load(ctx, dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	want := backend
	if strings.HasPrefix(backend, "xla:") && !strings.Contains(backend, "tf32") {
		want += ",tf32=false" // exact fp32 products unless asked otherwise
	}
	if enc.Backend() != want {
		t.Errorf("Backend() = %q, want %q", enc.Backend(), want)
	}
	if enc.Dim() != exp.VocabSize {
		t.Fatalf("Dim = %d, want %d", enc.Dim(), exp.VocabSize)
	}
	for i, c := range exp.Cases {
		ids := enc.Tokenizer().EncodeIDs(c.Text, enc.MaxLength())
		if fmt.Sprint(ids) != fmt.Sprint(c.InputIDs) {
			t.Errorf("case %d: input ids %v, want %v", i, ids, c.InputIDs)
		}
	}

	alone := make([]sparsevec.Vector, len(exp.Cases))
	for i, c := range exp.Cases {
		vs, err := enc.Encode(ctx, []string{c.Text}, splade.KindDefault)
		if err != nil {
			t.Fatal(err)
		}
		alone[i] = vs[0]
		reference.CheckVector(t, fmt.Sprintf("alone %d %.20q", i, c.Text), vs[0].Indices, vs[0].Values, c)
	}
	batch, err := enc.Encode(ctx, exp.Texts(), splade.KindDefault)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range exp.Cases {
		reference.CheckVector(t, fmt.Sprintf("batch %d %.20q", i, c.Text), batch[i].Indices, batch[i].Values, c)
	}

	if exp.SimilarityDot != nil {
		sim := enc.Similarity(batch, batch, sparsevec.DotFunc)
		for i, row := range exp.SimilarityDot {
			for j, want := range row {
				if !reference.Near(float64(sim[i][j]), want) {
					t.Errorf("similarity[%d][%d] = %v, want %v", i, j, sim[i][j], want)
				}
			}
		}
	}
	// The BGE-M3 reference gives no sparsity stats.
	if exp.Sparsity.ActiveDims == 0 && exp.Sparsity.SparsityRatio == 0 {
		return
	}
	sp := enc.Sparsity(alone)
	if !reference.Near(sp.ActiveDims, exp.Sparsity.ActiveDims) || !reference.Near(sp.SparsityRatio, exp.Sparsity.SparsityRatio) {
		t.Errorf("sparsity = %+v, want %+v", sp, exp.Sparsity)
	}
}

// TestWeightFormats checks that pytorch_model.bin gives the very vectors
// model.safetensors gives, and an F16 copy of the weights the same within
// F16 precision.
func TestWeightFormats(t *testing.T) {
	ctx := context.Background()
	encode := func(t *testing.T, dir string, texts []string) []sparsevec.Vector {
		t.Helper()
		enc, err := model.Load(ctx, dir, model.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		vs, err := enc.Encode(ctx, texts, splade.KindDefault)
		if err != nil {
			t.Fatal(err)
		}
		return vs
	}
	for _, name := range []string{"tiny-bert", "tiny-distilbert", "tiny-roberta-50262"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			texts := reference.LoadExpected(t, filepath.Join(dir, "expected.json")).Texts()
			base := encode(t, copyFixture(t, dir, "pytorch_model.bin"), texts)
			for _, variant := range []struct {
				label string
				dir   string
				tol   float64
			}{
				{"pytorch_model.bin", onlyPyTorch(t, dir), 0},
				{"F16 safetensors", f16Copy(t, dir), 1e-2},
			} {
				got := encode(t, variant.dir, texts)
				for i := range texts {
					want, g := base[i].Dense(), got[i].Dense()
					for j := range want {
						if d := math.Abs(float64(g[j] - want[j])); d > variant.tol*(1+math.Abs(float64(want[j]))) {
							t.Errorf("%s: text %d index %d: %v, want %v", variant.label, i, j, g[j], want[j])
							break
						}
					}
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	dir := reference.Fixture(t, "tiny-bert")
	for _, tc := range []struct {
		name string
		opts model.Options
	}{
		{"pooling", model.Options{Pooling: "mean"}},
		{"activation", model.Options{Activation: "gelu"}},
		{"max length", model.Options{MaxLength: 10000}},
		{"backend", model.Options{Backend: "nosuch"}},
	} {
		if _, err := model.Load(ctx, dir, tc.opts); err == nil {
			t.Errorf("%s: Load succeeded, want an error", tc.name)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
	if _, err := model.Load(ctx, t.TempDir(), model.Options{}); err == nil {
		t.Error("empty folder: Load succeeded, want an error")
	}
}

func TestMaxActiveDims(t *testing.T) {
	ctx := context.Background()
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	enc, err := model.Load(ctx, dir, model.Options{MaxActiveDims: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	vs, err := enc.Encode(ctx, exp.Texts()[:1], splade.KindDefault)
	if err != nil {
		t.Fatal(err)
	}
	top := exp.Cases[0].Top10[:5]
	if vs[0].Len() != 5 {
		t.Fatalf("kept %d dims, want 5", vs[0].Len())
	}
	for _, e := range top {
		found := false
		for i, idx := range vs[0].Indices {
			if idx == uint32(e[0]) && reference.Near(float64(vs[0].Values[i]), e[1]) {
				found = true
			}
		}
		if !found {
			t.Errorf("top entry %v missing from %v", e, vs[0])
		}
	}
	terms := enc.Decode(vs[0], 3)
	if len(terms) != 3 || terms[0].ID != uint32(top[0][0]) {
		t.Errorf("Decode = %+v, want heaviest id %v first", terms, top[0][0])
	}
}

func TestCanceled(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	enc, err := model.Load(context.Background(), dir, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := enc.Encode(ctx, []string{"a"}, splade.KindDefault); err == nil {
		t.Error("Encode with a canceled context succeeded")
	}
}

// TestConcurrent encodes from several goroutines at once; each result must
// equal, bit for bit, the same call made alone.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	dir := reference.Fixture(t, "tiny-distilbert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	enc, err := model.Load(ctx, dir, model.Options{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	const n = 8
	inputs := make([][]string, n)
	want := make([][]sparsevec.Vector, n)
	for g := range n {
		inputs[g] = exp.Texts()[g%len(exp.Cases):]
		if want[g], err = enc.Encode(ctx, inputs[g], splade.KindDefault); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, n)
	for g := range n {
		go func() {
			got, err := enc.Encode(ctx, inputs[g], splade.KindDefault)
			if err == nil && fmt.Sprint(got) != fmt.Sprint(want[g]) {
				err = fmt.Errorf("goroutine %d: result differs from the same call made alone", g)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
