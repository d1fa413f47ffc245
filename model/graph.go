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

// spladeGraph builds the SPLADE forward pass of gc.net. inputs are
// [ids int32 [B,T], mask float32 [B,T], weights...]; the output is the
// pooled [B, V] float32 sparse-vector matrix.
func (gc graphConfig) spladeGraph(inputs []*Node) *Node {
	ids, mask := inputs[0], inputs[1]
	net := gc.net
	w := make(map[arch.Role]*Node, len(gc.roles))
	for i, r := range gc.roles {
		w[r] = inputs[2+i]
	}
	if gc.tied {
		w[arch.W(arch.Decoder)] = w[arch.W(arch.WordEmbeddings)]
	}
	B, T := ids.Shape().Dimensions[0], ids.Shape().Dimensions[1]
	H := net.Hidden
	b := blocks{net: net, w: w, B: B, T: T}

	x := b.embeddings(ids) // [B*T, H]
	// Attention bias: 0 for real tokens, -1e9 for padding keys.
	padBias := Reshape(MulScalar(OneMinus(mask), -1e9), B, 1, 1, T)
	for i, l := range net.Layers {
		if net.PreNorm {
			in := x
			if l.AttentionNorm {
				in = b.norm(x, arch.AttentionNorm, i)
			}
			x = Add(x, b.attention(in, i, padBias))
			x = Add(x, b.feedForward(b.norm(x, arch.FeedForwardNorm, i), i))
		} else {
			x = b.norm(Add(x, b.attention(x, i, padBias)), arch.AttentionNorm, i)
			x = b.norm(Add(x, b.feedForward(x, i)), arch.FeedForwardNorm, i)
		}
	}
	if net.FinalNorm {
		x = b.norm(x, arch.FinalNorm, 0)
	}

	if net.Head.Kind == arch.TokenHead {
		return b.tokenHead(x, ids, mask)
	}
	// MLM head transform, then the vocabulary projection chunk by chunk.
	h := b.norm(act(net.Head.Act, b.dense(x, arch.HeadDense, 0)), arch.HeadNorm, 0)
	h = Reshape(h, B, T, H)
	return gc.pool(h, mask, w[arch.W(arch.Decoder)], w[arch.B(arch.Decoder)])
}

// blocks builds the parts of one network: one method per block kind,
// reading the weights by role.
type blocks struct {
	net  *arch.Network
	w    map[arch.Role]*Node
	B, T int
}

// weight returns the tensor of part p's weight (layer i) and its bias,
// nil when the network has none.
func (b blocks) weight(p arch.Part, i int) (w, bias *Node) {
	return b.w[arch.Role{Part: p, Layer: i}], b.w[arch.Role{Part: p, Layer: i, Bias: true}]
}

// dense is x·Wᵀ (+ bias) of the linear part p of layer i.
func (b blocks) dense(x *Node, p arch.Part, i int) *Node {
	w, bias := b.weight(p, i)
	return nn.Dense(x, w, bias, compute.DenseLayoutOutputsInput, activation.TypeNone)
}

// norm normalises the last axis of x with the norm part p of layer i:
// LayerNorm (its bias optional) or RMSNorm, x / sqrt(mean(x²) + eps) · w.
func (b blocks) norm(x *Node, p arch.Part, i int) *Node {
	w, bias := b.weight(p, i)
	eps := b.net.Norm.Eps
	if b.net.Norm.Kind == arch.RMSNorm {
		ms := ReduceAndKeep(Square(x), ReduceMean, -1)
		return Mul(Mul(x, Rsqrt(AddScalar(ms, eps))), w)
	}
	return nn.LayerNorm(x, []int{-1}, eps, w, bias, nil)
}

// act applies the activation a.
func act(a arch.Activation, x *Node) *Node {
	switch a {
	case arch.GELUTanh:
		return activation.GeluApproximate(x)
	case arch.ReLU:
		return activation.Relu(x)
	case arch.SiLU:
		return activation.Swish(x)
	}
	return activation.Gelu(x)
}

// embeddings returns Norm(word + position + token type 0) of ids, [B*T, H].
func (b blocks) embeddings(ids *Node) *Node {
	net, B, T, H := b.net, b.B, b.T, b.net.Hidden
	x := Gather(b.w[arch.W(arch.WordEmbeddings)], ExpandAxes(ids, -1)) // [B, T, H]
	if pos := b.w[arch.W(arch.PositionEmbeddings)]; pos != nil {
		off := net.PositionOffset // RoBERTa: pad_token_id+1
		x = Add(x, ExpandAxes(Slice(pos, AxisRange(off, off+T)), 0))
	}
	if typ := b.w[arch.W(arch.TypeEmbeddings)]; typ != nil {
		x = Add(x, Reshape(Slice(typ, AxisRange(0, 1)), 1, 1, H))
	}
	return b.norm(Reshape(x, B*T, H), arch.EmbeddingNorm, 0)
}

// attention is the self-attention of layer i on x [B*T, H]: packed or
// separate projections, rotary positions on queries and keys, keys past
// the layer's window masked, then the output projection.
func (b blocks) attention(x *Node, i int, padBias *Node) *Node {
	net, B, T, H := b.net, b.B, b.T, b.net.Hidden
	heads := net.Heads
	dh := H / heads
	var q, k, v *Node
	if net.Attention.Packed {
		qkv := b.dense(x, arch.QKV, i)
		q = Slice(qkv, AxisRange(), AxisRange(0, H))
		k = Slice(qkv, AxisRange(), AxisRange(H, 2*H))
		v = Slice(qkv, AxisRange(), AxisRange(2*H, 3*H))
	} else {
		q, k, v = b.dense(x, arch.Query, i), b.dense(x, arch.Key, i), b.dense(x, arch.Value, i)
	}
	split := func(t *Node) *Node { // [B*T, H] -> [B, heads, T, dh]
		return TransposeAllAxes(Reshape(t, B, T, heads, dh), 0, 2, 1, 3)
	}
	q, k, v = split(q), split(k), split(v)
	l := net.Layers[i]
	if net.PositionKind == arch.Rotary {
		q, k = b.rotary(q, l.Rope), b.rotary(k, l.Rope)
	}
	scores := MulScalar(Einsum("bhqd,bhkd->bhqk", q, k), 1/math.Sqrt(float64(dh)))
	scores = Add(scores, padBias)
	if l.Window > 0 && l.Window < T {
		scores = Add(scores, windowBias(x.Graph(), T, l.Window))
	}
	ctx := Einsum("bhqk,bhkd->bhqd", Softmax(scores, -1), v) // [B, heads, T, dh]
	return b.dense(Reshape(TransposeAllAxes(ctx, 0, 2, 1, 3), B*T, H), arch.AttentionOut, i)
}

// rotary rotates x [B, heads, T, dh] by the rotary embedding r in the
// rotate-half form: (x₁, x₂) -> (x₁·cos − x₂·sin, x₂·cos + x₁·sin).
func (b blocks) rotary(x *Node, r arch.Rope) *Node {
	T, dh := b.T, b.net.HeadDim()
	half := dh / 2
	freq := r.Frequencies(dh)
	cos, sin := make([]float32, T*half), make([]float32, T*half)
	for p := range T {
		for j, f := range freq {
			a := float64(float32(p) * float32(f)) // as PyTorch: the angle in float32
			cos[p*half+j], sin[p*half+j] = float32(math.Cos(a)), float32(math.Sin(a))
		}
	}
	g := x.Graph()
	c := Reshape(Const(g, cos), 1, 1, T, half)
	s := Reshape(Const(g, sin), 1, 1, T, half)
	x1 := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, half))
	x2 := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(half, dh))
	return Concatenate([]*Node{Sub(Mul(x1, c), Mul(x2, s)), Add(Mul(x2, c), Mul(x1, s))}, -1)
}

// windowBias is [1, 1, T, T]: 0 where |i-j| <= window, -1e9 elsewhere.
func windowBias(g *Graph, T, window int) *Node {
	bias := make([]float32, T*T)
	for i := range T {
		for j := range T {
			if j < i-window || j > i+window {
				bias[i*T+j] = -1e9
			}
		}
	}
	return Reshape(Const(g, bias), 1, 1, T, T)
}

// feedForward is the feed-forward block of layer i on x [B*T, H]: plain
// act(x·W₁ᵀ) or gated (act(a)·b, a·act(b) of the two halves), then W₂.
func (b blocks) feedForward(x *Node, i int) *Node {
	f := b.net.FeedForward
	h := b.dense(x, arch.FeedForwardIn, i)
	switch f.Gate {
	case arch.GateActFirst, arch.GateActSecond:
		I := b.net.Intermediate
		u := Slice(h, AxisRange(), AxisRange(0, I))
		v := Slice(h, AxisRange(), AxisRange(I, 2*I))
		if f.Gate == arch.GateActSecond {
			u, v = v, u
		}
		h = Mul(act(f.Act, u), v)
	default:
		h = act(f.Act, h)
	}
	return b.dense(h, arch.FeedForwardOut, i)
}

// pool applies the decoder to h [B, T, H] and SPLADE-pools the logits.
// The activation log(1+ReLU(z)) (and log1p_relu) is monotonic, so for max
// pooling max_t act(z_t) = act(max_t z_t): the graph takes the max of the
// raw logits, padding pushed to -1e9, and applies the activation once per
// vocabulary entry instead of once per token and entry. Sum pooling needs
// the activation on every logit, with padding zeroed before the sum. The
// logits [B, T, V] are computed headChunk tokens at a time.
func (gc graphConfig) pool(h, mask, decW, decB *Node) *Node {
	T := h.Shape().Dimensions[1]
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
		hc := Slice(h, AxisRange(), AxisRange(start, end))                                  // [B, c, H]
		mc := Slice(mask, AxisRange(), AxisRange(start, end))                               // [B, c]
		z := nn.Dense(hc, decW, decB, compute.DenseLayoutOutputsInput, activation.TypeNone) // [B, c, V]
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
// graph does not build.
func graphSupports(n *arch.Network) error {
	switch n.Head.Kind {
	case arch.MLMHead, arch.TokenHead:
		return nil
	}
	return fmt.Errorf("model: the GoMLX graph does not build head kind %d of %s", n.Head.Kind, n.Family)
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
