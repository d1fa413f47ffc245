package hub

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the Hugging Face Hub used when neither Options.Endpoint
// nor HF_ENDPOINT says otherwise.
const DefaultEndpoint = "https://huggingface.co"

// DefaultRevision is the branch used when neither Options.Revision says
// otherwise.
const DefaultRevision = "main"

// Options says where and how Resolve finds a model. Zero fields take their
// value from the environment, as FromEnv reads it; set fields take
// precedence over the environment.
type Options struct {
	// Revision is a branch, tag or commit hash; "main" when empty.
	Revision string
	// CacheDir is the Hugging Face hub cache (the folder holding
	// models--org--name folders).
	CacheDir string
	// Endpoint is the Hub's base URL, such as "https://huggingface.co".
	Endpoint string
	// Token is a Hugging Face access token, for gated and private models.
	Token string
	// Offline forbids any network access: only the cache is used.
	// HF_HUB_OFFLINE=1 turns it on as well; it cannot be turned off here
	// when the environment turns it on.
	Offline bool
	// HTTPClient makes the requests. When nil, a client whose connections
	// time out after ConnectTimeout is used. Whatever the client, the
	// header and idle timeouts below apply, and the context bounds the
	// whole call.
	HTTPClient *http.Client

	// ConnectTimeout bounds making a connection (TCP and TLS) of the
	// default client; HF_HUB_ETAG_TIMEOUT (seconds) when zero, else 10 s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for a response's headers;
	// HF_HUB_ETAG_TIMEOUT (seconds) when zero, else 10 s.
	HeaderTimeout time.Duration
	// IdleTimeout bounds a pause in a response body: a transfer that
	// stalls this long fails (and is retried); HF_HUB_DOWNLOAD_TIMEOUT
	// (seconds) when zero, else 10 s.
	IdleTimeout time.Duration
	// Retries is how many times a request that failed on the network (a
	// dropped connection, HTTP 429 or 5xx; a timeout only once) is tried
	// again, with a backoff of RetryWait, 2 RetryWait, 4 RetryWait...
	// capped at 8 RetryWait, or what Retry-After asks up to a minute. 5
	// when zero; negative for none.
	Retries int
	// RetryWait is the first backoff; 1 s when zero.
	RetryWait time.Duration
}

// Defaults of the network settings, those of huggingface_hub.
const (
	defaultTimeout   = 10 * time.Second
	defaultRetries   = 5
	defaultRetryWait = time.Second
	// maxRetryAfter is the longest Retry-After honoured; a server asking
	// for more makes the download fail with its request in the message.
	maxRetryAfter = time.Minute
)

// FromEnv returns the Options that the environment describes, resolved the
// way huggingface_hub resolves them:
//
//   - CacheDir: HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub,
//     else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
//   - Endpoint: HF_ENDPOINT, else https://huggingface.co.
//   - Token: HF_TOKEN, else HUGGING_FACE_HUB_TOKEN, else the contents of the
//     file HF_TOKEN_PATH, else of $HF_HOME/token (~/.cache/huggingface/token).
//   - Offline: HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) set to 1, true, yes or on.
//   - Revision: "main".
//
// Resolve fills the zero fields of its Options from FromEnv.
func FromEnv() Options {
	home := hfHome()
	o := Options{Revision: DefaultRevision, Endpoint: DefaultEndpoint}
	switch {
	case os.Getenv("HF_HUB_CACHE") != "":
		o.CacheDir = expandHome(os.Getenv("HF_HUB_CACHE"))
	case os.Getenv("HUGGINGFACE_HUB_CACHE") != "":
		o.CacheDir = expandHome(os.Getenv("HUGGINGFACE_HUB_CACHE"))
	default:
		o.CacheDir = filepath.Join(home, "hub")
	}
	if e := os.Getenv("HF_ENDPOINT"); e != "" {
		o.Endpoint = strings.TrimRight(e, "/")
	}
	o.Token = envToken(home)
	o.Offline = isTrue(os.Getenv("HF_HUB_OFFLINE"))
	if os.Getenv("HF_HUB_OFFLINE") == "" {
		o.Offline = isTrue(os.Getenv("TRANSFORMERS_OFFLINE"))
	}
	return o
}

// withEnv fills the zero fields of o from the environment.
func (o Options) withEnv() Options {
	env := FromEnv()
	if o.Revision == "" {
		o.Revision = env.Revision
	}
	if o.CacheDir == "" {
		o.CacheDir = env.CacheDir
	} else {
		o.CacheDir = expandHome(o.CacheDir)
	}
	if o.Endpoint == "" {
		o.Endpoint = env.Endpoint
	}
	o.Endpoint = strings.TrimRight(o.Endpoint, "/")
	if o.Token == "" {
		o.Token = env.Token
	}
	o.Offline = o.Offline || env.Offline
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = envSeconds("HF_HUB_ETAG_TIMEOUT", defaultTimeout)
	}
	if o.HeaderTimeout == 0 {
		o.HeaderTimeout = envSeconds("HF_HUB_ETAG_TIMEOUT", defaultTimeout)
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = envSeconds("HF_HUB_DOWNLOAD_TIMEOUT", defaultTimeout)
	}
	switch {
	case o.Retries == 0:
		o.Retries = defaultRetries
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.RetryWait <= 0 {
		o.RetryWait = defaultRetryWait
	}
	if o.HTTPClient == nil {
		dialer := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
		o.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   o.ConnectTimeout,
			ResponseHeaderTimeout: o.HeaderTimeout,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		}}
	}
	return o
}

// envSeconds reads a duration in seconds (such as "10" or "2.5") from the
// environment variable key, or returns def when it is unset or not a
// positive number.
func envSeconds(key string, def time.Duration) time.Duration {
	v, err := strconv.ParseFloat(strings.TrimSpace(os.Getenv(key)), 64)
	if err != nil || !(v > 0) || v > 1e6 {
		return def
	}
	return time.Duration(v * float64(time.Second))
}

// hfHome is $HF_HOME, else $XDG_CACHE_HOME/huggingface, else
// ~/.cache/huggingface.
func hfHome() string {
	if h := os.Getenv("HF_HOME"); h != "" {
		return expandHome(h)
	}
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" {
		return filepath.Join(expandHome(x), "huggingface")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "."
	}
	return filepath.Join(home, ".cache", "huggingface")
}

// envToken is the token of HF_TOKEN, HUGGING_FACE_HUB_TOKEN or the token file.
func envToken(home string) string {
	for _, k := range []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"} {
		if t := strings.TrimSpace(os.Getenv(k)); t != "" {
			return t
		}
	}
	path := os.Getenv("HF_TOKEN_PATH")
	if path == "" {
		path = filepath.Join(home, "token")
	}
	data, err := os.ReadFile(expandHome(path))
	if err != nil || len(data) > 4096 {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// expandHome replaces a leading "~" by the user's home directory.
func expandHome(p string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, `~\`) {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return p
	}
	return filepath.Join(home, p[1:])
}

// isTrue reports whether an environment value means "on", as huggingface_hub
// reads boolean variables.
func isTrue(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "1", "ON", "YES", "TRUE":
		return true
	}
	return false
}
