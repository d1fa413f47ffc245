package model

import (
	"context"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the ops unqualified.
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/nn"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/sparsevec"
)

// headChunk is how many token positions go through the MLM head at once.
// The head's logits are [batch, tokens, vocab] — 1 GB at 32 x 256 x 30522 —
// so the graph computes them chunk by chunk and keeps only the pooled
// [batch, vocab] running result.
const headChunk = 16

// netWeights are the model's weights by name, as T: *tensors.Tensor on
// the device, *Node inside the graph function. Linear weights keep
// PyTorch's nn.Linear layout, [out, in].
type netWeights[T any] struct {
	WordEmb, PosEmb, TypeEmb T // TypeEmb: absent for DistilBERT
	EmbNormW, EmbNormB       T
	Layers                   []layerWeights[T]
	HeadTransformW           T
	HeadTransformB           T
	HeadNormW, HeadNormB     T
	DecoderW, DecoderB       T // DecoderW: absent when tied to WordEmb
}

type layerWeights[T any] struct {
	QueryW, QueryB, KeyW, KeyB, ValueW, ValueB T
	AttnOutW, AttnOutB, AttnNormW, AttnNormB   T
	FFInW, FFInB, FFOutW, FFOutB               T
	OutNormW, OutNormB                         T
}

// slots returns the weights that gc's model has, as pointers into w: the
// one order in which they travel to the graph as parameters, used both to
// fill the parameter list (newWeights) and to name the graph's inputs
// (spladeGraph).
func (w *netWeights[T]) slots(gc graphConfig) []*T {
	s := []*T{&w.WordEmb, &w.PosEmb}
	if gc.hasTypeEmb {
		s = append(s, &w.TypeEmb)
	}
	s = append(s, &w.EmbNormW, &w.EmbNormB)
	for i := range w.Layers {
		l := &w.Layers[i]
		s = append(s, &l.QueryW, &l.QueryB, &l.KeyW, &l.KeyB, &l.ValueW, &l.ValueB,
			&l.AttnOutW, &l.AttnOutB, &l.AttnNormW, &l.AttnNormB,
			&l.FFInW, &l.FFInB, &l.FFOutW, &l.FFOutB, &l.OutNormW, &l.OutNormB)
	}
	s = append(s, &w.HeadTransformW, &w.HeadTransformB, &w.HeadNormW, &w.HeadNormB)
	if !gc.tied {
		s = append(s, &w.DecoderW)
	}
	return append(s, &w.DecoderB)
}

// hostWeights names p's tensors.
func hostWeights(p *checkpoint.Params) *netWeights[*checkpoint.Tensor] {
	w := &netWeights[*checkpoint.Tensor]{
		WordEmb: p.WordEmb, PosEmb: p.PosEmb, TypeEmb: p.TypeEmb,
		EmbNormW: p.EmbNormW, EmbNormB: p.EmbNormB,
		HeadTransformW: p.HeadTransformW, HeadTransformB: p.HeadTransformB,
		HeadNormW: p.HeadNormW, HeadNormB: p.HeadNormB,
		DecoderW: p.DecoderW, DecoderB: p.DecoderB,
	}
	for _, l := range p.Layers {
		w.Layers = append(w.Layers, layerWeights[*checkpoint.Tensor]{
			QueryW: l.QueryW, QueryB: l.QueryB, KeyW: l.KeyW, KeyB: l.KeyB, ValueW: l.ValueW, ValueB: l.ValueB,
			AttnOutW: l.AttnOutW, AttnOutB: l.AttnOutB, AttnNormW: l.AttnNormW, AttnNormB: l.AttnNormB,
			FFInW: l.FFInW, FFInB: l.FFInB, FFOutW: l.FFOutW, FFOutB: l.FFOutB, OutNormW: l.OutNormW, OutNormB: l.OutNormB,
		})
	}
	return w
}

// newWeights moves p's weights onto the backend, in the parameter order
// of gc's graph (see slots). It consumes p: each tensor's host data is
// released once it is on the device, so that loading never holds more
// than one extra tensor beyond the weights.
func newWeights(backend compute.Backend, gc graphConfig, p *checkpoint.Params) ([]*tensors.Tensor, error) {
	var list []*tensors.Tensor
	for _, s := range hostWeights(p).slots(gc) {
		t := *s
		if t == nil {
			finalizeAll(list)
			return nil, fmt.Errorf("model: a weight of the %d-layer model is missing", gc.cfg.Layers)
		}
		gt := tensors.FromFlatDataAndDimensions(t.Data, t.Shape...)
		if err := gt.ToDevice(backend, 0); err != nil {
			finalizeAll(list)
			return nil, fmt.Errorf("model: moving weights %v to the device: %w", t.Shape, err)
		}
		t.Data = nil
		list = append(list, gt)
	}
	return list, nil
}

// finalizeAll frees the tensors' memory, on the host and on the device.
func finalizeAll(list []*tensors.Tensor) {
	for _, t := range list {
		_ = t.FinalizeAll()
	}
}

// isTied reports whether the decoder shares the word embeddings.
func isTied(p *checkpoint.Params) bool { return p.DecoderW == p.WordEmb }

// graphConfig is what the graph needs to know besides the weights.
type graphConfig struct {
	cfg        checkpoint.Config
	hasTypeEmb bool
	tied       bool
	pooling    splade.Pooling
	activation splade.Activation
}

// spladeGraph builds the SPLADE forward pass. inputs are
// [ids int32 [B,T], mask float32 [B,T], weights...]; the output is the
// pooled [B, V] float32 sparse-vector matrix.
func (gc graphConfig) spladeGraph(inputs []*Node) *Node {
	ids, mask := inputs[0], inputs[1]
	cfg := gc.cfg
	w := netWeights[*Node]{Layers: make([]layerWeights[*Node], cfg.Layers)}
	for i, s := range w.slots(gc) {
		*s = inputs[2+i]
	}
	if gc.tied {
		w.DecoderW = w.WordEmb
	}
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
	x := Gather(w.WordEmb, ExpandAxes(ids, -1))   // [B, T, H]
	off := cfg.PositionOffset                     // RoBERTa: pad_token_id+1
	pos := Slice(w.PosEmb, AxisRange(off, off+T)) // [T, H]
	x = Add(x, ExpandAxes(pos, 0))
	if gc.hasTypeEmb {
		x = Add(x, Reshape(Slice(w.TypeEmb, AxisRange(0, 1)), 1, 1, H))
	}
	x = layerNorm(Reshape(x, B*T, H), w.EmbNormW, w.EmbNormB) // [B*T, H]

	// Attention bias: 0 for real tokens, -1e9 for padding keys.
	bias := MulScalar(OneMinus(mask), -1e9) // [B, T]
	bias = Reshape(bias, B, 1, 1, T)        // broadcast over heads and queries
	heads := cfg.Heads
	dh := H / heads
	scale := 1 / math.Sqrt(float64(dh))
	splitHeads := func(t *Node) *Node { // [B*T, H] -> [B, heads, T, dh]
		return TransposeAllAxes(Reshape(t, B, T, heads, dh), 0, 2, 1, 3)
	}
	for _, l := range w.Layers {
		q := splitHeads(dense(x, l.QueryW, l.QueryB, activation.TypeNone))
		k := splitHeads(dense(x, l.KeyW, l.KeyB, activation.TypeNone))
		v := splitHeads(dense(x, l.ValueW, l.ValueB, activation.TypeNone))
		scores := MulScalar(Einsum("bhqd,bhkd->bhqk", q, k), scale)
		scores = Add(scores, bias)
		probs := Softmax(scores, -1)
		ctx := Einsum("bhqk,bhkd->bhqd", probs, v)               // [B, heads, T, dh]
		ctx = Reshape(TransposeAllAxes(ctx, 0, 2, 1, 3), B*T, H) // [B*T, H]
		x = layerNorm(Add(x, dense(ctx, l.AttnOutW, l.AttnOutB, activation.TypeNone)), l.AttnNormW, l.AttnNormB)
		ff := dense(dense(x, l.FFInW, l.FFInB, activation.TypeGelu), l.FFOutW, l.FFOutB, activation.TypeNone)
		x = layerNorm(Add(x, ff), l.OutNormW, l.OutNormB)
	}

	// MLM head transform, then the vocabulary projection chunk by chunk.
	h := layerNorm(dense(x, w.HeadTransformW, w.HeadTransformB, activation.TypeGelu), w.HeadNormW, w.HeadNormB)
	h = Reshape(h, B, T, H)

	// SPLADE pooling. The activation log(1+ReLU(z)) (and log1p_relu) is
	// monotonic, so for max pooling max_t act(z_t) = act(max_t z_t): the
	// graph takes the max of the raw logits, padding pushed to -1e9, and
	// applies the activation once per vocabulary entry instead of once per
	// token and entry. Sum pooling needs the activation on every logit, with
	// padding zeroed before the sum.
	activate := func(z *Node) *Node {
		w := Log1p(activation.Relu(z))
		if gc.activation == splade.ActivationLog1pReLU {
			w = Log1p(w)
		}
		return w
	}
	var pooled *Node
	for start := 0; start < T; start += headChunk {
		end := min(start+headChunk, T)
		hc := Slice(h, AxisRange(), AxisRange(start, end))          // [B, c, H]
		mc := Slice(mask, AxisRange(), AxisRange(start, end))       // [B, c]
		z := dense(hc, w.DecoderW, w.DecoderB, activation.TypeNone) // [B, c, V]
		var r *Node
		if gc.pooling == splade.PoolingSum {
			r = ReduceSum(Mul(activate(z), ExpandAxes(mc, -1)), 1)
		} else {
			padBias := MulScalar(OneMinus(mc), -1e9)
			r = ReduceMax(Add(z, ExpandAxes(padBias, -1)), 1)
		}
		switch {
		case pooled == nil:
			pooled = r
		case gc.pooling == splade.PoolingSum:
			pooled = Add(pooled, r)
		default:
			pooled = Max(pooled, r)
		}
	}
	if gc.pooling != splade.PoolingSum {
		pooled = activate(pooled)
	}
	return pooled
}

// maxCompiledShapes bounds how many [batch, length] graph shapes are kept
// compiled. Lengths are bucketed (see bucketLength), so a 512-token model
// needs at most a few dozen.
const maxCompiledShapes = 64

// graphEngine runs the SPLADE graph on a GoMLX backend.
type graphEngine struct {
	vocab     int
	pad       int32
	maxLength int // the longest sequence encode is given
	exec      *Exec
	weights   []*tensors.Tensor
}

// newGraphEngine compiles the graph of params on backend and moves the
// weights there; it consumes params (see newWeights).
func newGraphEngine(backend compute.Backend, params *checkpoint.Params, pooling splade.Pooling, act splade.Activation, pad int32, maxLength int) (*graphEngine, error) {
	gc := graphConfig{
		cfg:        params.Config,
		hasTypeEmb: params.TypeEmb != nil,
		tied:       isTied(params),
		pooling:    pooling,
		activation: act,
	}
	exec, err := NewExec(backend, gc.spladeGraph)
	if err != nil {
		return nil, err
	}
	exec.SetMaxCache(maxCompiledShapes)
	w, err := newWeights(backend, gc, params)
	if err != nil {
		exec.Finalize()
		return nil, err
	}
	return &graphEngine{vocab: params.Config.VocabSize, pad: pad, maxLength: maxLength, exec: exec, weights: w}, nil
}

// bucketLength rounds a batch's token length up so that few distinct
// shapes get compiled: multiples of 8 up to 64, of 32 above.
func bucketLength(n, maxLength int) int {
	step := 8
	if n > 64 {
		step = 32
	}
	return min((n+step-1)/step*step, maxLength)
}

// encode runs seqs as one padded batch, its length rounded up by
// bucketLength.
func (g *graphEngine) encode(_ context.Context, seqs [][]int32) ([]sparsevec.Vector, error) {
	longest := 0
	for _, s := range seqs {
		longest = max(longest, len(s))
	}
	B, T := len(seqs), bucketLength(longest, g.maxLength)
	ids := make([]int32, B*T)
	mask := make([]float32, B*T)
	for r, s := range seqs {
		row := ids[r*T : (r+1)*T]
		n := copy(row, s)
		for j := n; j < T; j++ {
			row[j] = g.pad
		}
		for j := range n {
			mask[r*T+j] = 1
		}
	}
	args := make([]any, 0, 2+len(g.weights))
	args = append(args,
		tensors.FromFlatDataAndDimensions(ids, B, T),
		tensors.FromFlatDataAndDimensions(mask, B, T))
	for _, w := range g.weights {
		args = append(args, w)
	}
	outs, err := g.exec.Exec(args...)
	if err != nil {
		return nil, fmt.Errorf("running batch [%d x %d]: %w", B, T, err)
	}
	defer func() { _ = outs[0].FinalizeAll() }()
	dense, err := tensors.CopyFlatData[float32](outs[0])
	if err != nil {
		return nil, fmt.Errorf("reading batch output: %w", err)
	}
	V := g.vocab
	vecs := make([]sparsevec.Vector, B)
	for r := range B {
		vecs[r] = sparsevec.FromDense(dense[r*V : (r+1)*V])
	}
	return vecs, nil
}

func (g *graphEngine) close() {
	g.exec.Finalize()
	finalizeAll(g.weights)
	g.weights = nil
}
