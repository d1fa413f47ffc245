package hub

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
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
	for _, dir := range []string{snap, filepath.Join(c.repo.dir, "blobs"), filepath.Dir(c.repo.ref(c.opts.Revision))} {
		if err := noLinks(c.opts.CacheDir, dir); err != nil {
			return "", err
		}
	}
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
				return "", fmt.Errorf("hub: %s@%s: %w", c.repo.id, info.SHA, err)
			}
			queue = append(queue, more...)
		}
	}
	if err := complete(snap); err != nil {
		return "", fmt.Errorf("hub: %s@%s is not a model this package can load: %w", c.repo.id, c.opts.Revision, err)
	}
	if c.opts.Revision != info.SHA {
		if err := writeRef(c.repo.ref(c.opts.Revision), info.SHA); err != nil {
			return "", err
		}
	}
	return snap, nil
}

// info asks the Hub for the commit of the revision and the repository's
// files, retrying on network failures.
func (c *client) info(ctx context.Context) (*repoInfo, error) {
	u := c.opts.Endpoint + "/api/models/" + c.repo.id + "/revision/" + url.PathEscape(c.opts.Revision) + "?blobs=true"
	var info repoInfo
	err := c.retry(ctx, func() error {
		resp, _, err := c.get(ctx, u, 0)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if err := c.statusError(resp, "repository info"); err != nil {
			return err
		}
		info = repoInfo{}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&info); err != nil {
			err = fmt.Errorf("hub: %s@%s: reading repository info from %s: %w", c.repo.id, c.opts.Revision, redactURL(u), err)
			if ctx.Err() == nil && !errors.As(err, new(*json.SyntaxError)) {
				return retryable(err, 0) // cut short or stalled
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !safeName(info.SHA) {
		return nil, fmt.Errorf("hub: %s@%s: repository info from %s has no usable commit hash (sha %q)", c.repo.id, c.opts.Revision, redactURL(u), info.SHA)
	}
	return &info, nil
}

// statusError turns a non-200 response into an error that says what to do.
func (c *client) statusError(resp *http.Response, what string) error {
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent {
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
		// One line, of bounded length, whatever the server sent.
		detail = strings.Join(strings.Fields(detail), " ")
		if len(detail) > 300 {
			detail = detail[:300] + "..."
		}
		detail = " (" + strings.ToValidUTF8(detail, "?") + ")"
	}
	where := fmt.Sprintf("hub: %s@%s: %s: HTTP %s from %s%s", c.repo.id, c.opts.Revision, what, resp.Status, redactURL(resp.Request.URL.String()), detail)
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
	case code == http.StatusTooManyRequests:
		return retryable(fmt.Errorf("%s: rate limited, try again later", where), retryAfter(resp.Header))
	case code >= 500:
		return retryable(fmt.Errorf("%s: server error, try again later", where), retryAfter(resp.Header))
	}
	return fmt.Errorf("%s: unexpected status", where)
}

// maxSmallFile bounds a file that the Hub does not store with LFS (the Hub
// refuses such files over 10 MB), whatever size the server announces.
const maxSmallFile = 64 << 20

// lfsSHA256 is the sha256 the repository info lists for an LFS file, in
// lower case, or "".
func (f sibling) lfsSHA256() string {
	if f.LFS != nil && len(f.LFS.SHA256) == 64 && isHex(f.LFS.SHA256) {
		return strings.ToLower(f.LFS.SHA256)
	}
	return ""
}

// wantSize is the size the repository info lists for f, or -1 when it
// lists none.
func (f sibling) wantSize() int64 {
	if f.LFS != nil && f.LFS.Size > 0 {
		return f.LFS.Size
	}
	if f.Size > 0 {
		return f.Size
	}
	return -1
}

// fetch makes snap/<file> point at a verified blob, downloading it unless
// the snapshot or the blobs already have it, and returns its local path.
// A file enters blobs/ only once its size matches the repository info and
// its hash the Hub's promise: the sha256 for LFS files, the git blob id of
// its ETag for the others.
func (c *client) fetch(ctx context.Context, commit, snap string, f sibling) (string, error) {
	local := filepath.Join(snap, filepath.FromSlash(f.Name))
	if _, err := os.Stat(local); err == nil {
		return local, nil
	}
	if err := noLinks(snap, filepath.Dir(local)); err != nil {
		return "", err
	}
	blobs := filepath.Join(c.repo.dir, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return "", fmt.Errorf("hub: creating the cache folder: %w", err)
	}
	u := c.opts.Endpoint + "/" + c.repo.id + "/resolve/" + url.PathEscape(commit) + "/" + escapePath(f.Name)
	var blob string
	var err error
	if sha := f.lfsSHA256(); sha != "" {
		blob, err = c.fetchLFS(ctx, u, blobs, sha, f)
	} else {
		blob, err = c.fetchSmall(ctx, u, blobs, f)
	}
	if err != nil {
		return "", err
	}
	return local, link(blob, local)
}

// fetchLFS downloads an LFS file into blobs/<sha256>, under a lock that
// keeps other processes from downloading it at the same time. Its bytes
// collect in blobs/<sha256>.incomplete, which a retry (or a later run)
// resumes with a Range request, as huggingface_hub does.
func (c *client) fetchLFS(ctx context.Context, u, blobs, sha string, f sibling) (string, error) {
	blob := filepath.Join(blobs, sha)
	if _, err := os.Stat(blob); err == nil {
		return blob, nil
	}
	locks := filepath.Join(filepath.Dir(c.repo.dir), ".locks", filepath.Base(c.repo.dir))
	if err := noLinks(filepath.Dir(c.repo.dir), locks); err != nil {
		return "", err
	}
	if err := os.MkdirAll(locks, 0o755); err != nil {
		return "", fmt.Errorf("hub: creating the lock folder: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(locks, sha+".lock"))
	if err != nil {
		return "", fmt.Errorf("hub: %s: waiting for the lock on %s: %w", c.repo.id, f.Name, err)
	}
	defer unlock()
	if _, err := os.Stat(blob); err == nil {
		return blob, nil // another process downloaded it meanwhile
	}
	part := blob + ".incomplete"
	want := f.wantSize()
	if err := c.retry(ctx, func() error { return c.transfer(ctx, u, f.Name, part, want, sha) }); err != nil {
		return "", err
	}
	if err := verifyFile(part, want, sha); err != nil {
		os.Remove(part)
		return "", fmt.Errorf("hub: %s: downloading %s: %w (corrupted download); run again to retry", c.repo.id, f.Name, err)
	}
	if err := os.Rename(part, blob); err != nil {
		return "", fmt.Errorf("hub: storing %s: %w", blob, err)
	}
	return blob, nil
}

// transfer is one try at bringing part up to want bytes: it resumes from
// the bytes part holds, and fails with a retryableError when the
// connection drops, stalls or ends early.
func (c *client) transfer(ctx context.Context, u, name, part string, want int64, sha string) error {
	var off int64
	if st, err := os.Stat(part); err == nil {
		off = st.Size()
	}
	if want >= 0 && off >= want {
		if off == want {
			return nil // complete: verifyFile decides
		}
		off = 0
	}
	resp, hops, err := c.get(ctx, u, off)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		os.Remove(part)
		return retryable(fmt.Errorf("hub: %s: downloading %s: the server refused to resume at byte %d", c.repo.id, name, off), 0)
	}
	if err := c.statusError(resp, name); err != nil {
		return err
	}
	if linked := trimETag(header(hops, "X-Linked-Etag")); linked != "" && len(linked) == 64 && !strings.EqualFold(linked, sha) {
		return fmt.Errorf("hub: %s: downloading %s: the repository info lists sha256 %s, but the server sends a file with sha256 %s: a broken mirror or a changed repository; run again", c.repo.id, name, sha, linked)
	}
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	total := resp.ContentLength
	if resp.StatusCode == http.StatusPartialContent {
		start, size, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			os.Remove(part)
			return retryable(fmt.Errorf("hub: %s: downloading %s: asked for bytes from %d, got Content-Range %q", c.repo.id, name, off, resp.Header.Get("Content-Range")), 0)
		}
		flags, total = os.O_CREATE|os.O_WRONLY|os.O_APPEND, size
	} else {
		off = 0
	}
	if s := header(hops, "X-Linked-Size"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
			total = n
		}
	}
	if want >= 0 && total >= 0 && total != want {
		return fmt.Errorf("hub: %s: downloading %s: the repository info lists %d bytes, the server announces %d: a broken mirror or a changed repository; run again", c.repo.id, name, want, total)
	}
	if want < 0 {
		want = total
	}
	out, err := os.OpenFile(part, flags, 0o644)
	if err != nil {
		return fmt.Errorf("hub: creating a file in the cache: %w", err)
	}
	limit := int64(1) << 50
	if want >= 0 {
		limit = want - off + 1
	}
	n, err := io.Copy(out, io.LimitReader(resp.Body, limit))
	if cerr := out.Close(); err == nil && cerr != nil {
		return fmt.Errorf("hub: writing %s: %w", part, cerr)
	}
	return c.checkBody(ctx, name, off+n, want, err, part)
}

// checkBody judges a body that brought got bytes of want (-1: unknown)
// with read error err; part is removed when it cannot be resumed.
func (c *client) checkBody(ctx context.Context, name string, got, want int64, err error, part string) error {
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("hub: %s: downloading %s: %w", c.repo.id, name, ctxErr)
		}
		var stall *stallError
		if errors.As(err, &stall) {
			return timedOut(fmt.Errorf("hub: %s: downloading %s: stalled after %d bytes: %v", c.repo.id, name, got, stall))
		}
		return retryable(fmt.Errorf("hub: %s: downloading %s: connection lost after %d bytes (%w); run again to retry", c.repo.id, name, got, err), 0)
	}
	if want >= 0 && got > want {
		os.Remove(part)
		return fmt.Errorf("hub: %s: downloading %s: the server sends more than the %d bytes the repository info lists: a broken mirror or a changed repository", c.repo.id, name, want)
	}
	if want >= 0 && got < want {
		return retryable(fmt.Errorf("hub: %s: downloading %s: got %d bytes, want %d (connection closed early); run again to retry", c.repo.id, name, got, want), 0)
	}
	return nil
}

// fetchSmall downloads a file that the Hub does not store with LFS into
// blobs/<etag> (its git blob id), through a temporary file: such files are
// small, so a failed try starts over rather than resuming.
func (c *client) fetchSmall(ctx context.Context, u, blobs string, f sibling) (string, error) {
	want := f.wantSize()
	if want > maxSmallFile {
		return "", fmt.Errorf("hub: %s: %s is listed with %d bytes, more than the %d this client takes for a file not stored with LFS", c.repo.id, f.Name, want, maxSmallFile)
	}
	var blob string
	err := c.retry(ctx, func() error {
		resp, hops, err := c.get(ctx, u, 0)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if err := c.statusError(resp, f.Name); err != nil {
			return err
		}
		etag := trimETag(header(hops, "X-Linked-Etag"))
		if etag == "" {
			etag = trimETag(header(hops, "ETag"))
		}
		if !safeName(etag) {
			etag = "" // name the blob by its sha256 instead
		}
		if etag != "" {
			if _, err := os.Stat(filepath.Join(blobs, etag)); err == nil {
				blob = filepath.Join(blobs, etag)
				return nil
			}
		}
		w := want
		if w < 0 {
			w = resp.ContentLength
		} else if resp.ContentLength >= 0 && resp.ContentLength != w {
			return fmt.Errorf("hub: %s: downloading %s: the repository info lists %d bytes, the server announces %d: a broken mirror or a changed repository; run again", c.repo.id, f.Name, w, resp.ContentLength)
		}
		limit := int64(maxSmallFile)
		if w >= 0 {
			limit = min(limit, w)
		}
		tmp, err := os.CreateTemp(blobs, "download.*.incomplete")
		if err != nil {
			return fmt.Errorf("hub: creating a file in the cache: %w", err)
		}
		defer os.Remove(tmp.Name()) // a no-op once renamed
		n, err := io.Copy(tmp, io.LimitReader(resp.Body, limit+1))
		if cerr := tmp.Close(); err == nil && cerr != nil {
			return fmt.Errorf("hub: writing %s: %w", tmp.Name(), cerr)
		}
		if err == nil && w < 0 && n > limit {
			return fmt.Errorf("hub: %s: downloading %s: more than %d bytes, the most this client takes for a file not stored with LFS", c.repo.id, f.Name, limit)
		}
		if err := c.checkBody(ctx, f.Name, n, w, err, ""); err != nil {
			return err
		}
		gitID := ""
		if len(etag) == 40 && isHex(etag) {
			gitID = etag
		}
		sum, err := hashFile(tmp.Name(), gitID != "")
		if err != nil {
			return fmt.Errorf("hub: reading %s: %w", tmp.Name(), err)
		}
		if gitID != "" && !strings.EqualFold(sum.git, gitID) {
			return fmt.Errorf("hub: %s: downloading %s: the content has git blob id %s, but the server's ETag promises %s (corrupted download); run again to retry", c.repo.id, f.Name, sum.git, gitID)
		}
		if etag == "" {
			etag = sum.sha256
		}
		blob = filepath.Join(blobs, etag)
		if err := os.Rename(tmp.Name(), blob); err != nil {
			// Windows does not rename onto a blob another process stored.
			if _, statErr := os.Stat(blob); statErr != nil {
				return fmt.Errorf("hub: storing %s: %w", blob, err)
			}
		}
		return nil
	})
	return blob, err
}

// trimETag strips the weak prefix and quotes of an ETag.
func trimETag(etag string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(etag), "W/"), `"`)
}

// contentRange parses "bytes start-end/size" (size may be "*": -1).
func contentRange(v string) (start, size int64, ok bool) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, false
	}
	span, total, ok := strings.Cut(rest, "/")
	first, _, ok2 := strings.Cut(span, "-")
	if !ok || !ok2 {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, false
	}
	size = -1
	if total != "*" {
		if size, err = strconv.ParseInt(total, 10, 64); err != nil {
			return 0, 0, false
		}
	}
	return start, size, true
}

// fileSums are the hashes of a file.
type fileSums struct{ sha256, git string }

// hashFile returns the sha256 of a file, and its git blob id when git.
func hashFile(name string, git bool) (fileSums, error) {
	f, err := os.Open(name)
	if err != nil {
		return fileSums{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fileSums{}, err
	}
	s256 := sha256.New()
	var w io.Writer = s256
	g := sha1.New()
	if git {
		fmt.Fprintf(g, "blob %d\x00", st.Size())
		w = io.MultiWriter(s256, g)
	}
	if _, err := io.Copy(w, f); err != nil {
		return fileSums{}, err
	}
	out := fileSums{sha256: hex.EncodeToString(s256.Sum(nil))}
	if git {
		out.git = hex.EncodeToString(g.Sum(nil))
	}
	return out, nil
}

// verifyFile checks a downloaded file's size (want, -1: unknown) and
// sha256, and fsyncs it.
func verifyFile(name string, want int64, sha string) error {
	st, err := os.Stat(name)
	if err != nil {
		return err
	}
	if want >= 0 && st.Size() != want {
		return fmt.Errorf("got %d bytes, want %d", st.Size(), want)
	}
	sum, err := hashFile(name, false)
	if err != nil {
		return err
	}
	if !strings.EqualFold(sum.sha256, sha) {
		return fmt.Errorf("sha256 is %s, want %s", sum.sha256, sha)
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// noLinks refuses to write into dir, or any folder below root on the way
// to it, when one is a symbolic link: writes would land outside the cache.
// root itself may be a link (a cache moved to another disk).
func noLinks(root, dir string) error {
	rel, err := filepath.Rel(root, dir)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("hub: %s is outside %s", dir, root)
	}
	p := root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "" || part == "." {
			continue
		}
		p = filepath.Join(p, part)
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("hub: the cache folder %s is a symbolic link: refusing to write through it (remove the link, or point HF_HUB_CACHE at a plain folder)", p)
		}
	}
	return nil
}

// link makes local a relative symlink to blob, as huggingface_hub does, or
// a copy of it where symlinks cannot be made. The link is made under a
// temporary name and renamed into place, so that another process sees
// either no file or a complete one, never a gap.
func link(blob, local string) error {
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return fmt.Errorf("hub: creating the snapshot folder: %w", err)
	}
	target, err := filepath.Rel(filepath.Dir(local), blob)
	if err != nil {
		target = blob
	}
	tmp := fmt.Sprintf("%s.%d-%d.link", local, os.Getpid(), rand.Uint32())
	err = os.Symlink(target, tmp)
	if err == nil {
		if err = os.Rename(tmp, local); err == nil {
			return nil
		}
		os.Remove(tmp)
	}
	if _, statErr := os.Stat(local); statErr == nil {
		return nil // made by another process meanwhile
	}
	if cpErr := copyFile(blob, local); cpErr != nil {
		return fmt.Errorf("hub: linking %s to %s failed (%w), and so did copying it: %w", local, blob, err, cpErr)
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
