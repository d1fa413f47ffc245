// Package tryit drives the try-it page of package httpapi in headless
// Chromium (Debian's chromium package, through playwright-core from
// npm) and checks what it shows against the API that served it, for the
// tests of `splade serve` and of the worker.
package tryit

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"

	"github.com/splade-go/splade/api"
)

// Page is what tryit.mjs read off the page.
type Page struct {
	Model string
	// OnLoad is the example's result, shown before any click.
	OnLoad struct {
		Query        string
		Bars, Scores int
		Error        string
	}
	FocusedAfterTab string
	Errors          []string
	Error           string
	Bars            []Bar    // the top terms
	Own             []Bar    // the terms of the text that the vector weighs
	Zero            []uint32 // the ids of those it does not
	Scores          []struct {
		Doc   int
		Score float64
	}
	Tokens   []string
	Active   int
	Sparsity string
}

type Bar struct {
	Token  string
	ID     uint32
	Weight float64
	Input  bool
	Label  string
	Width  float64
	Color  string
}

// Open loads the page at base+"/" in headless Chromium, reads the result
// of its example (shown on load), types query and
// docs with the keyboard, submits with Ctrl+Enter and returns what the
// page shows; with screenshot set it saves a PNG there. It skips the test
// when /usr/bin/chromium, node or node_modules/playwright-core is absent.
func Open(t testing.TB, base, query string, docs []string, screenshot string) *Page {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil {
		t.Skip("no /usr/bin/chromium (apt-get install -y chromium); skipping the browser test")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not found; skipping the browser test")
	}
	root := reference.Root(t)
	if _, err := os.Stat(filepath.Join(root, "node_modules", "playwright-core")); err != nil {
		t.Skip("node_modules/playwright-core absent (run npm ci); skipping the browser test")
	}
	docsJSON, _ := json.Marshal(docs)
	args := []string{filepath.Join(root, "internal", "testutil", "tryit", "tryit.mjs"), base + "/", query, string(docsJSON)}
	if screenshot != "" {
		args = append(args, screenshot)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node tryit.mjs: %v\n%s", err, stderr.String())
	}
	var got Page
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("tryit.mjs printed %q: %v", out, err)
	}
	if got.Error != "" || len(got.Errors) > 0 {
		t.Fatalf("the page shows an error: %q %v", got.Error, got.Errors)
	}
	if o := got.OnLoad; o.Error != "" || o.Query == "" || o.Bars == 0 || o.Scores == 0 {
		t.Errorf("on load, the page shows no result for its example: %+v", o)
	}
	return &got
}

// Check compares what the page showed for query and docs with what the
// API at base answers: the bars with /decode (ids, tokens, weights,
// lengths in proportion), the terms of the text with /tokenize and their
// weights, the colours of the two kinds of terms, the scores with
// /similarity (best first), the sparsity with /encode, the header with
// /info, and that Tab goes from the query to the documents.
func Check(t testing.TB, base, query string, docs []string, got *Page) {
	t.Helper()
	if got.FocusedAfterTab != "docs" {
		t.Errorf("Tab from the query box went to %q, want the documents box", got.FocusedAfterTab)
	}
	docsJSON, _ := json.Marshal(docs)
	// What the API says about the same query, encoded as a query.
	qJSON, _ := json.Marshal(query)
	var dec struct {
		Model   string
		Results []struct {
			Tokens []struct {
				Token  string
				ID     uint32
				Weight float64
			}
		}
	}
	_, body, _ := post(t, base+"/decode", `{"texts":[`+string(qJSON)+`],"top_k":0,"kind":"query"}`)
	if err := json.Unmarshal([]byte(body), &dec); err != nil || len(dec.Results) != 1 {
		t.Fatalf("/decode: %v %s", err, body)
	}
	all := dec.Results[0].Tokens
	weightOf := map[uint32]float64{}
	for _, tm := range all {
		weightOf[tm.ID] = tm.Weight
	}
	_, body, _ = post(t, base+"/decode", `{"texts":[`+string(qJSON)+`],"top_k":20,"kind":"query"}`)
	if err := json.Unmarshal([]byte(body), &dec); err != nil || len(dec.Results) != 1 {
		t.Fatalf("/decode: %v %s", err, body)
	}
	var toks [][]struct {
		ID      uint32
		Text    string
		Special bool
	}
	_, body, _ = post(t, base+"/tokenize", `{"inputs":`+string(qJSON)+`}`)
	if err := json.Unmarshal([]byte(body), &toks); err != nil {
		t.Fatalf("/tokenize: %v %s", err, body)
	}
	inText := map[uint32]bool{}
	var pieces []string
	type ownTerm struct {
		id     uint32
		token  string
		weight float64
	}
	var own []ownTerm
	for _, tk := range toks[0] {
		pieces = append(pieces, tk.Text)
		if !tk.Special && !inText[tk.ID] {
			inText[tk.ID] = true
			own = append(own, ownTerm{tk.ID, tk.Text, weightOf[tk.ID]})
		}
	}
	slices.SortStableFunc(own, func(a, b ownTerm) int { return cmp.Compare(b.weight, a.weight) })
	var info api.Info
	resp, err := httpGetJSON(base+"/info", &info)
	if err != nil {
		t.Fatalf("/info: %v %s", err, resp)
	}
	if !strings.Contains(got.Model, info.ModelID) || !strings.Contains(got.Model, formatThousands(info.Dim)+" dimensions") {
		t.Errorf("page header %q lacks the model %q and its %d dimensions", got.Model, info.ModelID, info.Dim)
	}

	want := dec.Results[0].Tokens
	if len(got.Bars) != len(want) {
		t.Fatalf("page shows %d bars, /decode gives %d terms", len(got.Bars), len(want))
	}
	maxW := want[0].Weight
	nInput := 0
	for i, b := range got.Bars {
		w := want[i]
		if b.ID != w.ID || b.Token != w.Token || b.Label != w.Token || math.Abs(b.Weight-w.Weight) > 1e-6 {
			t.Errorf("bar %d: %+v, /decode term %+v", i, b, w)
		}
		if b.Input != inText[w.ID] {
			t.Errorf("bar %d (%q) marked input=%v, but /tokenize says %v", i, w.Token, b.Input, inText[w.ID])
		}
		if b.Input {
			nInput++
		}
		// Bar lengths are proportional to the weights.
		if ratio := b.Width / got.Bars[0].Width; math.Abs(ratio-w.Weight/maxW) > 0.01 {
			t.Errorf("bar %d is %.1f px, %.3f of the first, want %.3f", i, b.Width, ratio, w.Weight/maxW)
		}
	}
	t.Logf("%d of the top %d terms are terms of the text", nInput, len(got.Bars))
	colors := map[bool]string{}
	// The terms of the text, each with its weight in the vector (0
	// when the model gave it none), on the same scale.
	var zero []uint32
	for len(own) > 0 && own[len(own)-1].weight == 0 {
		zero = append([]uint32{own[len(own)-1].id}, zero...)
		own = own[:len(own)-1]
	}
	if len(got.Own) != len(own) || !slices.Equal(got.Zero, zero) {
		t.Fatalf("page shows %d weighted terms of the text and %v unweighted, /tokenize and /decode give %d and %v", len(got.Own), got.Zero, len(own), zero)
	}
	for i, b := range got.Own {
		w := own[i]
		if b.ID != w.id || b.Label != w.token || math.Abs(b.Weight-w.weight) > 1e-6 || !b.Input {
			t.Errorf("term of the text %d: %+v, want %+v marked input", i, b, w)
		}
		if want := got.Bars[0].Width * w.weight / maxW; math.Abs(b.Width-want) > 0.01*got.Bars[0].Width {
			t.Errorf("term of the text %d (%q): bar %.1f px, want %.1f", i, w.token, b.Width, want)
		}
	}
	for _, b := range append(got.Own, got.Bars...) {
		if c, ok := colors[b.Input]; ok && c != b.Color {
			t.Errorf("bars of the same kind drawn in %s and %s", c, b.Color)
		}
		colors[b.Input] = b.Color
	}
	if len(colors) == 2 && colors[true] == colors[false] {
		t.Errorf("input and expansion terms are drawn alike (%s)", colors[true])
	}
	if strings.Join(got.Tokens, " ") != strings.Join(pieces, " ") {
		t.Errorf("page tokens %v, /tokenize %v", got.Tokens, pieces)
	}

	// Scores: /similarity's dot products, best first.
	var sim struct{ Scores [][]float64 }
	_, body, _ = post(t, base+"/similarity", `{"queries":[`+string(qJSON)+`],"documents":`+string(docsJSON)+`,"fn":"dot"}`)
	if err := json.Unmarshal([]byte(body), &sim); err != nil || len(sim.Scores) != 1 {
		t.Fatalf("/similarity: %v %s", err, body)
	}
	if len(got.Scores) != len(docs) {
		t.Fatalf("page shows %d scores, want %d", len(got.Scores), len(docs))
	}
	for i, s := range got.Scores {
		if math.Abs(s.Score-sim.Scores[0][s.Doc]) > 1e-5 {
			t.Errorf("score of document %d: page %v, /similarity %v", s.Doc, s.Score, sim.Scores[0][s.Doc])
		}
		if i > 0 && s.Score > got.Scores[i-1].Score {
			t.Errorf("scores not best first: %v", got.Scores)
		}
	}

	// Sparsity: /encode's active dimensions.
	var enc api.EncodeResponse
	_, body, _ = post(t, base+"/encode", `{"texts":[`+string(qJSON)+`],"kind":"query"}`)
	if err := json.Unmarshal([]byte(body), &enc); err != nil || len(enc.Vectors) != 1 {
		t.Fatalf("/encode: %v %s", err, body)
	}
	active := len(enc.Vectors[0].Indices)
	wantSparsity := strconv.FormatFloat(100*(1-float64(active)/float64(enc.Dim)), 'f', 2, 64) + "%"
	if got.Active != active || got.Sparsity != wantSparsity {
		t.Errorf("page: %d active dims, sparsity %s; /encode: %d of %d (%s)", got.Active, got.Sparsity, active, enc.Dim, wantSparsity)
	}
}

// formatThousands writes n with commas, as the page's toLocaleString("en").
func formatThousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// httpGetJSON decodes the JSON answer of a GET into v.
func httpGetJSON(url string, v any) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return string(body), fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(body), json.Unmarshal(body, v)
}

// post sends a JSON body and returns the status and the answer.
func post(t testing.TB, url, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
