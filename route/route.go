// Package route is the front end that every encoder of this project
// shares (the library's model.Encoder, the edge wasm.Encoder, and through
// them the CLI, serve and the worker): which model encodes a text of each
// kind (query, document, or the folder's default), how its text becomes
// token ids, and how many tokens it reads. Inference-free query tables
// (layout.Static) are routes too.
//
// A route's token limit is decided here once, so that every front end
// truncates, and answers 413 to, the same texts: for a masked-LM model
// splade.ResolveMaxLength of the caller's override, the folder's limit
// and the model's positions ([CLS] and [SEP] included); for a table
// lookup the override, else the tokenizer's limit (no special tokens).
package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/tokenizer"
)

// Engine encodes token id sequences: a masked-LM model with SPLADE
// pooling, ready on some engine.
type Engine interface {
	Encode(ctx context.Context, seqs [][]int32) ([]sparsevec.Vector, error)
}

// Route is one way of encoding texts: a masked-LM model (Engine) or a
// table lookup (Static).
type Route struct {
	Tokenizer tokenizer.Tokenizer
	MLM       *layout.MLM    // the folder's model; nil for a table lookup
	Engine    Engine         // the model, ready; nil for a table lookup
	Static    *layout.Static // the table, MaxLength applied; nil for a model
	// MaxLength is the most tokens the route reads of a text: with
	// [CLS] and [SEP] for a model, without for a table lookup.
	MaxLength int
}

// IDs returns the token ids that the route's model reads of text,
// truncated to MaxLength (a table lookup: the ids it looks up).
func (r *Route) IDs(text string) []int32 {
	if r.Static != nil {
		return r.Static.IDs(text)
	}
	return r.Tokenizer.EncodeIDs(text, r.MaxLength)
}

// Set is the routes of one model folder.
type Set struct {
	Query    *Route
	Document *Route // nil for a query-only (inference-free) folder
	Default  *Route // texts of no stated kind
}

// ErrQueryOnly is the error of asking a query-only folder (a tokenizer
// with an inference-free table) for documents.
var ErrQueryOnly = errors.New("an inference-free folder can only encode queries; documents need its masked-LM model")

// Loader prepares the engine of a masked-LM model with its pooling and
// activation, and reports how many positions (tokens) the model has.
type Loader func(m *layout.MLM, pooling splade.Pooling, act splade.Activation) (eng Engine, positions int, err error)

// Build makes the routes of desc, loading each masked-LM model once
// however many routes use it. s overrides the folder's max length,
// pooling and activation where set.
func Build(desc *layout.Model, s splade.Settings, load Loader) (*Set, error) {
	models := map[*layout.MLM]*Route{}
	tables := map[*layout.Static]*Route{}
	make1 := func(r layout.Route) (*Route, error) {
		switch {
		case r.Static != nil:
			if rt := tables[r.Static]; rt != nil {
				return rt, nil
			}
			st := *r.Static
			if s.MaxLength > 0 {
				st.MaxLength = s.MaxLength
			}
			rt := &Route{Tokenizer: st.Tokenizer, Static: &st, MaxLength: st.MaxLength}
			tables[r.Static] = rt
			return rt, nil
		case r.MLM != nil:
			if rt := models[r.MLM]; rt != nil {
				return rt, nil
			}
			pooling, act := s.Resolve(splade.Pooling(r.MLM.Pooling), splade.Activation(r.MLM.Activation))
			eng, positions, err := load(r.MLM, pooling, act)
			if err != nil {
				return nil, err
			}
			n, err := splade.ResolveMaxLength(s.MaxLength, r.MLM.MaxLength, positions)
			if err != nil {
				return nil, fmt.Errorf("model in %s: %w", r.MLM.Dir, err)
			}
			rt := &Route{Tokenizer: r.MLM.Tokenizer, MLM: r.MLM, Engine: eng, MaxLength: n}
			models[r.MLM] = rt
			return rt, nil
		}
		return nil, nil
	}
	set := &Set{}
	var err error
	if set.Query, err = make1(desc.Query); err != nil {
		return nil, err
	}
	if !desc.QueryOnly() {
		if set.Document, err = make1(desc.Document); err != nil {
			return nil, err
		}
	}
	if set.Default, err = make1(desc.Default); err != nil {
		return nil, err
	}
	if set.Query == nil || set.Default == nil {
		return nil, errors.New("route: the folder has no query or default route")
	}
	return set, nil
}

// For returns the route of kind: KindQuery, KindDocument (ErrQueryOnly
// for a query-only folder) or KindDefault.
func (s *Set) For(kind splade.Kind) (*Route, error) {
	switch kind {
	case splade.KindDefault:
		return s.Default, nil
	case splade.KindQuery:
		return s.Query, nil
	case splade.KindDocument:
		if s.Document == nil {
			return nil, ErrQueryOnly
		}
		return s.Document, nil
	}
	_, err := splade.ParseKind(string(kind))
	return nil, err
}

// MaxLength is the token limit of the default route: what every front
// end truncates texts of no stated kind to, and the limit past which the
// HTTP API answers 413.
func (s *Set) MaxLength() int { return s.Default.MaxLength }

// InferenceFree reports whether queries are encoded by table lookup.
func (s *Set) InferenceFree() bool { return s.Query.Static != nil }
