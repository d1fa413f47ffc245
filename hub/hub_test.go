package hub

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/splade-go/splade/internal/testutil/fakehub"
	"github.com/splade-go/splade/internal/testutil/reference"
)

const (
	repoID  = "splade-go/tiny-bert"
	shaMain = "1111111111111111111111111111111111111111"
	shaV1   = "2222222222222222222222222222222222222222"
	secret  = "hf_SeCrEtToKeN0123456789"
)

// newFakeHub returns a fake Hub serving repoID: its main branch (commit
// shaMain) holds the tiny-bert fixture with sentence-transformers files and
// files an encoder does not need; its v1 tag (commit shaV1) has no
// model.safetensors, modules.json or module folder, and a config.json of
// its own.
func newFakeHub(t *testing.T) *fakehub.Hub {
	t.Helper()
	dir := reference.Fixture(t, "tiny-bert")
	files := fstest.MapFS{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = &fstest.MapFile{Data: data}
	}
	add := func(name, data string) { files[name] = &fstest.MapFile{Data: []byte(data)} }
	// Sentence-transformers files, and files an encoder does not need.
	add("modules.json", `[{"idx":0,"name":"0","path":"","type":"sentence_transformers.sparse_encoder.models.MLMTransformer"},`+
		`{"idx":1,"name":"1","path":"1_SpladePooling","type":"sentence_transformers.sparse_encoder.models.SpladePooling"}]`)
	add("config_sentence_transformers.json", `{"model_type":"SparseEncoder","similarity_fn_name":"dot"}`)
	add("1_SpladePooling/config.json", `{"pooling_strategy":"max","activation_function":"relu"}`)
	add("1_SpladePooling/big.bin", "not needed")
	add("README.md", "# tiny-bert\n")
	add("onnx/model.onnx", "onnx weights")

	v1 := fstest.MapFS{}
	for name, f := range files {
		if name != "model.safetensors" && name != "modules.json" && !strings.HasPrefix(name, "1_") {
			v1[name] = f
		}
	}
	v1["config.json"] = &fstest.MapFile{Data: []byte(strings.Replace(string(files["config.json"].Data), "{", `{"_revision":"v1",`, 1))}

	h := fakehub.New()
	h.Add(t, repoID, "main", shaMain, files)
	h.Add(t, repoID, "v1", shaV1, v1)
	return h
}

// mainFile returns a file of the main branch of the fake repository.
func mainFile(h *fakehub.Hub, name string) []byte { return h.File(repoID, "main", name) }

// isolate points every huggingface_hub variable at a fresh temporary
// folder and returns the cache dir.
func isolate(t *testing.T) string {
	t.Helper()
	return fakehub.Isolate(t)
}

func repoDir(cache string) string { return filepath.Join(cache, "models--splade-go--tiny-bert") }

// listFiles returns the paths under dir, relative to it, that are not folders.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestResolveDownloadsIntoHFLayout(t *testing.T) {
	cache := isolate(t)
	hub := newFakeHub(t)
	srv := hub.Start(t)
	t.Setenv("HF_ENDPOINT", srv.URL)

	dir, err := Resolve(context.Background(), repoID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd := repoDir(cache)
	if want := filepath.Join(rd, "snapshots", shaMain); dir != want {
		t.Fatalf("dir = %s, want %s", dir, want)
	}
	ref, err := os.ReadFile(filepath.Join(rd, "refs", "main"))
	if err != nil || string(ref) != shaMain {
		t.Fatalf("refs/main = %q, %v; want %q", ref, err, shaMain)
	}

	wantFiles := []string{"1_SpladePooling/config.json", "config.json", "config_sentence_transformers.json", "model.safetensors",
		"modules.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"}
	if got := listFiles(t, dir); strings.Join(got, " ") != strings.Join(wantFiles, " ") {
		t.Errorf("snapshot files = %v\nwant %v (no README, onnx, pytorch_model.bin or big module files)", got, wantFiles)
	}
	var blobs []string
	for _, name := range wantFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		target, err := os.Readlink(p)
		if err != nil {
			t.Fatalf("%s is not a symlink: %v", name, err)
		}
		blob := fakehub.GitBlobID(mainFile(hub, name))
		if fakehub.IsLFS(name) {
			blob = fakehub.SHA256Hex(mainFile(hub, name))
		}
		up := strings.Repeat("../", strings.Count(name, "/")+2)
		if want := up + "blobs/" + blob; filepath.ToSlash(target) != want {
			t.Errorf("%s -> %s, want %s", name, target, want)
		}
		data, err := os.ReadFile(p)
		if err != nil || string(data) != string(mainFile(hub, name)) {
			t.Errorf("%s: content differs from the served file (err %v)", name, err)
		}
		blobs = append(blobs, "blobs/"+blob)
	}
	for _, f := range listFiles(t, rd) {
		if strings.HasSuffix(f, ".incomplete") {
			t.Errorf("left behind %s", f)
		}
	}

	// The cache now serves the model with the server gone.
	srv.Close()
	again, err := Resolve(context.Background(), repoID, Options{})
	if err != nil || again != dir {
		t.Fatalf("second Resolve with the server closed = %q, %v; want %q", again, err, dir)
	}
}

func TestResolveCachedMakesNoRequest(t *testing.T) {
	isolate(t)
	hub := newFakeHub(t)
	srv := hub.Start(t)
	opts := Options{Endpoint: srv.URL} // endpoint given by Options, not env
	dir, err := Resolve(context.Background(), repoID, opts)
	if err != nil {
		t.Fatal(err)
	}
	hub.Reset()

	again, err := Resolve(context.Background(), repoID, opts)
	if err != nil || again != dir {
		t.Fatalf("online Resolve from cache = %q, %v", again, err)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	again, err = Resolve(context.Background(), repoID, opts)
	if err != nil || again != dir {
		t.Fatalf("offline Resolve from cache = %q, %v", again, err)
	}
	// A full commit hash already in snapshots/ needs no refs/ entry.
	again, err = Resolve(context.Background(), repoID, Options{Endpoint: srv.URL, Revision: shaMain})
	if err != nil || again != dir {
		t.Fatalf("offline Resolve by commit = %q, %v", again, err)
	}
	if n := hub.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestOfflineEmptyCache(t *testing.T) {
	isolate(t)
	hub := newFakeHub(t)
	srv := hub.Start(t)
	for _, opts := range []Options{{Endpoint: srv.URL, Offline: true}, {Endpoint: srv.URL}} {
		if !opts.Offline {
			t.Setenv("HF_HUB_OFFLINE", "true")
		}
		_, err := Resolve(context.Background(), repoID, opts)
		if err == nil {
			t.Fatal("Resolve offline with an empty cache: no error")
		}
		for _, want := range []string{"offline", "HF_HUB_OFFLINE", "run once with network access", repoID} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	}
	if n := hub.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestToken(t *testing.T) {
	isolate(t)
	hub := newFakeHub(t)
	hub.RequireToken(secret)
	srv := hub.Start(t)

	_, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "HF_TOKEN") || !strings.Contains(err.Error(), "gated") {
		t.Fatalf("without a token: err = %v, want one naming gated repos and HF_TOKEN", err)
	}

	t.Setenv("HF_TOKEN", secret)
	if _, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL}); err != nil {
		t.Fatalf("with HF_TOKEN: %v", err)
	}
	reqs := hub.Requests()
	for _, r := range reqs[1:] {
		if a := r.Authorization; a != "Bearer "+secret && a != "" {
			t.Errorf("Authorization = %q, want Bearer token", a)
		}
	}
	if reqs[1].Authorization != "Bearer "+secret {
		t.Errorf("API request Authorization = %q", reqs[1].Authorization)
	}

	// A wrong token, which the server even echoes back: not in the error.
	isolate(t)
	hub.SetFaults(fakehub.Faults{Status: http.StatusUnauthorized, EchoAuth: true})
	wrong := secret + "x"
	_, err = Resolve(context.Background(), repoID, Options{Endpoint: srv.URL, Token: wrong})
	if err == nil {
		t.Fatal("wrong token: no error")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the token: %v", err)
	}
	if !strings.Contains(err.Error(), "401") {
		t.Errorf("error %q does not give the status", err)
	}
}

func TestHTTPErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   []string
	}{
		{http.StatusUnauthorized, []string{"401", "gated or private", "HF_TOKEN"}},
		{http.StatusForbidden, []string{"403", "gated or private", "HF_TOKEN"}},
		{http.StatusNotFound, []string{"404", "not found"}},
		{http.StatusInternalServerError, []string{"500", "server error", "gave up after 6 tries"}},
		{http.StatusBadGateway, []string{"502", "server error", "gave up after 6 tries"}},
	} {
		isolate(t)
		hub := newFakeHub(t)
		hub.SetFaults(fakehub.Faults{Status: tc.status})
		srv := hub.Start(t)
		_, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL, Token: secret, RetryWait: time.Millisecond})
		if err == nil {
			t.Fatalf("HTTP %d: no error", tc.status)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("HTTP %d: error %q does not mention %q", tc.status, err, w)
			}
		}
		if !strings.HasPrefix(err.Error(), "hub: ") || strings.Contains(err.Error(), secret) {
			t.Errorf("HTTP %d: error %q: want a hub: prefix and no token", tc.status, err)
		}
	}

	isolate(t)
	hub := newFakeHub(t)
	srv := hub.Start(t)
	_, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL, Revision: "no-such-branch"})
	if err == nil || !strings.Contains(err.Error(), "revision") || !strings.Contains(err.Error(), "no-such-branch") {
		t.Errorf("unknown revision: err = %v", err)
	}
}

// checkNothingTrusted fails when the snapshot has the file, blobs/ has a
// blob for it or a leftover .incomplete file, or refs/main was written.
func checkNothingTrusted(t *testing.T, cache, name string) {
	t.Helper()
	rd := repoDir(cache)
	if _, err := os.Lstat(filepath.Join(rd, "snapshots", shaMain, name)); err == nil {
		t.Errorf("snapshot has %s after a failed download", name)
	}
	data := mainFile(newFakeHub(t), name)
	for _, f := range listFiles(t, filepath.Join(rd, "blobs")) {
		// An LFS file's partial download stays, to be resumed (and
		// verified) by the next run, as huggingface_hub does.
		if fakehub.IsLFS(name) && f == fakehub.SHA256Hex(data)+".incomplete" {
			continue
		}
		if strings.HasSuffix(f, ".incomplete") {
			t.Errorf("left blobs/%s behind (never trusted, but should be removed)", f)
		}
		if f == fakehub.SHA256Hex(data) || f == fakehub.GitBlobID(data) {
			t.Errorf("blobs/ has %s for the failed %s", f, name)
		}
	}
	if _, err := os.Stat(filepath.Join(rd, "refs", "main")); err == nil {
		t.Errorf("refs/main written although the download failed")
	}
}

func TestTruncatedDownload(t *testing.T) {
	for _, name := range []string{"model.safetensors", "tokenizer.json"} {
		cache := isolate(t)
		hub := newFakeHub(t)
		hub.SetFaults(fakehub.Faults{Truncate: name})
		srv := hub.Start(t)
		_, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL, RetryWait: time.Millisecond})
		if err == nil {
			t.Fatalf("truncated %s: no error", name)
		}
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
		checkNothingTrusted(t, cache, name)
		if _, err := Resolve(context.Background(), repoID, Options{Offline: true}); err == nil {
			t.Errorf("offline Resolve after a failed download: no error")
		}

		// A healthy server completes the cache.
		hub.SetFaults(fakehub.Faults{})
		if _, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL}); err != nil {
			t.Fatalf("retry: %v", err)
		}
	}
}

func TestCorruptDownload(t *testing.T) {
	cache := isolate(t)
	hub := newFakeHub(t)
	hub.SetFaults(fakehub.Faults{Corrupt: "model.safetensors"})
	srv := hub.Start(t)
	_, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL})
	if err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("corrupted LFS file: err = %v, want a sha256 mismatch", err)
	}
	checkNothingTrusted(t, cache, "model.safetensors")
}

func TestContextCancel(t *testing.T) {
	cache := isolate(t)
	hub := newFakeHub(t)
	srv := hub.Start(t)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Resolve(ctx, repoID, Options{Endpoint: srv.URL}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v, want context.Canceled", err)
	}

	stall := make(chan struct{})
	hub.SetFaults(fakehub.Faults{Stall: stall})
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { <-stall; cancel() }()
	if _, err := Resolve(ctx, repoID, Options{Endpoint: srv.URL}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled mid-download: err = %v, want context.Canceled", err)
	}
	checkNothingTrusted(t, cache, "model.safetensors")
}

func TestRevision(t *testing.T) {
	cache := isolate(t)
	hub := newFakeHub(t)
	srv := hub.Start(t)
	t.Setenv("HF_ENDPOINT", srv.URL)

	main, err := Resolve(context.Background(), repoID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := Resolve(context.Background(), repoID, Options{Revision: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	rd := repoDir(cache)
	if want := filepath.Join(rd, "snapshots", shaV1); v1 != want || main == v1 {
		t.Fatalf("v1 dir = %s, want %s", v1, want)
	}
	if ref, _ := os.ReadFile(filepath.Join(rd, "refs", "v1")); string(ref) != shaV1 {
		t.Errorf("refs/v1 = %q, want %q", ref, shaV1)
	}
	cfg, _ := os.ReadFile(filepath.Join(v1, "config.json"))
	if !strings.Contains(string(cfg), `"_revision":"v1"`) {
		t.Errorf("v1 config.json is not v1's: %s", cfg)
	}
	// v1 has no model.safetensors: pytorch_model.bin is the weights.
	if _, err := os.Stat(filepath.Join(v1, "pytorch_model.bin")); err != nil {
		t.Errorf("v1 lacks pytorch_model.bin: %v", err)
	}
	// Files equal in both revisions share one blob.
	a, _ := os.Readlink(filepath.Join(main, "vocab.txt"))
	b, _ := os.Readlink(filepath.Join(v1, "vocab.txt"))
	if a != b {
		t.Errorf("vocab.txt links differ: %s, %s", a, b)
	}

	hub.Reset()
	t.Setenv("HF_HUB_OFFLINE", "1")
	for _, rev := range []string{"v1", shaV1} {
		if got, err := Resolve(context.Background(), repoID, Options{Revision: rev}); err != nil || got != v1 {
			t.Errorf("offline %s = %q, %v", rev, got, err)
		}
	}
	if n := hub.Count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

// TestPythonCache lays out a cache as huggingface_hub writes it and checks
// that it is used offline.
func TestPythonCache(t *testing.T) {
	cache := isolate(t)
	t.Setenv("HF_HUB_OFFLINE", "1")
	src := reference.Fixture(t, "tiny-bert")
	rd := filepath.Join(cache, "models--naver--tiny-splade")
	commit := "0123456789abcdef0123456789abcdef01234567"
	snap := filepath.Join(rd, "snapshots", commit)
	for _, d := range []string{filepath.Join(rd, "blobs"), filepath.Join(rd, "refs"), snap} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		blob := fakehub.GitBlobID(data)
		if fakehub.IsLFS(name) {
			blob = fakehub.SHA256Hex(data)
		}
		if err := os.WriteFile(filepath.Join(rd, "blobs", blob), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("../../blobs/"+blob, filepath.Join(snap, name)); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(rd, "refs", "main"), []byte(commit), 0o644); err != nil {
		t.Fatal(err)
	}
	dir, err := Resolve(context.Background(), "naver/tiny-splade", Options{})
	if err != nil || dir != snap {
		t.Fatalf("Resolve = %q, %v; want %s", dir, err, snap)
	}
	want, _ := os.ReadFile(filepath.Join(src, "model.safetensors"))
	if got, err := os.ReadFile(filepath.Join(dir, "model.safetensors")); err != nil || string(got) != string(want) {
		t.Errorf("model.safetensors through the cache: %v", err)
	}

	// Without weights the snapshot is incomplete, and the error says so.
	os.Remove(filepath.Join(snap, "model.safetensors"))
	_, err = Resolve(context.Background(), "naver/tiny-splade", Options{})
	if err == nil || !strings.Contains(err.Error(), "incomplete") || !strings.Contains(err.Error(), "weights") {
		t.Errorf("snapshot without weights: err = %v", err)
	}
}

func TestLocalDirAndBadNames(t *testing.T) {
	isolate(t)
	t.Setenv("HF_HUB_OFFLINE", "1")
	dir := reference.Fixture(t, "tiny-bert")
	if got, err := Resolve(context.Background(), dir, Options{}); err != nil || got != dir {
		t.Errorf("local dir: %q, %v", got, err)
	}
	if _, err := Resolve(context.Background(), filepath.Join(dir, "config.json"), Options{}); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("file: err = %v", err)
	}
	for _, p := range []string{"./no/such/dir", filepath.Join(t.TempDir(), "missing")} {
		if _, err := Resolve(context.Background(), p, Options{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("missing dir %s: err = %v", p, err)
		}
	}
	for _, id := range []string{"", "bad id", "a/b/c", "a--b/c", "org/na..me", "-org/name", "org/name!", strings.Repeat("a", 97)} {
		_, err := Resolve(context.Background(), id, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "hub: ") || !strings.Contains(err.Error(), "naver/splade-v3") {
			t.Errorf("id %q: err = %v, want one showing a valid id", id, err)
		}
	}
	for _, rev := range []string{"../x", "a//b", "/abs"} {
		if _, err := Resolve(context.Background(), repoID, Options{Revision: rev}); err == nil || !strings.Contains(err.Error(), "revision") {
			t.Errorf("revision %q: err = %v", rev, err)
		}
	}
}

func TestFromEnv(t *testing.T) {
	home := t.TempDir()
	for _, k := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
		"HF_ENDPOINT", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME"} {
		t.Setenv(k, "")
	}
	t.Setenv("HF_HOME", home)
	if err := os.WriteFile(filepath.Join(home, "token"), []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := FromEnv()
	if o.CacheDir != filepath.Join(home, "hub") || o.Token != secret || o.Endpoint != DefaultEndpoint || o.Revision != "main" || o.Offline {
		t.Errorf("FromEnv with HF_HOME = %+v", o)
	}

	t.Setenv("HF_HUB_CACHE", "/c")
	t.Setenv("HF_ENDPOINT", "http://mirror.example/")
	t.Setenv("HF_TOKEN", "env-token")
	t.Setenv("HF_HUB_OFFLINE", "YES")
	o = FromEnv()
	if o.CacheDir != "/c" || o.Token != "env-token" || o.Endpoint != "http://mirror.example" || !o.Offline {
		t.Errorf("FromEnv = %+v", o)
	}

	// Options take precedence over the environment.
	o = Options{CacheDir: "/mine", Endpoint: "http://mine", Token: "mine", Revision: "v2"}.withEnv()
	if o.CacheDir != "/mine" || o.Endpoint != "http://mine" || o.Token != "mine" || o.Revision != "v2" || o.HTTPClient == nil {
		t.Errorf("withEnv = %+v", o)
	}

	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", "")
	t.Setenv("XDG_CACHE_HOME", "/xdg")
	if o := FromEnv(); o.CacheDir != filepath.Join("/xdg", "huggingface", "hub") {
		t.Errorf("FromEnv with XDG_CACHE_HOME: CacheDir = %s", o.CacheDir)
	}
}

// A mirror that sends no ETag still fills the cache: blobs are named by
// their sha256.
func TestNoETag(t *testing.T) {
	cache := isolate(t)
	hub := newFakeHub(t)
	hub.SetFaults(fakehub.Faults{NoETag: true})
	srv := hub.Start(t)
	dir, err := Resolve(context.Background(), repoID, Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	data := mainFile(hub, "config.json")
	target, err := os.Readlink(filepath.Join(dir, "config.json"))
	if err != nil || filepath.Base(target) != fakehub.SHA256Hex(data) {
		t.Errorf("config.json -> %s, %v; want a blob named by its sha256", target, err)
	}
	if _, err := os.Stat(filepath.Join(repoDir(cache), "blobs", fakehub.SHA256Hex(data))); err != nil {
		t.Error(err)
	}
}

// TestInferenceFreeRepo downloads a repository that holds only a tokenizer
// and idf.json (an inference-free query encoder, no config.json), then
// reuses it offline.
func TestInferenceFreeRepo(t *testing.T) {
	isolate(t)
	src := reference.Fixture(t, "tiny-bert")
	files := fstest.MapFS{"idf.json": {Data: []byte(`{"the": 1.5, "weather": 2.25}`)}}
	for _, name := range []string{"vocab.txt", "tokenizer_config.json", "README.md"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil && name != "README.md" {
			t.Fatal(err)
		}
		files[name] = &fstest.MapFile{Data: data}
	}
	h := fakehub.New()
	h.Add(t, "splade-go/idf-only", "main", "", files)
	srv := h.Start(t)
	dir, err := Resolve(context.Background(), "splade-go/idf-only", Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := listFiles(t, dir), []string{"idf.json", "tokenizer_config.json", "vocab.txt"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("snapshot holds %v, want %v", got, want)
	}
	srv.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	if again, err := Resolve(context.Background(), "splade-go/idf-only", Options{}); err != nil || again != dir {
		t.Errorf("offline Resolve = %q, %v; want %q", again, err, dir)
	}

	// Without a tokenizer the cached snapshot is incomplete.
	os.Remove(filepath.Join(dir, "vocab.txt"))
	if _, err := Resolve(context.Background(), "splade-go/idf-only", Options{}); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Errorf("snapshot without a tokenizer: err = %v", err)
	}
}

// TestRouterSnapshotIncomplete: a cached Router snapshot that lacks one of
// the module folders its routes name is not trusted.
func TestRouterSnapshotIncomplete(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{
		"modules.json":       `[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Router"}]`,
		"router_config.json": `{"types": {"query_0_SparseStaticEmbedding": "x", "document_0_MLMTransformer": "y"}, "structure": {"query": ["query_0_SparseStaticEmbedding"], "document": ["document_0_MLMTransformer"]}}`,
		"query_0_SparseStaticEmbedding/config.json": `{}`,
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	err := complete(dir)
	if err == nil || !strings.Contains(err.Error(), "document_0_MLMTransformer") {
		t.Errorf("complete = %v, want the missing Router module folder named", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "document_0_MLMTransformer"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := complete(dir); err != nil {
		t.Errorf("complete with every module folder = %v", err)
	}
}

// TestBareNameMentionsFolder: a bare name may be a mistyped folder as well
// as a legacy Hub id, and the error says so.
func TestBareNameMentionsFolder(t *testing.T) {
	isolate(t)
	srv := fakehub.New().Start(t)
	_, err := Resolve(context.Background(), "mymodel", Options{Endpoint: srv.URL})
	if err == nil || !strings.Contains(err.Error(), `no local folder "mymodel"`) {
		t.Errorf("err = %v, want it to mention the missing local folder", err)
	}
}

// TestUnigramRepos downloads a BGE-M3-style repository (an XLM-RoBERTa
// checkpoint with a SentencePiece tokenizer and FlagEmbedding's
// sparse_linear.pt) and an XLM-RoBERTa one whose tokenizer is
// sentencepiece.bpe.model alone: each snapshot holds what the encoder and
// the tokenizer read, and nothing else.
func TestUnigramRepos(t *testing.T) {
	isolate(t)
	src := reference.Fixture(t, "tiny-bgem3-16002")
	full := fstest.MapFS{}
	for _, name := range []string{"config.json", "model.safetensors", "sentencepiece.bpe.model", "sparse_linear.pt",
		"special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		full[name] = &fstest.MapFile{Data: data}
	}
	full["colbert_linear.pt"] = &fstest.MapFile{Data: []byte("ColBERT head, not needed")}
	full["README.md"] = &fstest.MapFile{Data: []byte("# bge-m3\n")}
	spmOnly := fstest.MapFS{}
	for name, f := range full {
		if name != "tokenizer.json" && name != "sparse_linear.pt" {
			spmOnly[name] = f
		}
	}
	h := fakehub.New()
	h.Add(t, "splade-go/bge-m3", "main", "", full)
	h.Add(t, "splade-go/xlmr-spm", "main", "", spmOnly)
	srv := h.Start(t)
	for _, c := range []struct {
		repo string
		want []string
	}{
		{"splade-go/bge-m3", []string{"config.json", "model.safetensors", "sentencepiece.bpe.model", "sparse_linear.pt",
			"special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"}},
		{"splade-go/xlmr-spm", []string{"config.json", "model.safetensors", "sentencepiece.bpe.model",
			"special_tokens_map.json", "tokenizer_config.json"}},
	} {
		dir, err := Resolve(context.Background(), c.repo, Options{Endpoint: srv.URL})
		if err != nil {
			t.Fatalf("%s: %v", c.repo, err)
		}
		if got := listFiles(t, dir); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: snapshot holds %v, want %v", c.repo, got, c.want)
		}
		for _, name := range c.want {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || string(data) != string(h.File(c.repo, "main", name)) {
				t.Errorf("%s: %s differs from the served file (err %v)", c.repo, name, err)
			}
		}
	}
}
