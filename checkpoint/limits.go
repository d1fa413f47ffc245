package checkpoint

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Hard limits on what config.json may ask for. They sit far above any
// published BERT-family model and keep every size product the encoders
// compute (vocab x hidden, positions x hidden, layers x ...) inside int and
// far from memory that a machine has. The checks against the weights
// actually present (FromTensors) are tighter.
const (
	maxVocab        = 1 << 22 // 4,194,304 tokens
	maxHidden       = 1 << 16
	maxIntermediate = 1 << 18
	maxLayers       = 1 << 10
	maxPositions    = 1 << 20
	maxTypeVocab    = 1 << 10
)

// tensorsPerLayer is the number of tensors one encoder layer holds (four
// attention linears, two feed-forward linears, two LayerNorms: a weight and
// a bias each).
const tensorsPerLayer = 16

// checkLimits refuses sizes beyond the hard limits above; names maps the
// fields to their config.json names for the model type.
func (c Config) checkLimits(names map[string]string) error {
	for _, l := range []struct {
		name   string
		v, max int
	}{
		{"vocab_size", c.VocabSize, maxVocab},
		{names["hidden"], c.Hidden, maxHidden},
		{names["layers"], c.Layers, maxLayers},
		{names["heads"], c.Heads, maxHidden},
		{names["intermediate"], c.Intermediate, maxIntermediate},
		{"max_position_embeddings", c.MaxPositions, maxPositions},
		{"type_vocab_size", c.TypeVocabSize, maxTypeVocab},
	} {
		if l.v > l.max {
			return fmt.Errorf("%s is %d, more than the limit of %d", l.name, l.v, l.max)
		}
	}
	return nil
}

// checkLayerCount refuses, before anything is allocated for them, more
// encoder layers than the tensors of ts can hold.
func checkLayerCount(cfg Config, ts map[string]*Tensor) error {
	if most := len(ts) / tensorsPerLayer; cfg.Layers > most {
		return fmt.Errorf("checkpoint: config.json asks for %d layers, but the weights hold %d tensors, enough for at most %d (%d tensors a layer)",
			cfg.Layers, len(ts), most, tensorsPerLayer)
	}
	return nil
}

// ignoredTensor reports whether a tensor belongs to a part of a
// pre-training checkpoint that a masked-LM model does not have and that
// transformers drops as well when it loads one: the pooler and the
// next-sentence head.
func ignoredTensor(name string) bool {
	return strings.HasPrefix(name, "cls.seq_relationship.") ||
		strings.Contains(name, "pooler.dense.") ||
		strings.HasSuffix(name, "embeddings.position_ids")
}

// maxListed bounds the tensor names an error lists.
const maxListed = 8

// unused returns an error naming the tensors of g.ts that the model did
// not take (other than ignoredTensor ones): a checkpoint holding more than
// its config.json describes, such as a second layer that a one-layer
// config leaves out, would otherwise give silently different vectors.
func (g *getter) unused() error {
	var names []string
	for name, t := range g.ts {
		if t != nil && !g.used[name] && !ignoredTensor(name) {
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
