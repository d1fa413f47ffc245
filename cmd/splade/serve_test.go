package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/internal/testutil/reference"
)

var listenRE = regexp.MustCompile(`listening on http://(\S+)`)

// startServe runs "splade serve" in-process and returns its base URL, a
// function that stops it (as SIGTERM does), and the channel of its exit
// status.
func startServe(t testing.TB, args ...string) (string, context.CancelFunc, <-chan int, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), strings.NewReader(""), &out, &errb)
		close(done) // the cleanup's receive returns even when the test took the code
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(errb.String()); m != nil {
			t.Cleanup(func() {
				cancel()
				<-done
			})
			return "http://" + m[1], cancel, done, &errb
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not log its address: %s", errb.String())
		}
	}
}

func post(t *testing.T, url, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestServe(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	base, _, _, _ := startServe(t, "--model", dir, "--max-body", "4096", "--max-texts", "3", "--timeout", "20s")

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health api.Health
	json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != 200 || health.Status != "ok" || health.Dim != exp.VocabSize {
		t.Errorf("healthz: %d %+v", resp.StatusCode, health)
	}
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	usage, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(usage), "/encode") {
		t.Errorf("GET /: %d %s", resp.StatusCode, usage)
	}

	texts, _ := json.Marshal([]string{exp.Cases[0].Text, exp.Cases[1].Text})
	code, body, _ := post(t, base+"/encode", `{"texts":`+string(texts)+`}`)
	var enc api.EncodeResponse
	if err := json.Unmarshal([]byte(body), &enc); code != 200 || err != nil || len(enc.Vectors) != 2 {
		t.Fatalf("/encode: %d %v %s", code, err, body)
	}
	for i, v := range enc.Vectors {
		checkVector(t, fmt.Sprintf("/encode %d", i), v.Indices, v.Values, exp.Cases[i])
	}

	code, body, _ = post(t, base+"/similarity", `{"queries":["the weather"],"documents":["lovely today","the weather"],"fn":"dot"}`)
	var sim api.SimilarityResponse
	if err := json.Unmarshal([]byte(body), &sim); code != 200 || err != nil || len(sim.Scores) != 1 || len(sim.Scores[0]) != 2 {
		t.Errorf("/similarity: %d %v %s", code, err, body)
	}
	code, body, _ = post(t, base+"/decode", `{"texts":`+string(texts)+`,"top_k":3}`)
	var dec api.DecodeResponse
	if err := json.Unmarshal([]byte(body), &dec); code != 200 || err != nil || len(dec.Results) != 2 || len(dec.Results[0].Tokens) != 3 {
		t.Fatalf("/decode: %d %v %s", code, err, body)
	}
	for j, tm := range dec.Results[0].Tokens {
		if want := exp.Cases[0].Top10[j]; tm.ID != uint32(want[0]) || !reference.Near(float64(tm.Weight), want[1]) {
			t.Errorf("/decode term %d = %+v, want %v", j, tm, want)
		}
	}

	// Limits.
	if code, body, _ := post(t, base+"/encode", `{"texts":["`+strings.Repeat("a", 5000)+`"]}`); code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over --max-body: %d %s", code, body)
	}
	if code, body, _ := post(t, base+"/encode", `{"texts":["a","b","c","d"]}`); code != http.StatusBadRequest || !strings.Contains(body, "error") {
		t.Errorf("texts over --max-texts: %d %s", code, body)
	}
	resp, err = http.Get(base + "/encode")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /encode: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestServeGracefulShutdown stops the server while a request is in flight
// (its body half sent): the request still gets its answer, new
// connections are refused, and serve exits 0.
func TestServeGracefulShutdown(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	base, stop, done, errb := startServe(t, "--model", dir)
	addr := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"texts":["The weather is lovely today."]}`
	fmt.Fprintf(conn, "POST /encode HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(200 * time.Millisecond) // the server has read the headers

	stop() // SIGTERM
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(errb.String(), "shutting down") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// The listener closes at once.
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("serve exited %d before the request in flight finished", code)
	case <-time.After(200 * time.Millisecond):
	}

	io.WriteString(conn, body[10:])
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("request in flight: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"vectors"`) {
		t.Errorf("request in flight: %d %s", resp.StatusCode, b)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after a graceful shutdown: %s", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not exit after the last request")
	}
}

// encodeOne posts one text to /encode and returns its vector.
func encodeOne(c *http.Client, base, text string, kind string) (idx []uint32, val []float32, err error) {
	body, _ := json.Marshal(map[string]any{"texts": []string{text}, "kind": kind})
	resp, err := c.Post(base+"/encode", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	var enc api.EncodeResponse
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &enc); resp.StatusCode != 200 || err != nil || len(enc.Vectors) != 1 {
		return nil, nil, fmt.Errorf("/encode: %d %v %s", resp.StatusCode, err, b)
	}
	return enc.Vectors[0].Indices, enc.Vectors[0].Values, nil
}

// TestServeConcurrent sends 32 concurrent one-text requests, queries and
// texts of no kind: each answer matches the reference vector of its own
// text.
func TestServeConcurrent(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	base, _, _, _ := startServe(t, "--model", dir)
	var wg sync.WaitGroup
	for i := range 32 {
		c := exp.Cases[i%len(exp.Cases)]
		kind := ""
		if i%2 == 1 {
			kind = "query" // a symmetric model encodes queries alike
		}
		wg.Go(func() {
			idx, val, err := encodeOne(http.DefaultClient, base, c.Text, kind)
			if err != nil {
				t.Errorf("request %d: %v", i, err)
				return
			}
			checkVector(t, fmt.Sprintf("request %d", i), idx, val, c)
		})
	}
	wg.Wait()
}

// BenchmarkServeLoad measures the throughput of "splade serve" under 8
// concurrent clients sending one-query requests (the Cranfield queries)
// over loopback. Run it with a bounded load, for example 8 clients x 50
// requests:
//
//	go test ./cmd/splade -run '^$' -bench ServeLoad -benchtime 400x
func BenchmarkServeLoad(b *testing.B) {
	dir := reference.Fixture(b, "small-bert-30522")
	texts := cranfieldQueries(b)
	const clients = 8
	base, stop, done, _ := startServe(b, "--model", dir)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	for i := range clients { // warm up: compile the shapes
		wg.Go(func() { encodeOne(c, base, texts[i%len(texts)], "query") })
	}
	wg.Wait()
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				if _, _, err := encodeOne(c, base, texts[i%len(texts)], "query"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.StopTimer()
	stop()
	<-done
}

// TestServedModelName: the model's local path appears in no response and
// not in /metrics; the API names the model by the folder's base name, or
// by --served-model-name.
func TestServedModelName(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, filepath.Base(dir)},
		{[]string{"--served-model-name", "acme/sparse-v2"}, "acme/sparse-v2"},
	} {
		base, _, _, _ := startServe(t, append([]string{"--model", dir}, c.args...)...)
		var bodies []string
		for _, path := range []string{"/info", "/metrics", "/healthz"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			bodies = append(bodies, string(b))
		}
		for _, path := range []string{"/encode", "/decode"} {
			_, b, _ := post(t, base+path, `{"texts":["the weather"]}`)
			bodies = append(bodies, b)
		}
		for _, b := range bodies {
			if strings.Contains(b, dir) {
				t.Errorf("%v: a response holds the model's path %s: %.200s", c.args, dir, b)
			}
		}
		if !strings.Contains(bodies[0], `"model_id":"`+c.want+`"`) || !strings.Contains(bodies[1], `model="`+c.want+`"`) {
			t.Errorf("%v: /info %.300s\n/metrics names: want the model named %q", c.args, bodies[0], c.want)
		}
	}
}
