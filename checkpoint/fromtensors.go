package checkpoint

import (
	"fmt"
	"math"
	"slices"

	"github.com/splade-go/splade/arch"
)

// FromTensors maps the tensors of a state dict (HuggingFace names) onto
// the roles of net, checking each shape against the description. The
// Params share the tensors of ts.
//
// The family of net names the tensors (arch.Network.TensorNames): the
// base-model prefix ("bert.", "roberta.", ...) may be absent, and old
// BERT checkpoints may name LayerNorm parameters gamma and beta. When the
// decoder weight is absent, or holds exactly the word embeddings, it is
// tied: the word embeddings' tensor. Tensors the network does not use
// are an error that names them (a checkpoint that config.json does not
// describe), except those the family ignores (a pre-training
// checkpoint's pooler and next-sentence head, which transformers drops
// too).
func FromTensors(net *arch.Network, ts map[string]*Tensor) (*Params, error) {
	if net == nil {
		return nil, fmt.Errorf("checkpoint: no network description")
	}
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: config: %w", err)
	}
	if err := checkLayerCount(net, ts); err != nil {
		return nil, err
	}
	g := getter{ts: ts, used: make(map[string]bool, len(ts))}
	p := &Params{Net: net, Tensors: map[arch.Role]*Tensor{}}
	for _, spec := range net.Tensors() {
		names := net.TensorNames(spec.Role)
		var t *Tensor
		if spec.Tied {
			t = g.tied(p.Tensors[arch.W(arch.WordEmbeddings)], spec.Shape, names)
		} else {
			t = g.get(spec.Role, spec.Shape, names...)
		}
		if g.err != nil {
			return nil, g.err
		}
		p.Tensors[spec.Role] = t
	}
	if err := g.unused(net); err != nil {
		return nil, err
	}
	return p, nil
}

// getter looks tensors up and keeps the first error.
type getter struct {
	ts   map[string]*Tensor
	used map[string]bool // names taken by the model
	err  error
}

// get returns the first of names present in ts, checking its shape; when
// none is present it records an error naming names[0].
func (g *getter) get(r arch.Role, shape []int, names ...string) *Tensor {
	if g.err != nil {
		return nil
	}
	if len(names) == 0 {
		g.err = fmt.Errorf("checkpoint: the family names no tensor for the %s", r)
		return nil
	}
	for _, name := range names {
		t, ok := g.ts[name]
		if !ok || t == nil {
			continue
		}
		if !slices.Equal(t.Shape, shape) {
			g.err = fmt.Errorf("checkpoint: tensor %q has shape %v, want %v (from config.json)", name, t.Shape, shape)
			return nil
		}
		if n, ok := numElements(t.Shape); !ok || n != len(t.Data) {
			g.err = fmt.Errorf("checkpoint: tensor %q has shape %v but %d values", name, t.Shape, len(t.Data))
			return nil
		}
		g.used[name] = true
		g.useCopies(t, names)
		return t
	}
	g.err = fmt.Errorf("checkpoint: tensor %q missing (want shape %v); is this a masked-LM checkpoint of the model type in config.json?", names[0], shape)
	return nil
}

// tied returns the decoder weight stored under one of names, or wordEmb
// when it is absent or holds the same values (a tied weight saved twice).
func (g *getter) tied(wordEmb *Tensor, shape []int, names []string) *Tensor {
	present := false
	for _, n := range names {
		if _, ok := g.ts[n]; ok {
			present = true
		}
	}
	if !present {
		return wordEmb
	}
	t := g.get(arch.W(arch.Decoder), shape, names...)
	if t == nil || wordEmb == nil {
		return t
	}
	if t == wordEmb || sameData(t, wordEmb) {
		return wordEmb
	}
	return t
}

// sameData reports whether a and b hold bit-identical values.
func sameData(a, b *Tensor) bool {
	return slices.EqualFunc(a.Data, b.Data, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// DropTiedDecoder removes from ts a masked-LM decoder weight that holds
// exactly the word embeddings (a tied weight saved twice, as
// pytorch_model.bin files do), under the names of any registered family.
// FromTensors ties a missing decoder to the embeddings, so the copy only
// costs size where the tensors are written again.
func DropTiedDecoder(ts map[string]*Tensor) {
	for _, pair := range arch.TiedDecoderNames() {
		dec, emb := ts[pair[0]], ts[pair[1]]
		if dec != nil && emb != nil && slices.Equal(dec.Shape, emb.Shape) && sameData(dec, emb) {
			delete(ts, pair[0])
		}
	}
}
