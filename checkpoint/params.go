package checkpoint

import "github.com/splade-go/splade/arch"

// Tensor is a dense float32 array in row-major order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Params is a whole model: the description of its network and a tensor
// for each role of it. Linear weights keep PyTorch's nn.Linear layout
// [out, in].
type Params struct {
	Net *arch.Network
	// Tensors holds every tensor of Net.Tensors(). A tied decoder weight
	// is the same *Tensor as the word embeddings.
	Tensors map[arch.Role]*Tensor
}

// Get returns the tensor of role r, nil when the network has none.
func (p *Params) Get(r arch.Role) *Tensor { return p.Tensors[r] }

// Tied reports whether the decoder weight is the word embeddings.
func (p *Params) Tied() bool {
	return p.Tensors[arch.W(arch.Decoder)] == p.Tensors[arch.W(arch.WordEmbeddings)]
}
