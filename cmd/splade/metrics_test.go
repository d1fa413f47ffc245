package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// series is one sample of a Prometheus text exposition.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

func scrape(t *testing.T, base string) []series {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	var out []series
	for _, line := range strings.Split(string(body), "\n") {
		m := sampleRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		s := series{name: m[1], labels: map[string]string{}, value: v}
		for _, l := range labelRE.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		out = append(out, s)
	}
	return out
}

// value returns the sum of the samples of name whose labels include want
// (0 when there are none, as for a counter not yet touched).
func value(ss []series, name string, want map[string]string) float64 {
	total := 0.0
	for _, s := range ss {
		if s.name != name {
			continue
		}
		ok := true
		for k, v := range want {
			ok = ok && s.labels[k] == v
		}
		if ok {
			total += s.value
		}
	}
	return total
}

// TestServeMetrics scrapes /metrics before and after known traffic and
// checks that the counters moved by exactly what was sent: requests by
// endpoint and status, texts, tokens (the reference's input ids), encoder
// calls and their sizes; the queue is empty again and the model load time
// and the engine and precision labels are there.
func TestServeMetrics(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	base, _, _, _ := startServe(t, "--model", dir)

	// Texts within the model's 64 tokens, so that /embed_sparse takes
	// them without "truncate".
	var cases []reference.Case
	for _, c := range exp.Cases {
		if len(c.InputIDs) < 64 {
			cases = append(cases, c)
		}
	}
	if len(cases) < 8 {
		t.Fatalf("expected.json has %d texts under 64 tokens, want 8", len(cases))
	}
	before := scrape(t, base)
	wantTokens := 0
	wantTexts := 0
	for i := range 3 {
		a, b := cases[2*i], cases[2*i+1]
		texts, _ := json.Marshal([]string{a.Text, b.Text})
		if code, body, _ := post(t, base+"/encode", `{"texts":`+string(texts)+`}`); code != 200 {
			t.Fatalf("/encode: %d %s", code, body)
		}
		wantTexts += 2
		wantTokens += len(a.InputIDs) + len(b.InputIDs)
	}
	for i := range 2 {
		c := cases[6+i]
		text, _ := json.Marshal(c.Text)
		if code, body, _ := post(t, base+"/embed_sparse", `{"inputs":`+string(text)+`}`); code != 200 {
			t.Fatalf("/embed_sparse: %d %s", code, body)
		}
		wantTexts++
		wantTokens += len(c.InputIDs)
	}
	if code, body, _ := post(t, base+"/encode", `{"texts":[]}`); code != 400 {
		t.Fatalf("empty /encode: %d %s", code, body)
	}

	// Each request is counted once its answer is written: wait for the
	// last one to land, then check exact deltas.
	var after []series
	for deadline := time.Now().Add(5 * time.Second); ; {
		after = scrape(t, base)
		if value(after, "splade_http_requests_total", map[string]string{"endpoint": "/encode", "status": "400"})-
			value(before, "splade_http_requests_total", map[string]string{"endpoint": "/encode", "status": "400"}) >= 1 ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	delta := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - value(before, name, labels)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"splade_http_requests_total", map[string]string{"endpoint": "/encode", "status": "200"}, 3},
		{"splade_http_requests_total", map[string]string{"endpoint": "/embed_sparse", "status": "200"}, 2},
		{"splade_http_requests_total", map[string]string{"endpoint": "/encode", "status": "400"}, 1},
		{"splade_http_request_duration_seconds_count", map[string]string{"endpoint": "/encode"}, 4},
		{"splade_texts_encoded_total", nil, float64(wantTexts)},
		{"splade_tokens_encoded_total", nil, float64(wantTokens)},
		{"splade_batch_size_texts_count", nil, 5},
		{"splade_batch_size_texts_sum", nil, float64(wantTexts)},
		{"splade_batch_size_texts_bucket", map[string]string{"le": "1"}, 2},
		{"splade_batch_size_texts_bucket", map[string]string{"le": "2"}, 5},
	} {
		if got := delta(c.name, c.labels); got != c.want {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if q := value(after, "splade_queue_texts", nil); q != 0 {
		t.Errorf("splade_queue_texts = %v after the traffic, want 0", q)
	}
	for _, s := range after {
		if s.name == "splade_model_load_seconds" {
			if s.value <= 0 || s.value > 60 || s.labels["engine"] == "" || s.labels["precision"] != "fp32" || s.labels["model"] == "" {
				t.Errorf("splade_model_load_seconds%v = %v, want the load time with model, engine and precision labels", s.labels, s.value)
			}
			return
		}
	}
	t.Error("no splade_model_load_seconds in /metrics")
}
