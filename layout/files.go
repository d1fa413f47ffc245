package layout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/safefs"
	"github.com/splade-go/splade/tokenizer"
)

// configFiles are the files of a folder, besides the tokenizer and the
// weights, that Read may read.
var configFiles = []string{
	"config.json",
	"idf.json",
	"modules.json",
	"config_sentence_transformers.json",
	"sentence_bert_config.json",
	"router_config.json",
}

// headFiles are weights of heads a model folder keeps beside its
// checkpoint: FlagEmbedding's BGE-M3 sparse head (a pickled Linear(H,1)
// state_dict, which [checkpoint.ReadSparseLinear] reads).
var headFiles = []string{checkpoint.SparseLinearFile}

// FolderFiles returns the files of one folder (a model's root or one of its
// module folders) that the encoders may read, among those has reports
// present: the configuration files, the tokenizer files ([tokenizer.FileNames]),
// the weights of heads beside the checkpoint (BGE-M3's sparse_linear.pt)
// and the weights the loader would read, the first present of
// [checkpoint.WeightFileNames]. For a sharded index that is the index
// alone: its shards follow from its contents ([checkpoint.IndexShards]).
// This is the one list of what a model folder needs; the hub client asks
// it what to download.
func FolderFiles(has func(name string) bool) []string {
	var out []string
	for _, names := range [][]string{configFiles, tokenizer.FileNames(), headFiles} {
		for _, n := range names {
			if has(n) {
				out = append(out, n)
			}
		}
	}
	for _, w := range checkpoint.WeightFileNames() {
		if has(w) {
			return append(out, w)
		}
	}
	return out
}

// ModuleFolders lists the module folders, other than the root, that a
// sentence-transformers modules.json names, as clean slash-separated
// paths (which may still climb out of the model folder: check them
// before use).
func ModuleFolders(modulesJSON []byte) ([]string, error) {
	var mods []stModule
	if err := json.Unmarshal(modulesJSON, &mods); err != nil {
		return nil, fmt.Errorf("layout: modules.json: %w", err)
	}
	var out []string
	for _, m := range mods {
		p := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(m.Path, "\\", "/")), "/")
		if p == "" || p == "." {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// Missing reports what the model folder at the root of fsys lacks for Read
// and the weight loader to read it, or nil when it lacks nothing:
//   - config.json, modules.json or idf.json (an inference-free query
//     encoder);
//   - with config.json: a tokenizer ([tokenizer.Complete]) and weights
//     (one of [checkpoint.WeightFileNames], an index with all its shards);
//   - with idf.json alone: a tokenizer;
//   - with modules.json: every module folder it names, and with
//     router_config.json every module folder of the Router's routes.
func Missing(fsys fs.FS) error {
	exists := func(name string) bool {
		_, err := fs.Stat(fsys, name)
		return err == nil
	}
	hasConfig, hasModules, hasIDF := exists("config.json"), exists("modules.json"), exists("idf.json")
	if !hasConfig && !hasModules && !hasIDF {
		return errors.New("no config.json, modules.json or idf.json")
	}
	const tokenizerFiles = "tokenizer.json, vocab.txt, vocab.json with merges.txt, or sentencepiece.bpe.model"
	var missing []string
	if hasIDF && !hasConfig && !hasModules && !tokenizer.Complete(exists) {
		missing = append(missing, tokenizerFiles)
	}
	if hasConfig {
		if !tokenizer.Complete(exists) {
			missing = append(missing, tokenizerFiles)
		}
		if m := missingWeights(fsys, exists); m != "" {
			missing = append(missing, m)
		}
	}
	if hasModules {
		data, err := safefs.ReadFile(fsys, "modules.json")
		if err != nil {
			return err
		}
		folders, err := ModuleFolders(data)
		if err != nil {
			return err
		}
		for _, f := range folders {
			if !exists(f) {
				missing = append(missing, "module folder "+f)
			}
		}
	}
	if exists("router_config.json") {
		data, err := safefs.ReadFile(fsys, "router_config.json")
		if err != nil {
			return err
		}
		mods, err := RouterModules(data)
		if err != nil {
			return err
		}
		for _, m := range mods {
			if !exists(m) {
				missing = append(missing, "Router module folder "+m)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// missingWeights names the weights the folder lacks, "" when it has them.
func missingWeights(fsys fs.FS, exists func(string) bool) string {
	names := checkpoint.WeightFileNames()
	for _, w := range names {
		if !exists(w) {
			continue
		}
		if !checkpoint.IsIndex(w) {
			return ""
		}
		data, err := safefs.ReadFile(fsys, w)
		if err != nil {
			return fmt.Sprintf("readable %s (%v)", w, err)
		}
		shards, err := checkpoint.IndexShards(data)
		if err != nil {
			return fmt.Sprintf("readable %s (%v)", w, err)
		}
		for _, s := range shards {
			if !fs.ValidPath(s) || !exists(s) {
				return "weight shard " + s
			}
		}
		return ""
	}
	return "weights (" + strings.Join(names, ", ") + ")"
}
