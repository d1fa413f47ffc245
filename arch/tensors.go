package arch

import "fmt"

// Part is a module of a network that holds tensors.
type Part uint8

const (
	WordEmbeddings     Part = iota + 1 // [V, H]
	PositionEmbeddings                 // [Positions, H]; absolute positions
	TypeEmbeddings                     // [TypeVocab, H]
	EmbeddingNorm                      // [H]
	AttentionNorm                      // [H]; per layer
	QKV                                // [3H, H]; per layer, packed attention
	Query                              // [H, H]; per layer
	Key                                // [H, H]; per layer
	Value                              // [H, H]; per layer
	AttentionOut                       // [H, H]; per layer
	FeedForwardNorm                    // [H]; per layer
	FeedForwardIn                      // [I or 2I, H]; per layer
	FeedForwardOut                     // [H, I]; per layer
	FinalNorm                          // [H]
	HeadDense                          // [H, H]; MLM head transform
	HeadNorm                           // [H]; MLM head transform
	Decoder                            // [V, H]; MLM head, tied to WordEmbeddings when absent
	TokenLinear                        // [1, H]; per-token head
)

var partNames = [...]string{
	WordEmbeddings: "word embeddings", PositionEmbeddings: "position embeddings", TypeEmbeddings: "token type embeddings",
	EmbeddingNorm: "embedding norm", AttentionNorm: "attention norm", QKV: "query/key/value projection",
	Query: "query projection", Key: "key projection", Value: "value projection", AttentionOut: "attention output",
	FeedForwardNorm: "feed-forward norm", FeedForwardIn: "feed-forward input", FeedForwardOut: "feed-forward output",
	FinalNorm: "final norm", HeadDense: "head transform", HeadNorm: "head norm", Decoder: "decoder", TokenLinear: "token head",
}

func (p Part) String() string {
	if int(p) < len(partNames) && partNames[p] != "" {
		return partNames[p]
	}
	return fmt.Sprintf("Part(%d)", p)
}

// InLayer reports whether each encoder layer has its own tensor of part p.
func (p Part) InLayer() bool { return p >= AttentionNorm && p <= FeedForwardOut }

// Role names one tensor of a network: the weight or the bias of a part,
// in a layer for parts that every layer has (Layer is 0 otherwise).
type Role struct {
	Part  Part
	Layer int
	Bias  bool
}

func (r Role) String() string {
	s := r.Part.String()
	if r.Part.InLayer() {
		s = fmt.Sprintf("layer %d %s", r.Layer, s)
	}
	if r.Bias {
		return s + " bias"
	}
	return s + " weight"
}

// W is the role of the weight of part p (outside the layers).
func W(p Part) Role { return Role{Part: p} }

// B is the role of the bias of part p (outside the layers).
func B(p Part) Role { return Role{Part: p, Bias: true} }

// LW is the role of the weight of part p of layer i.
func LW(i int, p Part) Role { return Role{Part: p, Layer: i} }

// LB is the role of the bias of part p of layer i.
func LB(i int, p Part) Role { return Role{Part: p, Layer: i, Bias: true} }

// Tensor is one tensor a network holds: its role and its shape.
type Tensor struct {
	Role  Role
	Shape []int
	// Tied is true for the decoder weight: a checkpoint may leave it
	// out, and then it is the word embeddings.
	Tied bool
}

// Tensors lists every tensor of n with its shape: the embeddings, the
// layers in order, the final norm and the head.
func (n *Network) Tensors() []Tensor {
	var ts []Tensor
	H, V := n.Hidden, n.Vocab
	add := func(r Role, shape ...int) { ts = append(ts, Tensor{Role: r, Shape: shape}) }
	norm := func(i int, p Part) {
		add(Role{Part: p, Layer: i}, H)
		if n.Norm.Bias && n.Norm.Kind == LayerNorm {
			add(Role{Part: p, Layer: i, Bias: true}, H)
		}
	}
	linear := func(i int, p Part, bias bool, out, in int) {
		add(Role{Part: p, Layer: i}, out, in)
		if bias {
			add(Role{Part: p, Layer: i, Bias: true}, out)
		}
	}
	add(W(WordEmbeddings), V, H)
	if n.PositionKind == Absolute {
		add(W(PositionEmbeddings), n.Positions, H)
	}
	if n.TypeVocab > 0 {
		add(W(TypeEmbeddings), n.TypeVocab, H)
	}
	norm(0, EmbeddingNorm)
	for i := range n.Layers {
		ts = append(ts, n.layerTensors(i)...)
	}
	if n.FinalNorm {
		norm(0, FinalNorm)
	}
	switch n.Head.Kind {
	case MLMHead:
		linear(0, HeadDense, n.Head.TransformBias, H, H)
		norm(0, HeadNorm)
		ts = append(ts, Tensor{Role: W(Decoder), Shape: []int{V, H}, Tied: true})
		if n.Head.DecoderBias {
			add(B(Decoder), V)
		}
	case TokenHead:
		linear(0, TokenLinear, true, 1, H)
	}
	return ts
}

// layerTensors lists the tensors of layer i.
func (n *Network) layerTensors(i int) []Tensor {
	var ts []Tensor
	H, I := n.Hidden, n.Intermediate
	add := func(r Role, shape ...int) { ts = append(ts, Tensor{Role: r, Shape: shape}) }
	norm := func(p Part) {
		add(LW(i, p), H)
		if n.Norm.Bias && n.Norm.Kind == LayerNorm {
			add(LB(i, p), H)
		}
	}
	linear := func(p Part, bias bool, out, in int) {
		add(LW(i, p), out, in)
		if bias {
			add(LB(i, p), out)
		}
	}
	if !n.PreNorm || n.Layers[i].AttentionNorm {
		norm(AttentionNorm)
	}
	if n.Attention.Packed {
		linear(QKV, n.Attention.Bias, 3*H, H)
	} else {
		linear(Query, n.Attention.Bias, H, H)
		linear(Key, n.Attention.Bias, H, H)
		linear(Value, n.Attention.Bias, H, H)
	}
	linear(AttentionOut, n.Attention.OutBias, H, H)
	norm(FeedForwardNorm)
	in := I
	if n.FeedForward.Gate != NoGate {
		in = 2 * I
	}
	linear(FeedForwardIn, n.FeedForward.InBias, in, H)
	linear(FeedForwardOut, n.FeedForward.OutBias, H, I)
	return ts
}

// MinLayerTensors returns the fewest tensors a layer of n holds: a
// checkpoint of t tensors has at most t / MinLayerTensors layers.
func (n *Network) MinLayerTensors() int {
	least := 0
	for i := range n.Layers {
		if c := len(n.layerTensors(i)); least == 0 || c < least {
			least = c
		}
	}
	return max(least, 1)
}
