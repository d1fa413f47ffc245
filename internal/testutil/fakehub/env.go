package fakehub

import (
	"path/filepath"
	"testing"
)

// Isolate clears, for the rest of the test, every environment variable
// that configures the hub package, so that a developer's token, cache or
// offline setting cannot leak in, and points HF_HOME and HF_HUB_CACHE at a
// fresh temporary folder. It returns the cache folder (HF_HOME/hub). Like
// t.Setenv, it cannot be used in parallel tests.
func Isolate(t testing.TB) string {
	t.Helper()
	home := t.TempDir()
	for _, k := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HUB_OFFLINE",
		"TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME"} {
		t.Setenv(k, "")
	}
	t.Setenv("HF_HOME", home)
	cache := filepath.Join(home, "hub")
	t.Setenv("HF_HUB_CACHE", cache)
	return cache
}
