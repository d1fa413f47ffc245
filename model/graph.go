package model

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the ops unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/nn"

	"github.com/splade-go/splade/checkpoint"
)

// headChunk is how many token positions go through the MLM head at once.
// The head's logits are [batch, tokens, vocab] — 1 GB at 32 x 256 x 30522 —
// so the graph computes them chunk by chunk and keeps only the pooled
// [batch, vocab] running result.
const headChunk = 16

// weights holds the model parameters as GoMLX tensors, in the fixed order
// the graph function reads them.
type weights struct {
	backend compute.Backend
	list    []*tensors.Tensor
	err     error
}

// add moves t onto the backend's device and drops t's host copy, so that
// loading never holds more than one extra tensor beyond the weights.
func (w *weights) add(t *checkpoint.Tensor) {
	if w.err != nil {
		return
	}
	gt := tensors.FromFlatDataAndDimensions(t.Data, t.Shape...)
	if err := gt.ToDevice(w.backend, 0); err != nil {
		w.err = fmt.Errorf("model: moving weights %v to the device: %w", t.Shape, err)
		return
	}
	t.Data = nil
	w.list = append(w.list, gt)
}

// newWeights flattens p into the parameter order of spladeGraph, moving
// each tensor onto the backend. It consumes p: the tensors' host data is
// released as it goes.
func newWeights(backend compute.Backend, p *checkpoint.Params) (*weights, error) {
	w := &weights{backend: backend}
	w.add(p.WordEmb)
	w.add(p.PosEmb)
	if p.TypeEmb != nil {
		w.add(p.TypeEmb)
	}
	w.add(p.EmbNormW)
	w.add(p.EmbNormB)
	for _, l := range p.Layers {
		for _, t := range []*checkpoint.Tensor{
			l.QueryW, l.QueryB, l.KeyW, l.KeyB, l.ValueW, l.ValueB,
			l.AttnOutW, l.AttnOutB, l.AttnNormW, l.AttnNormB,
			l.FFInW, l.FFInB, l.FFOutW, l.FFOutB, l.OutNormW, l.OutNormB,
		} {
			w.add(t)
		}
	}
	w.add(p.HeadTransformW)
	w.add(p.HeadTransformB)
	w.add(p.HeadNormW)
	w.add(p.HeadNormB)
	if !isTied(p) {
		w.add(p.DecoderW)
	}
	w.add(p.DecoderB)
	if w.err != nil {
		w.finalize()
		return nil, w.err
	}
	return w, nil
}

// finalize frees the tensors' memory, on the host and on the device.
func (w *weights) finalize() {
	for _, t := range w.list {
		_ = t.FinalizeAll()
	}
	w.list = nil
}

// isTied reports whether the decoder shares the word embeddings.
func isTied(p *checkpoint.Params) bool { return p.DecoderW == p.WordEmb }

// graphConfig is what the graph needs to know besides the weights.
type graphConfig struct {
	cfg        checkpoint.Config
	hasTypeEmb bool
	tied       bool
	pooling    string
	activation string
}

// spladeGraph builds the SPLADE forward pass. inputs are
// [ids int32 [B,T], mask float32 [B,T], weights...]; the output is the
// pooled [B, V] float32 sparse-vector matrix.
func (gc graphConfig) spladeGraph(inputs []*Node) *Node {
	ids, mask := inputs[0], inputs[1]
	ws := inputs[2:]
	next := func() *Node {
		n := ws[0]
		ws = ws[1:]
		return n
	}
	cfg := gc.cfg
	eps := cfg.LayerNormEps
	B, T := ids.Shape().Dimensions[0], ids.Shape().Dimensions[1]
	H := cfg.Hidden
	dense := func(x, w, b *Node, act activation.Type) *Node {
		return nn.Dense(x, w, b, compute.DenseLayoutOutputsInput, act)
	}
	layerNorm := func(x, g, b *Node) *Node {
		return nn.LayerNorm(x, []int{-1}, eps, g, b, nil)
	}

	// Embeddings: word + position (+ token type 0 for BERT and RoBERTa), then LayerNorm.
	wordEmb := next()
	posEmb := next()
	x := Gather(wordEmb, ExpandAxes(ids, -1))   // [B, T, H]
	off := cfg.PositionOffset                   // RoBERTa: pad_token_id+1
	pos := Slice(posEmb, AxisRange(off, off+T)) // [T, H]
	x = Add(x, ExpandAxes(pos, 0))
	if gc.hasTypeEmb {
		typeEmb := next()
		x = Add(x, Reshape(Slice(typeEmb, AxisRange(0, 1)), 1, 1, H))
	}
	x = layerNorm(Reshape(x, B*T, H), next(), next()) // [B*T, H]

	// Attention bias: 0 for real tokens, -1e9 for padding keys.
	bias := MulScalar(OneMinus(mask), -1e9) // [B, T]
	bias = Reshape(bias, B, 1, 1, T)        // broadcast over heads and queries
	heads := cfg.Heads
	dh := H / heads
	scale := 1 / math.Sqrt(float64(dh))
	splitHeads := func(t *Node) *Node { // [B*T, H] -> [B, heads, T, dh]
		return TransposeAllAxes(Reshape(t, B, T, heads, dh), 0, 2, 1, 3)
	}
	for range cfg.Layers {
		qw, qb, kw, kb, vw, vb := next(), next(), next(), next(), next(), next()
		ow, ob, anw, anb := next(), next(), next(), next()
		fiw, fib, fow, fob, onw, onb := next(), next(), next(), next(), next(), next()

		q := splitHeads(dense(x, qw, qb, activation.TypeNone))
		k := splitHeads(dense(x, kw, kb, activation.TypeNone))
		v := splitHeads(dense(x, vw, vb, activation.TypeNone))
		scores := MulScalar(Einsum("bhqd,bhkd->bhqk", q, k), scale)
		scores = Add(scores, bias)
		probs := Softmax(scores, -1)
		ctx := Einsum("bhqk,bhkd->bhqd", probs, v)               // [B, heads, T, dh]
		ctx = Reshape(TransposeAllAxes(ctx, 0, 2, 1, 3), B*T, H) // [B*T, H]
		x = layerNorm(Add(x, dense(ctx, ow, ob, activation.TypeNone)), anw, anb)
		ff := dense(dense(x, fiw, fib, activation.TypeGelu), fow, fob, activation.TypeNone)
		x = layerNorm(Add(x, ff), onw, onb)
	}

	// MLM head transform, then the vocabulary projection chunk by chunk.
	htw, htb, hnw, hnb := next(), next(), next(), next()
	h := layerNorm(dense(x, htw, htb, activation.TypeGelu), hnw, hnb)
	h = Reshape(h, B, T, H)
	decW := wordEmb
	if !gc.tied {
		decW = next()
	}
	decB := next()
	if len(ws) != 0 {
		panic(fmt.Sprintf("model: graph left %d weights unused", len(ws)))
	}

	// SPLADE pooling. The activation log(1+ReLU(z)) (and log1p_relu) is
	// monotonic, so for max pooling max_t act(z_t) = act(max_t z_t): the
	// graph takes the max of the raw logits, padding pushed to -1e9, and
	// applies the activation once per vocabulary entry instead of once per
	// token and entry. Sum pooling needs the activation on every logit, with
	// padding zeroed before the sum.
	activate := func(z *Node) *Node {
		w := Log1p(activation.Relu(z))
		if gc.activation == ActivationLog1pRelu {
			w = Log1p(w)
		}
		return w
	}
	var pooled *Node
	for start := 0; start < T; start += headChunk {
		end := min(start+headChunk, T)
		hc := Slice(h, AxisRange(), AxisRange(start, end))    // [B, c, H]
		mc := Slice(mask, AxisRange(), AxisRange(start, end)) // [B, c]
		z := dense(hc, decW, decB, activation.TypeNone)       // [B, c, V]
		var r *Node
		if gc.pooling == PoolingSum {
			r = ReduceSum(Mul(activate(z), ExpandAxes(mc, -1)), 1)
		} else {
			padBias := MulScalar(OneMinus(mc), -1e9)
			r = ReduceMax(Add(z, ExpandAxes(padBias, -1)), 1)
		}
		switch {
		case pooled == nil:
			pooled = r
		case gc.pooling == PoolingSum:
			pooled = Add(pooled, r)
		default:
			pooled = Max(pooled, r)
		}
	}
	if gc.pooling != PoolingSum {
		pooled = activate(pooled)
	}
	return pooled
}
