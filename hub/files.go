package hub

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/layout"
)

// Names of the files that call for others.
const (
	modulesName = "modules.json"
	routerName  = "router_config.json"
)

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
	for _, f := range layout.FolderFiles(func(name string) bool { return has(files, prefix+name) }) {
		add(prefix + f) // an index's shards follow once it is read
	}
	if module {
		var extra []string
		for name, f := range files {
			if !strings.HasPrefix(name, prefix) || (f.Size > maxModuleFile) {
				continue
			}
			if ext := path.Ext(name); ext == ".json" || ext == ".txt" {
				if !strings.HasSuffix(name, ".index.json") {
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

// callsForOthers reports whether the repository file name calls for others
// to be downloaded after it (see followUps).
func callsForOthers(name string) bool {
	base := path.Base(name)
	return checkpoint.IsIndex(base) || base == modulesName || base == routerName
}

// followUps returns the files that a downloaded file calls for: the shards
// of a sharded weights index (safetensors or pytorch_model.bin), the module folders of modules.json, and the
// sub-module folders of a Router's router_config.json.
func followUps(files map[string]sibling, name string, data []byte) ([]string, error) {
	dir := path.Dir(name)
	prefix := ""
	if dir != "." {
		prefix = dir + "/"
	}
	switch base := path.Base(name); {
	case checkpoint.IsIndex(base):
		shards, err := indexShards(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var out []string
		for _, s := range shards {
			if !has(files, prefix+s) {
				return nil, fmt.Errorf("%s names shard %s, which the repository does not have", name, s)
			}
			out = append(out, prefix+s)
		}
		return out, nil
	case base == modulesName:
		if prefix != "" {
			return nil, nil
		}
		folders, err := moduleFolders(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var out []string
		for _, f := range folders {
			out = append(out, wanted(files, f+"/", true)...)
		}
		return out, nil
	case base == routerName:
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

// moduleFolders lists the non-root module paths of a modules.json (see
// layout.ModuleFolders), each checked to stay inside the snapshot.
func moduleFolders(data []byte) ([]string, error) {
	folders, err := layout.ModuleFolders(data)
	if err != nil {
		return nil, err
	}
	for _, p := range folders {
		if !safeRelPath(p) {
			return nil, fmt.Errorf("invalid module path %q", p)
		}
	}
	return folders, nil
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
// or nil (see layout.Missing). It is used both for a cache found on disk
// (perhaps filled by Python) and after a download, so that both accept the
// same snapshots.
func complete(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		return errors.New("the snapshot folder is missing")
	}
	return layout.Missing(os.DirFS(dir))
}
