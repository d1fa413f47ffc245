package layout

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestFolderFiles(t *testing.T) {
	has := func(names ...string) func(string) bool {
		return func(n string) bool { return slices.Contains(names, n) }
	}
	for _, tc := range []struct {
		present []string
		want    []string
	}{
		// A RoBERTa folder: the BPE files, and model.safetensors rather
		// than the PyTorch copy beside it.
		{[]string{"config.json", "vocab.json", "merges.txt", "tokenizer.json", "pytorch_model.bin", "model.safetensors", "README.md", "expected.json"},
			[]string{"config.json", "tokenizer.json", "vocab.json", "merges.txt", "model.safetensors"}},
		// Sharded PyTorch weights: the index, whose shards follow.
		{[]string{"config.json", "vocab.txt", "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin"},
			[]string{"config.json", "vocab.txt", "pytorch_model.bin.index.json"}},
		// An XLM-RoBERTa folder with its SentencePiece model alone.
		{[]string{"config.json", "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors"},
			[]string{"config.json", "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors"}},
		// A BGE-M3 folder: the sparse head, not the ColBERT one.
		{[]string{"config.json", "tokenizer.json", "sentencepiece.bpe.model", "sparse_linear.pt", "colbert_linear.pt", "pytorch_model.bin"},
			[]string{"config.json", "tokenizer.json", "sentencepiece.bpe.model", "sparse_linear.pt", "pytorch_model.bin"}},
		{[]string{"modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"},
			[]string{"modules.json", "config_sentence_transformers.json", "sentence_bert_config.json"}},
	} {
		if got := FolderFiles(has(tc.present...)); !slices.Equal(got, tc.want) {
			t.Errorf("FolderFiles(%v) = %v, want %v", tc.present, got, tc.want)
		}
	}
}

func TestMissing(t *testing.T) {
	f := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string // "" for complete
	}{
		{"bpe", fstest.MapFS{"config.json": f("{}"), "vocab.json": f("{}"), "merges.txt": f(""), "model.safetensors": f("")}, ""},
		{"vocab.json alone", fstest.MapFS{"config.json": f("{}"), "vocab.json": f("{}"), "model.safetensors": f("")}, "vocab.json with merges.txt"},
		{"sharded pytorch", fstest.MapFS{"config.json": f("{}"), "tokenizer.json": f("{}"),
			"pytorch_model.bin.index.json": f(`{"weight_map": {"a": "p-1.bin", "b": "p-2.bin"}}`), "p-1.bin": f(""), "p-2.bin": f("")}, ""},
		{"missing shard", fstest.MapFS{"config.json": f("{}"), "tokenizer.json": f("{}"),
			"pytorch_model.bin.index.json": f(`{"weight_map": {"a": "p-1.bin", "b": "p-2.bin"}}`), "p-1.bin": f("")}, "weight shard p-2.bin"},
		{"no weights", fstest.MapFS{"config.json": f("{}"), "tokenizer.json": f("{}")}, "weights (model.safetensors"},
		{"nothing", fstest.MapFS{"README.md": f("")}, "no config.json"},
		{"module folder", fstest.MapFS{"modules.json": f(`[{"path": "1_SpladePooling"}]`)}, "module folder 1_SpladePooling"},
	} {
		err := Missing(tc.fsys)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Missing = %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: Missing = %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
}

// TestRobertaMaxLength: a RoBERTa tokenizer with transformers' 1e30
// "unset" model_max_length gets max_position_embeddings - pad_token_id -
// 1 tokens, as the positions start after pad_token_id.
func TestRobertaMaxLength(t *testing.T) {
	m := fixtureFS(t, fstest.MapFS{}, "tiny-roberta-50262", "", "tokenizer.json", "special_tokens_map.json")
	cfg := `{"model_type": "roberta", "vocab_size": 50262, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
		"intermediate_size": 64, "max_position_embeddings": %d, "type_vocab_size": 1, "layer_norm_eps": 1e-05, "pad_token_id": 1}`
	for _, tc := range []struct {
		maxPos      int
		modelMaxLen string
		want        int
	}{
		{514, "1e30", 512},
		{514, "1000000000000000019884624838656", 512},
		{66, "64", 64},
		{66, "128", 64}, // never past the position table
	} {
		m["config.json"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(cfg, tc.maxPos))}
		m["tokenizer_config.json"] = &fstest.MapFile{Data: []byte(`{"tokenizer_class": "RobertaTokenizer", "model_max_length": ` + tc.modelMaxLen + `}`)}
		d, err := Read(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Document.MaxLength(); got != tc.want {
			t.Errorf("max_position_embeddings %d, model_max_length %s: MaxLength %d, want %d", tc.maxPos, tc.modelMaxLen, got, tc.want)
		}
		if got := d.Document.MLM.Net.PositionOffset; got != 2 {
			t.Errorf("PositionOffset %d, want 2 (pad_token_id + 1)", got)
		}
	}
}
