package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/teispec"
	"github.com/splade-go/splade/internal/testutil/tryit"

	"github.com/splade-go/splade/api"
)

// TestWorkerTEI checks the TEI endpoints of the worker in local workerd,
// as TestServeTEI does for `splade serve`: the responses conform to TEI's
// OpenAPI document, /embed_sparse gives /encode's vectors, /tokenize the
// reference's tokens, an over-long text 413 unless "truncate" is set;
// GET / serves the try-it page to browsers; /metrics is not served (see
// the README: client_golang would add 5 MB to app.wasm).
func TestWorkerTEI(t *testing.T) {
	spec := teispec.Load(t)
	model := reference.Fixture(t, "tiny-bert")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	exp := reference.LoadExpected(t, filepath.Join(model, "expected.json"))

	texts := exp.Texts()[:4]
	in, _ := json.Marshal(texts)
	code, body, _ := spec.Call(t, s.url, "POST", "/embed_sparse", `{"inputs":`+string(in)+`}`)
	var got [][]api.SparseValue
	if err := json.Unmarshal(body, &got); code != 200 || err != nil || len(got) != len(texts) {
		t.Fatalf("/embed_sparse: %d %v %.300s", code, err, body)
	}
	r := s.encode(t, texts, "")
	for i, vals := range got {
		var v vector
		for _, sv := range vals {
			v.Indices, v.Values = append(v.Indices, sv.Index), append(v.Values, sv.Value)
		}
		if !slices.Equal(v.Indices, r.Vectors[i].Indices) || !slices.Equal(v.Values, r.Vectors[i].Values) {
			t.Errorf("text %d: /embed_sparse differs from /encode", i)
		}
		if _, bad := diff(v, exp.Cases[i].Indices, exp.Cases[i].Values, tolAbs, tolRel); bad != "" {
			t.Errorf("/embed_sparse %d: %s", i, bad)
		}
	}

	// OpenSearch's pruning, as `splade serve` does it: max_ratio 0.5
	// keeps the weights at least half the largest.
	code, body, _ = spec.Call(t, s.url, "POST", "/embed_sparse", `{"inputs":`+string(in)+`,"prune_type":"max_ratio","prune_ratio":0.5}`)
	var pruned [][]api.SparseValue
	if err := json.Unmarshal(body, &pruned); code != 200 || err != nil || len(pruned) != len(texts) {
		t.Fatalf("/embed_sparse with prune_type: %d %v %.300s", code, err, body)
	}
	for i, vals := range got {
		top := slices.MaxFunc(vals, func(a, b api.SparseValue) int {
			return cmp.Compare(a.Value, b.Value)
		}).Value
		var want []uint32
		for _, sv := range vals {
			if sv.Value >= 0.5*top {
				want = append(want, sv.Index)
			}
		}
		var kept []uint32
		for _, sv := range pruned[i] {
			kept = append(kept, sv.Index)
		}
		if !slices.Equal(kept, want) {
			t.Errorf("text %d pruned by max_ratio 0.5: %v, want %v", i, kept, want)
		}
	}

	code, body, _ = spec.Call(t, s.url, "POST", "/tokenize", `{"inputs":`+string(in)+`}`)
	var toks [][]api.Token
	if err := json.Unmarshal(body, &toks); code != 200 || err != nil || len(toks) != len(texts) {
		t.Fatalf("/tokenize: %d %v %s", code, err, body)
	}
	for i, c := range exp.Cases[:len(texts)] {
		var ids []int32
		for _, tk := range toks[i] {
			ids = append(ids, tk.ID)
		}
		if !slices.Equal(ids, c.InputIDs) {
			t.Errorf("/tokenize %d: %v, want the reference's %v", i, ids, c.InputIDs)
		}
	}

	long, _ := json.Marshal(strings.Repeat("the weather is lovely today. ", 20))
	code, body, _ = spec.Call(t, s.url, "POST", "/embed_sparse", `{"inputs":`+string(long)+`,"truncate":false}`)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "more than the model's maximum of 64") {
		t.Errorf("over-long text, truncate false: %d %s, want 413", code, body)
	}
	if code, body, _ = spec.Call(t, s.url, "POST", "/embed_sparse", `{"inputs":`+string(long)+`,"truncate":true}`); code != 200 {
		t.Errorf("over-long text, truncate true: %d %s", code, body)
	}
	if code, body, _ = spec.Call(t, s.url, "POST", "/embed_sparse", `{"inputs":[]}`); code != 400 || !strings.Contains(string(body), `"error_type":"Empty"`) {
		t.Errorf("empty batch: %d %s", code, body)
	}
	// The body limit holds before the body is read, as in `splade serve`:
	// the worker answers the headers of a 2 MiB body that is never sent.
	if code, hdr, body := s.headersOnly(t, "/embed_sparse", 2<<20); code != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d %.200s, want 413", code, body)
	} else if err := spec.Validate("POST", "/embed_sparse", `{"inputs":"a"}`, code, hdr, body); err != nil {
		t.Error(err)
	}

	// After the refused 2 MiB body and the encodings, the Go program
	// stays well inside the isolate's 128 MB.
	if _, h, _ := s.do(t, "GET", "/healthz", ""); h.Get("X-Splade-Go-Memory") == "" {
		t.Error("no X-Splade-Go-Memory header on /healthz")
	} else if mem, err := strconv.ParseInt(h.Get("X-Splade-Go-Memory"), 10, 64); err != nil || mem > 128<<20 {
		t.Errorf("Go memory %s bytes, over Cloudflare's 128 MB", h.Get("X-Splade-Go-Memory"))
	} else {
		t.Logf("Go memory after the TEI requests: %.1f MB", float64(mem)/(1<<20))
	}

	code, body, _ = spec.Call(t, s.url, "GET", "/info", "")
	var info api.Info
	if err := json.Unmarshal(body, &info); code != 200 || err != nil || info.MaxInputLength != 64 || info.Dim != exp.VocabSize {
		t.Errorf("/info: %d %v %s", code, err, body)
	}
	if code, body, _ := spec.Call(t, s.url, "GET", "/health", ""); code != 200 || len(body) != 0 {
		t.Errorf("/health: %d %q", code, body)
	}
	if code, _, body := s.do(t, "GET", "/metrics", ""); code != http.StatusNotFound || !strings.Contains(string(body), "metrics") {
		t.Errorf("/metrics on the worker: %d %s, want 404", code, body)
	}

	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/html") {
		t.Errorf("GET / from a browser: %d %q, want the try-it page", resp.StatusCode, ct)
	}
	code, _, plain := s.do(t, "GET", "/", "")
	if host := strings.TrimPrefix(s.url, "http://"); code != 200 || !strings.Contains(string(plain), fmt.Sprintf("curl -s %s/encode", host)) {
		t.Errorf("GET / usage does not name the worker's address %s: %d %s", host, code, plain)
	}
}

// TestWorkerTryItPage drives the worker's try-it page in headless
// Chromium, as TestTryItPage does for `splade serve`.
func TestWorkerTryItPage(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	query := "what makes the weather lovely"
	docs := []string{"The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."}
	tryit.Check(t, s.url, query, docs, tryit.Open(t, s.url, query, docs, ""))
}
