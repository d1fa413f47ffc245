package teispec

import (
	"net/http"
	"testing"
)

// TestTEISpecRefuses checks that the validator can fail: responses that
// break TEI's schemas are refused.
func TestTEISpecRefuses(t *testing.T) {
	spec := Load(t)
	js := http.Header{"Content-Type": {"application/json"}}
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/embed_sparse", 200, `[{"index":1,"value":2}]`},
		{"POST", "/embed_sparse", 200, `[[{"index":-1,"value":2}]]`},
		{"POST", "/embed_sparse", 200, `[[{"index":1}]]`},
		{"POST", "/embed_sparse", 429, `{"error":"busy"}`},
		{"POST", "/embed_sparse", 429, `{"error":"busy","error_type":"busy"}`},
		{"POST", "/embed_sparse", 418, `{"error":"x","error_type":"Validation"}`},
		{"POST", "/tokenize", 200, `[[{"id":1,"text":"a"}]]`},
		{"GET", "/info", 200, `{"model_id":"m"}`},
	} {
		if err := spec.Validate(c.method, c.path, `{"inputs":"a"}`, c.status, js, []byte(c.body)); err == nil {
			t.Errorf("%s %s %d %s: accepted, want refused", c.method, c.path, c.status, c.body)
		}
	}
	if err := spec.Validate("POST", "/embed_sparse", `{"inputs":"a"}`, 429, js, []byte(`{"error":"busy","error_type":"Overloaded"}`)); err != nil {
		t.Errorf("a valid 429 refused: %v", err)
	}
}
