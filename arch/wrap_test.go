package arch

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestErrorsWrap: the errors of reading a damaged config.json wrap their
// cause, so that callers can tell them apart with errors.As.
func TestErrorsWrap(t *testing.T) {
	_, err := Parse([]byte(`{"model_type": "bert",`))
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("Parse of truncated JSON: %v (%T), want an error wrapping *json.SyntaxError", err, err)
	}
	_, err = Parse([]byte(`{"model_type": "bert", "hidden_size": "wide"}`))
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		t.Errorf("Parse of a string size: %v (%T), want an error wrapping *json.UnmarshalTypeError", err, err)
	}
}
