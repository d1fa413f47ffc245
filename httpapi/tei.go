package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/splade-go/splade/api"
)

// The endpoints of HuggingFace text-embeddings-inference (TEI 1.9.3) that
// a sparse encoder serves, with TEI's request and response shapes, so
// that TEI clients work unchanged.

const embedSparseExample = `{"inputs":"a text","truncate":true}`

// checkInputs applies TEI's batch rules: an empty batch is 400 "Empty",
// one over the client batch size 413 "Validation".
func (h *handler) checkInputs(in api.Inputs) error {
	if in == nil {
		return &apiError{status: http.StatusUnprocessableEntity, msg: `missing field "inputs"; send an object like ` + embedSparseExample}
	}
	if len(in) == 0 {
		return &apiError{status: http.StatusBadRequest, errType: api.ErrorEmpty, msg: "Batch is empty; send at least one text in \"inputs\""}
	}
	if len(in) > h.lim.MaxTexts {
		return &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("batch size %d > maximum allowed batch size %d; split the inputs over several requests", len(in), h.lim.MaxTexts)}
	}
	return nil
}

func checkPrompt(name *string) error {
	if name != nil && *name != "" {
		return badRequest("prompt_name %q: this model has no prompts; leave prompt_name out", *name)
	}
	return nil
}

// checkLength refuses texts longer than the model reads, unless truncate
// is set (413, as TEI); with truncation on the left, which the encoders
// here do not do, it refuses texts that would be truncated.
func (h *handler) checkLength(in api.Inputs, truncate bool, direction string) error {
	left := false
	switch strings.ToLower(direction) {
	case "", "right":
	case "left":
		left = true
	default:
		return badRequest("unknown truncation_direction %q; want \"Right\" or \"Left\"", direction)
	}
	if h.tok == nil || (truncate && !left) {
		return nil
	}
	limit := h.tok.MaxLength()
	if limit <= 0 {
		return nil
	}
	for i, text := range in {
		n := len(h.tok.Tokenize(text))
		if n <= limit {
			continue
		}
		if !truncate {
			return &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("input %d has %d tokens, more than the model's maximum of %d; send \"truncate\": true or a shorter text", i, n, limit)}
		}
		return badRequest("input %d has %d tokens, more than the model's maximum of %d, and this server truncates only on the right; send \"truncation_direction\": \"Right\" or a shorter text", i, n, limit)
	}
	return nil
}

func (h *handler) embedSparse(w http.ResponseWriter, r *http.Request) error {
	var req api.EmbedSparseRequest
	if err := h.readRequest(w, r, &req, embedSparseExample); err != nil {
		return err
	}
	if err := h.checkInputs(req.Inputs); err != nil {
		return err
	}
	if err := checkPrompt(req.PromptName); err != nil {
		return err
	}
	if err := h.checkLength(req.Inputs, req.Truncate != nil && *req.Truncate, req.TruncationDirection); err != nil {
		return err
	}
	prune, err := parsePrune(req.PruneType, req.PruneRatio)
	if err != nil {
		return err
	}
	release, err := h.admit(len(req.Inputs))
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := h.context(r)
	defer cancel()
	vs, err := h.run(ctx, req.Inputs, KindDefault)
	if err != nil {
		return err
	}
	out := make([][]api.SparseValue, len(vs))
	for i, v := range vs {
		v = v.Prune(prune)
		n := v.Len()
		out[i] = make([]api.SparseValue, n)
		for j := range n {
			out[i][j] = api.SparseValue{Index: v.Indices[j], Value: v.Values[j]}
		}
	}
	return writeJSON(w, out)
}

func (h *handler) tokenize(w http.ResponseWriter, r *http.Request) error {
	var req api.TokenizeRequest
	if err := h.readRequest(w, r, &req, `{"inputs":"a text"}`); err != nil {
		return err
	}
	if h.tok == nil {
		return &apiError{status: http.StatusNotImplemented, msg: "this encoder does not expose its tokenizer"}
	}
	if err := h.checkInputs(req.Inputs); err != nil {
		return err
	}
	if err := checkPrompt(req.PromptName); err != nil {
		return err
	}
	special := req.AddSpecialTokens == nil || *req.AddSpecialTokens
	out := make([][]api.Token, len(req.Inputs))
	for i, text := range req.Inputs {
		toks := h.tok.Tokenize(text)
		out[i] = make([]api.Token, 0, len(toks))
		for _, t := range toks {
			if t.Special && !special {
				continue
			}
			out[i] = append(out[i], t)
		}
	}
	return writeJSON(w, out)
}

// Version is the version /info reports.
const Version = "splade-go (TEI 1.9.3 API)"

func (h *handler) info(w http.ResponseWriter, r *http.Request) error {
	maxLen := 0
	if h.tok != nil {
		maxLen = h.tok.MaxLength()
	}
	in := api.Info{
		ModelID:               h.enc.Model(),
		ModelDtype:            "float32",
		ServedModelName:       h.enc.Model(),
		MaxConcurrentRequests: h.lim.MaxConcurrentRequests,
		MaxInputLength:        maxLen,
		MaxBatchTokens:        h.maxBatchTokens(maxLen),
		MaxClientBatchSize:    h.lim.MaxTexts,
		AutoTruncate:          false,
		TokenizationWorkers:   1,
		Version:               Version,
		Dim:                   h.enc.Dim(),
		Backend:               h.enc.Backend(),
	}
	in.ModelType.Embedding.Pooling = "splade"
	return writeJSON(w, in)
}

// maxBatchTokens is /info's max_batch_tokens: the Batcher's limit, else
// the tokens of one full request, which the encoder runs at once.
func (h *handler) maxBatchTokens(maxLen int) int {
	if h.batcher != nil {
		return h.batcher.MaxBatchTokens()
	}
	return h.lim.MaxTexts * maxLen
}

// teiHealth is TEI's /health: 200 with an empty body when the model
// serves.
func (h *handler) teiHealth(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *handler) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	if h.metrics == nil {
		Error(w, http.StatusNotFound, "this server keeps no metrics")
		return nil
	}
	h.metrics.ServeHTTP(w, r)
	return nil
}
