package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"

	"github.com/splade-go/splade/internal/testutil/proc"
)

// overloadStats is what a run of the load generator saw.
type overloadStats struct {
	ok, refused, other int
	okLatency          []time.Duration // of the 200s
	refusedLatency     []time.Duration // of the 429s
	wall               time.Duration
	peakRSS            int64 // bytes, sampled during the run
	otherSample        string
	retryAfterMissing  int
}

func (s *overloadStats) share429() float64 {
	return float64(s.refused) / float64(max(1, s.ok+s.refused+s.other))
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// rss returns the resident memory of this process in bytes (0 where
// /proc is absent).
func rss() int64 {
	m, _ := proc.ReadMemory(0)
	return m.RSS
}

// overload runs clients that each send body to base+/encode for d, again
// and again, and counts the answers. After a 429 a client sends again at
// once (the worst case, as wrk does) or, with backoff, after the
// Retry-After the server named.
func overload(t testing.TB, base string, clients int, body []byte, d time.Duration, backoff bool) *overloadStats {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}, Timeout: time.Minute}
	defer c.CloseIdleConnections()
	var (
		mu   sync.Mutex
		st   overloadStats
		stop atomic.Bool
		wg   sync.WaitGroup
	)
	done := make(chan struct{})
	go func() { // sample RSS
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if r := rss(); r > st.peakRSS {
				mu.Lock()
				st.peakRSS = max(st.peakRSS, r)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	start := time.Now()
	time.AfterFunc(d, func() { stop.Store(true) })
	for range clients {
		wg.Go(func() {
			for !stop.Load() {
				t0 := time.Now()
				resp, err := c.Post(base+"/encode", "application/json", bytes.NewReader(body))
				if err != nil {
					mu.Lock()
					st.other++
					st.otherSample = err.Error()
					mu.Unlock()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat := time.Since(t0)
				mu.Lock()
				switch resp.StatusCode {
				case http.StatusOK:
					st.ok++
					st.okLatency = append(st.okLatency, lat)
				case http.StatusTooManyRequests:
					st.refused++
					st.refusedLatency = append(st.refusedLatency, lat)
					ra, err := strconv.Atoi(resp.Header.Get("Retry-After"))
					if err != nil || ra < 1 || !bytes.Contains(b, []byte(`"error_type":"Overloaded"`)) {
						st.retryAfterMissing++
					}
					if backoff && ra > 0 {
						mu.Unlock()
						time.Sleep(time.Duration(ra) * time.Second)
						mu.Lock()
					}
				default:
					st.other++
					st.otherSample = fmt.Sprintf("%d %.200s", resp.StatusCode, b)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	st.wall = time.Since(start)
	close(done)
	return &st
}

func (s *overloadStats) String() string {
	return fmt.Sprintf("%d answered in %.1f s: %d ok (%.1f req/s, p50 %v, p99 %v), %d 429 (%.0f%%, p50 %v, p99 %v), %d other; peak RSS %d MB",
		s.ok+s.refused+s.other, s.wall.Seconds(), s.ok, float64(s.ok)/s.wall.Seconds(),
		percentile(s.okLatency, .5).Round(time.Millisecond), percentile(s.okLatency, .99).Round(time.Millisecond),
		s.refused, 100*s.share429(), percentile(s.refusedLatency, .5).Round(time.Microsecond), percentile(s.refusedLatency, .99).Round(time.Millisecond),
		s.other, s.peakRSS>>20)
}

// overloadBody is one request of maxTexts texts of about 4 KB each: with
// the default limits, 256 texts and just under 1 MiB, as in issue 11's
// row 9.
func overloadBody(t testing.TB, maxTexts int) []byte {
	t.Helper()
	texts := make([]string, maxTexts)
	for i := range texts {
		texts[i] = fmt.Sprintf("request text %d: ", i) + strings.Repeat("the weather is lovely today ", 140)
	}
	body, err := json.Marshal(map[string]any{"texts": texts})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// TestServeOverload offers `splade serve` (default limits: 256 texts and
// 1 MiB per request, 1024 texts in the queue) four times its capacity:
// 16 clients each sending 256 texts (~1 MiB) at once, again and again;
// then 128 such clients, 32 times its capacity. Every answer is a 200
// within the deadline or a quick 429 with Retry-After and TEI's body;
// nothing else (no 503 after wasted work), and the memory of the process
// stays under 1 GiB however many connections there are (issue 11, row 9:
// 256 connections took 2.9 GB).
func TestServeOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("a 5-second load test; skipped in -short mode")
	}
	dir := reference.Fixture(t, "tiny-bert")
	const timeout = 10 * time.Second
	base, _, _, _ := startServe(t, "--model", dir, "--timeout", timeout.String())
	body := overloadBody(t, 256)
	if len(body) > 1<<20 {
		t.Fatalf("request body %d bytes, over the 1 MiB limit", len(body))
	}
	for _, c := range []struct {
		clients int
		d       time.Duration
	}{{16, 3 * time.Second}, {128, 2 * time.Second}} {
		st := overload(t, base, c.clients, body, c.d, false)
		t.Logf("%d clients: %v", c.clients, st)
		if st.other > 0 {
			t.Errorf("%d clients: %d answers neither 200 nor 429, e.g. %s", c.clients, st.other, st.otherSample)
		}
		if st.ok == 0 || st.refused == 0 {
			t.Errorf("%d clients: want both accepted and refused requests: %v", c.clients, st)
		}
		if p := percentile(st.okLatency, 1); p > timeout {
			t.Errorf("%d clients: an accepted request took %v, over its %v deadline", c.clients, p, timeout)
		}
		if p := percentile(st.refusedLatency, .99); p > 2*time.Second {
			t.Errorf("%d clients: 429s took up to %v at p99, want them at once", c.clients, p)
		}
		if st.retryAfterMissing > 0 {
			t.Errorf("%d clients: %d 429s lacked Retry-After or TEI's Overloaded body", c.clients, st.retryAfterMissing)
		}
		const bound = 1 << 30
		if st.peakRSS > bound {
			t.Errorf("%d clients: peak RSS %d MB, over the %d MB bound", c.clients, st.peakRSS>>20, bound>>20)
		}
	}
}

// BenchmarkServeOverload is TestServeOverload on small-bert-30522 (the
// real 30522 vocabulary) for 20 s, with clients that send again at once
// after a 429 and with clients that wait the Retry-After; for the
// README's numbers:
//
//	go test ./cmd/splade -run '^$' -bench ServeOverload -benchtime 1x
func BenchmarkServeOverload(b *testing.B) {
	dir := reference.Fixture(b, "small-bert-30522")
	body := overloadBody(b, 256)
	for _, backoff := range []bool{false, true} {
		name := "retry-at-once"
		if backoff {
			name = "retry-after"
		}
		b.Run(name, func(b *testing.B) {
			base, _, _, _ := startServe(b, "--model", dir, "--timeout", "30s")
			for range b.N {
				st := overload(b, base, 16, body, 20*time.Second, backoff)
				b.Log(st)
				b.ReportMetric(float64(st.ok)/st.wall.Seconds(), "ok/s")
				b.ReportMetric(float64(percentile(st.okLatency, .5).Milliseconds()), "ok-p50-ms")
				b.ReportMetric(float64(percentile(st.okLatency, .99).Milliseconds()), "ok-p99-ms")
				b.ReportMetric(float64(percentile(st.refusedLatency, .99).Microseconds())/1000, "429-p99-ms")
				b.ReportMetric(100*st.share429(), "%429")
				b.ReportMetric(float64(st.peakRSS>>20), "peak-RSS-MB")
				if st.other > 0 {
					b.Errorf("%d answers neither 200 nor 429, e.g. %s", st.other, st.otherSample)
				}
			}
		})
	}
}
