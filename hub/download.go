package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userAgent identifies this package to the Hub.
const userAgent = "splade-go-hub/1"

// client downloads one repository at one revision.
type client struct {
	opts Options
	repo repoCache
}

// download fetches the repository info and the files an encoder needs, and
// returns the snapshot folder.
func (c *client) download(ctx context.Context) (string, error) {
	info, err := c.info(ctx)
	if err != nil {
		return "", err
	}
	files := make(map[string]sibling, len(info.Siblings))
	for _, s := range info.Siblings {
		if safeRelPath(s.Name) {
			files[s.Name] = s
		}
	}
	snap := c.repo.snapshot(info.SHA)
	queue := wanted(files, "", false)
	done := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if done[name] {
			continue
		}
		done[name] = true
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("hub: %s: %w", c.repo.id, err)
		}
		local, err := c.fetch(ctx, info.SHA, snap, files[name])
		if err != nil {
			return "", err
		}
		if callsForOthers(name) {
			data, err := os.ReadFile(local)
			if err != nil {
				return "", fmt.Errorf("hub: %w", err)
			}
			more, err := followUps(files, name, data)
			if err != nil {
				return "", fmt.Errorf("hub: %s@%s: %v", c.repo.id, info.SHA, err)
			}
			queue = append(queue, more...)
		}
	}
	if err := complete(snap); err != nil {
		return "", fmt.Errorf("hub: %s@%s is not a model this package can load: %v", c.repo.id, c.opts.Revision, err)
	}
	if c.opts.Revision != info.SHA {
		if err := writeRef(c.repo.ref(c.opts.Revision), info.SHA); err != nil {
			return "", err
		}
	}
	return snap, nil
}

// info asks the Hub for the commit of the revision and the repository's files.
func (c *client) info(ctx context.Context) (*repoInfo, error) {
	u := c.opts.Endpoint + "/api/models/" + c.repo.id + "/revision/" + url.PathEscape(c.opts.Revision) + "?blobs=true"
	resp, _, err := c.get(ctx, u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := c.statusError(resp, "repository info"); err != nil {
		return nil, err
	}
	var info repoInfo
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
		return nil, fmt.Errorf("hub: %s@%s: reading repository info from %s: %v", c.repo.id, c.opts.Revision, u, err)
	}
	if !safeName(info.SHA) {
		return nil, fmt.Errorf("hub: %s@%s: repository info from %s has no usable commit hash (sha %q)", c.repo.id, c.opts.Revision, u, info.SHA)
	}
	return &info, nil
}

// get sends a GET request with the token, following redirects, and returns
// the headers of every response in the chain, first to last: the Hub puts
// X-Repo-Commit, X-Linked-Etag and X-Linked-Size on the redirect it answers
// with for large files, and the CDN that serves them does not repeat them.
func (c *client) get(ctx context.Context, u string) (*http.Response, []http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("hub: %s: bad URL %q: %v", c.repo.id, u, err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept-Encoding", "identity")
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	var hops []http.Header
	hc := *c.opts.HTTPClient
	orig := hc.CheckRedirect
	hc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.Response != nil {
			hops = append(hops, r.Response.Header)
		}
		if orig != nil {
			return orig(r, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, fmt.Errorf("hub: %s: %w", c.repo.id, ctxErr)
		}
		return nil, nil, fmt.Errorf("hub: %s: cannot reach the Hub at %s (set HF_ENDPOINT, or HF_HUB_OFFLINE=1 to use only the cache): %w",
			c.repo.id, c.opts.Endpoint, err)
	}
	return resp, append(hops, resp.Header), nil
}

// statusError turns a non-200 response into an error that says what to do.
func (c *client) statusError(resp *http.Response, what string) error {
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	detail := resp.Header.Get("X-Error-Message")
	if detail == "" {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		var j struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &j) == nil && j.Error != "" {
			detail = j.Error
		}
	}
	if detail != "" {
		if c.opts.Token != "" {
			detail = strings.ReplaceAll(detail, c.opts.Token, "<token>")
		}
		detail = " (" + detail + ")"
	}
	where := fmt.Sprintf("hub: %s@%s: %s: HTTP %s from %s%s", c.repo.id, c.opts.Revision, what, resp.Status, resp.Request.URL.Redacted(), detail)
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		hint := "the repository is gated or private (or does not exist): set HF_TOKEN (or Options.Token) to an access token with read access"
		if c.opts.Token != "" {
			hint = "the repository is gated or private (or does not exist) and the token given (HF_TOKEN or Options.Token) has no access to it: accept the model's terms on its Hub page or use another token"
		}
		return fmt.Errorf("%s: %s", where, hint)
	case code == http.StatusNotFound:
		switch resp.Header.Get("X-Error-Code") {
		case "RevisionNotFound":
			return fmt.Errorf("%s: revision %q not found: check the branch, tag or commit", where, c.opts.Revision)
		case "EntryNotFound":
			return fmt.Errorf("%s: file not found in the repository", where)
		}
		return fmt.Errorf("%s: repository or revision not found: check the id %q and revision %q", where, c.repo.id, c.opts.Revision)
	case code >= 500:
		return fmt.Errorf("%s: server error, try again later", where)
	}
	return fmt.Errorf("%s: unexpected status", where)
}

// fetch makes snap/<file> point at a verified blob, downloading it unless
// the snapshot or the blobs already have it, and returns its local path.
func (c *client) fetch(ctx context.Context, commit, snap string, f sibling) (string, error) {
	local := filepath.Join(snap, filepath.FromSlash(f.Name))
	if _, err := os.Stat(local); err == nil {
		return local, nil
	}
	blobs := filepath.Join(c.repo.dir, "blobs")
	if f.LFS != nil && len(f.LFS.SHA256) == 64 && isHex(f.LFS.SHA256) {
		blob := filepath.Join(blobs, strings.ToLower(f.LFS.SHA256))
		if _, err := os.Stat(blob); err == nil {
			return local, link(blob, local)
		}
	}

	u := c.opts.Endpoint + "/" + c.repo.id + "/resolve/" + url.PathEscape(commit) + "/" + escapePath(f.Name)
	resp, hops, err := c.get(ctx, u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if err := c.statusError(resp, f.Name); err != nil {
		return "", err
	}
	etag := header(hops, "X-Linked-Etag")
	if etag == "" {
		etag = header(hops, "ETag")
	}
	etag = strings.Trim(strings.TrimPrefix(etag, "W/"), `"`)
	if !safeName(etag) {
		etag = "" // name the blob by its sha256 instead
	}
	size := resp.ContentLength
	if s := header(hops, "X-Linked-Size"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
			size = n
		}
	}
	if etag != "" {
		blob := filepath.Join(blobs, etag)
		if _, err := os.Stat(blob); err == nil {
			return local, link(blob, local)
		}
	}
	blob, err := c.saveBlob(ctx, blobs, etag, size, f.Name, resp.Body)
	if err != nil {
		return "", err
	}
	return local, link(blob, local)
}

// header returns the first value of key along a redirect chain.
func header(hops []http.Header, key string) string {
	for _, h := range hops {
		if v := h.Get(key); v != "" {
			return v
		}
	}
	return ""
}

// escapePath escapes each element of a repository file name.
func escapePath(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// saveBlob writes body to blobs/<etag>, through a temporary
// <etag>.<random>.incomplete file that is renamed into place only once the
// size (when known) and the sha256 (when the etag is one) match. With no
// etag the blob is named by its sha256.
func (c *client) saveBlob(ctx context.Context, blobs, etag string, size int64, name string, body io.Reader) (string, error) {
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return "", fmt.Errorf("hub: creating the cache folder: %w", err)
	}
	prefix := etag
	if prefix == "" {
		prefix = "download"
	}
	tmp, err := os.CreateTemp(blobs, prefix+".*.incomplete")
	if err != nil {
		return "", fmt.Errorf("hub: creating a file in the cache: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), body)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", fmt.Errorf("hub: %s: downloading %s: %w", c.repo.id, name, ctxErr)
		}
		return "", fmt.Errorf("hub: %s: downloading %s: connection lost after %d bytes (%v); run again to retry", c.repo.id, name, n, err)
	}
	if size >= 0 && n != size {
		return "", fmt.Errorf("hub: %s: downloading %s: got %d bytes, want %d; run again to retry", c.repo.id, name, n, size)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if len(etag) == 64 && isHex(etag) && !strings.EqualFold(etag, sum) {
		return "", fmt.Errorf("hub: %s: downloading %s: sha256 is %s, want %s (corrupted download); run again to retry", c.repo.id, name, sum, etag)
	}
	if etag == "" {
		etag = sum
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("hub: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("hub: writing %s: %w", tmp.Name(), err)
	}
	blob := filepath.Join(blobs, etag)
	if err := os.Rename(tmp.Name(), blob); err != nil {
		// Another process may have stored the same blob meanwhile
		// (Windows does not rename onto an existing file).
		if _, statErr := os.Stat(blob); statErr != nil {
			return "", fmt.Errorf("hub: storing %s: %w", blob, err)
		}
		os.Remove(tmp.Name())
	}
	ok = true
	return blob, nil
}

// link makes local a relative symlink to blob, as huggingface_hub does, or
// a copy of it where symlinks cannot be made.
func link(blob, local string) error {
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return fmt.Errorf("hub: creating the snapshot folder: %w", err)
	}
	if _, err := os.Lstat(local); err == nil {
		os.Remove(local) // a broken link left behind
	}
	target, err := filepath.Rel(filepath.Dir(local), blob)
	if err != nil {
		target = blob
	}
	err = os.Symlink(target, local)
	if err == nil {
		return nil
	}
	if _, statErr := os.Stat(local); statErr == nil {
		return nil // made by another process meanwhile
	}
	if cpErr := copyFile(blob, local); cpErr != nil {
		return fmt.Errorf("hub: linking %s to %s failed (%v), and so did copying it: %w", local, blob, err, cpErr)
	}
	return nil
}

// copyFile copies src to dst through a temporary file renamed into place.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".*.incomplete")
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(out.Name())
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(out.Name())
		return err
	}
	if err := os.Rename(out.Name(), dst); err != nil {
		os.Remove(out.Name())
		return err
	}
	return nil
}

// writeRef records the commit a revision points to, atomically.
func writeRef(ref, commit string) error {
	if err := os.MkdirAll(filepath.Dir(ref), 0o755); err != nil {
		return fmt.Errorf("hub: creating the refs folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(ref), filepath.Base(ref)+".*.tmp")
	if err != nil {
		return fmt.Errorf("hub: writing %s: %w", ref, err)
	}
	_, err = tmp.WriteString(commit)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), ref)
		if err != nil {
			// Windows: replace an existing ref.
			if rmErr := os.Remove(ref); rmErr == nil {
				err = os.Rename(tmp.Name(), ref)
			}
		}
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("hub: writing %s: %w", ref, err)
	}
	return nil
}
