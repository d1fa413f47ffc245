// Package fakehub is a local stand-in for the HuggingFace Hub's two download
// endpoints, for tests.
//
// It serves the repository-info API, GET /api/models/{repo}/revision/{rev},
// and file downloads, GET /{repo}/resolve/{rev}/{file}, the way huggingface.co
// does: the info lists each file with its size (and its sha256 for LFS
// files), /resolve/ answers with X-Repo-Commit and the file's git blob id as
// ETag, and for LFS files (.safetensors and .bin) it redirects to a "CDN"
// path after sending X-Linked-Etag (the sha256) and X-Linked-Size, the CDN
// sending an ETag of its own that a client must not use. This lets the hub
// package, and everything that loads models through it, be tested end to end
// without network: the server listens on 127.0.0.1 only.
//
// A Hub holds one or more repositories, each with named revisions (branches
// or tags) whose files come from any fs.FS: a folder on disk through
// os.DirFS, or an fstest.MapFS built in the test. It records every request
// (path and Authorization header) and every file body it serves, and it can
// be told to misbehave (see Faults) so that tests can check how a client
// copes with errors, rate limits, truncated, oversized or corrupted
// downloads, stalls before the headers or mid-body, and redirects; Range
// requests ("bytes=N-") are answered with 206, so resumed downloads can be
// tested too.
package fakehub

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Faults are the ways a Hub can be told to misbehave. The zero value is a
// healthy Hub.
type Faults struct {
	// Status, when set, answers every request with this HTTP status and a
	// JSON error body.
	Status int
	// EchoAuth makes the error body of Status repeat the request's
	// Authorization header, like a careless server would.
	EchoAuth bool
	// Truncate names a file (its path in the repository) whose body is cut
	// to half its length, the connection then being closed.
	Truncate string
	// Corrupt names a file served with one byte changed.
	Corrupt string
	// NoETag sends no ETag, X-Linked-Etag or X-Linked-Size headers and serves
	// LFS files without a redirect, like a plain file mirror.
	NoETag bool
	// Stall, when not nil, makes LFS file bodies stop after 10 bytes until
	// the client gives up the request; Stall is closed when the first one
	// stalls.
	Stall chan struct{}

	// StallHeaders makes every request wait, before any header is sent,
	// until the client gives up.
	StallHeaders bool
	// StallBody names a file whose body stops half-way, the connection
	// staying open, until the client gives up.
	StallBody string
	// TruncateChunked names a file whose body is sent without
	// Content-Length or chunked framing and cut to half its length, the
	// connection then being closed: the client cannot tell from the
	// response that it is short.
	TruncateChunked string
	// WrongSize names a file served with Extra bytes appended (100 when
	// Extra is 0), without Content-Length, while the repository info keeps
	// its true size.
	WrongSize string
	Extra     int64
	// WrongETag names a file served with the ETag (for LFS files: the
	// X-Linked-Etag) of other contents.
	WrongETag string
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// RedirectTo, when set, answers every /resolve/ request with a 302 to
	// the same path under this base URL (such as another port's server).
	RedirectTo string

	// Times, when positive, makes the faults above (and Status) apply only
	// to the first Times requests they would affect; the Hub is healthy
	// afterwards: Status 503 with Times 1 is a 503, then an OK.
	Times int
}

// Request is one request the Hub received.
type Request struct {
	Path          string // the URL path, unescaped
	Authorization string // the Authorization header, "" when absent
}

// revision is one commit of a repository.
type revision struct {
	commit string
	files  map[string][]byte
}

// Hub is a fake Hub. Its methods may be called while it serves requests.
// The zero value is not usable: call New.
type Hub struct {
	mu        sync.Mutex
	repos     map[string]map[string]*revision // repo id -> branch or tag -> revision
	token     string
	faults    Faults
	stallOnce *sync.Once
	hits      int // requests a fault was applied to, for Faults.Times
	requests  []Request
	served    []string
}

// New returns a Hub without repositories.
func New() *Hub {
	return &Hub{repos: map[string]map[string]*revision{}, stallOnce: new(sync.Once)}
}

// Add serves the files of fsys (every regular file, at its slash-separated
// path) as revision rev (a branch or tag such as "main") of repository repo
// ("org/name"), at the given 40-hex commit; an empty commit is derived from
// the contents. It returns the commit. A test fails when fsys cannot be read.
func (h *Hub) Add(t testing.TB, repo, rev, commit string, fsys fs.FS) string {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = data
		return err
	})
	if err != nil {
		t.Fatalf("fakehub: %s@%s: %v", repo, rev, err)
	}
	if commit == "" {
		commit = commitOf(files)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.repos[repo] == nil {
		h.repos[repo] = map[string]*revision{}
	}
	h.repos[repo][rev] = &revision{commit: commit, files: files}
	return commit
}

// AddDir serves the folder dir as revision rev of repo; see Add.
func (h *Hub) AddDir(t testing.TB, repo, rev, commit, dir string) string {
	t.Helper()
	return h.Add(t, repo, rev, commit, os.DirFS(dir))
}

// commitOf derives a commit hash from the files of a revision.
func commitOf(files map[string][]byte) string {
	s := sha1.New()
	for _, name := range sortedNames(files) {
		fmt.Fprintf(s, "%s\x00%d\x00", name, len(files[name]))
		s.Write(files[name])
	}
	return hex.EncodeToString(s.Sum(nil))
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// File returns the contents of a file of a revision (a branch, tag or
// commit), or nil when it has no such file.
func (h *Hub) File(repo, rev, name string) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r := h.revision(repo, rev); r != nil {
		return r.files[name]
	}
	return nil
}

// RequireToken makes the Hub answer 401, as for a gated repository, to
// every API and resolve request without "Authorization: Bearer <token>".
// An empty token lifts the requirement.
func (h *Hub) RequireToken(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.token = token
}

// SetFaults replaces the Hub's faults; Faults{} makes it healthy again.
func (h *Hub) SetFaults(f Faults) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = f
	h.stallOnce = new(sync.Once)
	h.hits = 0
}

// strike reports whether a fault applies to this request, counting it
// against Faults.Times.
func (h *Hub) strike() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.faults.Times > 0 && h.hits >= h.faults.Times {
		return false
	}
	h.hits++
	return true
}

// Requests returns the requests received since the start or the last
// Reset, in order.
func (h *Hub) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// Count returns the number of requests received since the start or the
// last Reset.
func (h *Hub) Count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.requests)
}

// Served returns the repository paths of the file bodies served (or begun)
// since the start or the last Reset, in order.
func (h *Hub) Served() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.served)
}

// Reset forgets the requests and files recorded so far.
func (h *Hub) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests, h.served = nil, nil
}

// Start serves the Hub on 127.0.0.1 and returns the server, which is closed
// when the test ends; its URL is the endpoint to give clients (HF_ENDPOINT).
func (h *Hub) Start(t testing.TB) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("fakehub: %v", err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// revision returns a revision of repo by branch, tag or commit, or nil.
// h.mu must be held.
func (h *Hub) revision(repo, rev string) *revision {
	revs := h.repos[repo]
	if r, ok := revs[rev]; ok {
		return r
	}
	for _, r := range revs {
		if r.commit == rev {
			return r
		}
	}
	return nil
}

// IsLFS reports whether the Hub stores a file with LFS, as it does for
// weights: such files are listed with their sha256 and downloaded through
// a redirect.
func IsLFS(name string) bool {
	return strings.HasSuffix(name, ".safetensors") || strings.HasSuffix(name, ".bin") || strings.HasSuffix(name, ".pt")
}

// SHA256Hex is the hex sha256 of data: the ETag of an LFS file.
func SHA256Hex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// GitBlobID is the git object id of a file, which the Hub sends as the
// ETag of files not stored with LFS.
func GitBlobID(data []byte) string {
	s := sha1.New()
	fmt.Fprintf(s, "blob %d\x00", len(data))
	s.Write(data)
	return hex.EncodeToString(s.Sum(nil))
}

// ETag is the ETag the Hub gives a file, which names its blob in the cache:
// the sha256 for LFS files, else the git blob id.
func ETag(name string, data []byte) string {
	if IsLFS(name) {
		return SHA256Hex(data)
	}
	return GitBlobID(data)
}

// jsonError writes a Hub-style JSON error.
func jsonError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// ServeHTTP answers one request.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests = append(h.requests, Request{Path: r.URL.Path, Authorization: r.Header.Get("Authorization")})
	faults, token, stallOnce := h.faults, h.token, h.stallOnce
	h.mu.Unlock()

	if faults.StallHeaders && h.strike() {
		<-r.Context().Done()
		return
	}
	if faults.Status != 0 && h.strike() {
		if faults.RetryAfter != "" {
			w.Header().Set("Retry-After", faults.RetryAfter)
		}
		msg := "nope"
		if faults.EchoAuth {
			msg = "invalid credentials " + r.Header.Get("Authorization")
		}
		jsonError(w, faults.Status, "", msg)
		return
	}
	p := r.URL.EscapedPath()
	if key, ok := strings.CutPrefix(p, "/cdn/"); ok {
		h.serveCDN(w, r, faults, stallOnce, key)
		return
	}
	api := strings.HasPrefix(p, "/api/models/")
	repo, rev, file, ok := h.route(p)
	if !ok {
		http.NotFound(w, r)
		return
	}
	if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
		jsonError(w, http.StatusUnauthorized, "GatedRepo", "Access to model "+repo+" is restricted.")
		return
	}
	h.mu.Lock()
	_, known := h.repos[repo]
	rv := h.revision(repo, rev)
	h.mu.Unlock()
	switch {
	case !known:
		// The real Hub answers 401 rather than 404, not to tell private
		// repositories from missing ones.
		jsonError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	case rv == nil:
		jsonError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	if api {
		h.serveInfo(w, repo, rv)
		return
	}
	if faults.RedirectTo != "" && !strings.HasSuffix(strings.TrimRight(faults.RedirectTo, "/"), "//"+r.Host) && h.strike() {
		http.Redirect(w, r, strings.TrimRight(faults.RedirectTo, "/")+r.URL.RequestURI(), http.StatusFound)
		return
	}
	data, ok := rv.files[file]
	if !ok {
		jsonError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	w.Header().Set("X-Repo-Commit", rv.commit)
	if IsLFS(file) && !faults.NoETag {
		sum := SHA256Hex(data)
		linked := sum
		if file == faults.WrongETag && h.strike() {
			linked = SHA256Hex(append(slices.Clone(data), 'x'))
		}
		w.Header().Set("X-Linked-Etag", `"`+linked+`"`)
		w.Header().Set("X-Linked-Size", strconv.Itoa(len(data)))
		w.Header().Set("ETag", `"`+GitBlobID([]byte("pointer"))+`"`)
		http.Redirect(w, r, "/cdn/"+sum, http.StatusFound)
		return
	}
	if !faults.NoETag {
		etag := GitBlobID(data)
		if file == faults.WrongETag && h.strike() {
			etag = GitBlobID(append(slices.Clone(data), 'x'))
		}
		w.Header().Set("ETag", `"`+etag+`"`)
	}
	h.serveBody(w, r, faults, stallOnce, file, data)
}

// route splits an escaped request path into repository, revision and file
// (empty for the info API).
func (h *Hub) route(p string) (repo, rev, file string, ok bool) {
	h.mu.Lock()
	repos := make([]string, 0, len(h.repos))
	for id := range h.repos {
		repos = append(repos, id)
	}
	h.mu.Unlock()
	if rest, ok := strings.CutPrefix(p, "/api/models/"); ok {
		repo, rev, ok := cutRepo(rest, "/revision/", repos)
		if !ok {
			return "", "", "", false
		}
		rev, err := url.PathUnescape(rev)
		return repo, rev, "", err == nil && rev != ""
	}
	repo, rest, ok := cutRepo(strings.TrimPrefix(p, "/"), "/resolve/", repos)
	if !ok {
		return "", "", "", false
	}
	rev, file, _ = strings.Cut(rest, "/")
	rev, err1 := url.PathUnescape(rev)
	file, err2 := url.PathUnescape(file)
	return repo, rev, file, err1 == nil && err2 == nil && rev != "" && file != ""
}

// cutRepo splits "org/name" + sep + rest, preferring a repository the Hub
// has; an unknown id is returned as the text before sep.
func cutRepo(s, sep string, repos []string) (repo, rest string, ok bool) {
	for _, id := range repos {
		if rest, ok := strings.CutPrefix(s, id+sep); ok {
			return id, rest, true
		}
	}
	repo, rest, ok = strings.Cut(s, sep)
	if unescaped, err := url.PathUnescape(repo); err == nil {
		repo = unescaped
	}
	return repo, rest, ok
}

// serveInfo answers the repository-info API for one revision.
func (h *Hub) serveInfo(w http.ResponseWriter, repo string, rv *revision) {
	type lfs struct {
		SHA256 string `json:"sha256"`
		Size   int    `json:"size"`
	}
	type sibling struct {
		Name string `json:"rfilename"`
		Size int    `json:"size"`
		LFS  *lfs   `json:"lfs,omitempty"`
	}
	sibs := []sibling{}
	for _, name := range sortedNames(rv.files) {
		data := rv.files[name]
		s := sibling{Name: name, Size: len(data)}
		if IsLFS(name) {
			s.LFS = &lfs{SHA256: SHA256Hex(data), Size: len(data)}
		}
		sibs = append(sibs, s)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"id": repo, "sha": rv.commit, "siblings": sibs})
}

// serveCDN answers the redirect target of an LFS file: any file of any
// repository whose sha256 is key.
func (h *Hub) serveCDN(w http.ResponseWriter, r *http.Request, faults Faults, stallOnce *sync.Once, key string) {
	h.mu.Lock()
	var name string
	var data []byte
	found := false
	for _, id := range sortedRepoIDs(h.repos) {
		for _, rv := range h.repos[id] {
			for n, d := range rv.files {
				if !found && SHA256Hex(d) == key {
					name, data, found = n, d, true
				}
			}
		}
	}
	h.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("ETag", `"cdn-etag-not-the-blob-name"`)
	h.serveBody(w, r, faults, stallOnce, name, data)
}

func sortedRepoIDs(m map[string]map[string]*revision) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// serveBody sends a file's contents, from the offset a Range header
// ("bytes=N-") asks for, as the faults say.
func (h *Hub) serveBody(w http.ResponseWriter, r *http.Request, faults Faults, stallOnce *sync.Once, name string, data []byte) {
	if faults.NoETag {
		w.Header().Del("ETag")
	}
	h.mu.Lock()
	h.served = append(h.served, name)
	h.mu.Unlock()
	status := http.StatusOK
	if rng, ok := strings.CutPrefix(r.Header.Get("Range"), "bytes="); ok && strings.HasSuffix(rng, "-") {
		off, err := strconv.Atoi(strings.TrimSuffix(rng, "-"))
		if err != nil || off < 0 || off >= len(data) {
			w.Header().Set("Content-Range", "bytes */"+strconv.Itoa(len(data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, len(data)-1, len(data)))
		data, status = data[off:], http.StatusPartialContent
	}
	switch {
	case name == faults.TruncateChunked && h.strike():
		// An HTTP/1.0-style body that ends where the connection closes:
		// neither Content-Length nor chunked framing tells it is short.
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nConnection: close\r\n", status, http.StatusText(status))
		w.Header().Write(buf)
		buf.WriteString("\r\n")
		buf.Write(data[:len(data)/2])
		buf.Flush()
		conn.Close()
	case name == faults.WrongSize && h.strike():
		extra := faults.Extra
		if extra == 0 {
			extra = 100
		}
		w.WriteHeader(status)
		w.Write(data)
		http.NewResponseController(w).Flush()
		pad := make([]byte, 64<<10)
		for extra > 0 {
			n, err := w.Write(pad[:min(int64(len(pad)), extra)])
			if err != nil {
				return // the client stopped reading
			}
			extra -= int64(n)
		}
	case name == faults.StallBody && h.strike():
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		w.Write(data[:len(data)/2])
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	case name == faults.Truncate && h.strike():
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		w.Write(data[:len(data)/2])
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	case name == faults.Corrupt && h.strike():
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		bad := slices.Clone(data)
		bad[len(bad)/2] ^= 0xff
		w.Write(bad)
	case faults.Stall != nil && IsLFS(name) && h.strike():
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		w.Write(data[:min(10, len(data))])
		http.NewResponseController(w).Flush()
		stallOnce.Do(func() { close(faults.Stall) })
		<-r.Context().Done()
	default:
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		w.Write(data)
	}
}
