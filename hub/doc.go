// Package hub turns a Hugging Face model id such as "naver/splade-v3" into a
// local folder holding the files an encoder needs, downloading them once into
// the same cache that Python's huggingface_hub uses.
//
// # Why
//
// A SPLADE model is a handful of files (config.json, a tokenizer, weights,
// and for sentence-transformers models a few module files). Users already
// have them in ~/.cache/huggingface/hub when they used the model from Python,
// and they expect a Go program to reuse that cache, to fill it so that Python
// reuses it in turn, and to work on machines without network once it is full.
//
// # Cache layout
//
// The cache is the one huggingface_hub documents:
//
//	<cache>/models--<org>--<name>/
//	    blobs/<etag>                  file contents, named by ETag (sha256 for LFS files)
//	    snapshots/<commit>/<file>     relative symlinks to ../../blobs/<etag>
//	    refs/<revision>               the commit a branch or tag pointed to
//
// A file enters blobs/ only once it is checked against what the Hub
// promised: its size against the repository info's file list, and its hash
// against the sha256 listed for LFS files or the git blob id that the
// server's ETag names for the others. Until then it is a .incomplete file
// that no run trusts: an LFS file's blobs/<sha256>.incomplete is resumed
// with a Range request by a retry or a later run, as huggingface_hub does;
// a small file is downloaded again. A body longer than promised is cut off
// and refused. An LFS download holds a lock
// (<cache>/.locks/models--org--name/<sha256>.lock, as huggingface_hub
// places it), so concurrent processes download a blob once, and snapshot
// links are made under a temporary name and renamed into place, so another
// process never sees a snapshot with a file missing. Cache folders of the
// repository (blobs, snapshots, refs) that are symbolic links are not
// written through. Where symlinks cannot be made (Windows without developer
// mode), the blob is copied into the snapshot instead.
//
// # Network use
//
// Resolve makes no request at all when refs/<revision> (or the revision
// itself, when it is a full commit hash) names a snapshot that already has a
// config, a tokenizer and weights. Otherwise it asks
// {endpoint}/api/models/{repo}/revision/{revision} for the commit and the
// file list, keeps the files an encoder needs (the list package layout
// keeps, layout.FolderFiles, for the root and each module folder, and the
// shards a weights index names), and downloads each one from
// {endpoint}/{repo}/resolve/{commit}/{file}. A snapshot is complete when
// layout.Missing finds nothing missing. A branch that moved on is
// therefore not refreshed while its old snapshot is complete: pass a commit
// hash as Options.Revision, or delete refs/<revision>, to move to a newer one.
// In offline mode (Options.Offline or HF_HUB_OFFLINE=1) the network is never
// used.
//
// Requests time out: connecting and waiting for headers after
// Options.ConnectTimeout and HeaderTimeout (HF_HUB_ETAG_TIMEOUT), a body
// that pauses for IdleTimeout (HF_HUB_DOWNLOAD_TIMEOUT), 10 s each by
// default. A host that DNS says does not exist (no network, a
// mistyped HF_ENDPOINT) fails at once, naming HF_HUB_OFFLINE=1 and the
// cache folder. A dropped connection, HTTP 429 or 5xx is retried
// (Options.Retries, 5 by default) with exponential backoff, or after the
// server's Retry-After; a timeout is retried once, so that a stalled Hub
// fails in about twice the timeout. The token is sent only to the
// endpoint's own scheme, host and port, never along a redirect elsewhere
// (a CDN, another port), and neither it nor the endpoint's userinfo
// (user:password@) appears in an error.
//
// # Configuration
//
// Fields left zero in Options are taken from the environment, with the same
// variables and order as huggingface_hub (see FromEnv): HF_HUB_CACHE,
// HF_HOME, XDG_CACHE_HOME, HF_ENDPOINT, HF_TOKEN, HF_TOKEN_PATH,
// HF_HUB_OFFLINE, HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT. The
// token is sent as "Authorization: Bearer <token>" and never appears in
// returned errors.
//
// # Relation to go-huggingface
//
// github.com/gomlx/go-huggingface has a hub package with the same goal, but
// in v0.4.12 it cannot be given an *http.Client, stores the repository info
// in a file of its own instead of refs/, asks the server for that info before
// it looks at the cache (so it cannot work offline), reads the ETag after
// following redirects (the CDN's, not the Hub's X-Linked-Etag), does not check
// sha256 sums, and prints progress to standard output. Working around each of
// these would have left little of it in use, so this package talks to the two
// Hub endpoints directly with net/http.
package hub
