package model_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
)

// realModelID is the model whose published outputs ../shared/conformance/
// real-model holds.
const realModelID = "naver/splade-cocondenser-ensembledistil"

// realModel loads the real naver/splade-cocondenser-ensembledistil: from
// the folder SPLADE_REAL_MODEL_DIR names, else from the HuggingFace cache
// without touching the network. It skips the test when neither has it.
func realModel(t *testing.T) *model.Encoder {
	t.Helper()
	return cachedModel(t, realModelID, "SPLADE_REAL_MODEL_DIR", 30522)
}

// cachedModel loads the model id from the folder that the environment
// variable env names, else from the HuggingFace cache without touching the
// network, and checks its dimension; it skips the test when neither has it.
func cachedModel(t *testing.T, id, env string, dim int) *model.Encoder {
	t.Helper()
	return cachedModelWith(t, id, env, dim, model.Options{})
}

// cachedModelWith is cachedModel with the given options.
func cachedModelWith(t *testing.T, id, env string, dim int, opts model.Options) *model.Encoder {
	t.Helper()
	ctx := context.Background()
	dir := os.Getenv(env)
	if dir == "" {
		var err error
		dir, err = hub.Resolve(ctx, id, hub.Options{Offline: true})
		if err != nil {
			t.Skipf("%s is not in the HuggingFace cache and %s is unset (%v); "+
				"with Hub access, `go run ./cmd/splade encode --model %s hello` downloads it (see the README)", id, env, err, id)
		}
	}
	enc, err := model.Load(ctx, dir, opts)
	if err != nil {
		t.Fatalf("loading %s from %s: %v", id, dir, err)
	}
	t.Cleanup(func() { enc.Close() })
	if enc.Dim() != dim {
		t.Fatalf("%s: dimension %d, want %d", dir, enc.Dim(), dim)
	}
	return enc
}

// TestRealModelQuickstart checks the sentence-transformers quickstart:
// the similarity matrix (atol 0.01) and the sparsity (~99.84%).
func TestRealModelQuickstart(t *testing.T) {
	enc := realModel(t)
	emb, err := enc.EncodeDocument(context.Background(), []string{
		"The weather is lovely today.",
		"It's so sunny outside!",
		"He drove to the stadium.",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{35.629, 9.154, 0.098}, {9.154, 27.478, 0.019}, {0.098, 0.019, 29.553}}
	sim := enc.Similarity(emb, emb, sparsevec.DotFunc)
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(float64(sim[i][j]) - want[i][j]); d > 0.01 {
				t.Errorf("similarity[%d][%d] = %.4f, want %.3f (atol 0.01)", i, j, sim[i][j], want[i][j])
			}
		}
	}
	// The published figure is rounded to 0.01%.
	if s := enc.Sparsity(emb).SparsityRatio; math.Abs(100*s-99.84) > 0.005 {
		t.Errorf("sparsity %.4f%%, want 99.84%%", 100*s)
	}
}

// TestRealModelRedPlanet checks the query-document scores of
// sentence-transformers' pretrained-model test (fp32, atol 0.01), for
// naver/splade-cocondenser-ensembledistil and, when it is cached (or
// SPLADE_REAL_GRANITE_DIR names its folder), the RoBERTa-family
// ibm-granite/granite-embedding-30m-sparse.
func TestRealModelRedPlanet(t *testing.T) {
	for _, m := range []struct {
		id, env string
		dim     int
		want    []float64
	}{
		{realModelID, "SPLADE_REAL_MODEL_DIR", 30522, []float64{8.3984, 22.53437, 17.49611, 17.43306}},
		{"ibm-granite/granite-embedding-30m-sparse", "SPLADE_REAL_GRANITE_DIR", 50265, []float64{6.04771, 16.77029, 10.85245, 10.59154}},
	} {
		t.Run(m.id, func(t *testing.T) {
			enc := cachedModel(t, m.id, m.env, m.dim)
			ctx := context.Background()
			q, err := enc.EncodeQuery(ctx, []string{"Which planet is known as the Red Planet?"})
			if err != nil {
				t.Fatal(err)
			}
			docs, err := enc.EncodeDocument(ctx, []string{
				"Venus is often called Earth's twin because of its similar size and proximity.",
				"Mars, known for its reddish appearance, is often referred to as the Red Planet.",
				"Jupiter, the largest planet in our solar system, has a prominent red spot.",
				"Saturn, famous for its rings, is sometimes mistaken for the Red Planet.",
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range enc.Similarity(q, docs, sparsevec.DotFunc)[0] {
				if math.Abs(float64(s)-m.want[i]) > 0.01 {
					t.Errorf("score of document %d = %.5f, want %.5f (atol 0.01)", i, s, m.want[i])
				}
			}
		})
	}
}

// TestRealModelDL19 checks the TREC DL19 query encodings of Anserini's
// "SPLADE++ ED" run: each active token repeated N times, N an integer
// quantisation of its weight at an unstated scale. The scale is fitted
// over all queries; then every reference token must be active here, every
// token here whose scaled weight rounds to 2 or more must be in the
// reference, and each N must be the scaled weight within one step of
// rounding plus 1%.
func TestRealModelDL19(t *testing.T) {
	enc := realModel(t)
	dir := reference.Shared(t, "conformance/real-model")
	texts := map[string]string{}
	for _, line := range readLines(t, filepath.Join(dir, "topics.dl19-passage.txt")) {
		id, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("topics line %q has no tab", line)
		}
		texts[id] = text
	}
	type query struct {
		text string
		want map[string]float64 // token -> N
	}
	var qs []query
	for _, line := range readLines(t, filepath.Join(dir, "topics.dl19-passage.splade-pp-ed.tsv.gz")) {
		id, toks, ok := strings.Cut(line, "\t")
		if !ok || texts[id] == "" {
			t.Fatalf("encoding line %.40q: no tab or unknown query id", line)
		}
		q := query{text: texts[id], want: map[string]float64{}}
		for _, tok := range strings.Fields(toks) {
			q.want[tok]++
		}
		qs = append(qs, q)
	}
	if len(qs) != 43 {
		t.Fatalf("%d DL19 queries, want 43", len(qs))
	}
	got := make([]map[string]float64, len(qs))
	var sumN, sumW float64
	for i, q := range qs {
		vs, err := enc.EncodeQuery(context.Background(), []string{q.text})
		if err != nil {
			t.Fatal(err)
		}
		got[i] = map[string]float64{}
		for _, term := range sparsevec.Terms(vs[0], 0, enc.Tokenizer().Token) {
			got[i][term.Token] = float64(term.Weight)
		}
		for tok, n := range q.want {
			sumN += n
			sumW += got[i][tok]
		}
	}
	if sumW == 0 {
		t.Fatal("no reference token is active in our encodings")
	}
	scale := sumN / sumW
	t.Logf("fitted quantisation scale %.2f (N ≈ scale·w)", scale)
	bad := 0
	errorf := func(format string, args ...any) {
		t.Helper()
		if bad++; bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	defer func() {
		if bad > 20 {
			t.Errorf("%d mismatches in all", bad)
		}
	}()
	for i, q := range qs {
		for tok, n := range q.want {
			w, ok := got[i][tok]
			if !ok {
				errorf("%q: reference token %q (N=%g) is not active", q.text, tok, n)
				continue
			}
			if math.Abs(scale*w-n) > 1+0.01*n {
				errorf("%q: token %q: scaled weight %.2f, reference N %g", q.text, tok, scale*w, n)
			}
		}
		for tok, w := range got[i] {
			if _, ok := q.want[tok]; !ok && scale*w >= 1.5 {
				errorf("%q: token %q (scaled weight %.2f) is not in the reference", q.text, tok, scale*w)
			}
		}
	}
}

// readLines returns the lines of a text file, gunzipped when its name ends
// in .gz.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		sc = bufio.NewScanner(gz)
	}
	sc.Buffer(nil, 1<<24)
	var lines []string
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return lines
}

// TestRealModelInt8 reports the quality of --precision int8 against fp32
// on the real model (vector cosine and top-10 overlap over the DL19
// queries and the quickstart's documents), gated as the native package's
// TestInt8Quality gates the fixtures: mean cosine >= 0.99, mean top-10
// overlap >= 0.8.
func TestRealModelInt8(t *testing.T) {
	fp32 := realModel(t)
	enc8 := cachedModelWith(t, realModelID, "SPLADE_REAL_MODEL_DIR", 30522, model.Options{Precision: splade.PrecisionInt8, Backend: model.NativeBackend})
	ctx := context.Background()
	texts := []string{
		"The weather is lovely today.",
		"It's so sunny outside!",
		"He drove to the stadium.",
		"Mars, known for its reddish appearance, is often referred to as the Red Planet.",
		"Which planet is known as the Red Planet?",
	}
	for _, line := range readLines(t, filepath.Join(reference.Shared(t, "conformance/real-model"), "topics.dl19-passage.txt")) {
		if _, text, ok := strings.Cut(line, "\t"); ok {
			texts = append(texts, text)
		}
	}
	a, err := fp32.EncodeDocument(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := enc8.EncodeDocument(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	var cos, top float64
	for i := range a {
		ab, aa, bb := sparsevec.Dot(a[i], b[i]), sparsevec.Dot(a[i], a[i]), sparsevec.Dot(b[i], b[i])
		cos += float64(ab) / math.Sqrt(float64(aa)*float64(bb))
		ta, tb := a[i].KeepTop(10).Indices, b[i].KeepTop(10).Indices
		n := 0
		for _, x := range ta {
			if slices.Contains(tb, x) {
				n++
			}
		}
		top += float64(n) / float64(max(1, len(ta)))
	}
	cos /= float64(len(a))
	top /= float64(len(a))
	t.Logf("%s, int8 (%s) against fp32, %d texts: mean cosine %.4f, mean top-10 overlap %.3f", realModelID, enc8.Backend(), len(a), cos, top)
	if cos < 0.99 || top < 0.8 {
		t.Errorf("mean cosine %.4f (want >= 0.99), mean top-10 overlap %.3f (want >= 0.8)", cos, top)
	}
}
