package checkpoint

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// FromTensors maps the tensors of a BertForMaskedLM, DistilBertForMaskedLM
// or RobertaForMaskedLM state dict (HuggingFace names) onto Params,
// checking each shape against cfg. The Params share the tensors of ts.
//
// The "bert." / "distilbert." / "roberta." prefix of encoder tensors may be absent, and
// old BERT checkpoints may name LayerNorm parameters gamma and beta. When
// the decoder weight (cls.predictions.decoder.weight, vocab_projector.weight
// or lm_head.decoder.weight) is absent, or holds exactly the word embeddings,
// it is tied: DecoderW is WordEmb. Tensors the model does not use are an
// error that names them (a checkpoint that config.json does not describe),
// except those of a pre-training checkpoint's pooler and next-sentence
// head, which transformers drops too.
func FromTensors(cfg Config, ts map[string]*Tensor) (*Params, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("checkpoint: config: %w", err)
	}
	if err := checkLayerCount(cfg, ts); err != nil {
		return nil, err
	}
	g := getter{ts: ts, used: make(map[string]bool, len(ts))}
	var p *Params
	switch cfg.ModelType {
	case "bert":
		p = g.bert(cfg)
	case "distilbert":
		p = g.distilBERT(cfg)
	case "roberta":
		p = g.roberta(cfg)
	default:
		return nil, fmt.Errorf("checkpoint: unsupported model_type %q (want bert, distilbert or roberta)", cfg.ModelType)
	}
	if g.err != nil {
		return nil, g.err
	}
	if err := g.unused(); err != nil {
		return nil, err
	}
	p.Config = cfg
	return p, nil
}

// getter looks tensors up and keeps the first error.
type getter struct {
	ts   map[string]*Tensor
	used map[string]bool // names taken by the model
	err  error
}

// get returns the first of names present in ts, checking its shape; when
// none is present it records an error naming names[0].
func (g *getter) get(shape []int, names ...string) *Tensor {
	if g.err != nil {
		return nil
	}
	for _, name := range names {
		t, ok := g.ts[name]
		if !ok || t == nil {
			continue
		}
		if !slices.Equal(t.Shape, shape) {
			g.err = fmt.Errorf("checkpoint: tensor %q has shape %v, want %v (from config.json)", name, t.Shape, shape)
			return nil
		}
		if n, ok := numElements(t.Shape); !ok || n != len(t.Data) {
			g.err = fmt.Errorf("checkpoint: tensor %q has shape %v but %d values", name, t.Shape, len(t.Data))
			return nil
		}
		g.used[name] = true
		g.useCopies(t, names)
		return t
	}
	g.err = fmt.Errorf("checkpoint: tensor %q missing (want shape %v); is this a masked-LM checkpoint of the model type in config.json?", names[0], shape)
	return nil
}

// linear returns the weight [out, in] and bias [out] of an nn.Linear.
func (g *getter) linear(name string, out, in int) (w, b *Tensor) {
	return g.get([]int{out, in}, name+".weight"), g.get([]int{out}, name+".bias")
}

// norm returns the weight and bias of a LayerNorm, accepting the old
// gamma/beta names.
func (g *getter) norm(name string, n int) (w, b *Tensor) {
	return g.get([]int{n}, name+".weight", name+".gamma"), g.get([]int{n}, name+".bias", name+".beta")
}

// prefix returns p when the model's word embeddings are stored under
// p+embeddings, "" when they are stored without it, and p otherwise (for
// the error message).
func (g *getter) prefix(p string) string {
	if _, ok := g.ts[p+"embeddings.word_embeddings.weight"]; ok {
		return p
	}
	if _, ok := g.ts["embeddings.word_embeddings.weight"]; ok {
		return ""
	}
	return p
}

func (g *getter) bert(c Config) *Params {
	p := g.bertEncoder(c, g.prefix("bert."))
	H, V := c.Hidden, c.VocabSize
	p.HeadTransformW, p.HeadTransformB = g.linear("cls.predictions.transform.dense", H, H)
	p.HeadNormW, p.HeadNormB = g.norm("cls.predictions.transform.LayerNorm", H)
	p.DecoderW = g.tied(p.WordEmb, []int{V, H}, "cls.predictions.decoder.weight")
	p.DecoderB = g.get([]int{V}, "cls.predictions.bias", "cls.predictions.decoder.bias")
	return p
}

// roberta maps RobertaForMaskedLM: BERT's encoder under "roberta.", and
// the head lm_head.dense -> GELU -> lm_head.layer_norm -> decoder (tied
// to the word embeddings unless lm_head.decoder.weight differs) +
// lm_head.bias.
func (g *getter) roberta(c Config) *Params {
	p := g.bertEncoder(c, g.prefix("roberta."))
	H, V := c.Hidden, c.VocabSize
	p.HeadTransformW, p.HeadTransformB = g.linear("lm_head.dense", H, H)
	p.HeadNormW, p.HeadNormB = g.norm("lm_head.layer_norm", H)
	p.DecoderW = g.tied(p.WordEmb, []int{V, H}, "lm_head.decoder.weight")
	p.DecoderB = g.get([]int{V}, "lm_head.bias", "lm_head.decoder.bias")
	return p
}

// bertEncoder maps the embeddings and layers of BERT and RoBERTa, whose
// tensors are named alike under the prefix pre.
func (g *getter) bertEncoder(c Config, pre string) *Params {
	H, I, V := c.Hidden, c.Intermediate, c.VocabSize
	p := &Params{
		WordEmb: g.get([]int{V, H}, pre+"embeddings.word_embeddings.weight"),
		PosEmb:  g.get([]int{c.MaxPositions, H}, pre+"embeddings.position_embeddings.weight"),
		TypeEmb: g.get([]int{c.TypeVocabSize, H}, pre+"embeddings.token_type_embeddings.weight"),
	}
	p.EmbNormW, p.EmbNormB = g.norm(pre+"embeddings.LayerNorm", H)
	p.Layers = make([]Layer, c.Layers)
	for i := range p.Layers {
		l := &p.Layers[i]
		n := pre + "encoder.layer." + strconv.Itoa(i) + "."
		l.QueryW, l.QueryB = g.linear(n+"attention.self.query", H, H)
		l.KeyW, l.KeyB = g.linear(n+"attention.self.key", H, H)
		l.ValueW, l.ValueB = g.linear(n+"attention.self.value", H, H)
		l.AttnOutW, l.AttnOutB = g.linear(n+"attention.output.dense", H, H)
		l.AttnNormW, l.AttnNormB = g.norm(n+"attention.output.LayerNorm", H)
		l.FFInW, l.FFInB = g.linear(n+"intermediate.dense", I, H)
		l.FFOutW, l.FFOutB = g.linear(n+"output.dense", H, I)
		l.OutNormW, l.OutNormB = g.norm(n+"output.LayerNorm", H)
	}
	return p
}

func (g *getter) distilBERT(c Config) *Params {
	H, I, V := c.Hidden, c.Intermediate, c.VocabSize
	pre := g.prefix("distilbert.")
	p := &Params{
		WordEmb: g.get([]int{V, H}, pre+"embeddings.word_embeddings.weight"),
		PosEmb:  g.get([]int{c.MaxPositions, H}, pre+"embeddings.position_embeddings.weight"),
	}
	p.EmbNormW, p.EmbNormB = g.norm(pre+"embeddings.LayerNorm", H)
	p.Layers = make([]Layer, c.Layers)
	for i := range p.Layers {
		l := &p.Layers[i]
		n := pre + "transformer.layer." + strconv.Itoa(i) + "."
		l.QueryW, l.QueryB = g.linear(n+"attention.q_lin", H, H)
		l.KeyW, l.KeyB = g.linear(n+"attention.k_lin", H, H)
		l.ValueW, l.ValueB = g.linear(n+"attention.v_lin", H, H)
		l.AttnOutW, l.AttnOutB = g.linear(n+"attention.out_lin", H, H)
		l.AttnNormW, l.AttnNormB = g.norm(n+"sa_layer_norm", H)
		l.FFInW, l.FFInB = g.linear(n+"ffn.lin1", I, H)
		l.FFOutW, l.FFOutB = g.linear(n+"ffn.lin2", H, I)
		l.OutNormW, l.OutNormB = g.norm(n+"output_layer_norm", H)
	}
	p.HeadTransformW, p.HeadTransformB = g.linear("vocab_transform", H, H)
	p.HeadNormW, p.HeadNormB = g.norm("vocab_layer_norm", H)
	p.DecoderW = g.tied(p.WordEmb, []int{V, H}, "vocab_projector.weight")
	p.DecoderB = g.get([]int{V}, "vocab_projector.bias")
	return p
}

// tied returns the named decoder weight, or wordEmb when it is absent or
// holds the same values (a tied weight saved twice).
func (g *getter) tied(wordEmb *Tensor, shape []int, name string) *Tensor {
	if _, ok := g.ts[name]; !ok {
		return wordEmb
	}
	t := g.get(shape, name)
	if t == nil || wordEmb == nil {
		return t
	}
	if t == wordEmb || sameData(t, wordEmb) {
		return wordEmb
	}
	return t
}

// sameData reports whether a and b hold bit-identical values.
func sameData(a, b *Tensor) bool {
	return slices.EqualFunc(a.Data, b.Data, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

// DropTiedDecoder removes from ts a masked-LM decoder weight that holds
// exactly the word embeddings (a tied weight saved twice, as
// pytorch_model.bin files do). FromTensors ties a missing decoder to the
// embeddings, so the copy only costs size where the tensors are written
// again.
func DropTiedDecoder(ts map[string]*Tensor) {
	for _, pair := range [][2]string{
		{"cls.predictions.decoder.weight", "bert.embeddings.word_embeddings.weight"},
		{"cls.predictions.decoder.weight", "embeddings.word_embeddings.weight"},
		{"vocab_projector.weight", "distilbert.embeddings.word_embeddings.weight"},
		{"vocab_projector.weight", "embeddings.word_embeddings.weight"},
		{"lm_head.decoder.weight", "roberta.embeddings.word_embeddings.weight"},
		{"lm_head.decoder.weight", "embeddings.word_embeddings.weight"},
	} {
		dec, emb := ts[pair[0]], ts[pair[1]]
		if dec != nil && emb != nil && slices.Equal(dec.Shape, emb.Shape) && sameData(dec, emb) {
			delete(ts, pair[0])
		}
	}
}
