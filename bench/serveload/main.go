// Command serveload is the load test of `splade serve`'s dynamic
// batching: it sends the same queries to POST /encode either as
// one-query requests from many concurrent clients or as batches from one
// client, and prints the queries per second and the request latencies.
// It talks to loopback only and stops after a bounded number of requests
// and at -deadline.
//
//	serveload -url http://127.0.0.1:8080 -mode concurrent -clients 32 -requests 8 < queries.txt
//	serveload -url http://127.0.0.1:8080 -mode batched -batch 32 < queries.txt
//	serveload -url http://127.0.0.1:8080 -mode single -requests 30 < queries.txt
//
// bench/serve_batching.sh runs it side by side.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "", "the server, on loopback (http://127.0.0.1:PORT)")
	mode := flag.String("mode", "concurrent", "concurrent: -clients clients each sending -requests one-query requests; batched: the same queries in requests of -batch queries, one at a time; single: -requests one-query requests, one at a time (latency on an idle server)")
	clients := flag.Int("clients", 32, "concurrent clients")
	requests := flag.Int("requests", 8, "requests per client (single: in all)")
	batch := flag.Int("batch", 32, "queries per request in batched mode")
	extra := flag.String("fields", `"max_active_dims":100`, "more JSON fields of each request (the random model's vectors are dense; this keeps the responses small)")
	deadline := flag.Duration("deadline", 2*time.Minute, "give up after this long")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "serveload: -url must be a loopback address")
		os.Exit(2)
	}
	var queries []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if t := sc.Text(); t != "" {
			queries = append(queries, t)
		}
	}
	if len(queries) == 0 {
		fmt.Fprintln(os.Stderr, "serveload: no queries on standard input")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	send := func(texts []string) (time.Duration, error) {
		in, _ := json.Marshal(texts)
		body := `{"texts":` + string(in)
		if *extra != "" {
			body += "," + *extra
		}
		body += "}"
		req, _ := http.NewRequestWithContext(ctx, "POST", *base+"/encode", bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("status %d: %.200s", resp.StatusCode, data)
		}
		var out struct{ Vectors []json.RawMessage }
		if err := json.Unmarshal(data, &out); err != nil || len(out.Vectors) != len(texts) {
			return 0, fmt.Errorf("%d vectors for %d texts (%v)", len(out.Vectors), len(texts), err)
		}
		return d, nil
	}
	query := func(k int) string { return queries[k%len(queries)] }

	var (
		mu    sync.Mutex
		lat   []time.Duration
		fails int
		first error
	)
	record := func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			fails++
			if first == nil {
				first = err
			}
			return
		}
		lat = append(lat, d)
	}
	n := 0 // queries sent
	start := time.Now()
	switch *mode {
	case "concurrent":
		var wg sync.WaitGroup
		for c := range *clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range *requests {
					record(send([]string{query(r**clients + c)}))
				}
			}()
		}
		wg.Wait()
		n = *clients * *requests
	case "batched":
		total := *clients * *requests
		for k := 0; k < total; k += *batch {
			var texts []string
			for i := k; i < min(k+*batch, total); i++ {
				texts = append(texts, query(i))
			}
			record(send(texts))
		}
		n = total
	case "single":
		for r := range *requests {
			record(send([]string{query(r)}))
		}
		n = *requests
	default:
		fmt.Fprintf(os.Stderr, "serveload: unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	wall := time.Since(start)
	if fails > 0 {
		fmt.Fprintf(os.Stderr, "serveload: %d requests failed; the first: %v\n", fails, first)
		os.Exit(1)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	fmt.Printf("%-10s %4d queries in %3d requests  %7.2f q/s  request p50 %7.1f ms  p99 %7.1f ms\n",
		*mode, n, len(lat), float64(n)/wall.Seconds(), pct(0.5), pct(0.99))
}
