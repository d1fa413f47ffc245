package spladeio

import (
	"context"
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Vector)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*encodeFn)(nil)).Elem())
}

// Vector is the sparse vector of one Text.
type Vector struct {
	ID      string // the Text's id, one JSON value
	Indices []uint32
	Values  []float32
	Dim     int // the vocabulary size
}

// Sparse returns v as a sparsevec.Vector.
func (v Vector) Sparse() sparsevec.Vector {
	return sparsevec.Vector{Indices: v.Indices, Values: v.Values, Dim: v.Dim}
}

// The counters of Encode and Read, in namespace "splade".
var (
	textsCount     = beam.NewCounter("splade", "texts")
	tokensCount    = beam.NewCounter("splade", "tokens")
	batchesCount   = beam.NewCounter("splade", "batches")
	truncatedCount = beam.NewCounter("splade", "truncated")
	malformedCount = beam.NewCounter("splade", "malformed")
)

// bundleBatches is how many network batches of texts a bundle gathers
// before it encodes them: the encoder groups the texts it is given by
// length, so more texts per call mean less padding.
const bundleBatches = 8

// Encode encodes texts (a PCollection of Text) with the model m and
// returns their vectors (a PCollection of Vector, one per text, in no
// order) and a report (PCollection of Report) for each text longer than
// the model's maximum length, which is encoded truncated as splade encode
// encodes it.
func Encode(s beam.Scope, m Model, texts beam.PCollection) (vectors, reports beam.PCollection) {
	s = s.Scope("spladeio.Encode")
	return beam.ParDo2(s, &encodeFn{Model: m}, texts)
}

// encodeFn encodes the texts of a bundle in batches.
type encodeFn struct {
	Model Model

	enc     *model.Encoder
	limit   int // most tokens of a text before truncation, specials excluded
	pending []Text
}

func (fn *encodeFn) Setup(ctx context.Context) error {
	enc, err := load(ctx, fn.Model)
	if err != nil {
		return err
	}
	fn.enc = enc
	specials := 2 // [CLS] and [SEP]; a query-only table lookup has none
	if enc.Backend() == "static" {
		specials = 0
	}
	fn.limit = max(enc.MaxLength()-specials, 0)
	return nil
}

func (fn *encodeFn) StartBundle(context.Context, func(Vector), func(Report)) {
	fn.pending = fn.pending[:0]
}

func (fn *encodeFn) ProcessElement(ctx context.Context, t Text, emit func(Vector), report func(Report)) error {
	fn.pending = append(fn.pending, t)
	if len(fn.pending) < fn.Model.batchSize()*bundleBatches {
		return nil
	}
	return fn.flush(ctx, emit, report)
}

func (fn *encodeFn) FinishBundle(ctx context.Context, emit func(Vector), report func(Report)) error {
	return fn.flush(ctx, emit, report)
}

// flush encodes the pending texts.
func (fn *encodeFn) flush(ctx context.Context, emit func(Vector), report func(Report)) error {
	if len(fn.pending) == 0 {
		return nil
	}
	texts := make([]string, len(fn.pending))
	tokens := 0
	for i, t := range fn.pending {
		texts[i] = t.Text
		n := len(fn.enc.Tokenizer().IDs(t.Text))
		if fn.limit > 0 && n > fn.limit {
			truncatedCount.Inc(ctx, 1)
			report(Report{File: t.File, Line: t.Line, ID: t.ID, Problem: Truncated,
				Detail: fmt.Sprintf("%d tokens, more than the %d the model reads (--max-length); encoded truncated", n, fn.limit)})
			n = fn.limit
		}
		tokens += n
	}
	vs, err := fn.enc.Encode(ctx, texts, fn.Model.Kind)
	if err != nil {
		return fmt.Errorf("spladeio: encoding %d texts (the first: %s line %d): %w", len(texts), fn.pending[0].File, fn.pending[0].Line, err)
	}
	textsCount.Inc(ctx, int64(len(texts)))
	tokensCount.Inc(ctx, int64(tokens))
	b := fn.Model.batchSize()
	batchesCount.Inc(ctx, int64((len(texts)+b-1)/b))
	for i, v := range vs {
		emit(Vector{ID: fn.pending[i].ID, Indices: v.Indices, Values: v.Values, Dim: v.Dim})
	}
	fn.pending = fn.pending[:0]
	return nil
}
