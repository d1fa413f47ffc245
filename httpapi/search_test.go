package httpapi

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/index"
)

// searchDocs are indexed with fakeEncoder's document vectors (a weight per
// word occurrence).
var searchDocs = []struct{ id, text string }{
	{"cat", "cat cat sat on the mat"},
	{"dog", "the dog sat"},
	{"car", "a red car"},
	{"cat2", "cat cat sat on the mat"}, // the same as "cat": a tie
}

func newSearchHandler(t *testing.T, enc Encoder) http.Handler {
	t.Helper()
	path := filepath.Join(t.TempDir(), "docs.idx")
	b, err := index.Create(path, fakeDim, index.Options{Model: "fake/model"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	for _, d := range searchDocs {
		if err := b.Add(d.id, fakeVector(d.text, KindDocument)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := WithSearch(newTestHandler(enc), ix)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSearch(t *testing.T) {
	h := newSearchHandler(t, &fakeEncoder{})
	for _, exhaustive := range []bool{false, true} {
		r := do(t, h, http.MethodPost, "/search", fmt.Sprintf(`{"queries":["cat sat","red car","zebra"],"top_k":3,"exhaustive":%v}`, exhaustive))
		if r.status != http.StatusOK {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		var resp api.SearchResponse
		decodeJSON(t, r, &resp)
		// Query words weigh 1 and document words their count: "cat sat"
		// scores cat 2+1, cat2 the same (after it by id), dog 1.
		want := [][]index.Hit{
			{{ID: "cat", Score: 3}, {ID: "cat2", Score: 3}, {ID: "dog", Score: 1}},
			{{ID: "car", Score: 2}},
			{},
		}
		if resp.Model != "fake/model" || resp.Documents != 4 || len(resp.Results) != 3 {
			t.Fatalf("response %s", r.body)
		}
		for i, res := range resp.Results {
			if res.ID != i || fmt.Sprint(res.Hits) != fmt.Sprint(want[i]) || res.Hits == nil {
				t.Errorf("result %d: id %d hits %v, want %v", i, res.ID, res.Hits, want[i])
			}
		}
	}
	r := do(t, h, http.MethodPost, "/search", `{"queries":["cat"]}`)
	var resp api.SearchResponse
	decodeJSON(t, r, &resp)
	if len(resp.Results[0].Hits) != 2 {
		t.Errorf("default top_k: %s", r.body)
	}
}

func TestSearchErrors(t *testing.T) {
	h := newSearchHandler(t, &fakeEncoder{})
	for _, c := range []struct {
		method, body string
		status       int
		want         string
	}{
		{http.MethodGet, "", http.StatusMethodNotAllowed, "use POST"},
		{http.MethodPost, `{"queries":[]}`, http.StatusBadRequest, "empty"},
		{http.MethodPost, `{"queries":["a"],"top_k":0}`, http.StatusBadRequest, "top_k"},
		{http.MethodPost, `{"texts":["a"]}`, http.StatusBadRequest, "unknown field"},
		{http.MethodPost, `{"queries":["a"]`, http.StatusBadRequest, "invalid JSON"},
		{http.MethodPost, `{"queries":["` + strings.Repeat("a ", 1<<20) + `"]}`, http.StatusRequestEntityTooLarge, "larger than"},
	} {
		r := do(t, h, c.method, "/search", c.body)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s /search %.40s: %d %s, want %d saying %q", c.method, c.body, r.status, r.body, c.status, c.want)
		}
	}
	if r := do(t, h, http.MethodGet, "/healthz", ""); r.status != http.StatusOK {
		t.Errorf("other paths are not passed on: /healthz %d", r.status)
	}
	if r := do(t, newSearchHandler(t, &fakeEncoder{err: fmt.Errorf("boom")}), http.MethodPost, "/search", `{"queries":["a"]}`); r.status != http.StatusInternalServerError {
		t.Errorf("encoder failure: %d %s", r.status, r.body)
	}
}

func TestSearchConcurrent(t *testing.T) {
	h := newSearchHandler(t, &fakeEncoder{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				r := do(t, h, http.MethodPost, "/search", `{"queries":["cat sat"],"top_k":1}`)
				if r.status != http.StatusOK || !strings.Contains(string(r.body), `"hits":[{"id":"cat","score":3}]`) {
					t.Errorf("%d %s", r.status, r.body)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestSearchAdmission checks that /search shares the admission queue of
// the other endpoints: with the queue full, it answers 429.
func TestSearchAdmission(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docs.idx")
	b, err := index.Create(path, fakeDim, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Add("cat", fakeVector("cat", KindDocument))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := WithSearch(NewHandler(&fakeEncoder{block: true}, Limits{MaxTexts: 2, MaxQueueTexts: 2, Timeout: time.Second}, nil), ix)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan response)
	go func() { done <- do(t, h, http.MethodPost, "/encode", `{"texts":["a","b"]}`) }()
	time.Sleep(200 * time.Millisecond) // the blocked /encode holds the queue
	if r := do(t, h, http.MethodPost, "/search", `{"queries":["cat"]}`); r.status != http.StatusTooManyRequests {
		t.Errorf("/search with the queue full: %d %s, want 429", r.status, r.body)
	}
	<-done
	if _, err := WithSearch(http.NotFoundHandler(), ix); err == nil {
		t.Error("WithSearch over another handler: no error")
	}
}
