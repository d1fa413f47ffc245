package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/teispec"
	"github.com/splade-go/splade/native"

	"github.com/splade-go/splade/api"
)

// TestServeTEI checks the TEI endpoints of `splade serve` on tiny-bert:
// every response conforms to TEI's OpenAPI document, /embed_sparse gives
// /encode's vectors (and the reference's), /tokenize the reference's
// tokens, and the errors TEI's status codes.
func TestServeTEI(t *testing.T) {
	spec := teispec.Load(t)
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	base, _, _, _ := startServe(t, "--model", dir, "--max-texts", "3")

	texts := []string{exp.Cases[0].Text, exp.Cases[1].Text, exp.Cases[2].Text}
	in, _ := json.Marshal(texts)
	code, body, _ := spec.Call(t, base, "POST", "/embed_sparse", `{"inputs":`+string(in)+`}`)
	var got [][]api.SparseValue
	if err := json.Unmarshal(body, &got); code != 200 || err != nil || len(got) != len(texts) {
		t.Fatalf("/embed_sparse: %d %v %s", code, err, body)
	}
	_, encBody, _ := post(t, base+"/encode", `{"texts":`+string(in)+`}`)
	var enc api.EncodeResponse
	if err := json.Unmarshal([]byte(encBody), &enc); err != nil || len(enc.Vectors) != len(texts) {
		t.Fatalf("/encode: %v %s", err, encBody)
	}
	for i, vals := range got {
		idx, val := make([]uint32, len(vals)), make([]float32, len(vals))
		for j, sv := range vals {
			idx[j], val[j] = sv.Index, sv.Value
		}
		if !slices.Equal(idx, enc.Vectors[i].Indices) || !slices.Equal(val, enc.Vectors[i].Values) {
			t.Errorf("text %d: /embed_sparse %v %v differs from /encode %v %v", i, idx, val, enc.Vectors[i].Indices, enc.Vectors[i].Values)
		}
		checkVector(t, fmt.Sprintf("/embed_sparse %d", i), idx, val, exp.Cases[i])
	}
	// One string is a batch of one.
	one, _ := json.Marshal(texts[0])
	code, body, _ = spec.Call(t, base, "POST", "/embed_sparse", `{"inputs":`+string(one)+`,"truncate":false,"truncation_direction":"Right"}`)
	var single [][]api.SparseValue
	if err := json.Unmarshal(body, &single); code != 200 || err != nil || len(single) != 1 {
		t.Fatalf("/embed_sparse of one string: %d %v %s", code, err, body)
	}
	idx, val := make([]uint32, len(single[0])), make([]float32, len(single[0]))
	for j, sv := range single[0] {
		idx[j], val[j] = sv.Index, sv.Value
	}
	checkVector(t, "/embed_sparse of one string", idx, val, exp.Cases[0])

	// /tokenize gives the reference's tokens, with and without [CLS]/[SEP].
	code, body, _ = spec.Call(t, base, "POST", "/tokenize", `{"inputs":`+string(in)+`}`)
	var toks [][]api.Token
	if err := json.Unmarshal(body, &toks); code != 200 || err != nil || len(toks) != len(texts) {
		t.Fatalf("/tokenize: %d %v %s", code, err, body)
	}
	for i, c := range exp.Cases[:3] {
		var ids []int32
		var pieces []string
		for j, tk := range toks[i] {
			ids, pieces = append(ids, tk.ID), append(pieces, tk.Text)
			if want := j == 0 || j == len(toks[i])-1; tk.Special != want {
				t.Errorf("/tokenize %d token %d %q: special %v, want %v", i, j, tk.Text, tk.Special, want)
			}
		}
		if !slices.Equal(ids, c.InputIDs) || !slices.Equal(pieces, c.Tokens) {
			t.Errorf("/tokenize %d: %v %v, want the reference's %v %v", i, ids, pieces, c.InputIDs, c.Tokens)
		}
	}
	code, body, _ = spec.Call(t, base, "POST", "/tokenize", `{"inputs":`+string(one)+`,"add_special_tokens":false}`)
	if err := json.Unmarshal(body, &toks); code != 200 || err != nil || len(toks) != 1 || len(toks[0]) != len(exp.Cases[0].InputIDs)-2 {
		t.Errorf("/tokenize without special tokens: %d %v %s", code, err, body)
	}

	// /info and /health.
	code, body, _ = spec.Call(t, base, "GET", "/info", "")
	var info api.Info
	if err := json.Unmarshal(body, &info); code != 200 || err != nil || info.MaxInputLength != 64 ||
		info.MaxClientBatchSize != 3 || info.Dim != exp.VocabSize || info.ModelType.Embedding.Pooling != "splade" || info.ModelID == "" {
		t.Errorf("/info: %d %v %s", code, err, body)
	}
	if code, body, _ := spec.Call(t, base, "GET", "/health", ""); code != 200 || len(body) != 0 {
		t.Errorf("/health: %d %q", code, body)
	}
	if code, body, hdr := spec.Call(t, base, "GET", "/metrics", ""); code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") ||
		!strings.Contains(string(body), "splade_http_requests_total") {
		t.Errorf("/metrics: %d %q %.200s", code, hdr.Get("Content-Type"), body)
	}

	// A text over the model's 64 tokens: 413 unless truncate is set, and
	// then the vector /encode gives (which truncates).
	long := strings.Repeat("the weather is lovely today. ", 20)
	longJSON, _ := json.Marshal(long)
	for _, req := range []string{`{"inputs":` + string(longJSON) + `}`, `{"inputs":[` + string(longJSON) + `],"truncate":false}`} {
		code, body, _ = spec.Call(t, base, "POST", "/embed_sparse", req)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"error_type":"Validation"`) || !strings.Contains(string(body), "more than the model's maximum of 64") {
			t.Errorf("over-long text, truncate false: %d %s, want 413", code, body)
		}
	}
	code, body, _ = spec.Call(t, base, "POST", "/embed_sparse", `{"inputs":`+string(longJSON)+`,"truncate":true}`)
	var trunc [][]api.SparseValue
	_, encLong, _ := post(t, base+"/encode", `{"texts":[`+string(longJSON)+`]}`)
	if err := json.Unmarshal([]byte(encLong), &enc); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &trunc); code != 200 || err != nil || len(trunc) != 1 || len(trunc[0]) != len(enc.Vectors[0].Indices) {
		t.Errorf("over-long text, truncate true: %d %v %s", code, err, body)
	} else {
		for j, sv := range trunc[0] {
			if sv.Index != enc.Vectors[0].Indices[j] || sv.Value != enc.Vectors[0].Values[j] {
				t.Errorf("truncated /embed_sparse entry %d = %+v, /encode has %d:%v", j, sv, enc.Vectors[0].Indices[j], enc.Vectors[0].Values[j])
				break
			}
		}
	}

	// TEI's other errors.
	for _, c := range []struct {
		path, body string
		status     int
		errType    string
	}{
		{"/embed_sparse", `{"inputs":[]}`, 400, "Empty"},
		{"/embed_sparse", `{"inputs":["a","b","c","d"]}`, 413, "Validation"},
		{"/embed_sparse", `{"inputs":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "Validation"},
		{"/embed_sparse", `{"inputs":[101,102]}`, 422, "Tokenizer"},
		{"/embed_sparse", `{"inputs":"a","truncation_direction":"Middle"}`, 400, "Validation"},
		{"/embed_sparse", `{"inputs":"a","prompt_name":"query"}`, 400, "Validation"},
		{"/tokenize", `{"inputs":[]}`, 400, "Empty"},
	} {
		code, body, _ := spec.Call(t, base, "POST", c.path, c.body)
		if code != c.status || !strings.Contains(string(body), `"error_type":"`+c.errType+`"`) {
			t.Errorf("%s %.60s: %d %s, want %d %s", c.path, c.body, code, body, c.status, c.errType)
		}
	}
}

// TestServeCORS checks --cors-origin: off by default (a preflight is a
// wrong method, no CORS header), and with it preflights are answered and
// answers carry Access-Control-Allow-Origin for the allowed origin only.
func TestServeCORS(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	preflight := func(base, origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", base+"/embed_sparse", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "Content-Type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	off, _, _, _ := startServe(t, "--model", dir)
	if r := preflight(off, "https://app.example"); r.StatusCode != 405 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("default: preflight %d, Allow-Origin %q; want 405 and none", r.StatusCode, r.Header.Get("Access-Control-Allow-Origin"))
	}
	on, _, _, _ := startServe(t, "--model", dir, "--cors-origin", "https://app.example", "--cors-origin", "https://other.example")
	for _, origin := range []string{"https://app.example", "https://other.example"} {
		r := preflight(on, origin)
		if r.StatusCode != 204 || r.Header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight from %s: %d %v", origin, r.StatusCode, r.Header)
		}
	}
	if r := preflight(on, "https://evil.example"); r.StatusCode != 403 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.StatusCode, r.Header)
	}
	req, _ := http.NewRequest("POST", on+"/embed_sparse", strings.NewReader(`{"inputs":"a"}`))
	req.Header.Set("Origin", "https://app.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("POST from the allowed origin: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

// The flags of the queue and CORS refuse what cannot work, as usage
// errors (exit 2).
func TestServeQueueFlags(t *testing.T) {
	tiny := reference.Fixture(t, "tiny-bert")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--model", tiny, "--max-texts", "20", "--max-queue", "10"}, "--max-queue (10) must be at least --max-texts (20)"},
		{[]string{"serve", "--model", tiny, "--cors-origin", ""}, "empty origin"},
	} {
		_, errs, code := runCLI(t, strings.NewReader(""), c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 with %q", c.args[3:], code, errs, c.want)
		}
	}
}

// TestServeTEIFields checks TEI's truncation_direction "Left",
// prompt_name and /info's model_dtype, and the chunk field, each response
// validated against TEI's OpenAPI document.
func TestServeTEIFields(t *testing.T) {
	spec := teispec.Load(t)
	src := reference.Fixture(t, "tiny-bert")
	dir := t.TempDir()
	for _, name := range []string{"config.json", "model.safetensors", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st := `{"prompts":{"query":"query: ","passage":"passage: "},"default_prompt_name":null}`
	if err := os.WriteFile(filepath.Join(dir, "config_sentence_transformers.json"), []byte(st), 0o644); err != nil {
		t.Fatal(err)
	}
	base, _, _, _ := startServe(t, "--model", dir)
	embed := func(req string) [][]api.SparseValue {
		t.Helper()
		code, body, _ := spec.Call(t, base, "POST", "/embed_sparse", req)
		var out [][]api.SparseValue
		if err := json.Unmarshal(body, &out); code != 200 || err != nil {
			t.Fatalf("/embed_sparse %.80s: %d %v %s", req, code, err, body)
		}
		return out
	}
	encode := func(req string) [][]api.SparseValue {
		t.Helper()
		code, body, _ := post(t, base+"/encode", req)
		var enc struct {
			Vectors []struct {
				Indices []uint32
				Values  []float32
			}
		}
		if err := json.Unmarshal([]byte(body), &enc); code != 200 || err != nil {
			t.Fatalf("/encode %.80s: %d %v %s", req, code, err, body)
		}
		out := make([][]api.SparseValue, len(enc.Vectors))
		for i, v := range enc.Vectors {
			for j := range v.Indices {
				out[i] = append(out[i], api.SparseValue{Index: v.Indices[j], Value: v.Values[j]})
			}
		}
		return out
	}

	// Left truncation keeps the last 62 tokens: 100 one-token letters
	// give the vector of their last 62 alone.
	letters := strings.Fields(strings.Repeat("a b c d e f g h i j ", 10))
	code, body, _ := spec.Call(t, base, "POST", "/tokenize", `{"inputs":"`+strings.Join(letters, " ")+`","add_special_tokens":false}`)
	var toks [][]struct{ Text string }
	if json.Unmarshal(body, &toks) != nil || code != 200 || len(toks[0]) != len(letters) {
		t.Fatalf("the letters are not one token each: %d %.200s", code, body)
	}
	left := embed(`{"inputs":"` + strings.Join(letters, " ") + `","truncate":true,"truncation_direction":"Left"}`)
	want := encode(`{"texts":["` + strings.Join(letters[len(letters)-62:], " ") + `"]}`)
	right := encode(`{"texts":["` + strings.Join(letters[:62], " ") + `"]}`)
	if fmt.Sprint(left) != fmt.Sprint(want) || fmt.Sprint(left) == fmt.Sprint(right) {
		t.Errorf("truncation_direction Left: %v\nwant the last 62 tokens' %v", left, want)
	}
	if code, body, _ := spec.Call(t, base, "POST", "/embed_sparse", `{"inputs":"`+strings.Join(letters, " ")+`","truncation_direction":"Left"}`); code != 413 {
		t.Errorf("Left without truncate: %d %s, want 413", code, body)
	}

	// prompt_name puts the prompt before each text, as sentence-transformers does.
	if got, want := embed(`{"inputs":["hello world","the weather"],"prompt_name":"query"}`), encode(`{"texts":["query: hello world","query: the weather"]}`); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("prompt_name query: %v, want the vectors of the prompted texts %v", got, want)
	}
	if got, plain := embed(`{"inputs":"hello world","prompt_name":"passage"}`), encode(`{"texts":["hello world"]}`); fmt.Sprint(got) == fmt.Sprint(plain) {
		t.Error("prompt_name passage left the vector as it was")
	}
	code, body, _ = spec.Call(t, base, "POST", "/tokenize", `{"inputs":"hello","prompt_name":"query"}`)
	if err := json.Unmarshal(body, &toks); code != 200 || err != nil || len(toks) != 1 || len(toks[0]) < 4 || toks[0][1].Text != "query" {
		t.Errorf("/tokenize with prompt_name: %d %s", code, body)
	}
	code, body, _ = spec.Call(t, base, "POST", "/embed_sparse", `{"inputs":"a","prompt_name":"document"}`)
	if code != 400 || !strings.Contains(string(body), `(\"passage\", \"query\")`) {
		t.Errorf("unknown prompt_name: %d %s, want 400 naming the prompts", code, body)
	}

	// chunk: a long text as windows, the max over them.
	long := strings.Join(letters, " ")
	chunked := embed(`{"inputs":"` + long + `","chunk":true,"chunk_overlap":10}`)
	if want := encode(`{"texts":["` + long + `"],"chunk":true,"chunk_overlap":10}`); fmt.Sprint(chunked) != fmt.Sprint(want) || len(chunked[0]) <= len(right[0]) {
		t.Errorf("chunk: /embed_sparse %d terms, /encode %d, truncated %d", len(chunked[0]), len(want[0]), len(right[0]))
	}
	for _, req := range []string{`{"inputs":"a","chunk":true,"chunk_overlap":62}`, `{"inputs":"a","chunk_overlap":3}`} {
		if code, body, _ := spec.Call(t, base, "POST", "/embed_sparse", req); code != 400 {
			t.Errorf("%s: %d %s, want 400", req, code, body)
		}
	}

	// model_dtype as TEI spells it.
	for _, tc := range []struct{ precision, dtype string }{{"fp32", "float32"}, {"bf16", "bfloat16"}} {
		if tc.precision == "bf16" && len(native.Kernels(splade.PrecisionBF16)) == 0 {
			continue
		}
		b, _, _, _ := startServe(t, "--model", dir, "--precision", tc.precision)
		code, body, _ := spec.Call(t, b, "GET", "/info", "")
		var info api.Info
		if err := json.Unmarshal(body, &info); code != 200 || err != nil || info.ModelDtype != tc.dtype {
			t.Errorf("--precision %s: /info model_dtype %q, want %q", tc.precision, info.ModelDtype, tc.dtype)
		}
		if info.MaxBatchTokens != 16384 || info.MaxConcurrentRequests != 512 {
			t.Errorf("/info: max_batch_tokens %d, max_concurrent_requests %d; want the defaults 16384 and 512", info.MaxBatchTokens, info.MaxConcurrentRequests)
		}
	}
}
