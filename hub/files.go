package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/layout"
)

// Names of the files an encoder reads.
const (
	safetensorsName = "model.safetensors"
	indexName       = "model.safetensors.index.json"
	pytorchName     = "pytorch_model.bin"
	modulesName     = "modules.json"
	routerName      = "router_config.json"
)

// smallFiles are the configuration, tokenizer and sentence-transformers
// files fetched when the repository has them.
var smallFiles = []string{
	"config.json",
	"tokenizer.json",
	"vocab.txt",
	"tokenizer_config.json",
	"special_tokens_map.json",
	"idf.json",
	modulesName,
	"config_sentence_transformers.json",
	"sentence_bert_config.json",
	routerName,
}

// maxModuleFile bounds the size of the other .json and .txt files fetched
// from sentence-transformers module folders.
const maxModuleFile = 16 << 20

// sibling is one file of a repository, as the repo-info API lists it.
type sibling struct {
	Name string `json:"rfilename"`
	Size int64  `json:"size"`
	LFS  *struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"lfs"`
}

// repoInfo is the part of GET /api/models/{repo}/revision/{rev} used here.
type repoInfo struct {
	SHA      string    `json:"sha"`
	Siblings []sibling `json:"siblings"`
}

// wanted picks the files to fetch from a folder of the repository (prefix ""
// for the root, or "1_SpladePooling/"). module tells whether the folder is a
// sentence-transformers module folder, where other small .json and .txt files
// are fetched too.
func wanted(files map[string]sibling, prefix string, module bool) []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if _, ok := files[name]; ok && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, f := range smallFiles {
		add(prefix + f)
	}
	switch {
	case has(files, prefix+safetensorsName):
		add(prefix + safetensorsName)
	case has(files, prefix+indexName):
		add(prefix + indexName) // shards follow once it is read
	default:
		add(prefix + pytorchName)
	}
	if module {
		var extra []string
		for name, f := range files {
			if !strings.HasPrefix(name, prefix) || (f.Size > maxModuleFile) {
				continue
			}
			if ext := path.Ext(name); ext == ".json" || ext == ".txt" {
				if name != prefix+indexName && !strings.HasSuffix(name, ".index.json") {
					extra = append(extra, name)
				}
			}
		}
		sort.Strings(extra)
		for _, name := range extra {
			add(name)
		}
	}
	return out
}

func has(files map[string]sibling, name string) bool {
	_, ok := files[name]
	return ok
}

// followUps returns the files that a downloaded file calls for: the shards
// of a safetensors index, the module folders of modules.json, and the
// sub-module folders of a Router's router_config.json.
func followUps(files map[string]sibling, name string, data []byte) ([]string, error) {
	dir := path.Dir(name)
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	switch path.Base(name) {
	case indexName:
		shards, err := indexShards(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		var out []string
		for _, s := range shards {
			if !has(files, prefix+s) {
				return nil, fmt.Errorf("%s names shard %s, which the repository does not have", name, s)
			}
			out = append(out, prefix+s)
		}
		return out, nil
	case modulesName:
		if prefix != "" {
			return nil, nil
		}
		folders, err := moduleFolders(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		var out []string
		for _, f := range folders {
			out = append(out, wanted(files, f+"/", true)...)
		}
		return out, nil
	case routerName:
		if prefix != "" {
			return nil, nil
		}
		// A Router keeps its sub-modules in top-level folders named in
		// its routes.
		mods, err := layout.RouterModules(data)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, m := range mods {
			if !safeRelPath(m) {
				return nil, fmt.Errorf("%s: invalid module folder %q", name, m)
			}
			out = append(out, wanted(files, m+"/", true)...)
		}
		return out, nil
	}
	return nil, nil
}

// indexShards lists the shard files of a safetensors index (see
// checkpoint.IndexShards), each checked to stay inside the snapshot.
func indexShards(data []byte) ([]string, error) {
	shards, err := checkpoint.IndexShards(data)
	if err != nil {
		return nil, err
	}
	for _, f := range shards {
		if !safeRelPath(f) {
			return nil, fmt.Errorf("invalid shard name %q", f)
		}
	}
	return shards, nil
}

// moduleFolders lists the non-root module paths of a modules.json.
func moduleFolders(data []byte) ([]string, error) {
	var mods []struct {
		Path string `json:"path"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &mods); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mods {
		p := strings.Trim(path.Clean("/"+strings.ReplaceAll(m.Path, "\\", "/")), "/")
		if p == "" || p == "." {
			continue
		}
		if !safeRelPath(p) {
			return nil, fmt.Errorf("invalid module path %q", m.Path)
		}
		out = append(out, p)
	}
	return out, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// safeRelPath reports whether a repository file name stays inside the
// snapshot folder.
func safeRelPath(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00:") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// complete reports what a snapshot folder lacks to be loaded as an encoder,
// or nil. It is used both for a cache found on disk (perhaps filled by
// Python) and after a download, so that both accept the same snapshots:
//   - config.json, modules.json or idf.json (an inference-free query
//     encoder);
//   - with config.json: a tokenizer (tokenizer.json or vocab.txt) and weights
//     (model.safetensors, a safetensors index with all its shards, or
//     pytorch_model.bin);
//   - with idf.json alone: a tokenizer;
//   - with modules.json: every module folder it names, and with
//     router_config.json every module folder of the Router's routes.
func complete(dir string) error {
	exists := func(rel string) bool {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
		return err == nil
	}
	if _, err := os.Stat(dir); err != nil {
		return errors.New("the snapshot folder is missing")
	}
	hasConfig, hasModules, hasIDF := exists("config.json"), exists(modulesName), exists("idf.json")
	if !hasConfig && !hasModules && !hasIDF {
		return errors.New("no config.json, modules.json or idf.json")
	}
	var missing []string
	if hasIDF && !hasConfig && !hasModules && !exists("tokenizer.json") && !exists("vocab.txt") {
		missing = append(missing, "tokenizer.json or vocab.txt")
	}
	if hasConfig {
		if !exists("tokenizer.json") && !exists("vocab.txt") {
			missing = append(missing, "tokenizer.json or vocab.txt")
		}
		if err := hasWeights(dir, exists); err != nil {
			missing = append(missing, err.Error())
		}
	}
	if hasModules {
		data, err := os.ReadFile(filepath.Join(dir, modulesName))
		if err != nil {
			return err
		}
		folders, err := moduleFolders(data)
		if err != nil {
			return fmt.Errorf("%s: %v", modulesName, err)
		}
		for _, f := range folders {
			if !exists(f) {
				missing = append(missing, "module folder "+f)
			}
		}
	}
	if exists(routerName) {
		data, err := os.ReadFile(filepath.Join(dir, routerName))
		if err != nil {
			return err
		}
		mods, err := layout.RouterModules(data)
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

func hasWeights(dir string, exists func(string) bool) error {
	if exists(safetensorsName) || exists(pytorchName) {
		return nil
	}
	if !exists(indexName) {
		return errors.New("weights (model.safetensors or pytorch_model.bin)")
	}
	data, err := os.ReadFile(filepath.Join(dir, indexName))
	if err != nil {
		return err
	}
	shards, err := indexShards(data)
	if err != nil {
		return fmt.Errorf("readable %s (%v)", indexName, err)
	}
	for _, s := range shards {
		if !exists(s) {
			return fmt.Errorf("weight shard %s", s)
		}
	}
	return nil
}
