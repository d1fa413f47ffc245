package hub

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	// HTTPClient makes the requests; a client with no timeout (the context
	// bounds each call) when nil.
	HTTPClient *http.Client
}

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
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	return o
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
