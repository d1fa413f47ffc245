package main

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"

	"github.com/splade-go/splade/internal/testutil/proc"
)

// The latency measurements log numbers rather than assert them: the
// machines that run the tests vary too much for a timed assertion.

// query16 returns a SciFact query of exactly 16 WordPiece tokens.
func query16(t testing.TB) string {
	texts, pieces := goldenQueries(t, "topics.beir-v1.0.0-scifact.test.tsv.gz", "topics.beir-v1.0.0-scifact.test.wp.tsv.gz")
	for i, p := range pieces {
		if len(p) == 16 {
			return texts[i]
		}
	}
	t.Fatal("no 16-token SciFact query")
	return ""
}

// latencyCases are the two measured set-ups: inference-free queries (the
// idf table) and the bert-tiny-sized edge-bert-30522 model (F16, the
// default of the build).
func latencyCases(t testing.TB) []struct{ name, dir, kind string } {
	return []struct{ name, dir, kind string }{
		{"inference-free", buildWorker(t, inferenceFreeFolder(t), "F16"), "query"},
		{"edge-bert-30522", buildWorker(t, reference.Shared(t, "fixtures/edge-bert-30522"), "F16"), ""},
	}
}

// procCPU returns the CPU time (user + system) process pid has used.
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	d, err := proc.CPU(pid)
	if err != nil {
		t.Skip(err)
	}
	return d
}

// TestWorkerLatency logs, for one 16-token query after a warm-up, the wall
// time per request (p50, p99) seen by a client on 127.0.0.1, the CPU time
// per request of the workerd process, and its memory.
func TestWorkerLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("latency measurement skipped in -short mode")
	}
	workerdBinary(t)
	q := query16(t)
	for _, c := range latencyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			s := serve(t, c.dir)
			idle := procCPU(t, s.pid)
			start := time.Now()
			s.encode(t, []string{q}, c.kind)
			first := time.Since(start)
			startCPU := procCPU(t, s.pid) - idle
			body := encodeBody(t, []string{q}, c.kind)
			for range 20 { // warm-up
				s.do(t, http.MethodPost, "/encode", body)
			}
			const n = 300
			times := make([]time.Duration, n)
			cpu0 := procCPU(t, s.pid)
			for i := range n {
				t0 := time.Now()
				status, _, b := s.do(t, http.MethodPost, "/encode", body)
				times[i] = time.Since(t0)
				if status != http.StatusOK {
					t.Fatalf("%d %s", status, b)
				}
			}
			cpu := procCPU(t, s.pid) - cpu0
			slices.Sort(times)
			_, h, _ := s.do(t, http.MethodGet, "/healthz", "")
			mem, _ := proc.ReadMemory(s.pid)
			t.Logf("%s, query %q (16 tokens): first request %v (workerd CPU %v); then over %d requests: p50 %v, p99 %v, workerd CPU %.2f ms/request; RSS %d MB, peak %d MB, Go memory %s bytes",
				c.name, q, first.Round(time.Microsecond), startCPU, n,
				times[n/2].Round(time.Microsecond), times[n*99/100].Round(time.Microsecond),
				float64(cpu)/float64(time.Millisecond)/n, mem.RSS>>20, mem.Peak>>20, h.Get("X-Splade-Go-Memory"))
		})
	}
}

// BenchmarkWorkerEncode measures one 16-token query per request against a
// warm isolate; cpu-ms/op is the workerd process's CPU time per request.
func BenchmarkWorkerEncode(b *testing.B) {
	workerdBinary(b)
	q := query16(b)
	for _, c := range latencyCases(b) {
		b.Run(c.name, func(b *testing.B) {
			s := serve(b, c.dir)
			body := encodeBody(b, []string{q}, c.kind)
			for range 20 {
				s.do(b, http.MethodPost, "/encode", body)
			}
			cpu0 := procCPU(b, s.pid)
			b.ResetTimer()
			for b.Loop() {
				if status, _, out := s.do(b, http.MethodPost, "/encode", body); status != http.StatusOK {
					b.Fatalf("%d %s", status, out)
				}
			}
			b.StopTimer()
			cpu := procCPU(b, s.pid) - cpu0
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
