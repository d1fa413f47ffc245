package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/splade-go/splade"
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

// Limits bounds the work one request may ask for. A zero field takes its
// value from [DefaultLimits]; a negative Timeout means no timeout.
type Limits struct {
	MaxBodyBytes int64         // largest request body; larger ones get 413
	MaxTexts     int           // most texts in one request (queries and documents together)
	Timeout      time.Duration // longest time to serve one request; longer ones get 503
}

// DefaultLimits returns the limits of `splade serve`: a 1 MiB body, 256
// texts per request and 30 seconds per request.
func DefaultLimits() Limits {
	return Limits{MaxBodyBytes: 1 << 20, MaxTexts: 256, Timeout: 30 * time.Second}
}

// NewHandler returns the HTTP handler of the API described in the package
// documentation, serving enc within the limits lim.
func NewHandler(enc Encoder, lim Limits) http.Handler {
	def := DefaultLimits()
	if lim.MaxBodyBytes <= 0 {
		lim.MaxBodyBytes = def.MaxBodyBytes
	}
	if lim.MaxTexts <= 0 {
		lim.MaxTexts = def.MaxTexts
	}
	if lim.Timeout == 0 {
		lim.Timeout = def.Timeout
	}
	return &handler{enc: enc, lim: lim}
}

type handler struct {
	enc Encoder
	lim Limits
}

// apiError is an error with the status code and message for the client.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var (
		method string
		serve  func(http.ResponseWriter, *http.Request) error
	)
	switch r.URL.Path {
	case "/":
		method, serve = http.MethodGet, h.usage
	case "/healthz":
		method, serve = http.MethodGet, h.health
	case "/encode":
		method, serve = http.MethodPost, h.encode
	case "/similarity":
		method, serve = http.MethodPost, h.similarity
	case "/decode":
		method, serve = http.MethodPost, h.decode
	default:
		Error(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s; the endpoints are POST /encode, POST /similarity, POST /decode, GET /healthz and GET /", r.URL.Path))
		return
	}
	allowed := r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead)
	if !allowed {
		allow := method
		if method == http.MethodGet {
			allow = "GET, HEAD"
		}
		w.Header().Set("Allow", allow)
		Error(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s; use %s", r.Method, r.URL.Path, method))
		return
	}
	if err := serve(w, r); err != nil {
		h.fail(w, r, err)
	}
}

// fail turns err into an error response.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		Error(w, ae.status, ae.msg)
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

// Error answers {"error": msg} with the status code, as every error of the
// API is answered; front ends that wrap the handler use it for their own
// errors so that clients see one shape.
func Error(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
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

const usage = `SPLADE sparse encoder (%s, backend %s, %d dimensions)

POST /encode      {"texts":["..."], "kind":"query"|"document", "max_active_dims":k}
POST /similarity  {"queries":["..."], "documents":["..."], "fn":"dot"|"cosine"}
POST /decode      {"texts":["..."], "top_k":10}
GET  /healthz

Example:
  curl -s localhost:8080/encode -d '{"texts":["what is splade?"],"kind":"query"}'

Limits: %d texts and %d bytes per request, %v per request.
`

func (h *handler) usage(w http.ResponseWriter, r *http.Request) error {
	body := fmt.Sprintf(usage, h.enc.Model(), h.enc.Backend(), h.enc.Dim(), h.lim.MaxTexts, h.lim.MaxBodyBytes, h.timeoutText())
	writeBody(w, http.StatusOK, "text/plain; charset=utf-8", []byte(body))
	return nil
}

func (h *handler) timeoutText() string {
	if h.lim.Timeout < 0 {
		return "no time limit"
	}
	return h.lim.Timeout.String()
}

func (h *handler) health(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, struct {
		Status  string `json:"status"`
		Model   string `json:"model"`
		Backend string `json:"backend"`
		Dim     int    `json:"dim"`
	}{"ok", h.enc.Model(), h.enc.Backend(), h.enc.Dim()})
}

// readRequest decodes the JSON body of r into dst, refusing unknown
// fields and trailing data. example, a valid request, goes into messages.
func (h *handler) readRequest(w http.ResponseWriter, r *http.Request, dst any, example string) error {
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
	)
	switch {
	case errors.As(err, &mbe):
		return err
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
	}
	return goType
}

func (h *handler) checkTexts(name string, texts []string) error {
	if len(texts) == 0 {
		return badRequest("%q is empty; send at least one text", name)
	}
	if len(texts) > h.lim.MaxTexts {
		return badRequest("too many texts in %q: %d (the limit is %d per request); split them over several requests", name, len(texts), h.lim.MaxTexts)
	}
	return nil
}

func parseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindDefault, KindQuery, KindDocument:
		return k, nil
	}
	return "", badRequest("unknown kind %q; want %q, %q or none", s, KindQuery, KindDocument)
}

func checkK(name string, k int) error {
	if k < 0 {
		return badRequest("%q is %d; want 0 or more", name, k)
	}
	return nil
}

// run encodes texts under the request timeout and checks that the encoder
// kept its promise of one valid vector per text.
func (h *handler) run(ctx context.Context, texts []string, kind Kind) ([]sparsevec.Vector, error) {
	vs, err := h.enc.Encode(ctx, texts, kind)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("encoder returned %d vectors for %d texts", len(vs), len(texts))
	}
	return vs, nil
}

func (h *handler) context(r *http.Request) (context.Context, context.CancelFunc) {
	if h.lim.Timeout < 0 {
		return context.WithCancel(r.Context())
	}
	return context.WithTimeout(r.Context(), h.lim.Timeout)
}

type encodeRequest struct {
	Texts         []string `json:"texts"`
	Kind          string   `json:"kind"`
	MaxActiveDims int      `json:"max_active_dims"`
}

type wireVector struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
}

type encodeResponse struct {
	Model   string       `json:"model"`
	Dim     int          `json:"dim"`
	Vectors []wireVector `json:"vectors"`
}

const encodeExample = `{"texts":["a text"],"kind":"query"}`

func (h *handler) encode(w http.ResponseWriter, r *http.Request) error {
	var req encodeRequest
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
	ctx, cancel := h.context(r)
	defer cancel()
	vs, err := h.run(ctx, req.Texts, kind)
	if err != nil {
		return err
	}
	resp := encodeResponse{Model: h.enc.Model(), Dim: h.enc.Dim(), Vectors: make([]wireVector, len(vs))}
	for i, v := range vs {
		v = v.KeepTop(req.MaxActiveDims)
		n := v.Len()
		wv := wireVector{Indices: v.Indices[:n:n], Values: v.Values[:n:n]}
		if wv.Indices == nil {
			wv.Indices, wv.Values = []uint32{}, []float32{}
		}
		resp.Vectors[i] = wv
	}
	return writeJSON(w, resp)
}

type similarityRequest struct {
	Queries   []string `json:"queries"`
	Documents []string `json:"documents"`
	Fn        string   `json:"fn"`
}

type similarityResponse struct {
	Model  string         `json:"model"`
	Fn     sparsevec.Func `json:"fn"`
	Scores [][]float32    `json:"scores"`
}

const similarityExample = `{"queries":["a question"],"documents":["a passage"],"fn":"dot"}`

func (h *handler) similarity(w http.ResponseWriter, r *http.Request) error {
	var req similarityRequest
	if err := h.readRequest(w, r, &req, similarityExample); err != nil {
		return err
	}
	fn, err := sparsevec.ParseFunc(req.Fn)
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
	ctx, cancel := h.context(r)
	defer cancel()
	qs, err := h.run(ctx, req.Queries, KindQuery)
	if err != nil {
		return err
	}
	ds, err := h.run(ctx, req.Documents, KindDocument)
	if err != nil {
		return err
	}
	return writeJSON(w, similarityResponse{Model: h.enc.Model(), Fn: fn, Scores: sparsevec.Similarity(qs, ds, fn)})
}

type decodeRequest struct {
	Texts []string `json:"texts"`
	TopK  *int     `json:"top_k"`
	Kind  string   `json:"kind"`
}

type decodeResult struct {
	Tokens []sparsevec.Term `json:"tokens"`
}

type decodeResponse struct {
	Model   string         `json:"model"`
	Results []decodeResult `json:"results"`
}

const (
	decodeExample = `{"texts":["a text"],"top_k":10}`
	defaultTopK   = 10
)

func (h *handler) decode(w http.ResponseWriter, r *http.Request) error {
	var req decodeRequest
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
	ctx, cancel := h.context(r)
	defer cancel()
	vs, err := h.run(ctx, req.Texts, kind)
	if err != nil {
		return err
	}
	resp := decodeResponse{Model: h.enc.Model(), Results: make([]decodeResult, len(vs))}
	for i, v := range vs {
		resp.Results[i].Tokens = sparsevec.Terms(v, k, h.enc.Token)
	}
	return writeJSON(w, resp)
}
