package main

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/reference"
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

// latencyCases are the measured set-ups: inference-free queries (the idf
// table) and the bert-tiny-sized edge-bert-30522 model with F32 weights
// (float32 products) and I8 weights (int8 products).
func latencyCases(t testing.TB) []struct{ name, dir, kind string } {
	edge := reference.Shared(t, "fixtures/edge-bert-30522")
	return []struct{ name, dir, kind string }{
		{"inference-free", buildWorker(t, inferenceFreeFolder(t), "F16"), "query"},
		{"edge-bert-30522-F32", buildWorker(t, edge, "F32"), ""},
		{"edge-bert-30522-I8", buildWorker(t, edge, "I8"), ""},
	}
}

// procCPU returns the CPU time (user + system) process pid has used.
func procCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15, in clock ticks of 1/100 s (USER_HZ).
	rest := string(data[strings.LastIndexByte(string(data), ')')+2:])
	f := strings.Fields(rest)
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// procMemory returns VmRSS and VmHWM of process pid, in kB.
func procMemory(t testing.TB, pid int) (rss, hwm string) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?", "?"
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "VmRSS":
			rss = strings.TrimSpace(v)
		case "VmHWM":
			hwm = strings.TrimSpace(v)
		}
	}
	return rss, hwm
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
			rss, hwm := procMemory(t, s.pid)
			t.Logf("%s, query %q (16 tokens): first request %v (workerd CPU %v); then over %d requests: p50 %v, p99 %v, workerd CPU %.2f ms/request; VmRSS %s, VmHWM %s, Go memory %s bytes",
				c.name, q, first.Round(time.Microsecond), startCPU, n,
				times[n/2].Round(time.Microsecond), times[n*99/100].Round(time.Microsecond),
				float64(cpu)/float64(time.Millisecond)/n, rss, hwm, h.Get("X-Splade-Go-Memory"))
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
