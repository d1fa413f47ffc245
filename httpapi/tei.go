package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/splade-go/splade"
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

// parseDirection reads TEI's truncation_direction: whether it is "Left".
func parseDirection(direction string) (left bool, err error) {
	switch strings.ToLower(direction) {
	case "", "right":
		return false, nil
	case "left":
		return true, nil
	}
	return false, badRequest("unknown truncation_direction %q; want \"Right\" or \"Left\"", direction)
}

// checkLength refuses texts longer than the model reads (after their
// prompt), unless truncate is set or the texts are chunked (413, as TEI).
// An encoder that takes no options truncates only on the right: with
// left it refuses texts it would truncate.
func (h *handler) checkLength(in api.Inputs, truncate, left bool, opts *splade.EncodeOptions) error {
	limit := h.maxLength()
	rightOnly := left && h.opt == nil
	if (truncate && !rightOnly) || limit <= 0 || (opts != nil && opts.Chunk) || (opts == nil && h.opt != nil && h.opt.EncodeOptions().Chunk) {
		return nil
	}
	prompt := ""
	if opts != nil {
		prompt = opts.Prompt
	} else if h.opt != nil {
		prompt = h.opt.EncodeOptions().Prompt
	}
	for i, text := range in {
		n := len(h.tok.Tokenize(prompt + text))
		if n > limit && truncate {
			return badRequest("input %d has %d tokens, more than the model's maximum of %d, and this server truncates only on the right; send \"truncation_direction\": \"Right\" or a shorter text", i, n, limit)
		}
		if n > limit {
			return &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("input %d has %d tokens, more than the model's maximum of %d; send \"truncate\": true, \"chunk\": true or a shorter text", i, n, limit)}
		}
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
	left, err := parseDirection(req.TruncationDirection)
	if err != nil {
		return err
	}
	opts, err := h.encodeOptions(callOptions{chunk: req.Chunk, chunkOverlap: req.ChunkOverlap, truncateLeft: left, promptName: req.PromptName})
	if err != nil {
		return err
	}
	if err := h.checkLength(req.Inputs, req.Truncate != nil && *req.Truncate, left, opts); err != nil {
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
	ctx := r.Context()
	vs, err := h.runWith(ctx, req.Inputs, KindDefault, opts)
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

// maxTokenizeTokens bounds the tokens of one /tokenize answer (about 50
// bytes of JSON each), so that a request body within the limit cannot
// ask for an answer many times its size.
const maxTokenizeTokens = 1 << 15

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
	opts, err := h.encodeOptions(callOptions{promptName: req.PromptName})
	if err != nil {
		return err
	}
	prompt := ""
	if opts != nil {
		prompt = opts.Prompt
	} else if h.opt != nil {
		prompt = h.opt.EncodeOptions().Prompt
	}
	special := req.AddSpecialTokens == nil || *req.AddSpecialTokens
	out := make([][]api.Token, len(req.Inputs))
	total := 0
	for i, text := range req.Inputs {
		toks := h.tok.Tokenize(prompt + text)
		if total += len(toks); total > maxTokenizeTokens {
			return &apiError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("the inputs have more than %d tokens, the most /tokenize answers at once; send fewer or shorter texts", maxTokenizeTokens)}
		}
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
	maxLen := h.maxLength()
	dtype := "float32"
	if p, ok := h.enc.(interface{ Precision() splade.Precision }); ok && p.Precision() == splade.PrecisionBF16 {
		dtype = "bfloat16" // as TEI spells its DType
	}
	in := api.Info{
		ModelID:               h.enc.Model(),
		ModelDtype:            dtype,
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
