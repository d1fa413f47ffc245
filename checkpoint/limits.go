package checkpoint

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"

	"github.com/splade-go/splade/arch"
)

// checkLayerCount refuses, before anything is allocated for them, more
// encoder layers than the tensors of ts can hold.
func checkLayerCount(net *arch.Network, ts map[string]*Tensor) error {
	per := net.MinLayerTensors()
	if most := len(ts) / per; len(net.Layers) > most {
		return fmt.Errorf("checkpoint: config.json asks for %d layers, but the weights hold %d tensors, enough for at most %d (%d tensors a layer)",
			len(net.Layers), len(ts), most, per)
	}
	return nil
}

// maxListed bounds the tensor names an error lists.
const maxListed = 8

// unused returns an error naming the tensors of g.ts that the model did
// not take (other than those its family ignores): a checkpoint holding more than
// its config.json describes, such as a second layer that a one-layer
// config leaves out, would otherwise give silently different vectors.
func (g *getter) unused(net *arch.Network) error {
	var names []string
	for name, t := range g.ts {
		switch {
		case t == nil || g.used[name]:
		case net.Ignored(name):
			slog.Debug("checkpoint: tensor not used by the encoder, ignored", "tensor", name, "model_type", net.Family)
		default:
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("checkpoint: the weights hold %d tensor(s) that config.json does not use: %s; "+
		"the config does not describe this checkpoint (check num_hidden_layers, model_type and the file)", len(names), listNames(names))
}

// listNames joins the sorted names, at most maxListed of them.
func listNames(names []string) string {
	sort.Strings(names)
	if len(names) > maxListed {
		return strings.Join(names[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxListed)
	}
	return strings.Join(names, ", ")
}

// useCopies marks as used those of names that hold the same values as t:
// a tied weight saved under both of its names (cls.predictions.bias and
// cls.predictions.decoder.bias) is one tensor, used once.
func (g *getter) useCopies(t *Tensor, names []string) {
	for _, name := range names {
		if o := g.ts[name]; o != nil && !g.used[name] && (o == t || slices.Equal(o.Shape, t.Shape) && sameData(o, t)) {
			g.used[name] = true
		}
	}
}
