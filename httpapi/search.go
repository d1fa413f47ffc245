package httpapi

import (
	"fmt"
	"net/http"

	"github.com/splade-go/splade/index"
)

// WithSearch returns a handler that serves POST /search over the index ix,
// encoding queries with enc (as queries: an inference-free model looks
// them up), and hands every other request to next (the handler of
// [NewHandler]):
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
// 503 past the timeout. The index is read-only, so concurrent requests are
// safe. ix must hold vectors of enc's dimension.
func WithSearch(next http.Handler, enc Encoder, ix *index.Index, lim Limits) http.Handler {
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
	return &searchHandler{h: &handler{enc: enc, lim: lim}, ix: ix, next: next}
}

type searchHandler struct {
	h    *handler
	ix   *index.Index
	next http.Handler
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
		s.next.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		Error(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on /search; use POST", r.Method))
		return
	}
	if err := s.search(w, r); err != nil {
		s.h.fail(w, r, err)
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
	ctx, cancel := s.h.context(r)
	defer cancel()
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
