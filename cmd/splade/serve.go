package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/metrics"
	"github.com/splade-go/splade/model"
)

// served is the model with its tokenizer shown to the API
// (httpapi.Tokenizer: POST /tokenize, the 413 of /embed_sparse and the
// token counts of /metrics), under its public name.
type served struct {
	*model.Encoder
	name string
}

// Model returns the name the API shows: --served-model-name.
func (s served) Model() string { return s.name }

// publicName is the default --served-model-name of the model flag
// nameOrDir: a local folder's base name (its path is a detail of the
// deployment), else the hub id.
func publicName(nameOrDir string) string {
	if fi, err := os.Stat(nameOrDir); err == nil && fi.IsDir() {
		return filepath.Base(filepath.Clean(nameOrDir))
	}
	return nameOrDir
}

// Tokenize returns the untruncated tokens of text, [CLS] and [SEP]
// included.
func (s served) Tokenize(text string) []httpapi.Token {
	return httpapi.Tokens(s.Tokenizer(), text)
}

// originList is a repeatable string flag.
type originList []string

func (o *originList) String() string { return strings.Join(*o, ",") }
func (o *originList) Set(v string) error {
	if v == "" {
		return errors.New("empty origin")
	}
	*o = append(*o, v)
	return nil
}

// serveEndpoints is the endpoints part of splade serve --help.
const serveEndpoints = `
endpoints:
  POST /encode        {"texts": [...], "kind": "query"|"document", "max_active_dims": k} -> sparse vectors
  POST /similarity    {"queries": [...], "documents": [...], "fn": "dot"|"cosine"} -> score matrix
  POST /decode        {"texts": [...], "top_k": k} -> the heaviest tokens of each vector
  POST /search        {"queries": [...], "top_k": k} -> hits from the --index file (with --index only)
  POST /embed_sparse  text-embeddings-inference: {"inputs": "..."|[...], "truncate": bool} -> [[{"index", "value"}]]
  POST /tokenize      text-embeddings-inference: {"inputs": "..."|[...]} -> [[{"id", "text", "special"}]]
  GET  /info          text-embeddings-inference: the model, its maximum length and the limits
  GET  /health        text-embeddings-inference: 200 when the model serves
  GET  /healthz       {"status", "model", "backend", "dim"}
  GET  /metrics       Prometheus metrics
  GET  /              the try-it page (in a browser), else a usage note
Every error is {"error": "...", "error_type": "..."}; package
github.com/splade-go/splade/api holds the request and response types and
a Go client.
`

// runServe is "splade serve": the HTTP API of package httpapi until
// SIGINT or SIGTERM, then a graceful shutdown that lets requests in
// flight finish.
func runServe(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	fs := flagSet("serve", &m, nil, "query", "document")
	def := httpapi.DefaultLimits()
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0: any free port; the address is logged on standard error)")
	maxBody := fs.Int64("max-body", def.MaxBodyBytes, "largest request body in bytes (larger: 413)")
	maxTexts := fs.Int("max-texts", def.MaxTexts, "most texts per request (more: 400)")
	timeout := fs.Duration("timeout", def.Timeout, "longest time to serve one request, queueing included (longer: 503; negative: no limit)")
	maxQueue := fs.Int("max-queue", def.MaxQueueTexts, "most texts admitted at once, waiting or encoding (more: 429 with Retry-After)")
	maxRequests := fs.Int("max-concurrent-requests", def.MaxConcurrentRequests, "most requests admitted at once, waiting or encoding (TEI's max_concurrent_requests; more: 429)")
	maxBatchTokens := fs.Int("max-batch-tokens", model.DefaultMaxBatchTokens, "most tokens in one forward pass, into which concurrent requests are merged (TEI's max_batch_tokens; at most --batch-size texts)")
	servedName := fs.String("served-model-name", "", "model name shown in responses, /info and /metrics (default: the base name of a local --model folder, or the hub id)")
	var origins originList
	fs.Var(&origins, "cors-origin", "allow browser pages of this origin (e.g. https://example.com; * for any) to call the API; repeatable; off by default")
	idxPath := fs.String("index", "", "index file written by splade index: serve POST /search over it")
	pos, err := parse(fs, args, &m, nil)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usagef(fs, "serve takes no texts (got %q)", pos[0])
	case *maxBody <= 0 || *maxBody > 1<<30:
		return usagef(fs, "--max-body %d is out of range: want 1 to %d", *maxBody, 1<<30)
	case *timeout == 0:
		return usagef(fs, "--timeout must not be 0 (use a negative duration for no limit)")
	}
	if err := checkRanges(fs,
		intRange{"max-texts", *maxTexts, 1, maxCount},
		intRange{"max-queue", *maxQueue, 1, maxDims},
		intRange{"max-concurrent-requests", *maxRequests, 1, maxCount},
		intRange{"max-batch-tokens", *maxBatchTokens, 1, maxDims},
	); err != nil {
		return err
	}
	if *maxQueue < *maxTexts {
		return usagef(fs, "--max-queue (%d) must be at least --max-texts (%d)", *maxQueue, *maxTexts)
	}
	start := time.Now()
	// The metrics are made once the model tells its name and engine; the
	// encoder reports its forward passes to them from then on.
	var mxp atomic.Pointer[metrics.Metrics]
	enc, err := m.load(ctx, a.stderr, func(o *model.Options) {
		o.MaxBatchTokens = *maxBatchTokens
		o.ObserveBatch = func(seqs, tokens int) {
			if mx := mxp.Load(); mx != nil {
				mx.ObserveBatch(seqs, tokens)
			}
		}
	})
	if err != nil {
		return err
	}
	defer enc.Close()
	prec := cmp.Or(splade.Precision(m.precision), splade.PrecisionFP32)
	name := cmp.Or(*servedName, publicName(m.model))
	mx := metrics.New(metrics.Labels{Model: name, Engine: enc.Backend(), Precision: string(prec)})
	mx.SetModelLoadTime(time.Since(start))
	mxp.Store(mx)

	handler := httpapi.NewHandler(served{enc, name}, httpapi.Limits{
		MaxBodyBytes:          *maxBody,
		MaxTexts:              *maxTexts,
		MaxQueueTexts:         *maxQueue,
		MaxConcurrentRequests: *maxRequests,
		Timeout:               *timeout,
	}, mx)
	if *idxPath != "" {
		if handler, err = m.searchHandler(ctx, handler, enc, *idxPath); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// The write timeout bounds a whole exchange after the request headers;
	// give the handler its own timeout plus time to send the answer.
	writeTimeout, grace := *timeout+30*time.Second, *timeout+30*time.Second
	if *timeout < 0 {
		writeTimeout, grace = 0, 5*time.Minute
	}
	srv := &http.Server{
		Handler:           httpapi.CORS(handler, origins),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(a.stderr, "splade: http: ", 0),
	}
	fmt.Fprintf(a.stderr, "splade: serving %s (backend %s, %d dimensions); listening on http://%s\n",
		enc.Model(), enc.Backend(), enc.Dim(), ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(a.stderr, "splade: shutting down; finishing the requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("shutdown: requests still running after %v: %w", grace, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(a.stderr, "splade: stopped")
	return nil
}
