// Package stfixture builds, for tests, the folder layouts
// sentence-transformers saves sparse encoders in — SparseEncoder modules
// (MLMTransformer + SpladePooling), a Router with an inference-free
// SparseStaticEmbedding query route, and the OpenSearch layout (idf.json
// beside a masked-LM folder) — from the repository's fixtures and the
// shared reference data.
//
// Each builder returns the layout as an [fstest.MapFS], for APIs that read
// an [fs.FS]; [WriteDir] writes one into a folder, for APIs that take a
// path. A builder fails the test when a file it needs cannot be read.
package stfixture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/tokenizer"
)

// MaskedLM returns the masked-LM model folder modelDir (a fixture of
// [reference.Fixture]): the files of it that an encoder reads
// ([layout.FolderFiles]), its configuration, weights and tokenizer.
func MaskedLM(t testing.TB, modelDir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	readFiles(t, m, modelDir, "", layout.FolderFiles(present(modelDir))...)
	return m
}

// tokenizerFiles returns the tokenizer files of dir.
func tokenizerFiles(dir string) []string {
	var out []string
	for _, n := range tokenizer.FileNames() {
		if present(dir)(n) {
			out = append(out, n)
		}
	}
	return out
}

// present reports which files dir holds.
func present(dir string) func(string) bool {
	return func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
}

// Sharded returns the masked-LM folder modelDir with its weights sharded
// as transformers shards big checkpoints: for format "safetensors", its
// model.safetensors split into two shards and model.safetensors.index.json;
// for "pytorch", its pytorch_model.bin as the one shard
// pytorch_model-00001-of-00001.bin of pytorch_model.bin.index.json.
func Sharded(t testing.TB, modelDir, format string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, n := range layout.FolderFiles(present(modelDir)) {
		if !strings.HasSuffix(n, ".safetensors") && !strings.HasSuffix(n, ".bin") {
			readFiles(t, m, modelDir, "", n)
		}
	}
	weightMap := map[string]string{}
	var index string
	switch format {
	case "safetensors":
		ts, err := checkpoint.ReadSafetensors(readFile(t, filepath.Join(modelDir, "model.safetensors")).Data)
		if err != nil {
			t.Fatalf("stfixture: %v", err)
		}
		shards := []map[string]*checkpoint.Tensor{{}, {}}
		names := make([]string, 0, len(ts))
		for k := range ts {
			names = append(names, k)
		}
		slices.Sort(names)
		for i, k := range names {
			shards[i%2][k] = ts[k]
			weightMap[k] = fmt.Sprintf("model-%05d-of-00002.safetensors", i%2+1)
		}
		for i, s := range shards {
			var buf bytes.Buffer
			if err := checkpoint.WriteSafetensors(&buf, s, "F32"); err != nil {
				t.Fatalf("stfixture: %v", err)
			}
			m[fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)] = &fstest.MapFile{Data: buf.Bytes()}
		}
		index = "model.safetensors.index.json"
	case "pytorch":
		f := readFile(t, filepath.Join(modelDir, "pytorch_model.bin"))
		ts, err := checkpoint.ReadWeights(fstest.MapFS{"pytorch_model.bin": f})
		if err != nil {
			t.Fatalf("stfixture: %v", err)
		}
		for k := range ts {
			weightMap[k] = "pytorch_model-00001-of-00001.bin"
		}
		m["pytorch_model-00001-of-00001.bin"] = f
		index = "pytorch_model.bin.index.json"
	default:
		t.Fatalf("stfixture: Sharded: unknown format %q (want safetensors or pytorch)", format)
	}
	data, err := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	if err != nil {
		t.Fatalf("stfixture: %v", err)
	}
	m[index] = &fstest.MapFile{Data: data}
	return m
}

// SparseEncoder returns the folder a sentence-transformers SparseEncoder
// saves: the masked-LM model of modelDir as its MLMTransformer module at
// the root, then a SpladePooling module with the given pooling strategy
// and activation function. When maxSeqLen is positive,
// sentence_bert_config.json sets it as max_seq_length.
func SparseEncoder(t testing.TB, modelDir, pooling, activation string, maxSeqLen int) fstest.MapFS {
	t.Helper()
	m := MaskedLM(t, modelDir)
	m["modules.json"] = file(`[
  {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.sparse_encoder.models.MLMTransformer"},
  {"idx": 1, "name": "1", "path": "1_SpladePooling", "type": "sentence_transformers.sparse_encoder.models.SpladePooling"}
]`)
	m["1_SpladePooling/config.json"] = spladePooling(pooling, activation, vocabSize(t, m, "config.json"))
	if maxSeqLen > 0 {
		m["sentence_bert_config.json"] = sentenceBERT(maxSeqLen)
	}
	return m
}

// Router returns the sentence-transformers Router folder of an
// inference-free SPLADE model: queries go through a SparseStaticEmbedding
// of the idf table at idfPath (a JSON object from token to weight) with
// the tokenizer of tokDir, documents through the masked-LM model of docDir
// and SpladePooling (max, relu), the default route.
func Router(t testing.TB, idfPath, tokDir, docDir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{
		"modules.json": file(`[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Router"}]`),
		"router_config.json": file(`{
    "types": {
        "query_0_SparseStaticEmbedding": "sentence_transformers.sparse_encoder.models.SparseStaticEmbedding",
        "document_0_MLMTransformer": "sentence_transformers.sparse_encoder.models.MLMTransformer",
        "document_1_SpladePooling": "sentence_transformers.sparse_encoder.models.SpladePooling"
    },
    "structure": {
        "query": ["query_0_SparseStaticEmbedding"],
        "document": ["document_0_MLMTransformer", "document_1_SpladePooling"]
    },
    "parameters": {"default_route": "document", "allow_empty_key": true}
}`),
		"query_0_SparseStaticEmbedding/config.json":           file(`{"frozen": true}`),
		"query_0_SparseStaticEmbedding/model.safetensors":     {Data: staticWeights(t, idfPath, filepath.Join(tokDir, "vocab.txt"))},
		"document_0_MLMTransformer/sentence_bert_config.json": sentenceBERT(512),
	}
	readFiles(t, m, tokDir, "query_0_SparseStaticEmbedding", tokenizerFiles(tokDir)...)
	readFiles(t, m, docDir, "document_0_MLMTransformer", layout.FolderFiles(present(docDir))...)
	m["document_1_SpladePooling/config.json"] = spladePooling("max", "relu", vocabSize(t, m, "document_0_MLMTransformer/config.json"))
	return m
}

// OpenSearch returns the OpenSearch layout of an inference-free SPLADE
// model: the masked-LM folder of docDir with the idf table at idfPath
// beside it as idf.json.
func OpenSearch(t testing.TB, idfPath, docDir string) fstest.MapFS {
	t.Helper()
	m := MaskedLM(t, docDir)
	m["idf.json"] = readFile(t, idfPath)
	return m
}

// IDF returns an inference-free folder without a model, which encodes
// queries only: the tokenizer of tokDir with the idf table at idfPath
// beside it as idf.json.
func IDF(t testing.TB, idfPath, tokDir string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	readFiles(t, m, tokDir, "", tokenizerFiles(tokDir)...)
	m["idf.json"] = readFile(t, idfPath)
	return m
}

// WriteDir writes the files of fsys into a new folder of t.TempDir and
// returns the folder.
func WriteDir(t testing.TB, fsys fstest.MapFS) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatalf("stfixture: %v", err)
	}
	return dir
}

// staticWeights returns the idf table at idfPath as SparseStaticEmbedding
// saves it: a "weight" tensor over the vocabulary at vocabPath (one token
// a line), in model.safetensors. Tokens without an idf weigh 0.
func staticWeights(t testing.TB, idfPath, vocabPath string) []byte {
	t.Helper()
	idf := reference.IDF(t, idfPath)
	vocab, err := os.ReadFile(vocabPath)
	if err != nil {
		t.Fatalf("stfixture: %v", err)
	}
	tokens := strings.Split(strings.TrimRight(string(vocab), "\n"), "\n")
	weight := &checkpoint.Tensor{Shape: []int{len(tokens)}, Data: make([]float32, len(tokens))}
	for i, tok := range tokens {
		weight.Data[i] = float32(idf[tok])
	}
	var buf bytes.Buffer
	if err := checkpoint.WriteSafetensors(&buf, map[string]*checkpoint.Tensor{"weight": weight}, "F32"); err != nil {
		t.Fatalf("stfixture: %v", err)
	}
	return buf.Bytes()
}

// readFiles reads the named files of dir into m under the slash-separated
// folder prefix ("" for the root).
func readFiles(t testing.TB, m fstest.MapFS, dir, prefix string, names ...string) {
	t.Helper()
	for _, n := range names {
		m[path.Join(prefix, n)] = readFile(t, filepath.Join(dir, n))
	}
}

// readFile returns the file at p.
func readFile(t testing.TB, p string) *fstest.MapFile {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("stfixture: %v", err)
	}
	return &fstest.MapFile{Data: data}
}

// vocabSize returns the vocab_size of the model configuration at name in m.
func vocabSize(t testing.TB, m fstest.MapFS, name string) int {
	t.Helper()
	var cfg struct {
		VocabSize int `json:"vocab_size"`
	}
	f, ok := m[name]
	if !ok {
		t.Fatalf("stfixture: no %s", name)
	}
	if err := json.Unmarshal(f.Data, &cfg); err != nil || cfg.VocabSize <= 0 {
		t.Fatalf("stfixture: %s: vocab_size %d: %v", name, cfg.VocabSize, err)
	}
	return cfg.VocabSize
}

// spladePooling returns the config.json of a SpladePooling module.
func spladePooling(pooling, activation string, dim int) *fstest.MapFile {
	return file(fmt.Sprintf(`{"pooling_strategy": %q, "activation_function": %q, "word_embedding_dimension": %d}`, pooling, activation, dim))
}

// sentenceBERT returns a sentence_bert_config.json with the given
// max_seq_length.
func sentenceBERT(maxSeqLen int) *fstest.MapFile {
	return file(fmt.Sprintf(`{"max_seq_length": %d, "do_lower_case": false}`, maxSeqLen))
}

// file returns a MapFile holding s.
func file(s string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte(s)}
}
