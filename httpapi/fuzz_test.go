package httpapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/splade-go/splade/api"
)

// fuzzPaths are the endpoints FuzzHandler posts its bodies to.
var fuzzPaths = []string{"/encode", "/similarity", "/decode", "/embed_sparse", "/tokenize", "/info", "/health", "/healthz", "/metrics", "/", "/nope"}

// FuzzHandler posts arbitrary bodies to every endpoint: the handler never
// panics, answers a real HTTP status, and every error (4xx/5xx) carries
// TEI's error body with a message.
func FuzzHandler(f *testing.F) {
	seeds := []string{
		`{"texts":["the weather is lovely"]}`,
		`{"texts":["a b"],"kind":"query","max_active_dims":1}`,
		`{"queries":["q"],"documents":["d e","f"]}`,
		`{"texts":["x y z"],"top_k":2}`,
		`{"inputs":"one text","truncate":true}`,
		`{"inputs":["a","b"],"truncate":false,"truncation_direction":"Right"}`,
		`{"inputs":[1,2,3]}`,
		`{"texts":[]}`,
		`{"texts":null}`,
		`[`,
		``,
		`{"texts":["\xff\xfe"]}`,
		`{"texts":["a"],"kind":"sideways"}`,
		`{"inputs":"` + strings.Repeat("w ", 300) + `"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	h := newTestHandler(&fakeEncoder{})
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := fuzzPaths[int(which)%len(fuzzPaths)]
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("POST %s %q: status %d", path, body, rec.Code)
		}
		if rec.Code >= 400 {
			var e api.Error
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Message == "" || e.Type == "" {
				t.Fatalf("POST %s %q: status %d with body %q, want TEI's {error, error_type}", path, body, rec.Code, rec.Body.Bytes())
			}
		}
	})
}
