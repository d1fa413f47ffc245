// Package teispec checks HTTP exchanges against TEI's OpenAPI document
// (text-embeddings-inference 1.9.3, ../shared/conformance/tei/openapi.json)
// with github.com/getkin/kin-openapi, for the tests of `splade serve` and
// of the worker.
package teispec

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// Spec is TEI 1.9.3's OpenAPI document (../shared/conformance/tei),
// against which the TEI endpoints' requests and responses are validated.
type Spec struct {
	router routers.Router
}

func Load(t testing.TB) *Spec {
	t.Helper()
	path := reference.Shared(t, filepath.Join("conformance", "tei", "openapi.json"))
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	// TEI's document writes its defaults and examples as strings
	// ("false", "null"), which the validator would refuse; they play no
	// part in checking our responses.
	router, err := legacyrouter.NewRouter(doc, openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableExamplesValidation())
	if err != nil {
		t.Fatalf("router of %s: %v", path, err)
	}
	return &Spec{router: router}
}

// Call sends one request to the server at base, checks the request and
// the response against the spec, and returns the response's status and
// body.
func (s *Spec) Call(t testing.TB, base, method, path, body string) (int, []byte, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := s.Validate(method, path, body, resp.StatusCode, resp.Header, data); err != nil {
		t.Error(err)
	}
	return resp.StatusCode, data, resp.Header
}

// Validate checks a response to a request against the spec.
func (s *Spec) Validate(method, path, reqBody string, status int, hdr http.Header, body []byte) error {
	ctx := context.Background()
	// The spec's paths are relative to any server: route a copy of the
	// request without a host.
	vreq, _ := http.NewRequest(method, path, bytes.NewReader([]byte(reqBody)))
	if reqBody != "" {
		vreq.Header.Set("Content-Type", "application/json")
	}
	route, params, err := s.router.FindRoute(vreq)
	if err != nil {
		return fmt.Errorf("%s %s is not in TEI's spec: %w", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	reqOK := openapi3filter.ValidateRequest(ctx, in) == nil
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: hdr,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s %s %.60s (request valid per spec: %v): response %d %.200s does not conform to TEI's spec: %w", method, path, reqBody, reqOK, status, body, err)
	}
	return nil
}
