//go:build js && wasm

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall/js"
	"testing/fstest"

	"github.com/syumai/workers"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/wasm"
)

// options is what the build tool says about the model, passed by
// worker.mjs as the JSON string context.config.
type options struct {
	Name       string            `json:"name"`
	Pooling    splade.Pooling    `json:"pooling"`
	Activation splade.Activation `json:"activation"`
	MaxLength  int               `json:"max_length"`
	Precision  splade.Precision  `json:"precision"`
}

// served is the wasm encoder with its tokenizer shown to the API
// (httpapi.Tokenizer: POST /tokenize and the 413 of /embed_sparse).
type served struct{ *wasm.Encoder }

// Tokenize returns the untruncated tokens of text, [CLS] and [SEP]
// included.
func (s served) Tokenize(text string) []httpapi.Token {
	return httpapi.Tokens(s.Tokenizer(), text)
}

func main() {
	// worker.mjs sets globalThis.context before it runs this program:
	// binding (the object github.com/syumai/workers registers its request
	// handler on), instance (the number of Go instances this isolate has
	// started, this one included), files ([[path, ArrayBuffer], ...]: the
	// model folder) and config (options as JSON).
	jsctx := js.Global().Get("context")
	s := &server{instance: jsctx.Get("instance").Int()}
	if err := s.load(jsctx); err != nil {
		log.Print(err) // shows in workerd's log and `wrangler tail`
		s.loadErr = err
	}
	workers.ServeNonBlock(s)
	workers.Ready()
	select {} // serve until the isolate goes away
}

// server is the worker's http.Handler: the httpapi handler of the model,
// with headers that show how often the isolate's Go instance was started
// and the model parsed.
type server struct {
	instance int          // Go instances the isolate has started (1 unless one crashed)
	loads    int          // times this instance parsed the model (set once, before serving)
	requests atomic.Int64 // requests this instance has served
	api      http.Handler // nil when the model failed to load
	kernel   string       // the model's kernel (wasm.Encoder.Kernel)
	loadErr  error
}

// load copies the model files out of the JavaScript data modules, parses
// the model and makes the API handler. It runs once per Go instance.
func (s *server) load(jsctx js.Value) error {
	var opts options
	if cfg := jsctx.Get("config"); cfg.Type() == js.TypeString {
		if err := json.Unmarshal([]byte(cfg.String()), &opts); err != nil {
			return fmt.Errorf("worker: model.mjs config: %w (rebuild with go run ./worker/build)", err)
		}
	}
	files := jsctx.Get("files")
	if files.Type() != js.TypeObject {
		return errors.New("worker: worker.mjs passed no model files (rebuild with go run ./worker/build)")
	}
	fsys := make(fstest.MapFS, files.Length())
	u8 := js.Global().Get("Uint8Array")
	for i := range files.Length() {
		f := files.Index(i)
		name := f.Index(0).String()
		src := u8.New(f.Index(1))
		data := make([]byte, src.Length())
		js.CopyBytesToGo(data, src)
		fsys[name] = &fstest.MapFile{Data: data, Mode: 0o444}
	}
	s.loads++
	enc, err := wasm.LoadWith(fsys, wasm.LoadOptions{
		Name:       opts.Name,
		Pooling:    opts.Pooling,
		Activation: opts.Activation,
		MaxLength:  opts.MaxLength,
		Precision:  opts.Precision,
	})
	if err != nil {
		return fmt.Errorf("worker: loading the model: %w", err)
	}
	s.api, s.kernel = httpapi.NewHandler(served{enc}, httpapi.DefaultLimits(), nil), enc.Kernel()
	// The file copies are garbage now; collect them before the first
	// request so that the isolate's memory stays near the parsed model.
	runtime.GC()
	return nil
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	h := w.Header()
	h.Set("X-Splade-Instance", strconv.Itoa(s.instance))
	h.Set("X-Splade-Model-Loads", strconv.Itoa(s.loads))
	h.Set("X-Splade-Requests", strconv.FormatInt(n, 10))
	if r.URL.Path == "/healthz" {
		// The memory the Go program holds: most of the isolate's
		// memory, which Cloudflare limits to 128 MB.
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.Set("X-Splade-Go-Memory", strconv.FormatUint(ms.Sys, 10))
		// "simd128" where worker.mjs provided the SIMD kernels
		h.Set("X-Splade-Kernel", s.kernel)
	}
	if s.api == nil {
		httpapi.Error(w, http.StatusInternalServerError, s.loadErr.Error())
		return
	}
	// A panic would end the Go program and with it every later request of
	// the isolate (worker.mjs would start a new instance and parse the
	// model again); answer 500 instead.
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				return
			}
			log.Printf("worker: panic serving %s %s: %v", r.Method, r.URL.Path, v)
			httpapi.Error(w, http.StatusInternalServerError, fmt.Sprintf("worker: internal error: %v", v))
		}
	}()
	raw, ok := w.(rawBodyWriter)
	if !ok {
		s.api.ServeHTTP(w, r)
		return
	}
	// The API's responses are small JSON documents: buffer one and hand
	// it to JavaScript as a single Uint8Array body. Writing to w instead
	// streams the body through a pipe, a goroutine and a JavaScript
	// FixedLengthStream, with promise round trips between Go and
	// JavaScript for each request.
	var buf bufferedResponse
	buf.header = w.Header()
	s.api.ServeHTTP(&buf, r)
	w.WriteHeader(buf.statusCode())
	body := js.Global().Get("Uint8Array").New(buf.body.Len())
	js.CopyBytesToJS(body, buf.body.Bytes())
	raw.WriteRawJSBody(body)
}

// rawBodyWriter is implemented by github.com/syumai/workers' response
// writer: the body given is used as the JavaScript Response's body as is.
type rawBodyWriter interface {
	WriteRawJSBody(body js.Value)
}

// bufferedResponse is an http.ResponseWriter that keeps the body in memory.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bufferedResponse) statusCode() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}
