package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Client calls the HTTP API of a splade server: `splade serve`, the
// Cloudflare Worker, or (for EmbedSparse, Tokenize and Info)
// text-embeddings-inference itself. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
}

// NewClient returns a client of the server at base, such as
// "http://127.0.0.1:8080", sending its requests with hc
// (nil: http.DefaultClient).
func NewClient(base string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("api: server address %q: %w", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("api: server address %q: want http://host:port or https://host", base)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: u, http: hc}, nil
}

// Encode encodes texts (POST /encode).
func (c *Client) Encode(ctx context.Context, req *EncodeRequest) (*EncodeResponse, error) {
	var resp EncodeResponse
	return &resp, c.do(ctx, http.MethodPost, "/encode", req, &resp)
}

// Similarity scores queries against documents (POST /similarity).
func (c *Client) Similarity(ctx context.Context, req *SimilarityRequest) (*SimilarityResponse, error) {
	var resp SimilarityResponse
	return &resp, c.do(ctx, http.MethodPost, "/similarity", req, &resp)
}

// Decode returns the heaviest terms of texts' vectors (POST /decode).
func (c *Client) Decode(ctx context.Context, req *DecodeRequest) (*DecodeResponse, error) {
	var resp DecodeResponse
	return &resp, c.do(ctx, http.MethodPost, "/decode", req, &resp)
}

// Search searches the server's index (POST /search).
func (c *Client) Search(ctx context.Context, req *SearchRequest) (*SearchResponse, error) {
	var resp SearchResponse
	return &resp, c.do(ctx, http.MethodPost, "/search", req, &resp)
}

// EmbedSparse encodes texts as TEI does (POST /embed_sparse): one list of
// non-zero weights per input.
func (c *Client) EmbedSparse(ctx context.Context, req *EmbedSparseRequest) ([][]SparseValue, error) {
	var resp [][]SparseValue
	return resp, c.do(ctx, http.MethodPost, "/embed_sparse", req, &resp)
}

// Tokenize returns the tokens of each input (TEI's POST /tokenize).
func (c *Client) Tokenize(ctx context.Context, req *TokenizeRequest) ([][]Token, error) {
	var resp [][]Token
	return resp, c.do(ctx, http.MethodPost, "/tokenize", req, &resp)
}

// Info describes the model served (TEI's GET /info).
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var resp Info
	return &resp, c.do(ctx, http.MethodGet, "/info", nil, &resp)
}

// Health reports the model, engine and dimension served (GET /healthz).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var resp Health
	return &resp, c.do(ctx, http.MethodGet, "/healthz", nil, &resp)
}

// maxAnswer bounds the bytes of an error answer read.
const maxAnswer = 64 << 10

// do sends body as JSON to path and decodes a 2xx answer into out; any
// other answer is an *Error.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("api: %s %s: encode the request: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	u := c.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return readError(resp)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("api: %s %s: read the answer: %w", method, u.Redacted(), err)
	}
	return nil
}

// readError turns an answer that is not 2xx into an *Error, with the
// server's message when the body is the API's error body.
func readError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	e := &Error{StatusCode: resp.StatusCode}
	if json.Unmarshal(b, e) != nil || e.Message == "" {
		e.Message = strings.TrimSpace(string(b))
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		e.RetryAfter, _ = strconv.Atoi(s)
	}
	e.StatusCode = resp.StatusCode
	return e
}
