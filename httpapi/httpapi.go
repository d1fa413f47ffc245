package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/sparsevec"
)

// Kind says which side of an asymmetric model encodes a text; see
// splade.Kind.
type Kind = splade.Kind

// The kinds of text, as package splade names them.
const (
	KindDefault  = splade.KindDefault
	KindQuery    = splade.KindQuery
	KindDocument = splade.KindDocument
)

// Encoder is what the API serves: the encoder contract of package splade,
// which every engine satisfies.
type Encoder = splade.Encoder

// Tokenizer is implemented by encoders that can show how they tokenize.
// POST /tokenize, the too-long check of POST /embed_sparse (413 when
// "truncate" is false) and the token counts of [Metrics] need it; without
// it /tokenize answers 501 and long texts are truncated.
type Tokenizer interface {
	// Tokenize returns the tokens of text, special tokens included, as
	// the encoder would see them without truncation.
	Tokenize(text string) []Token
	// MaxLength returns the most tokens the encoder reads of one text
	// (longer texts are truncated), or 0 for no limit.
	MaxLength() int
}

// Batcher is implemented by encoders that merge the texts of concurrent
// calls into shared forward passes (dynamic batching), as package
// model's encoder does. The handler then lets every admitted request
// into the encoder at once (else two at a time), reports the encoder's
// limit as max_batch_tokens in /info, and leaves [Metrics.ObserveBatch]
// to the encoder, which alone knows the passes it runs.
type Batcher interface {
	// MaxBatchTokens returns the most tokens of one forward pass.
	MaxBatchTokens() int
}

// Token is one token of a text, as POST /tokenize answers it.
type Token = api.Token

// Metrics receives what the handler serves; package metrics implements it
// with Prometheus. Implementations must be safe for concurrent use.
type Metrics interface {
	// ServeHTTP answers GET /metrics.
	http.Handler
	// ObserveRequest records one answered request: the endpoint (its
	// path, or "other"), the status code and the time taken.
	ObserveRequest(endpoint string, status int, d time.Duration)
	// ObserveBatch records one call of the encoder: its number of texts
	// and the tokens they held after truncation (0 when the encoder is
	// not a [Tokenizer]). For a [Batcher] the handler does not call it:
	// whoever made the encoder reports its forward passes.
	ObserveBatch(texts, tokens int)
	// SetQueueDepth records the texts admitted and not yet answered.
	SetQueueDepth(texts int)
}

// Limits bounds the work one request may ask for and the work the
// handler holds at once. A zero field takes its value from
// [DefaultLimits]; a negative Timeout means no timeout.
type Limits struct {
	MaxBodyBytes  int64 // largest request body; larger ones get 413
	MaxTexts      int   // most texts in one request (queries and documents together)
	MaxQueueTexts int   // most texts admitted at once, waiting or encoding; more get 429
	// MaxConcurrentRequests is the most requests admitted at once,
	// waiting or encoding (TEI's max_concurrent_requests); more get 429.
	MaxConcurrentRequests int
	// Timeout is the longest time to serve one request, reading its body
	// and waiting included; longer ones get 408 (body still arriving) or
	// 503.
	Timeout time.Duration
}

// DefaultLimits returns the limits of `splade serve`: a 1 MiB body, 256
// texts per request, 1024 texts and 512 requests (TEI's default) in the
// queue and 30 seconds per request.
func DefaultLimits() Limits {
	return Limits{MaxBodyBytes: 1 << 20, MaxTexts: 256, MaxQueueTexts: 1024, MaxConcurrentRequests: 512, Timeout: 30 * time.Second}
}

// NewHandler returns the HTTP handler of the API described in the package
// documentation, serving enc within the limits lim and reporting to m
// (nil: no metrics, and GET /metrics answers 404).
func NewHandler(enc Encoder, lim Limits, m Metrics) http.Handler {
	def := DefaultLimits()
	if lim.MaxBodyBytes <= 0 {
		lim.MaxBodyBytes = def.MaxBodyBytes
	}
	if lim.MaxTexts <= 0 {
		lim.MaxTexts = def.MaxTexts
	}
	if lim.MaxQueueTexts <= 0 {
		lim.MaxQueueTexts = max(def.MaxQueueTexts, lim.MaxTexts)
	}
	lim.MaxQueueTexts = max(lim.MaxQueueTexts, lim.MaxTexts)
	if lim.MaxConcurrentRequests <= 0 {
		lim.MaxConcurrentRequests = def.MaxConcurrentRequests
	}
	if lim.Timeout == 0 {
		lim.Timeout = def.Timeout
	}
	h := &handler{enc: enc, lim: lim, metrics: m}
	h.tok, _ = enc.(Tokenizer)
	h.batcher, _ = enc.(Batcher)
	h.opt, _ = enc.(splade.OptionEncoder)
	inside := encoders
	if h.batcher != nil {
		inside = lim.MaxConcurrentRequests
	}
	h.queue = newAdmission(lim, m, inside)
	h.mux = h.newMux()
	return h
}

type handler struct {
	enc     Encoder
	tok     Tokenizer            // nil when enc does not tokenize for us
	batcher Batcher              // nil when enc does not merge calls
	opt     splade.OptionEncoder // nil when enc takes no per-call options
	lim     Limits
	metrics Metrics // nil: none
	queue   *admission
	ix      *index.Index // nil: no POST /search
	mux     *http.ServeMux
}

// apiError is an error with the status code and message for the client.
type apiError struct {
	status     int
	errType    string // "" : from the status code
	msg        string
	retryAfter int // seconds, for 429
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// errorType is the TEI error type that goes with a status code.
func errorType(status int) string {
	switch status {
	case http.StatusUnprocessableEntity:
		return api.ErrorTokenizer
	case http.StatusTooManyRequests:
		return api.ErrorOverloaded
	case http.StatusInternalServerError, http.StatusFailedDependency, http.StatusServiceUnavailable:
		return api.ErrorBackend
	}
	return api.ErrorValidation
}

// Endpoint is one endpoint of the API: a method and a path.
type Endpoint struct {
	Method string // GET endpoints also answer HEAD
	Path   string
}

// Endpoints returns the endpoints a handler of [NewHandler] serves, and
// POST /search, which [WithSearch] adds.
func Endpoints() []Endpoint {
	var h handler
	var es []Endpoint
	for _, rt := range h.routes() {
		es = append(es, Endpoint{rt.method, rt.path})
	}
	return append(es, Endpoint{http.MethodPost, "/search"})
}

// route is one endpoint and the function that serves it.
type route struct {
	method, path string
	serve        func(http.ResponseWriter, *http.Request) error
}

// routes lists the endpoints of h: its own, then TEI's, then /search
// when h has an index.
func (h *handler) routes() []route {
	rs := []route{
		{http.MethodPost, "/encode", h.encode},
		{http.MethodPost, "/similarity", h.similarity},
		{http.MethodPost, "/decode", h.decode},
		{http.MethodGet, "/healthz", h.health},
		{http.MethodGet, "/", h.root},
		{http.MethodPost, "/embed_sparse", h.embedSparse},
		{http.MethodPost, "/tokenize", h.tokenize},
		{http.MethodGet, "/info", h.info},
		{http.MethodGet, "/health", h.teiHealth},
		{http.MethodGet, "/metrics", h.serveMetrics},
	}
	if h.ix != nil {
		rs = append(rs, route{http.MethodPost, "/search", h.search})
	}
	return rs
}

// newMux routes the requests to h's endpoints with Go's ServeMux: "POST
// /encode" and the like, "GET /{$}" for the page; every other method on
// a known path gets 405 with an Allow header, and every other path 404,
// both with the API's JSON error body.
func (h *handler) newMux() *http.ServeMux {
	mux := http.NewServeMux()
	var list []string
	for _, rt := range h.routes() {
		path := rt.path
		if path == "/" {
			path = "/{$}"
		}
		mux.Handle(rt.method+" "+path, h.observe(rt.path, func(w http.ResponseWriter, r *http.Request) {
			h.serve(w, r, rt)
		}))
		allow := rt.method
		if rt.method == http.MethodGet {
			allow = "GET, HEAD"
		}
		mux.Handle(path, h.observe(rt.path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			Error(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, rt.method))
		}))
		list = append(list, rt.method+" "+rt.path)
	}
	known := strings.Join(list, ", ")
	mux.Handle("/", h.observe("other", func(w http.ResponseWriter, r *http.Request) {
		Error(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s; the endpoints are %s", r.URL.Path, known))
	}))
	return mux
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// observe reports each request that serve answers to the metrics, under
// the endpoint's name.
func (h *handler) observe(endpoint string, serve http.HandlerFunc) http.Handler {
	if h.metrics == nil {
		return serve
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		serve(sw, r)
		h.metrics.ObserveRequest(endpoint, cmp.Or(sw.status, http.StatusOK), time.Since(start))
	})
}

// serve answers a request to the endpoint rt.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, rt route) {
	if rt.method == http.MethodPost {
		h.servePost(w, r, rt.serve)
		return
	}
	if err := rt.serve(w, r); err != nil {
		h.fail(w, r, err)
	}
}

// servePost runs serve on a POST request under the request's deadline,
// which covers reading the body as well as waiting and encoding. A body
// declared larger than the limit is refused unread; the others' bytes are
// counted in the queue as they arrive (see admission.meter), so that a
// client sending its body slowly holds only what it has sent, and only
// its own connection until the deadline.
func (h *handler) servePost(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request) error) {
	if r.ContentLength > h.lim.MaxBodyBytes {
		h.fail(w, r, &http.MaxBytesError{Limit: h.lim.MaxBodyBytes})
		return
	}
	ctx, cancel := h.context(r)
	defer cancel()
	body := h.queue.meter(r.Body)
	defer body.release()
	rr := r.WithContext(ctx)
	rr.Body = body
	if err := serve(w, rr); err != nil {
		h.fail(w, r, err)
	}
}

// statusWriter remembers the status code written, for the metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// fail turns err into an error response.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		if ae.status == http.StatusTooManyRequests {
			setRetryAfter(w, ae.retryAfter)
		}
		typ := ae.errType
		if typ == "" {
			typ = errorType(ae.status)
		}
		writeError(w, ae.status, typ, ae.msg)
	case errors.As(err, &mbe):
		Error(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes; send fewer or shorter texts", mbe.Limit))
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
	case errors.Is(err, context.DeadlineExceeded):
		Error(w, http.StatusServiceUnavailable, fmt.Sprintf("request took longer than %v; send fewer or shorter texts", h.lim.Timeout))
	default:
		log.Printf("httpapi: %s %s: %v", r.Method, r.URL.Path, err)
		Error(w, http.StatusInternalServerError, "internal error while encoding; see the server log")
	}
}

// Error answers {"error": msg, "error_type": type} with the status code,
// as every error of the API is answered (TEI's error body; the type
// follows from the status code); front ends that wrap the handler use it
// for their own errors so that clients see one shape.
func Error(w http.ResponseWriter, status int, msg string) {
	writeError(w, status, errorType(status), msg)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	body, _ := json.Marshal(api.Error{Message: msg, Type: typ})
	writeBody(w, status, "application/json", append(body, '\n'))
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

// writeJSON writes v with status 200. It marshals before writing so that
// a value JSON cannot hold (a NaN weight) becomes a clean 500.
func writeJSON(w http.ResponseWriter, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("marshal response: %w", err)
	}
	writeBody(w, http.StatusOK, "application/json", append(body, '\n'))
	return nil
}

func (h *handler) timeoutText() string {
	if h.lim.Timeout < 0 {
		return "no time limit"
	}
	return h.lim.Timeout.String()
}

func (h *handler) health(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, api.Health{Status: "ok", Model: h.enc.Model(), Backend: h.enc.Backend(), Dim: h.enc.Dim()})
}

// readRequest decodes the JSON body of r into dst, refusing unknown
// fields and trailing data. example, a valid request, goes into messages.
func (h *handler) readRequest(w http.ResponseWriter, r *http.Request, dst any, example string) error {
	// The body must arrive before the request's deadline: the connection's
	// read deadline, as the deadline of the context does not stop a read.
	if d, ok := r.Context().Deadline(); ok {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(d) == nil { // a ResponseRecorder has no connection
			defer rc.SetReadDeadline(time.Time{})
		}
	}
	body := http.MaxBytesReader(w, r.Body, h.lim.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			var mbe *http.MaxBytesError
			if errors.As(terr, &mbe) {
				return terr
			}
			return badRequest("unexpected data after the JSON object; send one object like %s", example)
		}
		return nil
	}
	var (
		mbe *http.MaxBytesError
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		ae  *apiError
		we  *api.Error
	)
	switch {
	case errors.As(err, &mbe), errors.As(err, &ae):
		return err
	case errors.As(err, &we):
		return &apiError{status: we.StatusCode, errType: we.Type, msg: we.Message}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &apiError{status: http.StatusRequestTimeout, msg: fmt.Sprintf("request body not received within the %s deadline; send it at once", h.timeoutText())}
	case errors.Is(err, io.EOF):
		return badRequest("empty request body; send a JSON object like %s", example)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("invalid JSON: %v; send a JSON object like %s", err, example)
	case errors.As(err, &te):
		if te.Field == "" {
			return badRequest("request body is JSON %s, want an object like %s", te.Value, example)
		}
		return badRequest("field %q: got JSON %s, want %s", te.Field, te.Value, jsonType(te.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return badRequest("unknown field %s; send an object like %s", strings.TrimPrefix(err.Error(), "json: unknown field "), example)
	}
	return badRequest("invalid request: %v", err)
}

// jsonType names a Go type of the request structs as JSON.
func jsonType(goType string) string {
	switch goType {
	case "[]string":
		return "an array of strings"
	case "string":
		return "a string"
	case "int", "*int":
		return "an integer"
	case "bool", "*bool":
		return "a boolean"
	case "float32", "*float32":
		return "a number"
	}
	return goType
}

func (h *handler) checkTexts(name string, texts []string) error {
	if len(texts) == 0 {
		return &apiError{status: http.StatusBadRequest, errType: api.ErrorEmpty, msg: fmt.Sprintf("%q is empty; send at least one text", name)}
	}
	if len(texts) > h.lim.MaxTexts {
		return badRequest("too many texts in %q: %d (the limit is %d per request); split them over several requests", name, len(texts), h.lim.MaxTexts)
	}
	return nil
}

func parseKind(k Kind) (Kind, error) {
	switch k {
	case KindDefault, KindQuery, KindDocument:
		return k, nil
	}
	return "", badRequest("unknown kind %q; want %q, %q or none", k, KindQuery, KindDocument)
}

// callOptions are the per-call options a request sets (nil or false:
// the encoder's own).
type callOptions struct {
	chunk        *bool
	chunkOverlap *int
	truncateLeft bool
	promptName   *string
}

// encodeOptions returns the encoder's options changed as c says, or nil
// when c changes nothing.
func (h *handler) encodeOptions(c callOptions) (*splade.EncodeOptions, error) {
	if c.chunk == nil && c.chunkOverlap == nil && !c.truncateLeft && c.promptName == nil {
		return nil, nil
	}
	if h.opt == nil {
		switch {
		case c.promptName != nil && *c.promptName != "":
			return nil, badRequest("prompt_name %q: this model has no prompts; leave prompt_name out", *c.promptName)
		case c.chunk != nil || c.chunkOverlap != nil:
			return nil, badRequest("this encoder does not chunk long texts; leave chunk and chunk_overlap out")
		}
		return nil, nil // truncateLeft: checkLength refuses texts it would cut
	}
	o := h.opt.EncodeOptions()
	if c.chunk != nil {
		o.Chunk = *c.chunk
		if !o.Chunk {
			o.ChunkOverlap = 0
		}
	}
	if c.chunkOverlap != nil {
		o.ChunkOverlap = *c.chunkOverlap
		switch limit := h.maxLength(); {
		case !o.Chunk:
			return nil, badRequest("chunk_overlap %d without chunking; send \"chunk\": true too", o.ChunkOverlap)
		case o.ChunkOverlap < 0:
			return nil, badRequest("chunk_overlap %d is negative", o.ChunkOverlap)
		case limit > 2 && o.ChunkOverlap >= limit-2:
			return nil, badRequest("chunk_overlap %d must be less than the %d tokens of a window (the model's maximum of %d tokens less two special tokens)", o.ChunkOverlap, limit-2, limit)
		}
	}
	o.TruncateLeft = c.truncateLeft
	if c.promptName != nil {
		prompts, _ := h.opt.Prompts()
		p, ok := prompts[*c.promptName]
		if !ok {
			return nil, badRequest("prompt_name %q is not one of the model's prompts (%s)", *c.promptName, promptNames(prompts))
		}
		o.Prompt = p
	}
	return &o, nil
}

func promptNames(prompts map[string]string) string {
	if len(prompts) == 0 {
		return "it has none"
	}
	names := make([]string, 0, len(prompts))
	for n := range prompts {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// maxLength is the encoder's token limit, 0 when unknown.
func (h *handler) maxLength() int {
	if h.tok == nil {
		return 0
	}
	return h.tok.MaxLength()
}

// parsePrune reads OpenSearch's "prune_type" and "prune_ratio".
func parsePrune(typ string, ratio *float32) (sparsevec.Prune, error) {
	t, err := sparsevec.ParsePruneType(typ)
	if err != nil {
		return sparsevec.Prune{}, badRequest("unknown prune_type %q; want \"top_k\", \"max_ratio\", \"alpha_mass\", \"abs_value\" or \"none\"", typ)
	}
	p := sparsevec.Prune{Type: t}
	if ratio != nil {
		p.Ratio = *ratio
	} else if t != sparsevec.PruneNone {
		return sparsevec.Prune{}, badRequest("prune_type %q needs a prune_ratio, such as %s", typ, pruneExample(t))
	}
	if err := p.Validate(); err != nil {
		return sparsevec.Prune{}, badRequest("%s", strings.TrimPrefix(err.Error(), "sparsevec: "))
	}
	return p, nil
}

func pruneExample(t sparsevec.PruneType) string {
	switch t {
	case sparsevec.PruneTopK:
		return `{"prune_type":"top_k","prune_ratio":64}`
	case sparsevec.PruneAbsValue:
		return `{"prune_type":"abs_value","prune_ratio":0.2}`
	}
	return `{"prune_type":"` + string(t) + `","prune_ratio":0.1}`
}

func checkK(name string, k int) error {
	if k < 0 {
		return badRequest("%q is %d; want 0 or more", name, k)
	}
	return nil
}

// admit reserves n texts in the queue; the caller calls release when the
// request is answered.
func (h *handler) admit(n int) (release func(), err error) {
	return h.queue.reserveTexts(n)
}

// run encodes admitted texts when the encoder is free, under the request
// timeout, and checks that the encoder kept its promise of one vector per
// text.
func (h *handler) run(ctx context.Context, texts []string, kind Kind) ([]sparsevec.Vector, error) {
	return h.runWith(ctx, texts, kind, nil)
}

// runWith is run with the per-call options opts (nil: the encoder's own).
func (h *handler) runWith(ctx context.Context, texts []string, kind Kind, opts *splade.EncodeOptions) ([]sparsevec.Vector, error) {
	var vs []sparsevec.Vector
	err := h.queue.encode(ctx, len(texts), func() (err error) {
		if opts != nil {
			vs, err = h.opt.EncodeWith(ctx, texts, kind, *opts)
		} else {
			vs, err = h.enc.Encode(ctx, texts, kind)
		}
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("encoder returned %d vectors for %d texts", len(vs), len(texts))
	}
	if h.metrics != nil && h.batcher == nil {
		h.metrics.ObserveBatch(len(texts), h.countTokens(texts))
	}
	return vs, nil
}

// countTokens returns the tokens the encoder reads of texts, after
// truncation; 0 when it does not say.
func (h *handler) countTokens(texts []string) int {
	if h.tok == nil {
		return 0
	}
	limit := h.tok.MaxLength()
	n := 0
	for _, t := range texts {
		k := len(h.tok.Tokenize(t))
		if limit > 0 {
			k = min(k, limit)
		}
		n += k
	}
	return n
}

func (h *handler) context(r *http.Request) (context.Context, context.CancelFunc) {
	if h.lim.Timeout < 0 {
		return context.WithCancel(r.Context())
	}
	return context.WithTimeout(r.Context(), h.lim.Timeout)
}

const encodeExample = `{"texts":["a text"],"kind":"query"}`

func (h *handler) encode(w http.ResponseWriter, r *http.Request) error {
	var req api.EncodeRequest
	if err := h.readRequest(w, r, &req, encodeExample); err != nil {
		return err
	}
	kind, err := parseKind(req.Kind)
	if err != nil {
		return err
	}
	if err := h.checkTexts("texts", req.Texts); err != nil {
		return err
	}
	if err := checkK("max_active_dims", req.MaxActiveDims); err != nil {
		return err
	}
	prune, err := parsePrune(req.PruneType, req.PruneRatio)
	if err != nil {
		return err
	}
	opts, err := h.encodeOptions(callOptions{chunk: req.Chunk, chunkOverlap: req.ChunkOverlap})
	if err != nil {
		return err
	}
	release, err := h.admit(len(req.Texts))
	if err != nil {
		return err
	}
	defer release()
	ctx := r.Context()
	vs, err := h.runWith(ctx, req.Texts, kind, opts)
	if err != nil {
		return err
	}
	resp := api.EncodeResponse{Model: h.enc.Model(), Dim: h.enc.Dim(), Vectors: make([]api.Vector, len(vs))}
	for i, v := range vs {
		v = v.KeepTop(req.MaxActiveDims).Prune(prune)
		n := v.Len()
		wv := api.Vector{Indices: v.Indices[:n:n], Values: v.Values[:n:n]}
		if wv.Indices == nil {
			wv.Indices, wv.Values = []uint32{}, []float32{}
		}
		resp.Vectors[i] = wv
	}
	return writeJSON(w, resp)
}

const similarityExample = `{"queries":["a question"],"documents":["a passage"],"fn":"dot"}`

func (h *handler) similarity(w http.ResponseWriter, r *http.Request) error {
	var req api.SimilarityRequest
	if err := h.readRequest(w, r, &req, similarityExample); err != nil {
		return err
	}
	fn, err := sparsevec.ParseFunc(string(req.Fn))
	if err != nil {
		return badRequest("unknown fn %q; want %q or %q", req.Fn, sparsevec.DotFunc, sparsevec.CosineFunc)
	}
	if err := h.checkTexts("queries", req.Queries); err != nil {
		return err
	}
	if err := h.checkTexts("documents", req.Documents); err != nil {
		return err
	}
	if n := len(req.Queries) + len(req.Documents); n > h.lim.MaxTexts {
		return badRequest("too many texts: %d queries and %d documents (the limit is %d texts per request); split them over several requests", len(req.Queries), len(req.Documents), h.lim.MaxTexts)
	}
	release, err := h.admit(len(req.Queries) + len(req.Documents))
	if err != nil {
		return err
	}
	defer release()
	ctx := r.Context()
	qs, err := h.run(ctx, req.Queries, KindQuery)
	if err != nil {
		return err
	}
	ds, err := h.run(ctx, req.Documents, KindDocument)
	if err != nil {
		return err
	}
	return writeJSON(w, api.SimilarityResponse{Model: h.enc.Model(), Fn: fn, Scores: sparsevec.Similarity(qs, ds, fn)})
}

const (
	decodeExample = `{"texts":["a text"],"top_k":10}`
	defaultTopK   = 10
)

func (h *handler) decode(w http.ResponseWriter, r *http.Request) error {
	var req api.DecodeRequest
	if err := h.readRequest(w, r, &req, decodeExample); err != nil {
		return err
	}
	kind, err := parseKind(req.Kind)
	if err != nil {
		return err
	}
	if err := h.checkTexts("texts", req.Texts); err != nil {
		return err
	}
	k := defaultTopK
	if req.TopK != nil {
		k = *req.TopK
	}
	if err := checkK("top_k", k); err != nil {
		return err
	}
	release, err := h.admit(len(req.Texts))
	if err != nil {
		return err
	}
	defer release()
	ctx := r.Context()
	vs, err := h.run(ctx, req.Texts, kind)
	if err != nil {
		return err
	}
	resp := api.DecodeResponse{Model: h.enc.Model(), Results: make([]api.DecodeResult, len(vs))}
	for i, v := range vs {
		resp.Results[i].Tokens = sparsevec.Terms(v, k, h.enc.Token)
	}
	return writeJSON(w, resp)
}
