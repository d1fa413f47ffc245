package arch

import (
	"fmt"
	"slices"
	"strings"
)

// UseTokenHead gives n the per-token head of BGE-M3 in place of its
// masked-LM head: FlagEmbedding's sparse_linear.pt, a Linear(H, 1) beside
// a bare encoder checkpoint (XLMRobertaModel: no MLM head, tensor names
// without the base-model prefix). A token's weight is relu(x_t·w + b),
// pooled per token id by its largest value, and the family's special
// tokens (Head.SkipIDs, set by the family when it parses config.json) get
// none. Checkpoints hold the head's tensors as sparse_linear.weight and
// sparse_linear.bias.
//
// It fails for a family that has no such head.
func (n *Network) UseTokenHead() error {
	if len(n.Head.SkipIDs) == 0 {
		return fmt.Errorf("model_type %q has no per-token sparse head (sparse_linear.pt); the families with one: %s",
			n.Family, strings.Join(tokenHeadFamilies(), ", "))
	}
	n.Head = Head{Kind: TokenHead, SkipIDs: slices.Clone(n.Head.SkipIDs)}
	return nil
}

// TokenHeadNames returns the checkpoint names of the per-token head's
// tensor of role r (TokenLinear), the same in every family: the
// state_dict of sparse_linear.pt under "sparse_linear.".
func TokenHeadNames(r Role) []string { return param("sparse_linear", r, false) }

// tokenHeadFamilies lists the model types whose config.json gives a
// token head its special tokens.
func tokenHeadFamilies() []string {
	var ts []string
	for _, t := range Families() {
		if families[t].tokenHead {
			ts = append(ts, t)
		}
	}
	return ts
}
