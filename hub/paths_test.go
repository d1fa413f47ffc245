package hub

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoSuchFolder checks that names meant as paths never go to the Hub:
// they start with "." or "/", or their first element is an existing
// folder; the error says "no such folder" and what the folder above holds.
func TestNoSuchFolder(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "testdata"), 0o755)
	os.Mkdir(filepath.Join(dir, "testdata", "tiny-bert"), 0o755)
	t.Chdir(dir)
	// Nothing listens on port 1: a request would fail, and say so.
	o := Options{Endpoint: "http://127.0.0.1:1", Retries: -1}
	for _, tc := range []struct{ name, holds string }{
		{"testdata/tiny-ber", "testdata holds tiny-bert"},
		{"./tiny-bert", ". holds testdata"},
		{".models/x", ". holds testdata"},
		{filepath.Join(dir, "nope", "deeper"), dir + " holds testdata"},
	} {
		_, err := Resolve(context.Background(), tc.name, o)
		if err == nil || !strings.Contains(err.Error(), "no such folder "+tc.name) || !strings.Contains(err.Error(), tc.holds) || strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("%s: err = %v; want no such folder, %q, and no Hub request", tc.name, err, tc.holds)
		}
	}
}

// TestUnreachableHubSaysWhatHelps checks the error when the Hub cannot be
// reached and the cache lacks the model: it points at a local folder and
// not at HF_HUB_OFFLINE=1, which would only give the offline error next.
func TestUnreachableHubSaysWhatHelps(t *testing.T) {
	isolate(t)
	_, err := Resolve(context.Background(), "test-org/tiny-bert", Options{Endpoint: "http://127.0.0.1:1", Retries: -1})
	if err == nil || !strings.Contains(err.Error(), "pass a local model folder") || strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Errorf("err = %v; want one that suggests a local folder and not HF_HUB_OFFLINE", err)
	}
	_, err = Resolve(context.Background(), "test-org/tiny-bert", Options{Offline: true})
	if err == nil || !strings.Contains(err.Error(), "offline mode is on") || !strings.Contains(err.Error(), "pass a local model folder") {
		t.Errorf("offline: err = %v; want one that suggests a local folder", err)
	}
}
