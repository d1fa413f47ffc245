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
	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/sparsevec"
)

// headChunk is how many token positions go through the MLM head at once.
// The head's logits are [batch, tokens, vocab] — 1 GB at 32 x 256 x 30522 —
// so the graph computes them chunk by chunk and keeps only the pooled
// [batch, vocab] running result.
const headChunk = 16

// graphConfig is what the graph needs to know besides the weights.
type graphConfig struct {
	net        *arch.Network
	roles      []arch.Role // the weights' roles, in the order they are the graph's parameters
	tied       bool        // the decoder is the word embeddings (not a parameter of its own)
	pooling    splade.Pooling
	activation splade.Activation
}

// newGraphConfig lists the weights of p's network in parameter order.
func newGraphConfig(p *checkpoint.Params, pooling splade.Pooling, act splade.Activation) graphConfig {
	gc := graphConfig{net: p.Net, tied: p.Tied(), pooling: pooling, activation: act}
	for _, spec := range p.Net.Tensors() {
		if spec.Tied && gc.tied {
			continue
		}
		gc.roles = append(gc.roles, spec.Role)
	}
	return gc
}

// newWeights moves p's weights onto the backend, in the parameter order
// of gc's graph. It consumes p: each tensor's host data is released once
// it is on the device, so that loading never holds more than one extra
// tensor beyond the weights.
func newWeights(backend compute.Backend, gc graphConfig, p *checkpoint.Params) ([]*tensors.Tensor, error) {
	var list []*tensors.Tensor
	for _, r := range gc.roles {
		t := p.Get(r)
		if t == nil {
			finalizeAll(list)
			return nil, fmt.Errorf("model: weights: the %s is missing", r)
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

// spladeGraph builds the SPLADE forward pass. inputs are
// [ids int32 [B,T], mask float32 [B,T], weights...]; the output is the
// pooled [B, V] float32 sparse-vector matrix.
func (gc graphConfig) spladeGraph(inputs []*Node) *Node {
	ids, mask := inputs[0], inputs[1]
	net := gc.net
	ws := make(map[arch.Role]*Node, len(gc.roles))
	for i, r := range gc.roles {
		ws[r] = inputs[2+i]
	}
	if gc.tied {
		ws[arch.W(arch.Decoder)] = ws[arch.W(arch.WordEmbeddings)]
	}
	eps := net.Norm.Eps
	B, T := ids.Shape().Dimensions[0], ids.Shape().Dimensions[1]
	H := net.Hidden
	dense := func(x, w, b *Node, act activation.Type) *Node {
		return nn.Dense(x, w, b, compute.DenseLayoutOutputsInput, act)
	}
	layerNorm := func(x, g, b *Node) *Node {
		return nn.LayerNorm(x, []int{-1}, eps, g, b, nil)
	}
	type layerWeights struct {
		QueryW, QueryB, KeyW, KeyB, ValueW, ValueB *Node
		AttnOutW, AttnOutB, AttnNormW, AttnNormB   *Node
		FFInW, FFInB, FFOutW, FFOutB               *Node
		OutNormW, OutNormB                         *Node
	}
	w := struct {
		WordEmb, PosEmb, TypeEmb                                       *Node
		EmbNormW, EmbNormB                                             *Node
		Layers                                                         []layerWeights
		HeadTransformW, HeadTransformB, HeadNormW, HeadNormB, DecoderW *Node
		DecoderB                                                       *Node
	}{
		WordEmb: ws[arch.W(arch.WordEmbeddings)], PosEmb: ws[arch.W(arch.PositionEmbeddings)], TypeEmb: ws[arch.W(arch.TypeEmbeddings)],
		EmbNormW: ws[arch.W(arch.EmbeddingNorm)], EmbNormB: ws[arch.B(arch.EmbeddingNorm)],
		HeadTransformW: ws[arch.W(arch.HeadDense)], HeadTransformB: ws[arch.B(arch.HeadDense)],
		HeadNormW: ws[arch.W(arch.HeadNorm)], HeadNormB: ws[arch.B(arch.HeadNorm)],
		DecoderW: ws[arch.W(arch.Decoder)], DecoderB: ws[arch.B(arch.Decoder)],
	}
	for i := range net.Layers {
		w.Layers = append(w.Layers, layerWeights{
			QueryW: ws[arch.LW(i, arch.Query)], QueryB: ws[arch.LB(i, arch.Query)],
			KeyW: ws[arch.LW(i, arch.Key)], KeyB: ws[arch.LB(i, arch.Key)],
			ValueW: ws[arch.LW(i, arch.Value)], ValueB: ws[arch.LB(i, arch.Value)],
			AttnOutW: ws[arch.LW(i, arch.AttentionOut)], AttnOutB: ws[arch.LB(i, arch.AttentionOut)],
			AttnNormW: ws[arch.LW(i, arch.AttentionNorm)], AttnNormB: ws[arch.LB(i, arch.AttentionNorm)],
			FFInW: ws[arch.LW(i, arch.FeedForwardIn)], FFInB: ws[arch.LB(i, arch.FeedForwardIn)],
			FFOutW: ws[arch.LW(i, arch.FeedForwardOut)], FFOutB: ws[arch.LB(i, arch.FeedForwardOut)],
			OutNormW: ws[arch.LW(i, arch.FeedForwardNorm)], OutNormB: ws[arch.LB(i, arch.FeedForwardNorm)],
		})
	}

	// Embeddings: word + position (+ token type 0 for BERT and RoBERTa), then LayerNorm.
	x := Gather(w.WordEmb, ExpandAxes(ids, -1))   // [B, T, H]
	off := net.PositionOffset                     // RoBERTa: pad_token_id+1
	pos := Slice(w.PosEmb, AxisRange(off, off+T)) // [T, H]
	x = Add(x, ExpandAxes(pos, 0))
	if w.TypeEmb != nil {
		x = Add(x, Reshape(Slice(w.TypeEmb, AxisRange(0, 1)), 1, 1, H))
	}
	x = layerNorm(Reshape(x, B*T, H), w.EmbNormW, w.EmbNormB) // [B*T, H]

	// Attention bias: 0 for real tokens, -1e9 for padding keys.
	bias := MulScalar(OneMinus(mask), -1e9) // [B, T]
	bias = Reshape(bias, B, 1, 1, T)        // broadcast over heads and queries
	heads := net.Heads
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
	if err := graphSupports(params.Net); err != nil {
		return nil, err
	}
	gc := newGraphConfig(params, pooling, act)
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
	return &graphEngine{vocab: params.Net.Vocab, pad: pad, maxLength: maxLength, exec: exec, weights: w}, nil
}

// graphSupports reports an error for the parts of a network that the
// graph does not build yet.
func graphSupports(n *arch.Network) error {
	if n.PositionKind != arch.Absolute || n.PreNorm || n.Attention.Packed || n.FeedForward.Gate != arch.NoGate ||
		n.FinalNorm || n.Head.Kind != arch.MLMHead || n.Norm.Kind != arch.LayerNorm || !n.Norm.Bias ||
		!n.Attention.Bias || !n.Attention.OutBias || !n.FeedForward.InBias || !n.FeedForward.OutBias || !n.Head.TransformBias {
		return fmt.Errorf("model: the GoMLX graph builds BERT-style networks only (post-LayerNorm, absolute positions); use the native engine for %s", n.Family)
	}
	return nil
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
