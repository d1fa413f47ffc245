package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/sparsevec"
)

// EncodeRequest is the body of POST /encode.
type EncodeRequest struct {
	Texts []string `json:"texts"`
	// Kind selects the query or document side of an asymmetric
	// (inference-free) model; empty for the model's default.
	Kind splade.Kind `json:"kind,omitempty"`
	// MaxActiveDims keeps only the k largest weights of each vector; 0
	// keeps them all.
	MaxActiveDims int `json:"max_active_dims,omitempty"`
	// PruneType and PruneRatio prune each vector as OpenSearch does:
	// "top_k", "max_ratio", "alpha_mass", "abs_value" or "none" (the
	// default), with its ratio.
	PruneType  string   `json:"prune_type,omitempty"`
	PruneRatio *float32 `json:"prune_ratio,omitempty"`
	// Chunk encodes a text longer than the model's maximum as
	// overlapping windows (ChunkOverlap tokens shared by neighbours) and
	// keeps each dimension's largest weight, instead of truncating it;
	// nil keeps the server's setting.
	Chunk        *bool `json:"chunk,omitempty"`
	ChunkOverlap *int  `json:"chunk_overlap,omitempty"`
}

// EncodeResponse is the answer to POST /encode: one vector per text, in
// the order of the request.
type EncodeResponse struct {
	Model   string   `json:"model"`
	Dim     int      `json:"dim"`
	Vectors []Vector `json:"vectors"`
}

// Vector is a sparse vector on the wire: the positions of its non-zero
// weights in ascending order, and the weights. Its dimension is the
// response's.
type Vector struct {
	Indices []uint32  `json:"indices"`
	Values  []float32 `json:"values"`
}

// Sparse returns v as a sparsevec.Vector of dimension dim.
func (v Vector) Sparse(dim int) sparsevec.Vector {
	return sparsevec.Vector{Indices: v.Indices, Values: v.Values, Dim: dim}
}

// SimilarityRequest is the body of POST /similarity: the queries are
// encoded as queries, the documents as documents.
type SimilarityRequest struct {
	Queries   []string `json:"queries"`
	Documents []string `json:"documents"`
	// Fn is sparsevec.DotFunc (the default) or sparsevec.CosineFunc.
	Fn sparsevec.Func `json:"fn,omitempty"`
}

// SimilarityResponse is the answer to POST /similarity: Scores[i][j] is
// the score of query i and document j.
type SimilarityResponse struct {
	Model  string         `json:"model"`
	Fn     sparsevec.Func `json:"fn"`
	Scores [][]float32    `json:"scores"`
}

// DecodeRequest is the body of POST /decode.
type DecodeRequest struct {
	Texts []string `json:"texts"`
	// TopK is the number of terms per text, heaviest first; nil means 10
	// and 0 every non-zero term.
	TopK *int        `json:"top_k,omitempty"`
	Kind splade.Kind `json:"kind,omitempty"`
}

// DecodeResponse is the answer to POST /decode: the heaviest terms of
// each text's vector, named by token.
type DecodeResponse struct {
	Model   string         `json:"model"`
	Results []DecodeResult `json:"results"`
}

// DecodeResult is the decoded vector of one text.
type DecodeResult struct {
	Tokens []sparsevec.Term `json:"tokens"`
}

// SearchRequest is the body of POST /search, served when the server has
// an index (splade serve --index).
type SearchRequest struct {
	Queries []string `json:"queries"`
	// TopK is the number of hits per query; nil means 10.
	TopK *int `json:"top_k,omitempty"`
	// Exhaustive turns MaxScore pruning off (the same hits, more work).
	Exhaustive bool `json:"exhaustive,omitempty"`
}

// SearchResponse is the answer to POST /search.
type SearchResponse struct {
	Model     string         `json:"model"`
	Documents int            `json:"documents"` // in the index
	Results   []SearchResult `json:"results"`
}

// SearchResult holds the hits of one query, best first; ID is the
// query's position in the request.
type SearchResult struct {
	ID   int         `json:"id"`
	Hits []index.Hit `json:"hits"`
}

// Health is the answer to GET /healthz.
type Health struct {
	Status  string `json:"status"`
	Model   string `json:"model"`
	Backend string `json:"backend"`
	Dim     int    `json:"dim"`
}

// Inputs is text-embeddings-inference's "inputs": one text or a list of
// texts. It is sent as a list; either form is read.
type Inputs []string

// UnmarshalJSON reads a string or a list of strings. Anything else (TEI
// also takes token ids) is an *Error with status 422.
func (in *Inputs) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*in = Inputs{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return &Error{StatusCode: http.StatusUnprocessableEntity, Type: ErrorTokenizer, Message: `"inputs" must be a string or a list of strings (token ids are not accepted: this server tokenizes itself)`}
	}
	*in = many
	return nil
}

// EmbedSparseRequest is the body of TEI's POST /embed_sparse.
type EmbedSparseRequest struct {
	Inputs Inputs `json:"inputs"`
	// Truncate lets texts longer than the model's maximum be truncated;
	// nil or false refuses them (413), as TEI does.
	Truncate *bool `json:"truncate,omitempty"`
	// TruncationDirection is "Right" (the default) or "Left".
	TruncationDirection string  `json:"truncation_direction,omitempty"`
	PromptName          *string `json:"prompt_name,omitempty"`
	// Not TEI's: OpenSearch's pruning of the vectors, and chunking, as
	// in [EncodeRequest].
	PruneType    string   `json:"prune_type,omitempty"`
	PruneRatio   *float32 `json:"prune_ratio,omitempty"`
	Chunk        *bool    `json:"chunk,omitempty"`
	ChunkOverlap *int     `json:"chunk_overlap,omitempty"`
}

// SparseValue is one non-zero weight of TEI's sparse embedding. The
// answer to POST /embed_sparse is a [][]SparseValue, one list per input.
type SparseValue struct {
	Index uint32  `json:"index"`
	Value float32 `json:"value"`
}

// TokenizeRequest is the body of TEI's POST /tokenize.
type TokenizeRequest struct {
	Inputs Inputs `json:"inputs"`
	// AddSpecialTokens keeps [CLS], [SEP] and the like; nil means true.
	AddSpecialTokens *bool   `json:"add_special_tokens,omitempty"`
	PromptName       *string `json:"prompt_name,omitempty"`
}

// Token is one token of a text. The answer to POST /tokenize is a
// [][]Token, one list per input. (TEI also gives character offsets;
// this server does not.)
type Token struct {
	ID      int32  `json:"id"`
	Text    string `json:"text"`
	Special bool   `json:"special"` // [CLS], [SEP] and the like
}

// Info is the answer to TEI's GET /info.
type Info struct {
	ModelID               string    `json:"model_id"`
	ModelDtype            string    `json:"model_dtype"`
	ServedModelName       string    `json:"served_model_name"`
	ModelType             ModelType `json:"model_type"`
	MaxConcurrentRequests int       `json:"max_concurrent_requests"`
	MaxInputLength        int       `json:"max_input_length"`
	MaxBatchTokens        int       `json:"max_batch_tokens"`
	MaxClientBatchSize    int       `json:"max_client_batch_size"`
	AutoTruncate          bool      `json:"auto_truncate"`
	TokenizationWorkers   int       `json:"tokenization_workers"`
	Version               string    `json:"version"`
	// Not TEI's: the vector dimension and the compute backend.
	Dim     int    `json:"dim"`
	Backend string `json:"backend"`
}

// ModelType is TEI's description of the model in [Info].
type ModelType struct {
	Embedding struct {
		Pooling string `json:"pooling"`
	} `json:"embedding"`
}

// The error types of [Error], as TEI names them.
const (
	ErrorValidation = "Validation" // a request the server refuses (4xx)
	ErrorEmpty      = "Empty"      // no texts
	ErrorTokenizer  = "Tokenizer"  // inputs that are not text (422)
	ErrorBackend    = "Backend"    // the encoder failed or timed out (5xx)
	ErrorOverloaded = "Overloaded" // the queue is full (429)
	ErrorUnhealthy  = "Unhealthy"
)

// Error is the body of every error answer, TEI's {"error", "error_type"};
// the client returns it, with the status code, for any answer that is not
// 2xx.
type Error struct {
	Message string `json:"error"`
	Type    string `json:"error_type"`
	// StatusCode is the HTTP status of the answer (not in the body).
	StatusCode int `json:"-"`
	// RetryAfter is the Retry-After header of a 429, in seconds (not in
	// the body).
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string {
	if e.StatusCode == 0 {
		return e.Message
	}
	return fmt.Sprintf("%d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}
