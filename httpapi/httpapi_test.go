package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/sparsevec"
)

const fakeDim = 1000

// fakeEncoder maps each word to a dimension by hashing it. Documents
// weigh a word by its count, queries by 1 per distinct word, and the
// default kind by 2 per occurrence, so tests can tell the kinds apart.
type fakeEncoder struct {
	err   error // returned by Encode when set
	block bool  // Encode waits for ctx to be done
	short bool  // Encode returns one vector too few
	nan   bool  // Encode returns NaN weights
}

func wordIndex(word string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(word))
	return h.Sum32() % fakeDim
}

func fakeVector(text string, kind Kind) sparsevec.Vector {
	dense := make([]float32, fakeDim)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		i := wordIndex(w)
		switch kind {
		case KindQuery:
			dense[i] = 1
		case KindDocument:
			dense[i]++
		default:
			dense[i] += 2
		}
	}
	return sparsevec.FromDense(dense)
}

func (f *fakeEncoder) Encode(ctx context.Context, texts []string, kind Kind) ([]sparsevec.Vector, error) {
	if f.block {
		<-ctx.Done()
		return nil, fmt.Errorf("fake: %w", ctx.Err())
	}
	if f.err != nil {
		return nil, f.err
	}
	vs := make([]sparsevec.Vector, len(texts))
	for i, t := range texts {
		vs[i] = fakeVector(t, kind)
		if f.nan && vs[i].Len() > 0 {
			vs[i].Values[0] = float32(math.NaN())
		}
	}
	if f.short {
		vs = vs[1:]
	}
	return vs, nil
}

func (f *fakeEncoder) Token(id int) string { return fmt.Sprintf("tok%d", id) }
func (f *fakeEncoder) Dim() int            { return fakeDim }
func (f *fakeEncoder) Model() string       { return "fake/model" }
func (f *fakeEncoder) Backend() string     { return "fake" }

type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, h http.Handler, method, path, body string) response {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// decodeJSON unmarshals a JSON response body, checking its content type.
func decodeJSON(t *testing.T, r response, v any) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %s is not JSON: %v", r.body, err)
	}
}

func newTestHandler(enc Encoder) http.Handler { return NewHandler(enc, DefaultLimits(), nil) }

func TestEncode(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	texts := []string{"the cat sat on the mat", "", "dogs"}
	for _, kind := range []Kind{KindDefault, KindQuery, KindDocument} {
		body, _ := json.Marshal(map[string]any{"texts": texts, "kind": kind})
		r := do(t, h, "POST", "/encode", string(body))
		if r.status != 200 {
			t.Fatalf("kind %q: status %d: %s", kind, r.status, r.body)
		}
		var got api.EncodeResponse
		decodeJSON(t, r, &got)
		if got.Model != "fake/model" || got.Dim != fakeDim || len(got.Vectors) != len(texts) {
			t.Fatalf("kind %q: response %s", kind, r.body)
		}
		for i, text := range texts {
			want := fakeVector(text, kind)
			gv := got.Vectors[i]
			if !slices.Equal(gv.Indices, want.Indices) || !slices.Equal(gv.Values, want.Values) {
				t.Errorf("kind %q, text %q: got %+v, want %+v", kind, text, gv, want)
			}
		}
	}
	// An empty vector serializes as empty lists, not null.
	r := do(t, h, "POST", "/encode", `{"texts":[""]}`)
	if want := `{"model":"fake/model","dim":1000,"vectors":[{"indices":[],"values":[]}]}` + "\n"; string(r.body) != want {
		t.Errorf("empty text: body %s, want %s", r.body, want)
	}
}

func TestEncodeMaxActiveDims(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	text := "a a a a b b b c c d e f"
	r := do(t, h, "POST", "/encode", `{"texts":["`+text+`"],"kind":"document","max_active_dims":3}`)
	var got api.EncodeResponse
	decodeJSON(t, r, &got)
	want := fakeVector(text, KindDocument).KeepTop(3)
	if v := got.Vectors[0]; len(v.Indices) != 3 || !slices.Equal(v.Indices, want.Indices) || !slices.Equal(v.Values, want.Values) {
		t.Errorf("max_active_dims 3: got %+v, want %+v", v, want)
	}
	slices.Sort(want.Values)
	if !slices.Equal(want.Values, []float32{2, 3, 4}) {
		t.Errorf("kept weights %v, want the three largest 2 3 4", want.Values)
	}
	r = do(t, h, "POST", "/encode", `{"texts":["`+text+`"],"max_active_dims":0}`)
	decodeJSON(t, r, &got)
	if n := len(got.Vectors[0].Indices); n != 6 {
		t.Errorf("max_active_dims 0 kept %d dims, want all 6", n)
	}
}

// TestPrune checks prune_type and prune_ratio on /encode and
// /embed_sparse against the rules stated afresh: weights 4 3 2 1 1 1 of
// a document, 8 6 4 2 2 2 as the default kind.
func TestPrune(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	text := "a a a a b b b c c d e f"
	for _, tc := range []struct {
		typ   string
		ratio float32
		keep  func(w, max, rank float32) bool // rank: weights heavier than w
		kept  int
	}{
		{"top_k", 2, func(w, max, rank float32) bool { return rank < 2 }, 2},
		{"max_ratio", 0.5, func(w, max, rank float32) bool { return w >= 0.5*max }, 3},
		{"abs_value", 2, nil, 0}, // differs by kind: checked by count below
		{"alpha_mass", 0.6, nil, 0},
		{"none", 0, func(w, max, rank float32) bool { return true }, 6},
	} {
		body := fmt.Sprintf(`{"texts":[%q],"kind":"document","prune_type":%q,"prune_ratio":%v}`, text, tc.typ, tc.ratio)
		if tc.typ == "none" {
			body = fmt.Sprintf(`{"texts":[%q],"kind":"document","prune_type":"none"}`, text)
		}
		r := do(t, h, "POST", "/encode", body)
		var got api.EncodeResponse
		decodeJSON(t, r, &got)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", tc.typ, r.status, r.body)
		}
		v := got.Vectors[0]
		switch tc.typ {
		case "abs_value": // weights 4 3 2 kept
			if vals := slices.Sorted(slices.Values(v.Values)); !slices.Equal(vals, []float32{2, 3, 4}) {
				t.Errorf("abs_value 2: kept %v, want 2 3 4", vals)
			}
			continue
		case "alpha_mass": // total 12, budget 7.2: 4 (<= 7.2) kept, 4+3 = 7 kept, 9 dropped
			if vals := slices.Sorted(slices.Values(v.Values)); !slices.Equal(vals, []float32{3, 4}) {
				t.Errorf("alpha_mass 0.6: kept %v, want 3 4", vals)
			}
			continue
		}
		full := fakeVector(text, KindDocument)
		top := slices.Max(full.Values)
		var want []uint32
		for i, w := range full.Values {
			var rank float32
			for _, x := range full.Values {
				if x > w {
					rank++
				}
			}
			if tc.keep(w, top, rank) {
				want = append(want, full.Indices[i])
			}
		}
		if len(want) != tc.kept || !slices.Equal(v.Indices, want) {
			t.Errorf("%s %v: kept %v, want %v", tc.typ, tc.ratio, v.Indices, want)
		}
	}
	// /embed_sparse prunes the same way: 8 6 4 2 2 2, max_ratio 0.5 keeps 8 6 4.
	r := do(t, h, "POST", "/embed_sparse", fmt.Sprintf(`{"inputs":%q,"prune_type":"max_ratio","prune_ratio":0.5}`, text))
	var sv [][]api.SparseValue
	decodeJSON(t, r, &sv)
	var vals []float32
	for _, e := range sv[0] {
		vals = append(vals, e.Value)
	}
	if slices.Sort(vals); r.status != 200 || !slices.Equal(vals, []float32{4, 6, 8}) {
		t.Errorf("/embed_sparse max_ratio 0.5: %d %v, want weights 4 6 8", r.status, vals)
	}
}

func TestSimilarity(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	queries := []string{"cat", "dog food"}
	docs := []string{"the cat and the dog", "dog food dog", "nothing here"}
	qs := make([]sparsevec.Vector, len(queries))
	for i, q := range queries {
		qs[i] = fakeVector(q, KindQuery)
	}
	ds := make([]sparsevec.Vector, len(docs))
	for i, d := range docs {
		ds[i] = fakeVector(d, KindDocument)
	}
	for _, fn := range []string{"", "dot", "cosine"} {
		body, _ := json.Marshal(api.SimilarityRequest{Queries: queries, Documents: docs, Fn: sparsevec.Func(fn)})
		r := do(t, h, "POST", "/similarity", string(body))
		if r.status != 200 {
			t.Fatalf("fn %q: status %d: %s", fn, r.status, r.body)
		}
		var got api.SimilarityResponse
		decodeJSON(t, r, &got)
		f, _ := sparsevec.ParseFunc(fn)
		want := sparsevec.Similarity(qs, ds, f)
		if got.Fn != f || !reflect.DeepEqual(got.Scores, want) {
			t.Errorf("fn %q: got %s, want fn %q scores %v", fn, r.body, f, want)
		}
	}
	// Hand-computed: "dog food" (query: 1 each) against "dog food dog"
	// (document: dog 2, food 1) is 3 when the two words do not collide.
	r := do(t, h, "POST", "/similarity", `{"queries":["dog food"],"documents":["dog food dog"]}`)
	var got api.SimilarityResponse
	decodeJSON(t, r, &got)
	if wordIndex("dog") != wordIndex("food") && got.Scores[0][0] != 3 {
		t.Errorf("dot(dog food, dog food dog) = %v, want 3", got.Scores[0][0])
	}
}

func TestDecode(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	text := "a a a b b c"
	r := do(t, h, "POST", "/decode", `{"texts":["`+text+`", ""],"top_k":2,"kind":"document"}`)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var got api.DecodeResponse
	decodeJSON(t, r, &got)
	want := []sparsevec.Term{
		{Token: fmt.Sprintf("tok%d", wordIndex("a")), ID: wordIndex("a"), Weight: 3},
		{Token: fmt.Sprintf("tok%d", wordIndex("b")), ID: wordIndex("b"), Weight: 2},
	}
	if got.Model != "fake/model" || len(got.Results) != 2 || !reflect.DeepEqual(got.Results[0].Tokens, want) {
		t.Errorf("got %s, want first result %v", r.body, want)
	}
	if !strings.Contains(string(r.body), `{"tokens":[]}`) {
		t.Errorf("empty text should decode to an empty token list: %s", r.body)
	}
	// Default top_k is 10; 0 lists every term.
	long := "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12"
	r = do(t, h, "POST", "/decode", `{"texts":["`+long+`"]}`)
	decodeJSON(t, r, &got)
	if n := len(got.Results[0].Tokens); n != 10 {
		t.Errorf("default top_k gave %d terms, want 10", n)
	}
	r = do(t, h, "POST", "/decode", `{"texts":["`+long+`"],"top_k":0}`)
	decodeJSON(t, r, &got)
	if n, want := len(got.Results[0].Tokens), fakeVector(long, "").Len(); n != want {
		t.Errorf("top_k 0 gave %d terms, want all %d", n, want)
	}
}

func TestHealthAndUsage(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	r := do(t, h, "GET", "/healthz", "")
	want := `{"status":"ok","model":"fake/model","backend":"fake","dim":1000}` + "\n"
	if r.status != 200 || string(r.body) != want || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("healthz: %d %q %s, want %s", r.status, r.header.Get("Content-Type"), r.body, want)
	}
	r = do(t, h, "HEAD", "/healthz", "")
	if r.status != 200 {
		t.Errorf("HEAD /healthz: %d", r.status)
	}
	r = do(t, h, "GET", "/", "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(r.body), "POST /encode") || !strings.Contains(string(r.body), "fake/model") {
		t.Errorf("usage: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestErrors(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxTexts = 3
	lim.MaxBodyBytes = 200
	h := NewHandler(&fakeEncoder{}, lim, nil)
	big := `{"texts":["` + strings.Repeat("x", 300) + `"]}`
	for _, c := range []struct {
		method, path, body string
		status             int
		want               string // in the error message
		allow              string
	}{
		{"GET", "/nope", "", 404, "no endpoint /nope", ""},
		{"POST", "/encode/", `{"texts":["a"]}`, 404, "no endpoint", ""},
		{"GET", "/encode", "", 405, "method GET not allowed on /encode; use POST", "POST"},
		{"PUT", "/similarity", "", 405, "use POST", "POST"},
		{"GET", "/decode", "", 405, "use POST", "POST"},
		{"POST", "/healthz", "", 405, "use GET", "GET, HEAD"},
		{"DELETE", "/", "", 405, "use GET", "GET, HEAD"},
		{"POST", "/encode", big, 413, "larger than 200 bytes", ""},
		{"POST", "/encode", "", 400, "empty request body", ""},
		{"POST", "/encode", `{"texts":["a"]`, 400, "invalid JSON", ""},
		{"POST", "/encode", `{"texts":["a"],}`, 400, "invalid JSON", ""},
		{"POST", "/encode", `["a"]`, 400, "want an object", ""},
		{"POST", "/encode", `{"texts":["a"]} {}`, 400, "unexpected data after the JSON object", ""},
		{"POST", "/encode", `{"text":["a"]}`, 400, `unknown field "text"`, ""},
		{"POST", "/encode", `{"texts":"a"}`, 400, `field "texts"`, ""},
		{"POST", "/encode", `{"texts":[]}`, 400, `"texts" is empty`, ""},
		{"POST", "/encode", `{}`, 400, `"texts" is empty`, ""},
		{"POST", "/encode", `{"texts":["a","b","c","d"]}`, 400, "too many texts in \"texts\": 4 (the limit is 3", ""},
		{"POST", "/encode", `{"texts":["a"],"kind":"passage"}`, 400, `unknown kind "passage"`, ""},
		{"POST", "/encode", `{"texts":["a"],"max_active_dims":-1}`, 400, `"max_active_dims" is -1`, ""},
		{"POST", "/encode", `{"texts":["a"],"max_active_dims":"5"}`, 400, `field "max_active_dims"`, ""},
		{"POST", "/encode", `{"texts":["a"],"prune_type":"top_k","prune_ratio":2.5}`, 400, "positive integer", ""},
		{"POST", "/encode", `{"texts":["a"],"prune_type":"alpha_mass","prune_ratio":1}`, 400, "[0, 1)", ""},
		{"POST", "/encode", `{"texts":["a"],"prune_type":"abs_value","prune_ratio":-1}`, 400, "negative", ""},
		{"POST", "/encode", `{"texts":["a"],"prune_type":"max_ratio"}`, 400, "needs a prune_ratio", ""},
		{"POST", "/encode", `{"texts":["a"],"prune_type":"biggest","prune_ratio":3}`, 400, `unknown prune_type "biggest"`, ""},
		{"POST", "/encode", `{"texts":["a"],"prune_ratio":0.3}`, 400, "without a prune type", ""},
		{"POST", "/encode", `{"texts":["a"],"prune_type":"top_k","prune_ratio":"3"}`, 400, `field "prune_ratio": got JSON string, want a number`, ""},
		{"POST", "/embed_sparse", `{"inputs":"a","prune_type":"max_ratio","prune_ratio":1.5}`, 400, "[0, 1)", ""},
		{"POST", "/similarity", `{"queries":["a"],"documents":["b"],"fn":"l2"}`, 400, `unknown fn "l2"`, ""},
		{"POST", "/similarity", `{"queries":[],"documents":["b"]}`, 400, `"queries" is empty`, ""},
		{"POST", "/similarity", `{"queries":["a"]}`, 400, `"documents" is empty`, ""},
		{"POST", "/similarity", `{"queries":["a","b"],"documents":["c","d"]}`, 400, "2 queries and 2 documents (the limit is 3", ""},
		{"POST", "/decode", `{"texts":["a"],"top_k":-3}`, 400, `"top_k" is -3`, ""},
		{"POST", "/decode", `{"texts":["a"],"k":3}`, 400, `unknown field "k"`, ""},
		{"POST", "/decode", `{"texts":["a"],"kind":"x"}`, 400, `unknown kind "x"`, ""},
	} {
		r := do(t, h, c.method, c.path, c.body)
		var got struct{ Error string }
		decodeJSON(t, r, &got)
		if r.status != c.status || !strings.Contains(got.Error, c.want) {
			t.Errorf("%s %s %.40s: %d %s, want %d with %q", c.method, c.path, c.body, r.status, r.body, c.status, c.want)
		}
		if a := r.header.Get("Allow"); a != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, a, c.allow)
		}
	}
}

// A form content type (what curl -d sends) is accepted.
func TestFormContentTypeAccepted(t *testing.T) {
	h := newTestHandler(&fakeEncoder{})
	req := httptest.NewRequest("POST", "/encode", strings.NewReader(`{"texts":["a"]}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("status %d: %s", rec.Code, rec.Body)
	}
}

func TestEncoderFailures(t *testing.T) {
	var logged bytes.Buffer
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	for name, enc := range map[string]*fakeEncoder{
		"error": {err: errors.New("secret internal detail /home/x/model")},
		"short": {short: true},
		"nan":   {nan: true},
	} {
		h := newTestHandler(enc)
		for _, c := range []struct{ path, body string }{
			{"/encode", `{"texts":["a b","c"]}`},
			{"/similarity", `{"queries":["a b","c"],"documents":["a"],"fn":"cosine"}`},
			{"/decode", `{"texts":["a b","c"]}`},
		} {
			r := do(t, h, "POST", c.path, c.body)
			var got struct{ Error string }
			decodeJSON(t, r, &got)
			if r.status != 500 || got.Error == "" || strings.Contains(got.Error, "secret") {
				t.Errorf("%s %s: %d %s, want 500 without internals", name, c.path, r.status, r.body)
			}
		}
	}
	if !strings.Contains(logged.String(), "secret internal detail") {
		t.Errorf("the encoder error was not logged: %q", logged.String())
	}
}

func TestTimeout(t *testing.T) {
	lim := DefaultLimits()
	lim.Timeout = 20 * time.Millisecond
	h := NewHandler(&fakeEncoder{block: true}, lim, nil)
	start := time.Now()
	r := do(t, h, "POST", "/encode", `{"texts":["a"]}`)
	var got struct{ Error string }
	decodeJSON(t, r, &got)
	if r.status != 503 || !strings.Contains(got.Error, "longer than 20ms") {
		t.Errorf("timeout: %d %s, want 503", r.status, r.body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestClientGone(t *testing.T) {
	h := newTestHandler(&fakeEncoder{block: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, "POST", "/encode", strings.NewReader(`{"texts":["a"]}`))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Body.Len() != 0 {
		t.Errorf("wrote %q to a client that went away", rec.Body)
	}
}

func TestConcurrent(t *testing.T) {
	srv := httptest.NewServer(newTestHandler(&fakeEncoder{}))
	defer srv.Close()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			text := fmt.Sprintf("word%d shared word%d", i, i)
			resp, err := http.Post(srv.URL+"/encode", "application/json", strings.NewReader(`{"texts":["`+text+`"],"kind":"document"}`))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var got api.EncodeResponse
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				errs <- err
				return
			}
			want := fakeVector(text, KindDocument)
			if resp.StatusCode != 200 || len(got.Vectors) != 1 || !slices.Equal(got.Vectors[0].Indices, want.Indices) || !slices.Equal(got.Vectors[0].Values, want.Values) {
				errs <- fmt.Errorf("request %d: status %d, got %+v, want %+v", i, resp.StatusCode, got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestWasmBuild checks that the package builds for the WebAssembly targets
// of the Cloudflare Worker and WASI, and that it needs no module outside
// the standard library but the encoder contract (package splade),
// sparsevec, index (itself standard library and sparsevec only) and the
// wire types of package api (the same).
func TestWasmBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds for js/wasm and wasip1; skipped in -short mode")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	root, _ := filepath.Abs("..")
	list := exec.Command(gobin, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./httpapi/")
	list.Dir = root
	out, err := list.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "github.com/splade-go/splade/httpapi", "github.com/splade-go/splade", "github.com/splade-go/splade/sparsevec", "github.com/splade-go/splade/index", "github.com/splade-go/splade/api":
		default:
			t.Errorf("httpapi depends on %s; it may use only the standard library, package splade, sparsevec, index and api", p)
		}
	}
	for _, target := range [][2]string{{"js", "wasm"}, {"wasip1", "wasm"}} {
		cmd := exec.Command(gobin, "build", "./httpapi/", "./api/", ".", "./sparsevec/")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+target[0], "GOARCH="+target[1])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("GOOS=%s GOARCH=%s go build: %v\n%s", target[0], target[1], err, out)
		}
	}
}
