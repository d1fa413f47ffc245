package checkpoint

import (
	"encoding/json"
	"fmt"
)

// bertJSON holds the config.json fields of a BERT model. Pointers tell a
// missing field (HuggingFace default applies) from an explicit zero.
type bertJSON struct {
	VocabSize             *int     `json:"vocab_size"`
	HiddenSize            *int     `json:"hidden_size"`
	NumHiddenLayers       *int     `json:"num_hidden_layers"`
	NumAttentionHeads     *int     `json:"num_attention_heads"`
	IntermediateSize      *int     `json:"intermediate_size"`
	MaxPositionEmbeddings *int     `json:"max_position_embeddings"`
	TypeVocabSize         *int     `json:"type_vocab_size"`
	LayerNormEps          *float64 `json:"layer_norm_eps"`
	HiddenAct             *string  `json:"hidden_act"`
	PadTokenID            *int     `json:"pad_token_id"`
	PositionEmbeddingType *string  `json:"position_embedding_type"`
}

// distilBERTJSON holds the config.json fields of a DistilBERT model.
type distilBERTJSON struct {
	VocabSize             *int    `json:"vocab_size"`
	Dim                   *int    `json:"dim"`
	NLayers               *int    `json:"n_layers"`
	NHeads                *int    `json:"n_heads"`
	HiddenDim             *int    `json:"hidden_dim"`
	MaxPositionEmbeddings *int    `json:"max_position_embeddings"`
	Activation            *string `json:"activation"`
	PadTokenID            *int    `json:"pad_token_id"`
	SinusoidalPosEmbds    *bool   `json:"sinusoidal_pos_embds"`
}

// ReadConfig parses a HuggingFace config.json of a BERT, DistilBERT or
// RoBERTa model and checks that the encoders of this project can run it.
// Fields that are absent take the defaults of the transformers library
// (BertConfig, DistilBertConfig, RobertaConfig).
func ReadConfig(data []byte) (Config, error) {
	var head struct {
		ModelType *string `json:"model_type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Config{}, fmt.Errorf("checkpoint: config.json: %w", err)
	}
	if head.ModelType == nil {
		return Config{}, fmt.Errorf("checkpoint: config.json: no model_type (want bert, distilbert or roberta)")
	}
	var cfg Config
	switch *head.ModelType {
	case "bert", "roberta":
		var j bertJSON
		if err := json.Unmarshal(data, &j); err != nil {
			return Config{}, fmt.Errorf("checkpoint: config.json: %w", err)
		}
		if j.PositionEmbeddingType != nil && *j.PositionEmbeddingType != "absolute" {
			return Config{}, fmt.Errorf("checkpoint: config.json: position_embedding_type %q not supported (want absolute)", *j.PositionEmbeddingType)
		}
		cfg = Config{
			ModelType:     *head.ModelType,
			VocabSize:     orInt(j.VocabSize, 30522),
			Hidden:        orInt(j.HiddenSize, 768),
			Layers:        orInt(j.NumHiddenLayers, 12),
			Heads:         orInt(j.NumAttentionHeads, 12),
			Intermediate:  orInt(j.IntermediateSize, 3072),
			MaxPositions:  orInt(j.MaxPositionEmbeddings, 512),
			TypeVocabSize: orInt(j.TypeVocabSize, 2),
			LayerNormEps:  1e-12,
			HiddenAct:     "gelu",
			PadTokenID:    orInt(j.PadTokenID, 0),
		}
		if j.LayerNormEps != nil {
			cfg.LayerNormEps = *j.LayerNormEps
		}
		if j.HiddenAct != nil {
			cfg.HiddenAct = *j.HiddenAct
		}
		if cfg.ModelType == "roberta" {
			// RoBERTa numbers positions from padding_idx+1 (transformers'
			// create_position_ids_from_input_ids); RobertaConfig's
			// pad_token_id defaults to 1.
			cfg.VocabSize = orInt(j.VocabSize, 50265)
			cfg.PadTokenID = orInt(j.PadTokenID, 1)
			cfg.PositionOffset = cfg.PadTokenID + 1
		}
	case "distilbert":
		var j distilBERTJSON
		if err := json.Unmarshal(data, &j); err != nil {
			return Config{}, fmt.Errorf("checkpoint: config.json: %w", err)
		}
		if j.SinusoidalPosEmbds != nil && *j.SinusoidalPosEmbds {
			return Config{}, fmt.Errorf("checkpoint: config.json: sinusoidal_pos_embds true not supported (want learned position embeddings)")
		}
		cfg = Config{
			ModelType:    "distilbert",
			VocabSize:    orInt(j.VocabSize, 30522),
			Hidden:       orInt(j.Dim, 768),
			Layers:       orInt(j.NLayers, 6),
			Heads:        orInt(j.NHeads, 12),
			Intermediate: orInt(j.HiddenDim, 3072),
			MaxPositions: orInt(j.MaxPositionEmbeddings, 512),
			LayerNormEps: 1e-12, // fixed in transformers' DistilBERT
			HiddenAct:    "gelu",
			PadTokenID:   orInt(j.PadTokenID, 0),
		}
		if j.Activation != nil {
			cfg.HiddenAct = *j.Activation
		}
	default:
		return Config{}, fmt.Errorf("checkpoint: config.json: unsupported model_type %q (want bert, distilbert or roberta)", *head.ModelType)
	}
	if err := cfg.validate(); err != nil {
		return Config{}, fmt.Errorf("checkpoint: config.json: %w", err)
	}
	return cfg, nil
}

func orInt(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// validate checks sizes and the activation. Field names in messages are
// those of config.json for the model type.
func (c Config) validate() error {
	names := map[string]string{"hidden": "hidden_size", "layers": "num_hidden_layers", "heads": "num_attention_heads",
		"intermediate": "intermediate_size", "act": "hidden_act"}
	if c.ModelType == "distilbert" {
		names = map[string]string{"hidden": "dim", "layers": "n_layers", "heads": "n_heads",
			"intermediate": "hidden_dim", "act": "activation"}
	}
	positive := []struct {
		name string
		v    int
	}{
		{"vocab_size", c.VocabSize},
		{names["hidden"], c.Hidden},
		{names["layers"], c.Layers},
		{names["heads"], c.Heads},
		{names["intermediate"], c.Intermediate},
		{"max_position_embeddings", c.MaxPositions},
	}
	if c.ModelType == "bert" || c.ModelType == "roberta" {
		positive = append(positive, struct {
			name string
			v    int
		}{"type_vocab_size", c.TypeVocabSize})
	}
	for _, p := range positive {
		if p.v <= 0 {
			return fmt.Errorf("%s is %d, want > 0", p.name, p.v)
		}
	}
	if err := c.checkLimits(names); err != nil {
		return err
	}
	if c.Hidden%c.Heads != 0 {
		return fmt.Errorf("%s %d is not divisible by %s %d", names["hidden"], c.Hidden, names["heads"], c.Heads)
	}
	if !(c.LayerNormEps > 0) {
		return fmt.Errorf("layer_norm_eps is %g, want > 0", c.LayerNormEps)
	}
	if c.HiddenAct != "gelu" {
		return fmt.Errorf("%s %q not supported (want \"gelu\", the exact erf form)", names["act"], c.HiddenAct)
	}
	if c.PadTokenID < 0 || c.PadTokenID >= c.VocabSize {
		return fmt.Errorf("pad_token_id %d out of range [0, %d)", c.PadTokenID, c.VocabSize)
	}
	if c.PositionOffset < 0 || c.MaxTokens() < 2 {
		return fmt.Errorf("max_position_embeddings %d leaves %d positions after the first position id %d (pad_token_id+1 for RoBERTa); want at least 2", c.MaxPositions, c.MaxTokens(), c.PositionOffset)
	}
	return nil
}
