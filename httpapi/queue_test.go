package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/splade-go/splade/sparsevec"

	"github.com/splade-go/splade/api"
)

// gateEncoder reports each call's texts on started and returns only when
// release is closed (or its context ends).
type gateEncoder struct {
	fakeEncoder
	started chan []string
	release chan struct{}

	mu   sync.Mutex
	seen []string
}

func (g *gateEncoder) Encode(ctx context.Context, texts []string, kind Kind) ([]sparsevec.Vector, error) {
	g.mu.Lock()
	g.seen = append(g.seen, texts...)
	g.mu.Unlock()
	g.started <- texts
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.fakeEncoder.Encode(ctx, texts, kind)
}

type result struct {
	status int
	body   string
	header http.Header
}

func postAsync(h http.Handler, ctx context.Context, path, body string) <-chan result {
	ch := make(chan result, 1)
	go func() {
		req := httptest.NewRequestWithContext(ctx, "POST", path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		ch <- result{rec.Code, rec.Body.String(), rec.Header()}
	}()
	return ch
}

// waitQueue waits until the handler's queue holds texts texts (when
// texts > 0) and bytes body bytes (when bytes > 0).
func waitQueue(t *testing.T, h http.Handler, texts int, bytes int64) {
	t.Helper()
	q := h.(*handler).queue
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		q.mu.Lock()
		nt, nb := q.texts, q.bytes
		q.mu.Unlock()
		if (texts <= 0 || nt == texts) && (bytes <= 0 || nb == bytes) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue holds %d texts and %d body bytes, want %d and %d", nt, nb, texts, bytes)
		}
	}
}

func texts(prefix string, n int) string {
	var ts []string
	for i := range n {
		ts = append(ts, prefix+string(rune('a'+i)))
	}
	b, _ := json.Marshal(map[string][]string{"texts": ts})
	return string(b)
}

// TestAdmission fills the queue: a request that does not fit gets 429 at
// once, with Retry-After and TEI's error body; a queued request whose
// client goes away leaves the queue without reaching the encoder; the
// rest succeed.
func TestAdmission(t *testing.T) {
	g := &gateEncoder{started: make(chan []string, 8), release: make(chan struct{})}
	lim := DefaultLimits()
	lim.MaxTexts, lim.MaxQueueTexts = 4, 12
	h := NewHandler(g, lim, nil)
	q := h.(*handler).queue
	q.mu.Lock()
	q.perText = time.Millisecond // as measured on earlier requests
	q.mu.Unlock()

	// a1 and a2 fill the encoder's two places.
	a1 := postAsync(h, context.Background(), "/encode", texts("a", 4))
	<-g.started
	a2 := postAsync(h, context.Background(), "/encode", texts("A", 4))
	<-g.started
	bctx, bcancel := context.WithCancel(context.Background())
	b := postAsync(h, bctx, "/encode", texts("b", 4))
	// Wait until b holds its place in the queue (12 of 12 texts).
	waitQueue(t, h, 12, 0)
	start := time.Now()
	c := <-postAsync(h, context.Background(), "/embed_sparse", `{"inputs":"c"}`)
	if d := time.Since(start); d > time.Second {
		t.Errorf("429 took %v, want at once", d)
	}
	var body api.Error
	json.Unmarshal([]byte(c.body), &body)
	if c.status != http.StatusTooManyRequests || body.Type != api.ErrorOverloaded || !strings.Contains(body.Message, "overloaded") || c.header.Get("Retry-After") == "" {
		t.Errorf("over capacity: %d %q %s, want 429 with Retry-After", c.status, c.header.Get("Retry-After"), c.body)
	}
	// b's client goes away while b waits: its place is freed.
	bcancel()
	if r := <-b; r.body != "" {
		t.Errorf("wrote %q to a client that went away", r.body)
	}
	d := postAsync(h, context.Background(), "/encode", texts("d", 4))
	close(g.release)
	for name, ch := range map[string]<-chan result{"a1": a1, "a2": a2, "d": d} {
		if r := <-ch; r.status != 200 {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range g.seen {
		if strings.HasPrefix(s, "b") || strings.HasPrefix(s, "c") {
			t.Errorf("the encoder saw %q of a request that was refused or gone", s)
		}
	}
	if !slices.Contains(g.seen, "da") {
		t.Errorf("the encoder never saw d's texts: %v", g.seen)
	}
	if n := q.texts; n != 0 {
		t.Errorf("queue holds %d texts after all answers, want 0", n)
	}
}

// countingReader counts the bytes read from it; it blocks on gate before
// the first read (gateFirst) or once r is spent, before reporting EOF.
type countingReader struct {
	gate      <-chan struct{}
	gateFirst bool
	mu        sync.Mutex
	read      int
	r         io.Reader
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.gateFirst {
		<-c.gate
	}
	n, err := c.r.Read(p)
	if err == io.EOF && !c.gateFirst {
		<-c.gate
	}
	c.mu.Lock()
	c.read += n
	c.mu.Unlock()
	return n, err
}

// TestBodyBudget holds the bytes of bodies being read at the byte budget:
// bodies count by the bytes read, not by their declared length; a request
// whose bytes would go over the budget gets 429, and a body declared
// larger than the limit gets 413 unread.
func TestBodyBudget(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxBodyBytes, lim.MaxTexts, lim.MaxQueueTexts = 100, 1, 2 // budget: 200 bytes
	h := NewHandler(&fakeEncoder{}, lim, nil)
	h.(*handler).queue.perText = time.Millisecond // as measured on earlier requests
	gate := make(chan struct{})
	body := `{"texts":["` + strings.Repeat("x", 80) + `"]}` + strings.Repeat(" ", 6) // 100 bytes
	var slow []<-chan result
	for range 2 {
		req := httptest.NewRequest("POST", "/encode", &countingReader{gate: gate, r: strings.NewReader(body)})
		req.ContentLength = -1 // chunked
		ch := make(chan result, 1)
		go func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			ch <- result{rec.Code, rec.Body.String(), rec.Header()}
		}()
		slow = append(slow, ch)
	}
	waitQueue(t, h, 0, 200) // both read, neither at EOF
	unblocked := make(chan struct{})
	close(unblocked)
	req := httptest.NewRequest("POST", "/encode", &countingReader{gate: unblocked, r: strings.NewReader(`{"texts":["y"]}`)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("third body: %d %s, want 429", rec.Code, rec.Body)
	}
	big := &countingReader{gate: unblocked, r: strings.NewReader(strings.Repeat("x", 500))}
	req = httptest.NewRequest("POST", "/encode", big)
	req.ContentLength = 500
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || big.read != 0 {
		t.Errorf("declared 500 bytes: %d %s after reading %d bytes, want 413 unread", rec.Code, rec.Body, big.read)
	}
	close(gate)
	for _, ch := range slow {
		if r := <-ch; r.status != 200 {
			t.Errorf("slow body: %d %s", r.status, r.body)
		}
	}
	waitQueue(t, h, 0, 0)
	if b := h.(*handler).queue.bytes; b != 0 {
		t.Errorf("%d body bytes still reserved after every answer", b)
	}
}

// trickle opens a connection to the server at addr and sends the headers
// of a POST /encode declaring a 1 MiB body, then prefix, then one byte
// every 10 ms until stop is closed or 1000 bytes are sent.
func trickle(t *testing.T, addr, prefix string, stop <-chan struct{}) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	head := "POST /encode HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
	if _, err := io.WriteString(c, head+prefix); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range 1000 {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if _, err := c.Write([]byte("x")); err != nil {
				return
			}
		}
	}()
	return c
}

// TestSlowClients: four clients trickling bodies that declare 1 MiB each
// (the whole budget of the default limits together) cost only their own
// connections: another client still gets 200.
func TestSlowClients(t *testing.T) {
	h := NewHandler(&fakeEncoder{}, DefaultLimits(), nil)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close) // after the clients' connections close
	stop := make(chan struct{})
	defer close(stop)
	const prefix = `{"texts":["`
	for range 4 {
		trickle(t, srv.Listener.Addr().String(), prefix, stop)
	}
	// Wait until the four are being read.
	q := h.(*handler).queue
	for i := 0; ; i++ {
		q.mu.Lock()
		b := q.bytes
		q.mu.Unlock()
		if b >= 4*int64(len(prefix)) {
			break
		}
		if i == 5000 {
			t.Fatalf("the four slow bodies never reached the handler (%d bytes read)", b)
		}
		time.Sleep(time.Millisecond)
	}
	resp, err := srv.Client().Post(srv.URL+"/encode", "application/json", strings.NewReader(`{"texts":["a text"]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("while four clients trickle their bodies: %d %s, want 200", resp.StatusCode, body)
	}
}

// TestSlowBodyDeadline: a body still arriving at the request's deadline
// gets 408, and its bytes leave the queue.
func TestSlowBodyDeadline(t *testing.T) {
	lim := DefaultLimits()
	lim.Timeout = 200 * time.Millisecond
	h := NewHandler(&fakeEncoder{}, lim, nil)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close) // after the clients' connections close
	stop := make(chan struct{})
	defer close(stop)
	c := trickle(t, srv.Listener.Addr().String(), `{"texts":["`, stop)
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound on the test, not the checked deadline
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a body trickling past the deadline: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("body trickling past the deadline: %d %s, want 408", resp.StatusCode, body)
	}
	waitQueue(t, h, 0, 0)
	q := h.(*handler).queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.bytes != 0 {
		t.Errorf("%d body bytes still reserved after the 408", q.bytes)
	}
}

func TestCORS(t *testing.T) {
	api := newTestHandler(&fakeEncoder{})
	preflight := func(h http.Handler, origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("OPTIONS", "/encode", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// Off by default: no CORS headers, OPTIONS is a wrong method.
	if rec := preflight(CORS(api, nil), "https://a.example"); rec.Code != 405 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS off: preflight %d %v", rec.Code, rec.Header())
	}
	h := CORS(api, []string{"https://a.example"})
	rec := preflight(h, "https://a.example")
	if rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "https://a.example" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") || rec.Header().Get("Access-Control-Allow-Headers") != "content-type" {
		t.Errorf("preflight from an allowed origin: %d %v", rec.Code, rec.Header())
	}
	if rec := preflight(h, "https://b.example"); rec.Code != 403 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", rec.Code, rec.Header())
	}
	for origin, want := range map[string]string{"https://a.example": "https://a.example", "https://b.example": ""} {
		req := httptest.NewRequest("POST", "/encode", strings.NewReader(`{"texts":["a"]}`))
		req.Header.Set("Origin", origin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != want {
			t.Errorf("POST from %s: %d, Access-Control-Allow-Origin %q, want %q", origin, rec.Code, rec.Header().Get("Access-Control-Allow-Origin"), want)
		}
	}
	if rec := preflight(CORS(api, []string{"*"}), "https://any.example"); rec.Code != 204 || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight with *: %d %v", rec.Code, rec.Header())
	}
}

// TestAdmissionDeadline refuses at once what the encoder, at its recent
// speed, could not finish before the request's deadline, but always
// admits a request into an empty queue.
func TestAdmissionDeadline(t *testing.T) {
	g := &gateEncoder{started: make(chan []string, 8), release: make(chan struct{})}
	lim := DefaultLimits()
	lim.MaxTexts, lim.MaxQueueTexts, lim.Timeout = 4, 64, 20*time.Second
	h := NewHandler(g, lim, nil)
	q := h.(*handler).queue
	q.mu.Lock()
	q.perText = 2 * time.Second // as measured on earlier requests
	q.mu.Unlock()

	a := postAsync(h, context.Background(), "/encode", texts("a", 4)) // 8 s: alone, admitted
	<-g.started
	b := <-postAsync(h, context.Background(), "/encode", texts("b", 2)) // 12 s > half of 20 s
	if b.status != http.StatusTooManyRequests || !strings.Contains(b.body, "deadline") || b.header.Get("Retry-After") == "" {
		t.Errorf("a request past the deadline: %d %s, want 429 with Retry-After", b.status, b.body)
	}
	c := postAsync(h, context.Background(), "/encode", texts("c", 1)) // 10 s: fits
	close(g.release)
	if r := <-a; r.status != 200 {
		t.Errorf("a: %d %s", r.status, r.body)
	}
	if r := <-c; r.status != 200 {
		t.Errorf("c: %d %s", r.status, r.body)
	}
}

// TestAdmissionColdStart takes one request's worth of texts while the
// encoder's speed is unknown, and refuses more.
func TestAdmissionColdStart(t *testing.T) {
	g := &gateEncoder{started: make(chan []string, 8), release: make(chan struct{})}
	lim := DefaultLimits()
	lim.MaxTexts, lim.MaxQueueTexts = 4, 64
	h := NewHandler(g, lim, nil)
	a := postAsync(h, context.Background(), "/encode", texts("a", 3))
	<-g.started
	b := postAsync(h, context.Background(), "/encode", texts("b", 1)) // 4 of 4: admitted
	waitQueue(t, h, 4, 0)
	if c := <-postAsync(h, context.Background(), "/encode", texts("c", 1)); c.status != http.StatusTooManyRequests {
		t.Errorf("over one request's worth at cold start: %d %s, want 429", c.status, c.body)
	}
	close(g.release)
	for _, ch := range []<-chan result{a, b} {
		if r := <-ch; r.status != 200 {
			t.Errorf("%d %s", r.status, r.body)
		}
	}
}

// batchingGate is a gateEncoder that says it merges concurrent calls.
type batchingGate struct{ *gateEncoder }

func (batchingGate) MaxBatchTokens() int { return 4096 }

// TestBatcherAdmission: every admitted request reaches a Batcher at once
// (not two at a time), a request past MaxConcurrentRequests gets 429,
// /info reports both limits, and the handler leaves the batch metrics to
// the encoder.
func TestBatcherAdmission(t *testing.T) {
	g := &gateEncoder{started: make(chan []string, 8), release: make(chan struct{})}
	lim := DefaultLimits()
	lim.MaxConcurrentRequests = 3
	m := &countingMetrics{}
	h := NewHandler(batchingGate{g}, lim, m)
	var answers []<-chan result
	for _, p := range []string{"a", "b", "c"} {
		answers = append(answers, postAsync(h, context.Background(), "/encode", texts(p, 1)))
		<-g.started // inside the encoder while the others are too
	}
	r := <-postAsync(h, context.Background(), "/embed_sparse", `{"inputs":"d"}`)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "max_concurrent_requests 3") {
		t.Errorf("fourth request: %d %s, want 429 naming max_concurrent_requests", r.status, r.body)
	}
	close(g.release)
	for i, ch := range answers {
		if r := <-ch; r.status != 200 {
			t.Errorf("request %d: %d %s", i, r.status, r.body)
		}
	}
	info := do(t, h, "GET", "/info", "")
	var got struct {
		MaxConcurrentRequests int `json:"max_concurrent_requests"`
		MaxBatchTokens        int `json:"max_batch_tokens"`
	}
	decodeJSON(t, info, &got)
	if got.MaxConcurrentRequests != 3 || got.MaxBatchTokens != 4096 {
		t.Errorf("/info: %+v, want max_concurrent_requests 3, max_batch_tokens 4096", got)
	}
	if n := m.batches.Load(); n != 0 {
		t.Errorf("the handler observed %d batches of a Batcher, want none", n)
	}
}

// countingMetrics counts ObserveBatch calls.
type countingMetrics struct {
	http.Handler
	batches atomic.Int64
}

func (c *countingMetrics) ObserveRequest(string, int, time.Duration) {}
func (c *countingMetrics) ObserveBatch(int, int)                     { c.batches.Add(1) }
func (c *countingMetrics) SetQueueDepth(int)                         {}
