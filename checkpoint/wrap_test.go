package checkpoint

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestErrorsWrap: the errors of reading a damaged file wrap their cause,
// so that callers can tell them apart with errors.As.
func TestErrorsWrap(t *testing.T) {
	_, err := ReadConfig([]byte(`{"model_type": "bert",`))
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Errorf("ReadConfig of truncated JSON: %v (%T), want an error wrapping *json.SyntaxError", err, err)
	}
	_, err = ReadConfig([]byte(`{"model_type": "bert", "hidden_size": "wide"}`))
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field != "hidden_size" {
		t.Errorf("ReadConfig of a string size: %v (%T), want an error wrapping *json.UnmarshalTypeError of hidden_size", err, err)
	}
}
