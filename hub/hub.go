package hub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Resolve returns a local folder holding the model nameOrDir.
//
// When nameOrDir is an existing directory it is returned as is, without
// looking at the network or the cache. A nameOrDir that is meant as a path
// (it starts with ".", "/" or "~", or its first element is an existing
// folder, as in "testdata/tiny-ber") and does not exist is a "no such
// folder" error, never a Hub request. Otherwise nameOrDir is a Hub
// repository id ("org/name"): Resolve returns its snapshot folder in the
// cache, <cache>/models--org--name/snapshots/<commit>, downloading first the
// files an encoder needs (config.json, tokenizer.json, vocab.txt,
// tokenizer_config.json, special_tokens_map.json, the weights as
// model.safetensors, sharded safetensors or pytorch_model.bin, idf.json, and
// the sentence-transformers files modules.json,
// config_sentence_transformers.json and the small files of the module folders
// that modules.json names) unless the cache already has them. See the package
// documentation for when the network is used.
func Resolve(ctx context.Context, nameOrDir string, opts Options) (dir string, err error) {
	if nameOrDir == "" {
		return "", errors.New(`hub: empty model name: want a local model folder or a Hub repository id such as "naver/splade-v3"`)
	}
	if fi, err := os.Stat(nameOrDir); err == nil {
		if !fi.IsDir() {
			return "", fmt.Errorf("hub: %s is a file: want a model folder (holding config.json, tokenizer and weights) or a Hub repository id", nameOrDir)
		}
		return nameOrDir, nil
	}
	if looksLikePath(nameOrDir) {
		return "", noSuchFolder(nameOrDir)
	}
	if err := validateRepoID(nameOrDir); err != nil {
		return "", err
	}
	o := opts.withEnv()
	defer func() {
		// A bare name such as "mymodel" may be a mistyped local folder as
		// well as a legacy Hub id: say both.
		if err != nil && !strings.Contains(nameOrDir, "/") {
			err = fmt.Errorf("%w (there is no local folder %q either)", err, nameOrDir)
		}
		// No error text is built from the token; this only guards against a
		// server that echoes it back. Tokens shorter than 8 characters are
		// not real Hub tokens and would mangle ordinary words.
		if err != nil && len(o.Token) >= 8 && strings.Contains(err.Error(), o.Token) {
			err = &redactedError{msg: strings.ReplaceAll(err.Error(), o.Token, "<token>"), err: err}
		}
		// Nor is any built from the endpoint's userinfo (user:password@);
		// this catches it where a library prints a URL.
		if err != nil {
			if msg := redactText(err.Error(), o.Endpoint); msg != err.Error() {
				err = &redactedError{msg: msg, err: err}
			}
		}
	}()
	if err := validateRevision(o.Revision); err != nil {
		return "", err
	}
	repo := repoCache{id: nameOrDir, dir: filepath.Join(o.CacheDir, "models--"+strings.ReplaceAll(nameOrDir, "/", "--"))}

	snap, why := repo.cached(o.Revision)
	if why == nil {
		return snap, nil
	}
	if o.Offline {
		return "", fmt.Errorf("hub: %s@%s: offline mode is on (HF_HUB_OFFLINE or Options.Offline) and the cache cannot serve it: %v; "+
			"pass a local model folder instead (a path such as ./my-model), run once with network access to download it, or copy a Hugging Face cache that holds it (such as one filled by Python's huggingface_hub) to %s",
			repo.id, o.Revision, why, o.CacheDir)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("hub: %s: %w", repo.id, err)
	}
	c := &client{opts: o, repo: repo}
	return c.download(ctx)
}

// redactedError hides the access token in an error's text while keeping
// the error chain for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// looksLikePath reports whether s is meant as a file path rather than a
// repository id: it starts with "." (no repository name does), "/" or
// "~", has a backslash or a trailing "/", or its first element is an
// existing folder ("testdata/tiny-ber", a typo inside testdata).
func looksLikePath(s string) bool {
	if filepath.IsAbs(s) || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "~") ||
		strings.ContainsRune(s, '\\') || strings.HasSuffix(s, "/") {
		return true
	}
	first, _, ok := strings.Cut(s, "/")
	fi, err := os.Stat(first)
	return ok && err == nil && fi.IsDir()
}

// noSuchFolder is the error for a path that does not exist: it names the
// deepest folder of the path that exists, and what that folder holds.
func noSuchFolder(path string) error {
	parent := filepath.Clean(path)
	for {
		next := filepath.Dir(parent)
		if next == parent {
			break
		}
		parent = next
		if fi, err := os.Stat(parent); err == nil && fi.IsDir() {
			break
		}
	}
	var names []string
	if entries, err := os.ReadDir(parent); err == nil {
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
	}
	holds := "no folders"
	switch {
	case len(names) > 8:
		holds = strings.Join(names[:8], ", ") + ", ..."
	case len(names) > 0:
		holds = strings.Join(names, ", ")
	}
	return fmt.Errorf("hub: no such folder %s (it does not exist; %s holds %s); a path is never looked up on the Hub", path, parent, holds)
}

// validateRepoID checks id the way huggingface_hub's validate_repo_id does:
// "name" or "org/name", made of letters, digits, '-', '_' and '.', at most 96
// characters, without "--" or "..", not starting or ending with '-' or '.'.
func validateRepoID(id string) error {
	bad := func(why string) error {
		return fmt.Errorf(`hub: %q is neither an existing folder nor a valid Hub repository id (%s): want "org/name" such as "naver/splade-v3", `+
			`made of letters, digits, '-', '_' and '.'`, id, why)
	}
	if len(id) > 96 {
		return bad("longer than 96 characters")
	}
	if strings.Contains(id, "--") || strings.Contains(id, "..") {
		return bad(`contains "--" or ".."`)
	}
	parts := strings.Split(id, "/")
	if len(parts) > 2 {
		return bad("more than one '/'")
	}
	for _, p := range parts {
		if p == "" {
			return bad("empty part")
		}
		if strings.IndexFunc(p, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
		}) >= 0 {
			return bad("invalid character")
		}
		if strings.HasPrefix(p, "-") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, "-") || strings.HasSuffix(p, ".") {
			return bad("a part starts or ends with '-' or '.'")
		}
	}
	return nil
}

// validateRevision refuses revisions that would escape refs/ as a path.
func validateRevision(rev string) error {
	if strings.ContainsAny(rev, "\\\x00") || strings.HasPrefix(rev, "/") {
		return fmt.Errorf("hub: invalid revision %q: want a branch, tag or commit hash such as \"main\"", rev)
	}
	for _, part := range strings.Split(rev, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("hub: invalid revision %q: want a branch, tag or commit hash such as \"main\"", rev)
		}
	}
	return nil
}

// isCommitHash reports whether s is a full 40-hex git commit hash.
func isCommitHash(s string) bool {
	return len(s) == 40 && isHex(s)
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return s != ""
}

// safeName reports whether s can be used as one path element (a commit hash
// or a blob name).
func safeName(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 {
		return false
	}
	return !strings.ContainsAny(s, "/\\:\x00")
}

// repoCache is the cache folder of one repository.
type repoCache struct {
	id  string // org/name
	dir string // <cache>/models--org--name
}

func (r repoCache) snapshot(commit string) string {
	return filepath.Join(r.dir, "snapshots", commit)
}

func (r repoCache) ref(rev string) string {
	return filepath.Join(r.dir, "refs", filepath.FromSlash(rev))
}

// cached returns the snapshot that serves rev without network, or why there
// is none.
func (r repoCache) cached(rev string) (string, error) {
	if isCommitHash(rev) {
		snap := r.snapshot(rev)
		if _, err := os.Stat(snap); err == nil {
			if err := complete(snap); err != nil {
				return "", fmt.Errorf("cached snapshot %s is incomplete: %w", snap, err)
			}
			return snap, nil
		}
	}
	data, err := os.ReadFile(r.ref(rev))
	if err != nil {
		if isCommitHash(rev) {
			return "", fmt.Errorf("no snapshot %s in %s", rev, r.dir)
		}
		return "", fmt.Errorf("no %s in the cache (%s is missing)", r.id, r.ref(rev))
	}
	commit := strings.TrimSpace(string(data))
	if !safeName(commit) {
		return "", fmt.Errorf("%s holds %q, not a commit hash", r.ref(rev), commit)
	}
	snap := r.snapshot(commit)
	if err := complete(snap); err != nil {
		return "", fmt.Errorf("cached snapshot %s is incomplete: %w", snap, err)
	}
	return snap, nil
}
