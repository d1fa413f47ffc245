package wasm

import (
	"fmt"
	"io/fs"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/layout"
)

// build turns the description of a model folder (package layout) into an
// Encoder, loading each masked-LM model once however many routes use it.
func build(desc *layout.Model, opts LoadOptions) (*Encoder, error) {
	b := &builder{opts: opts, mlms: map[*layout.MLM]*pipeline{}, statics: map[*layout.Static]*pipeline{}}
	e := &Encoder{dim: desc.Dim, tok: desc.Tokenizer(), name: opts.Name}
	var err error
	if e.query, err = b.pipeline(desc.Query); err != nil {
		return nil, err
	}
	if !desc.QueryOnly() {
		if e.document, err = b.pipeline(desc.Document); err != nil {
			return nil, err
		}
	}
	if e.def, err = b.pipeline(desc.Default); err != nil {
		return nil, err
	}
	if e.name == "" {
		e.name = desc.Name
	}
	return e, nil
}

// builder makes the pipelines of one Encoder.
type builder struct {
	opts    LoadOptions
	mlms    map[*layout.MLM]*pipeline
	statics map[*layout.Static]*pipeline
}

func (b *builder) pipeline(r layout.Route) (*pipeline, error) {
	if r.Static != nil {
		if p := b.statics[r.Static]; p != nil {
			return p, nil
		}
		s := *r.Static
		if b.opts.MaxLength > 0 {
			s.MaxLength = b.opts.MaxLength
		}
		p := &pipeline{tok: s.Tokenizer, static: &s}
		b.statics[r.Static] = p
		return p, nil
	}
	if p := b.mlms[r.MLM]; p != nil {
		return p, nil
	}
	p, err := b.mlm(r.MLM)
	if err != nil {
		return nil, err
	}
	b.mlms[r.MLM] = p
	return p, nil
}

// mlm loads the weights of d and applies the options to its settings.
func (b *builder) mlm(d *layout.MLM) (*pipeline, error) {
	params, err := checkpoint.Load(d.FS)
	if err != nil {
		return nil, fmt.Errorf("wasm: model in %s: %w", d.Dir, err)
	}
	m, err := newMLM(params)
	if err != nil {
		return nil, err
	}
	maxLen, err := splade.ResolveMaxLength(b.opts.MaxLength, d.MaxLength, m.maxPos)
	if err != nil {
		return nil, fmt.Errorf("wasm: model in %s: %w", d.Dir, err)
	}
	pooling, act := b.opts.settings().Resolve(splade.Pooling(d.Pooling), splade.Activation(d.Activation))
	return &pipeline{tok: d.Tokenizer, model: m, pooling: pooling, activation: act, maxLen: maxLen}, nil
}

// load reads the folder fsys through package layout and builds its Encoder.
func load(fsys fs.FS, opts LoadOptions) (*Encoder, error) {
	desc, err := layout.Read(fsys)
	if err != nil {
		return nil, err
	}
	return build(desc, opts)
}
