package wasm

import (
	"fmt"
	"io/fs"
	"slices"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/native"
	"github.com/splade-go/splade/route"
)

// build turns the description of a model folder (package layout) into an
// Encoder: its routes (package route), each masked-LM model on package
// native's portable kernel (see kernel), loaded once however many routes use it.
func build(desc *layout.Model, opts LoadOptions) (*Encoder, error) {
	var kern string // the kernel of the masked-LM model(s)
	routes, err := route.Build(desc, opts.settings(), func(d *layout.MLM, pooling splade.Pooling, act splade.Activation) (route.Engine, int, error) {
		params, err := checkpoint.Load(d.FS)
		if err != nil {
			return nil, 0, fmt.Errorf("model in %s: %w", d.Dir, err)
		}
		m, err := native.New(params, native.Options{Pooling: pooling, Activation: act, Precision: opts.Precision, Kernel: kernel(opts.Precision)})
		if err != nil {
			return nil, 0, fmt.Errorf("model in %s: %w", d.Dir, err)
		}
		kern = m.Kernel()
		return m, m.MaxPositions(), nil
	})
	if err != nil {
		return nil, fmt.Errorf("wasm: %w", err)
	}
	e := &Encoder{dim: desc.Dim, tok: desc.Tokenizer(), name: opts.Name, routes: routes, kernel: kern}
	if e.name == "" {
		e.name = desc.Name
	}
	return e, nil
}

// kernel names native's kernel for precision p: WebAssembly SIMD
// ("simd128") where the JavaScript host provides it (the worker; see
// package native/simd128), else the portable pure-Go kernel, which is
// what GOARCH=wasm runs without it, also when the package is tested
// elsewhere.
func kernel(p splade.Precision) string {
	if slices.Contains(native.Kernels(p), "simd128") {
		return "simd128"
	}
	return "go"
}

// load reads the folder fsys through package layout and builds its Encoder.
func load(fsys fs.FS, opts LoadOptions) (*Encoder, error) {
	desc, err := layout.Read(fsys)
	if err != nil {
		return nil, err
	}
	return build(desc, opts)
}
