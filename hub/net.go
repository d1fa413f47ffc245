package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// retryableError is a failure that another try may not repeat: a dropped
// connection, a timeout, HTTP 429 or 5xx. after is the server's
// Retry-After, 0 when it sent none.
type retryableError struct {
	err     error
	after   time.Duration
	timeout bool // a timeout: retried at most maxTimeoutRetries times
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

func retryable(err error, after time.Duration) error { return &retryableError{err: err, after: after} }

// timedOut is a retryable timeout. A server that stalls once likely stalls
// again, so timeouts are retried only maxTimeoutRetries times, that a
// stalled Hub fails in about twice the timeout rather than six times.
func timedOut(err error) error { return &retryableError{err: err, timeout: true} }

const maxTimeoutRetries = 1

// retry runs try until it succeeds, fails for good (an error that is not a
// retryableError), or has been retried c.opts.Retries times, waiting
// between tries with exponential backoff (and jitter) or what Retry-After
// asks. The last error says how many tries were made.
func (c *client) retry(ctx context.Context, try func() error) error {
	wait := c.opts.RetryWait
	timeouts := 0
	for attempt := 0; ; attempt++ {
		err := try()
		var r *retryableError
		if err == nil || !errors.As(err, &r) {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("hub: %s: %w", c.repo.id, ctxErr)
		}
		if r.timeout {
			timeouts++
		}
		if attempt >= c.opts.Retries || timeouts > maxTimeoutRetries {
			if attempt == 0 {
				return r.err
			}
			return fmt.Errorf("%w (gave up after %d tries)", r.err, attempt+1)
		}
		d := wait + rand.N(wait/4+1)
		if r.after > 0 {
			if r.after > maxRetryAfter {
				return fmt.Errorf("%w (the server asks to retry after %v, longer than the %v this client waits: try again later)", r.err, r.after, maxRetryAfter)
			}
			d = r.after
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hub: %s: %w", c.repo.id, ctx.Err())
		case <-time.After(d):
		}
		wait = min(2*wait, 8*c.opts.RetryWait)
	}
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// Causes of a request cancelled by its own timers.
var (
	errHeaderTimeout = errors.New("header timeout")
	errIdleTimeout   = errors.New("idle timeout")
)

// get sends one GET request with the token, following redirects, and
// returns the headers of every response in the chain, first to last: the
// Hub puts X-Repo-Commit, X-Linked-Etag and X-Linked-Size on the redirect it
// answers with for large files, and the CDN that serves them does not repeat
// them. offset > 0 asks for the bytes from offset on (Range).
//
// The token goes only to the endpoint's own scheme, host and port; a
// redirect elsewhere (a CDN, another port) is followed without it. No
// headers within HeaderTimeout, or a body that pauses for IdleTimeout,
// fail the request with a retryableError, as does a dropped connection.
func (c *client) get(ctx context.Context, u string, offset int64) (*http.Response, []http.Header, error) {
	rctx, cancel := context.WithCancelCause(ctx)
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u, nil)
	if err != nil {
		cancel(nil)
		return nil, nil, fmt.Errorf("hub: %s: bad URL %q: %w", c.repo.id, redactURL(u), err)
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept-Encoding", "identity")
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	var hops []http.Header
	hc := *c.opts.HTTPClient
	orig := hc.CheckRedirect
	hc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.Response != nil {
			hops = append(hops, r.Response.Header)
		}
		if !sameOrigin(r.URL, c.opts.Endpoint) {
			r.Header.Del("Authorization")
		}
		if orig != nil {
			return orig(r, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	timer := time.AfterFunc(c.opts.HeaderTimeout, func() { cancel(errHeaderTimeout) })
	resp, err := hc.Do(req)
	timer.Stop()
	if err != nil {
		cause := context.Cause(rctx)
		cancel(nil)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, fmt.Errorf("hub: %s: %w", c.repo.id, ctxErr)
		}
		if cause == errHeaderTimeout || isTimeout(err) {
			return nil, nil, timedOut(fmt.Errorf("hub: %s: no answer from %s within %v (a stalled server or network; set HF_HUB_ETAG_TIMEOUT or Options.HeaderTimeout to wait longer)",
				c.repo.id, redactURL(u), c.opts.HeaderTimeout))
		}
		if dns := hostNotFound(err); dns != nil {
			// No such host: another try will not find it either (no
			// network, no DNS, or a mistyped HF_ENDPOINT). Stop at once.
			return nil, nil, fmt.Errorf("hub: %s: the Hub's host %s cannot be found (no network, or no DNS for it), and the cache (%s) does not hold the model; "+
				"offline, only models in the cache load (HF_HUB_OFFLINE=1 uses the cache without asking the network): pass a local model folder instead (a path such as ./my-model), "+
				"or download the model once where the Hub is reachable (HF_ENDPOINT sets its address): %w",
				c.repo.id, hostOf(c.opts.Endpoint), c.opts.CacheDir, dns)
		}
		// The Hub is asked only when the cache cannot serve the model, so
		// HF_HUB_OFFLINE=1 would not help: say what would.
		return nil, nil, retryable(fmt.Errorf("hub: %s: cannot reach the Hub at %s, and the cache (%s) does not hold the model: "+
			"pass a local model folder instead (a path such as ./my-model), or download it once where the Hub is reachable (HF_ENDPOINT sets its address): %v",
			c.repo.id, redactURL(c.opts.Endpoint), c.opts.CacheDir, redactText(err.Error(), c.opts.Endpoint)), 0)
	}
	resp.Body = newIdleBody(resp.Body, c.opts.IdleTimeout, rctx, cancel)
	return resp, append(hops, resp.Header), nil
}

// hostNotFound returns the DNS error in err when it says that the host
// does not exist (as opposed to a DNS server that timed out or failed
// for now), else nil.
func hostNotFound(err error) *net.DNSError {
	var dns *net.DNSError
	if errors.As(err, &dns) && (dns.IsNotFound || !dns.IsTimeout && !dns.IsTemporary) {
		return dns
	}
	return nil
}

// hostOf returns the host of the endpoint URL u, without user info.
func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Hostname()
	}
	return redactURL(u)
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// idleBody cancels its request when no byte arrives for idle, and ends the
// request's context when closed.
type idleBody struct {
	rc     io.ReadCloser
	idle   time.Duration
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	timer  *time.Timer
}

func newIdleBody(rc io.ReadCloser, idle time.Duration, ctx context.Context, cancel context.CancelCauseFunc) *idleBody {
	b := &idleBody{rc: rc, idle: idle, ctx: ctx, cancel: cancel}
	b.timer = time.AfterFunc(idle, func() { cancel(errIdleTimeout) })
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF && context.Cause(b.ctx) == errIdleTimeout {
		err = &stallError{idle: b.idle}
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

// stallError is a body that paused for longer than IdleTimeout.
type stallError struct{ idle time.Duration }

func (e *stallError) Error() string {
	return fmt.Sprintf("no data for %v (a stalled transfer; set HF_HUB_DOWNLOAD_TIMEOUT or Options.IdleTimeout to wait longer)", e.idle)
}

// sameOrigin reports whether u has the scheme, host and port of the
// endpoint (default ports made explicit), the only place the token goes.
func sameOrigin(u *url.URL, endpoint string) bool {
	e, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, e.Scheme) && strings.EqualFold(u.Hostname(), e.Hostname()) && port(u) == port(e)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// redactURL drops the userinfo (user:password@) of a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

// redactText removes from text the userinfo of endpoint, in the forms
// net/http prints it (user:password@, user:***@) and the password alone.
func redactText(text, endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.User == nil {
		return text
	}
	text = strings.ReplaceAll(text, u.User.String()+"@", "")
	name := u.User.Username()
	for _, n := range []string{name, url.User(name).String()} {
		for _, pw := range []string{"***", "xxxxx"} { // as net/http and url.URL.Redacted print it
			text = strings.ReplaceAll(text, n+":"+pw+"@", "")
		}
		if pw, ok := u.User.Password(); ok {
			text = strings.ReplaceAll(text, n+":"+pw+"@", "")
		}
		if n != "" {
			text = strings.ReplaceAll(text, n+"@", "")
		}
	}
	if pw, ok := u.User.Password(); ok && len(pw) >= 4 {
		text = strings.ReplaceAll(text, pw, "<password>")
	}
	return text
}
