package arch

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestParse reads config.json of each family into the network that the
// transformers library builds from it.
func TestParse(t *testing.T) {
	n, err := Parse([]byte(`{"model_type":"distilbert","vocab_size":478,"dim":32,"n_layers":2,"n_heads":4,"hidden_dim":64,"activation":"gelu","max_position_embeddings":64,"sinusoidal_pos_embds":false,"pad_token_id":0}`))
	if err != nil {
		t.Fatal(err)
	}
	want := bertBlock(2)
	want.Family, want.Vocab, want.Hidden, want.Heads, want.Intermediate, want.Positions = "distilbert", 478, 32, 4, 64, 64
	want.Norm.Eps = 1e-12
	if !reflect.DeepEqual(n, want) {
		t.Errorf("distilbert: got %+v, want %+v", n, want)
	}
	if n, err = Parse([]byte(`{"model_type":"bert"}`)); err != nil {
		t.Fatal(err)
	}
	if n.Vocab != 30522 || n.Hidden != 768 || len(n.Layers) != 12 || n.TypeVocab != 2 || n.PositionOffset != 0 {
		t.Errorf("bert defaults: %+v", n)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "shared", "fixtures", "tiny-roberta-50262", "config.json"))
	if err == nil {
		if n, err = Parse(data); err != nil {
			t.Fatal(err)
		}
		want := bertBlock(2)
		want.Family, want.Vocab, want.Hidden, want.Heads, want.Intermediate, want.Positions = "roberta", 50262, 32, 4, 64, 66
		want.TypeVocab, want.Norm.Eps, want.PadTokenID, want.PositionOffset = 1, 1e-5, 1, 2
		if !reflect.DeepEqual(n, want) || n.MaxTokens() != 64 {
			t.Errorf("tiny-roberta-50262: got %+v (MaxTokens %d), want %+v (64)", n, n.MaxTokens(), want)
		}
	}
	if n, err = Parse([]byte(`{"model_type":"roberta"}`)); err != nil {
		t.Fatal(err)
	}
	if n.Vocab != 50265 || n.PadTokenID != 1 || n.PositionOffset != 2 || n.Positions != 512 || n.Norm.Eps != 1e-12 {
		t.Errorf("roberta defaults: %+v", n)
	}
	if n, err = Parse([]byte(`{"model_type":"roberta","pad_token_id":0}`)); err != nil || n.PositionOffset != 1 {
		t.Errorf("roberta pad_token_id 0: PositionOffset %d (err %v), want 1", n.PositionOffset, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"model_type":"t5"}`, `config.json: unsupported model_type "t5" (supported: bert, camembert, distilbert, modernbert, new, roberta, xlm-roberta)`},
		{`{"model_type":"roberta","max_position_embeddings":3}`, "max_position_embeddings 3 leaves 1 positions after the first position id 2"},
		{`{"hidden_size":4}`, "no model_type (supported: bert, camembert, distilbert, modernbert, new, roberta, xlm-roberta)"},
		{`{"model_type":"bert","hidden_act":"gelu_new"}`, `hidden_act "gelu_new" not supported`},
		{`{"model_type":"distilbert","activation":"relu"}`, `activation "relu" not supported`},
		{`{"model_type":"bert","hidden_size":30,"num_attention_heads":4}`, "hidden_size 30 is not divisible by num_attention_heads 4"},
		{`{"model_type":"distilbert","dim":30,"n_heads":4}`, "dim 30 is not divisible by n_heads 4"},
		{`{"model_type":"bert","num_hidden_layers":0}`, "num_hidden_layers is 0"},
		{`{"model_type":"bert","num_hidden_layers":4611686018427387904}`, "num_hidden_layers is 4611686018427387904, more than the limit"},
		{`{"model_type":"bert","type_vocab_size":0}`, "type_vocab_size is 0"},
		{`{"model_type":"distilbert","sinusoidal_pos_embds":true}`, "sinusoidal_pos_embds"},
		{`{"model_type":"bert","position_embedding_type":"relative_key"}`, "position_embedding_type"},
		{`{"model_type":"bert",`, "config.json"},
	} {
		_, err := Parse([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want error containing %q", tc.json, err, tc.want)
		}
	}
}

// TestTensors checks the tensor list of BERT: 5 embedding tensors, 16 a
// layer, 6 of the head, with the names of each family.
func TestTensors(t *testing.T) {
	n, err := Parse([]byte(`{"model_type":"bert","vocab_size":10,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":12,"max_position_embeddings":16}`))
	if err != nil {
		t.Fatal(err)
	}
	ts := n.Tensors()
	if len(ts) != 5+2*16+6 || n.MinLayerTensors() != 16 {
		t.Errorf("%d tensors (%d a layer), want %d (16)", len(ts), n.MinLayerTensors(), 5+2*16+6)
	}
	for _, tc := range []struct {
		r    Role
		want []string
	}{
		{W(WordEmbeddings), []string{"bert.embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight"}},
		{LB(1, AttentionNorm), []string{"bert.encoder.layer.1.attention.output.LayerNorm.bias", "bert.encoder.layer.1.attention.output.LayerNorm.beta",
			"encoder.layer.1.attention.output.LayerNorm.bias", "encoder.layer.1.attention.output.LayerNorm.beta"}},
		{B(Decoder), []string{"cls.predictions.bias", "cls.predictions.decoder.bias"}},
	} {
		if got := n.TensorNames(tc.r); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: names %q, want %q", tc.r, got, tc.want)
		}
	}
	for _, spec := range ts {
		if len(n.TensorNames(spec.Role)) == 0 {
			t.Errorf("%s has no name", spec.Role)
		}
	}
}

// TestRopeFrequencies checks NTK scaling as GTE's modeling code applies
// it: base·factor, then every frequency divided by factor^(2/d).
func TestRopeFrequencies(t *testing.T) {
	f := Rope{Theta: 10000}.Frequencies(4)
	if f[0] != 1 || f[1] != 0.01 {
		t.Errorf("theta 10000, d 4: %v, want [1 0.01]", f)
	}
	f = Rope{Theta: 10000, NTKFactor: 4}.Frequencies(4)
	// base 40000: [1, 1/200], divided by 4^(1/2) = 2.
	if f[0] != 0.5 || f[1] != 0.0025 {
		t.Errorf("NTK factor 4: %v, want [0.5 0.0025]", f)
	}
}

// TestParseRotaryFamilies reads the configs of GTE "new" and ModernBERT:
// rotary positions, NTK scaling, global and sliding-window layers, the
// newer layer_types / rope_parameters form.
func TestParseRotaryFamilies(t *testing.T) {
	n, err := Parse([]byte(`{"model_type":"new","vocab_size":100,"hidden_size":32,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":48,"max_position_embeddings":64,"rope_theta":500000,"rope_scaling":{"type":"ntk","factor":2},"type_vocab_size":0}`))
	if err != nil {
		t.Fatal(err)
	}
	if n.PositionKind != Rotary || n.Layers[1].Rope != (Rope{Theta: 500000, NTKFactor: 2}) || n.TypeVocab != 0 || n.FeedForward.Gate != GateActSecond || n.PreNorm {
		t.Errorf("new: %+v", n)
	}
	if got := len(n.Tensors()); got != 3+2*11+6 { // word emb, emb norm w/b; 11 a layer (up_gate_proj without bias); head
		t.Errorf("new: %d tensors, want %d", got, 3+2*11+6)
	}
	n, err = Parse([]byte(`{"model_type":"modernbert","vocab_size":100,"hidden_size":32,"num_hidden_layers":4,"num_attention_heads":4,"intermediate_size":48,"max_position_embeddings":64,"global_attn_every_n_layers":3,"local_attention":8,"pad_token_id":0}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Layer{
		{AttentionNorm: false, Rope: Rope{Theta: 160000}},
		{AttentionNorm: true, Window: 4, Rope: Rope{Theta: 10000}},
		{AttentionNorm: true, Window: 4, Rope: Rope{Theta: 10000}},
		{AttentionNorm: true, Rope: Rope{Theta: 160000}},
	}
	if !reflect.DeepEqual(n.Layers, want) || !n.PreNorm || !n.FinalNorm || n.Norm.Bias || n.Attention.Bias || n.FeedForward.Gate != GateActFirst {
		t.Errorf("modernbert: %+v", n)
	}
	n, err = Parse([]byte(`{"model_type":"modernbert","num_hidden_layers":2,"local_attention":16,"layer_types":["sliding_attention","full_attention"],"rope_parameters":{"full_attention":{"rope_theta":1000},"sliding_attention":{"rope_theta":20}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []Layer{{Window: 8, Rope: Rope{Theta: 20}}, {AttentionNorm: true, Rope: Rope{Theta: 1000}}}; !reflect.DeepEqual(n.Layers, want) {
		t.Errorf("modernbert layer_types: %+v, want %+v", n.Layers, want)
	}
	for _, tc := range []struct{ json, want string }{
		{`{"model_type":"new","logn_attention_scale":true}`, "logn_attention_scale"},
		{`{"model_type":"new","rope_scaling":{"type":"dynamic","factor":2}}`, "rope_scaling"},
		{`{"model_type":"new","position_embedding_type":"absolute"}`, "position_embedding_type"},
		{`{"model_type":"modernbert","layer_types":["x"]}`, "layer_types"},
		{`{"model_type":"modernbert","hidden_activation":"tanh"}`, "hidden_activation"},
	} {
		if _, err := Parse([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%s) = %v, want an error naming %s", tc.json, err, tc.want)
		}
	}
}
