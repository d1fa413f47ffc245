package layout

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// FuzzRead mutates the JSON files that say what a model folder is
// (modules.json, the pooling and sentence-transformers configs,
// router_config.json, idf.json, config.json) around a fixed tokenizer:
// Read must refuse or accept them without panicking.
func FuzzRead(f *testing.F) {
	tiny := filepath.Join("..", "testdata", "tiny-bert")
	config, _ := os.ReadFile(filepath.Join(tiny, "config.json"))
	vocab, err := os.ReadFile(filepath.Join(tiny, "vocab.txt"))
	if err != nil {
		f.Skip("no tiny-bert fixture")
	}
	modules := []byte(`[{"idx":0,"name":"0","path":"","type":"sentence_transformers.sparse_encoder.models.MLMTransformer"},` +
		`{"idx":1,"name":"1","path":"1_SpladePooling","type":"sentence_transformers.sparse_encoder.models.SpladePooling"}]`)
	pooling := []byte(`{"pooling_strategy":"max","activation_function":"relu"}`)
	router := []byte(`{"types":{"query_0_SparseStaticEmbedding":"sentence_transformers.sparse_encoder.models.SparseStaticEmbedding"},` +
		`"structure":{"query":["query_0_SparseStaticEmbedding"],"document":["document_0_MLMTransformer"]},"parameters":{"default_route":"document"}}`)
	f.Add(config, []byte(nil), []byte(nil), []byte(nil), []byte(nil))
	f.Add(config, modules, pooling, []byte(nil), []byte(nil))
	f.Add(config, []byte(nil), []byte(nil), []byte(nil), []byte(`{"hello": 2, "[CLS]": 1}`))
	f.Add([]byte(nil), []byte(`[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Router"}]`), []byte(nil), router, []byte(nil))
	f.Fuzz(func(t *testing.T, config, modules, pooling, router, idf []byte) {
		fsys := fstest.MapFS{"vocab.txt": {Data: vocab}}
		for name, data := range map[string][]byte{"config.json": config, "modules.json": modules, "1_SpladePooling/config.json": pooling,
			"router_config.json": router, "idf.json": idf} {
			if data != nil {
				fsys[name] = &fstest.MapFile{Data: data}
			}
		}
		m, err := Read(fsys)
		if err != nil || m == nil {
			return
		}
		m.MLMs()
		m.Tokenizer()
	})
}
