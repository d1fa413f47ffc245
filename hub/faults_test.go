package hub

// Tests of a Hub that misbehaves (issue 11 rows 6, 7, 10, 12, 13 and 14,
// and the fake-hub fault modes of its must-show 2): each failure is one
// line, within seconds, with nothing left in the cache that a later run
// would trust; transient faults are retried and succeed.

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/fakehub"
)

// quick are Options with short timeouts and backoff, so that fault tests
// take well under the 10 s each is allowed.
func quick(endpoint string) Options {
	return Options{Endpoint: endpoint, HeaderTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond,
		ConnectTimeout: 300 * time.Millisecond, Retries: 2, RetryWait: 10 * time.Millisecond}
}

// resolveWithin runs Resolve and fails the test when it takes over 10 s
// or allocates over 1 GB (the fake Hub's allocations, in this process too,
// included).
func resolveWithin(t *testing.T, opts Options) (string, error, time.Duration) {
	t.Helper()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	defer func() {
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<30 {
			t.Errorf("allocated %d MB, want under 1 GB", alloc>>20)
		}
	}()
	start := time.Now()
	type result struct {
		dir string
		err error
	}
	done := make(chan result, 1)
	go func() {
		dir, err := Resolve(context.Background(), repoID, opts)
		done <- result{dir, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && strings.Contains(r.err.Error(), "\n") {
			t.Errorf("error is not one line: %q", r.err)
		}
		return r.dir, r.err, time.Since(start)
	case <-time.After(10 * time.Second):
		t.Fatal("Resolve did not return within 10 s")
		return "", nil, 0
	}
}

// checkGood checks that dir holds the files of the fake repository.
func checkGood(t *testing.T, h *fakehub.Hub, dir string) {
	t.Helper()
	for _, name := range []string{"config.json", "tokenizer.json", "model.safetensors", "1_SpladePooling/config.json"} {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil || string(got) != string(mainFile(h, name)) {
			t.Errorf("%s: %d bytes (%v), want the %d of the repository", name, len(got), err, len(mainFile(h, name)))
		}
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults fakehub.Faults
		want   []string // error parts; nil: Resolve succeeds
		file   string   // the file that must not be trusted after an error
	}{
		// Row 6: a server that stalls hangs no more.
		{"stall before headers", fakehub.Faults{StallHeaders: true}, []string{"no answer from", "within 300ms", "HF_HUB_ETAG_TIMEOUT", "gave up after 2 tries"}, "config.json"},
		{"stall mid-body (small file)", fakehub.Faults{StallBody: "tokenizer.json"}, []string{"tokenizer.json", "stalled after", "HF_HUB_DOWNLOAD_TIMEOUT"}, "tokenizer.json"},
		{"stall mid-body (LFS)", fakehub.Faults{StallBody: "model.safetensors"}, []string{"model.safetensors", "stalled after"}, "model.safetensors"},
		{"stall once, then resume", fakehub.Faults{StallBody: "model.safetensors", Times: 1}, nil, ""},
		// Row 7: a small file cut short without Content-Length.
		{"close mid-body without Content-Length", fakehub.Faults{TruncateChunked: "tokenizer.json"}, []string{"tokenizer.json", "got 4148 bytes, want 8297"}, "tokenizer.json"},
		{"close mid-body with Content-Length", fakehub.Faults{Truncate: "tokenizer.json"}, []string{"tokenizer.json"}, "tokenizer.json"},
		{"close LFS mid-body once, then resume", fakehub.Faults{Truncate: "model.safetensors", Times: 1}, nil, ""},
		{"close LFS mid-body once without Content-Length", fakehub.Faults{TruncateChunked: "model.safetensors", Times: 1}, nil, ""},
		// Row 7: no size cap (300 MB announced as 8,297 bytes).
		{"wrong size: 300 MB tokenizer.json", fakehub.Faults{WrongSize: "tokenizer.json", Extra: 300 << 20}, []string{"tokenizer.json", "more than the 8297 bytes the repository info lists"}, "tokenizer.json"},
		{"wrong size: LFS", fakehub.Faults{WrongSize: "model.safetensors"}, []string{"model.safetensors", "more than the"}, "model.safetensors"},
		{"wrong ETag", fakehub.Faults{WrongETag: "tokenizer.json"}, []string{"tokenizer.json", "git blob id", "ETag promises"}, "tokenizer.json"},
		{"wrong sha256", fakehub.Faults{WrongETag: "model.safetensors"}, []string{"model.safetensors", "lists sha256"}, "model.safetensors"},
		{"corrupt LFS body", fakehub.Faults{Corrupt: "model.safetensors"}, []string{"model.safetensors", "sha256 is"}, "model.safetensors"},
		{"corrupt small body", fakehub.Faults{Corrupt: "config.json"}, []string{"config.json", "git blob id"}, "config.json"},
		// Row 12: retries.
		{"503 then OK", fakehub.Faults{Status: http.StatusServiceUnavailable, Times: 1}, nil, ""},
		{"429 with Retry-After then OK", fakehub.Faults{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1}, nil, ""},
		{"429 for good", fakehub.Faults{Status: http.StatusTooManyRequests, RetryAfter: "0"}, []string{"429", "rate limited", "gave up after 3 tries"}, "config.json"},
		{"Retry-After too long", fakehub.Faults{Status: http.StatusTooManyRequests, RetryAfter: "3600"}, []string{"retry after 1h0m0s"}, "config.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cache := isolate(t)
			h := newFakeHub(t)
			h.SetFaults(tc.faults)
			srv := h.Start(t)
			dir, err, took := resolveWithin(t, quick(srv.URL))
			if tc.faults.RetryAfter == "1" && took < time.Second {
				t.Errorf("retried after %v, before the Retry-After of 1 s", took)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				checkGood(t, h, dir)
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			checkNothingTrusted(t, cache, tc.file)
			// Nothing is trusted: offline, the cache cannot serve it, and
			// a healthy Hub completes it.
			if _, err := Resolve(context.Background(), repoID, Options{Offline: true}); err == nil {
				t.Error("offline Resolve after a failed download: no error")
			}
			h.SetFaults(fakehub.Faults{})
			dir, err = Resolve(context.Background(), repoID, quick(srv.URL))
			if err != nil {
				t.Fatalf("healthy Hub after the fault: %v", err)
			}
			checkGood(t, h, dir)
		})
	}
}

// Row 7: a partial LFS download left by an earlier run is resumed with a
// Range request, not downloaded again.
func TestResumeAcrossRuns(t *testing.T) {
	cache := isolate(t)
	h := newFakeHub(t)
	h.SetFaults(fakehub.Faults{Truncate: "model.safetensors"})
	srv := h.Start(t)
	opts := quick(srv.URL)
	opts.Retries = -1
	if _, err := Resolve(context.Background(), repoID, opts); err == nil {
		t.Fatal("truncated download: no error")
	}
	sum := fakehub.SHA256Hex(mainFile(h, "model.safetensors"))
	part := filepath.Join(repoDir(cache), "blobs", sum+".incomplete")
	st, err := os.Stat(part)
	if err != nil || st.Size() != int64(len(mainFile(h, "model.safetensors"))/2) {
		t.Fatalf("partial download: %v, %v; want half the file", st, err)
	}
	h.SetFaults(fakehub.Faults{})
	var mu sync.Mutex
	var ranges []string
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ranges = append(ranges, r.Header.Get("Range"))
		mu.Unlock()
		h.ServeHTTP(w, r)
	})
	dir, err := Resolve(context.Background(), repoID, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkGood(t, h, dir)
	want := "bytes=" + strconv.FormatInt(st.Size(), 10) + "-"
	found := false
	for _, r := range ranges {
		found = found || r == want
	}
	if !found {
		t.Errorf("requests sent Range %q, want one %q", ranges, want)
	}
}

// Row 10: the token goes to the endpoint's scheme, host and port only.
func TestTokenNotSentToOtherPort(t *testing.T) {
	isolate(t)
	h := newFakeHub(t)
	var mu sync.Mutex
	var auth []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer other.Close()
	h.SetFaults(fakehub.Faults{RedirectTo: other.URL})
	srv := h.Start(t)
	opts := quick(srv.URL)
	opts.Token = secret
	dir, err := Resolve(context.Background(), repoID, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkGood(t, h, dir)
	if len(auth) == 0 {
		t.Fatal("no request reached the other port")
	}
	for _, a := range auth {
		if a != "" {
			t.Errorf("the other port got Authorization %q", a)
		}
	}
	// The endpoint itself did get the token.
	for _, r := range h.Requests() {
		if strings.HasPrefix(r.Path, "/api/") && r.Authorization != "Bearer "+secret {
			t.Errorf("%s: Authorization %q, want the token", r.Path, r.Authorization)
		}
	}
}

// Row 13: userinfo of HF_ENDPOINT is never printed.
func TestUserinfoRedacted(t *testing.T) {
	isolate(t)
	for _, endpoint := range []string{"http://user:pa55word@127.0.0.1:1", "http://alice@127.0.0.1:1"} {
		t.Setenv("HF_ENDPOINT", endpoint)
		o := quick("")
		o.Endpoint = ""
		_, err, _ := resolveWithin(t, o)
		if err == nil {
			t.Fatal("unreachable endpoint: no error")
		}
		for _, bad := range []string{"pa55word", "user:", "alice@", "***"} {
			if strings.Contains(err.Error(), bad) {
				t.Errorf("error %q shows %q", err, bad)
			}
		}
		if !strings.Contains(err.Error(), "cannot reach the Hub at http://127.0.0.1:1") {
			t.Errorf("error %q does not say which Hub", err)
		}
	}
}

// Row 14: cache folders that are symbolic links are not written through.
func TestCacheLinksRefused(t *testing.T) {
	for _, sub := range []string{"blobs", "snapshots", filepath.Join("snapshots", shaMain), "refs", ".locks"} {
		t.Run(sub, func(t *testing.T) {
			cache := isolate(t)
			h := newFakeHub(t)
			srv := h.Start(t)
			elsewhere := t.TempDir()
			link := filepath.Join(repoDir(cache), sub)
			if sub == ".locks" {
				link = filepath.Join(cache, ".locks", filepath.Base(repoDir(cache)))
			}
			os.MkdirAll(filepath.Dir(link), 0o755)
			if err := os.Symlink(elsewhere, link); err != nil {
				t.Fatal(err)
			}
			_, err, _ := resolveWithin(t, quick(srv.URL))
			if err == nil || !strings.Contains(err.Error(), "is a symbolic link: refusing to write through it") {
				t.Errorf("err = %v, want a refusal", err)
			}
			if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
				t.Errorf("wrote %d entries through the link", len(entries))
			}
		})
	}
}

// The timeouts come from the environment as huggingface_hub's do.
func TestTimeoutFromEnv(t *testing.T) {
	isolate(t)
	h := newFakeHub(t)
	h.SetFaults(fakehub.Faults{StallHeaders: true})
	srv := h.Start(t)
	t.Setenv("HF_HUB_ETAG_TIMEOUT", "0.2")
	_, err, took := resolveWithin(t, Options{Endpoint: srv.URL, RetryWait: 10 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "within 200ms") {
		t.Errorf("err = %v, want a 200ms header timeout", err)
	}
	if took > 3*time.Second {
		t.Errorf("took %v with a 0.2 s timeout retried once", took)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		u, endpoint string
		want        bool
	}{
		{"https://huggingface.co/x", "https://huggingface.co", true},
		{"https://huggingface.co:443/x", "https://huggingface.co", true},
		{"https://HuggingFace.co/x", "https://huggingface.co", true},
		{"http://huggingface.co/x", "https://huggingface.co", false},
		{"https://cdn-lfs.huggingface.co/x", "https://huggingface.co", false},
		{"https://huggingface.co:8443/x", "https://huggingface.co", false},
		{"http://127.0.0.1:2/x", "http://127.0.0.1:1", false},
		{"http://127.0.0.1:80/x", "http://127.0.0.1", true},
	} {
		u, err := url.Parse(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameOrigin(u, tc.endpoint); got != tc.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", tc.u, tc.endpoint, got, tc.want)
		}
	}
}

// countingTransport counts the requests it sends.
type countingTransport struct {
	n atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestHostNotFound: a Hub whose host does not exist (names under
// .invalid never resolve, RFC 2606) fails at once, after one request,
// with an error that names HF_HUB_OFFLINE=1 and the cache folder and
// wraps the DNS error; a model the cache holds still loads with that
// Hub, as it does with the Hub down.
func TestHostNotFound(t *testing.T) {
	isolate(t)
	h := newFakeHub(t)
	srv := h.Start(t)
	if _, err := Resolve(context.Background(), repoID, quick(srv.URL)); err != nil {
		t.Fatal(err)
	}

	rt := &countingTransport{}
	opts := quick("https://hub.splade-test.invalid")
	opts.Retries = 5
	opts.HTTPClient = &http.Client{Transport: rt}
	// The cached model: no request at all.
	dir, err, _ := resolveWithin(t, opts)
	if err != nil {
		t.Fatalf("cached model with an unresolvable Hub: %v", err)
	}
	checkGood(t, h, dir)

	// A model the cache lacks.
	opts.CacheDir = t.TempDir()
	_, err, _ = resolveWithin(t, opts)
	var dns *net.DNSError
	if !errors.As(err, &dns) {
		t.Fatalf("error %v does not wrap a *net.DNSError", err)
	}
	if !dns.IsNotFound && (dns.IsTimeout || dns.IsTemporary) {
		t.Skipf("no DNS server answers here (%v); the fail-fast path needs a \"no such host\" answer", dns)
	}
	for _, want := range []string{"hub.splade-test.invalid", "cannot be found", "HF_HUB_OFFLINE=1", opts.CacheDir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "gave up after") || rt.n.Load() != 1 {
		t.Errorf("%d requests sent (want 1, no retries): %v", rt.n.Load(), err)
	}
}
