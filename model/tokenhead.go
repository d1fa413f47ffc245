package model

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX graph code reads best with the ops unqualified.
	"github.com/gomlx/gomlx/ml/layers/activation"

	"github.com/splade-go/splade/arch"
)

// tokenHead is BGE-M3's sparse head on the encoder output x [B*T, H]:
// each token's weight relu(x_t·w + b), and for each text and token id the
// largest weight of the id's occurrences, [B, V]. Padding and the
// network's special tokens (Head.SkipIDs) get none. The weights are
// non-negative, so a scatter-max into zeros pools them, and a token left
// out is one whose weight is multiplied by 0.
func (b blocks) tokenHead(x, ids, mask *Node) *Node {
	g := x.Graph()
	B, T, V := b.B, b.T, b.net.Vocab
	w := Reshape(activation.Relu(b.dense(x, arch.TokenLinear, 0)), B, T) // [B, T]
	keep := mask
	for _, s := range b.net.Head.SkipIDs {
		keep = Mul(keep, ConvertDType(NotEqual(ids, Const(g, int32(s))), dtypes.Float32))
	}
	w = Mul(w, keep)
	// The flat index of (text r, token id) in the [B*V] output: r*V + id.
	rows := MulScalar(Iota(g, ids.Shape(), 0), V)
	at := Reshape(Add(rows, ids), B*T, 1)
	out := ScatterMax(Zeros(g, shapes.Make(dtypes.Float32, B*V)), at, Reshape(w, B*T), false, false)
	return Reshape(out, B, V)
}
