package httpapi

import (
	"fmt"
	"net/http"

	"github.com/splade-go/splade/api"
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
	withIx := *h
	withIx.ix = ix
	withIx.mux = withIx.newMux()
	return &withIx, nil
}

const searchExample = `{"queries":["what is splade?"],"top_k":10}`

func (h *handler) search(w http.ResponseWriter, r *http.Request) error {
	var req api.SearchRequest
	if err := h.readRequest(w, r, &req, searchExample); err != nil {
		return err
	}
	if err := h.checkTexts("queries", req.Queries); err != nil {
		return err
	}
	k := 10
	if req.TopK != nil {
		k = *req.TopK
	}
	if k < 1 {
		return badRequest("\"top_k\" is %d; want 1 or more", k)
	}
	release, err := h.admit(len(req.Queries))
	if err != nil {
		return err
	}
	defer release()
	ctx := r.Context()
	qs, err := h.run(ctx, req.Queries, KindQuery)
	if err != nil {
		return err
	}
	resp := api.SearchResponse{Model: h.enc.Model(), Documents: h.ix.Len(), Results: make([]api.SearchResult, len(qs))}
	for i, q := range qs {
		if err := ctx.Err(); err != nil {
			return err
		}
		hits, err := h.ix.Search(q, k, index.SearchOptions{Exhaustive: req.Exhaustive})
		if err != nil {
			return err
		}
		resp.Results[i] = api.SearchResult{ID: i, Hits: hits}
	}
	return writeJSON(w, resp)
}
