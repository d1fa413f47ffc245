package httpapi

import (
	"cmp"
	"fmt"
	"net/http"
	"time"

	"github.com/splade-go/splade/index"
)

// WithSearch returns a handler that serves POST /search over the index ix
// and hands every other request to next, which must be a handler of
// [NewHandler]: queries are encoded by its encoder, as queries (an
// inference-free model looks them up), within its limits, admission queue
// and metrics.
//
//	POST /search  {"queries":["..."], "top_k":10, "exhaustive":false}
//	              -> {"model":"...", "documents":1400, "results":[{"id":0, "hits":[{"id":"<doc id>", "score":s}, ...]}, ...]}
//
// Each result holds the top_k documents (default 10) of largest dot
// product with its query, best first, only those scoring above 0, equal
// scores by document id ascending; "id" is the query's position in the
// request. "exhaustive" turns MaxScore pruning off (the same hits).
// Requests are refused as by the other endpoints: 400 for an empty or too
// long list of queries or a top_k below 1, 413 for a body over the limit,
// 429 when the queue is full, 503 past the timeout. The index is
// read-only, so concurrent requests are safe. ix must hold vectors of the
// encoder's dimension.
func WithSearch(next http.Handler, ix *index.Index) (http.Handler, error) {
	h, ok := next.(*handler)
	if !ok {
		return nil, fmt.Errorf("httpapi: WithSearch needs the handler NewHandler returns, not a %T", next)
	}
	if ix.Dim() != h.enc.Dim() {
		return nil, fmt.Errorf("httpapi: the index holds %d-dimensional vectors (model %s), the encoder %s makes %d", ix.Dim(), ix.Model(), h.enc.Model(), h.enc.Dim())
	}
	return &searchHandler{h: h, ix: ix}, nil
}

type searchHandler struct {
	h  *handler
	ix *index.Index
}

type searchRequest struct {
	Queries    []string `json:"queries"`
	TopK       *int     `json:"top_k"`
	Exhaustive bool     `json:"exhaustive"`
}

type searchResult struct {
	ID   int         `json:"id"`
	Hits []index.Hit `json:"hits"`
}

type searchResponse struct {
	Model     string         `json:"model"`
	Documents int            `json:"documents"`
	Results   []searchResult `json:"results"`
}

const searchExample = `{"queries":["what is splade?"],"top_k":10}`

func (s *searchHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/search" {
		s.h.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	if r.Method != http.MethodPost {
		sw.Header().Set("Allow", http.MethodPost)
		Error(sw, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on /search; use POST", r.Method))
	} else {
		s.h.servePost(sw, r, s.search)
	}
	if s.h.metrics != nil {
		s.h.metrics.ObserveRequest("/search", cmp.Or(sw.status, http.StatusOK), time.Since(start))
	}
}

func (s *searchHandler) search(w http.ResponseWriter, r *http.Request) error {
	var req searchRequest
	if err := s.h.readRequest(w, r, &req, searchExample); err != nil {
		return err
	}
	if err := s.h.checkTexts("queries", req.Queries); err != nil {
		return err
	}
	k := 10
	if req.TopK != nil {
		k = *req.TopK
	}
	if k < 1 {
		return badRequest("\"top_k\" is %d; want 1 or more", k)
	}
	release, err := s.h.admit(len(req.Queries))
	if err != nil {
		return err
	}
	defer release()
	ctx := r.Context()
	qs, err := s.h.run(ctx, req.Queries, KindQuery)
	if err != nil {
		return err
	}
	resp := searchResponse{Model: s.h.enc.Model(), Documents: s.ix.Len(), Results: make([]searchResult, len(qs))}
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return err
		}
		hits, err := s.ix.Search(q, k, index.SearchOptions{Exhaustive: req.Exhaustive})
		if err != nil {
			return err
		}
		resp.Results[i] = searchResult{ID: i, Hits: hits}
	}
	return writeJSON(w, resp)
}
