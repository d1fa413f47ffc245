package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// byteTokenizer is an encoder whose tokens are the bytes of the text.
type byteTokenizer struct{ fakeEncoder }

func (byteTokenizer) Tokenize(text string) []Token {
	toks := make([]Token, len(text))
	for i := range len(text) {
		toks[i] = Token{ID: int32(text[i]), Text: text[i : i+1]}
	}
	return toks
}

func (byteTokenizer) MaxLength() int { return 512 }

// TestTokenizeAnswerBounded: a /tokenize body within the body limit
// cannot ask for an answer many times its size: past maxTokenizeTokens
// tokens it gets 413.
func TestTokenizeAnswerBounded(t *testing.T) {
	h := newTestHandler(&byteTokenizer{})
	body := `{"inputs":"` + strings.Repeat("a", 1<<19) + `"}`
	r := do(t, h, "POST", "/tokenize", body)
	if r.status != http.StatusRequestEntityTooLarge || len(r.body) > len(body) {
		t.Errorf("/tokenize of %d bytes: %d and %d bytes of answer; want 413 and a short answer", len(body), r.status, len(r.body))
	}
	if r := do(t, h, "POST", "/tokenize", `{"inputs":"abc"}`); r.status != 200 {
		t.Errorf("/tokenize of a short text: %d %s", r.status, r.body)
	}
}

// TestBooleanFieldErrors: a boolean field given another JSON value is
// refused with a message naming that field.
func TestBooleanFieldErrors(t *testing.T) {
	h := newTestHandler(&byteTokenizer{})
	for _, c := range []struct{ path, body, field string }{
		{"/embed_sparse", `{"inputs":"a","truncate":1e999}`, `field \"truncate\"`},
		{"/embed_sparse", `{"inputs":"a","truncate":"yes"}`, `field \"truncate\"`},
		{"/tokenize", `{"inputs":"a","add_special_tokens":1}`, `field \"add_special_tokens\"`},
	} {
		r := do(t, h, "POST", c.path, c.body)
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), c.field) {
			t.Errorf("%s %s: %d %s; want 400 naming %s", c.path, c.body, r.status, r.body, c.field)
		}
	}
	for _, body := range []string{`{"inputs":"a","truncate":null}`, `{"inputs":"a","truncate":true}`} {
		if r := do(t, h, "POST", "/embed_sparse", body); r.status != 200 {
			t.Errorf("/embed_sparse %s: %d %s", body, r.status, r.body)
		}
	}
}
