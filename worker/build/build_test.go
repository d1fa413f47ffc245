package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/splade-go/splade/wasm"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/sparsevec"
)

// The tests build the worker, serve it with a local workerd (installed by
// `npm ci` at the repository root) on 127.0.0.1 and compare its answers
// with the reference outputs in expected.json.

const (
	tolAbs = 1e-4 // F32 weights: the worker must match the PyTorch reference
	tolRel = 1e-4
	// F16 weights round every weight to 11 significant bits; the vectors
	// then move by up to about 1% of the largest weight.
	tolAbsF16 = 2e-2
	tolRelF16 = 2e-2
)

// builds caches worker folders across the tests of one run: the js/wasm
// compile and the weight conversion take seconds.
var builds struct {
	sync.Mutex
	dirs map[string]string
	root string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builds.root != "" {
		os.RemoveAll(builds.root)
	}
	os.Exit(code)
}

// buildWorker builds the worker for model with the weights in dtype, once
// per test run.
func buildWorker(t testing.TB, model, dtype string) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	key := model + "|" + dtype
	if dir, ok := builds.dirs[key]; ok {
		return dir
	}
	if builds.root == "" {
		root, err := os.MkdirTemp("", "splade-worker-test-")
		if err != nil {
			t.Fatal(err)
		}
		builds.root, builds.dirs = root, map[string]string{}
	}
	out := filepath.Join(builds.root, strconv.Itoa(len(builds.dirs)))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var log bytes.Buffer
	res, err := build(ctx, options{model: model, out: out, dtype: dtype, workerName: "splade",
		compatDate: defaultCompatDate, log: &log})
	if err != nil {
		t.Fatalf("build %s: %v\n%s", model, err, log.String())
	}
	t.Logf("%s", strings.TrimSpace(log.String()))
	t.Logf("worker size: %d bytes raw, %d gzip (%.1f / %.1f MiB); app.wasm %d bytes", res.Raw, res.Gzip,
		mib(res.Raw), mib(res.Gzip), moduleSize(res, "app.wasm"))
	builds.dirs[key] = out
	return out
}

func moduleSize(res *result, name string) int64 {
	for _, f := range res.Files {
		if f.Name == name {
			return f.Size
		}
	}
	return -1
}

// workerdBinary finds workerd: $WORKERD, the npm install at the repository
// root, or PATH; it skips the test when there is none.
func workerdBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("WORKERD"); p != "" {
		return p
	}
	root := reference.Root(t)
	arch := map[string]string{"amd64": "64", "arm64": "arm64"}[runtime.GOARCH]
	for _, p := range []string{
		filepath.Join(root, "node_modules", "@cloudflare", "workerd-"+runtime.GOOS+"-"+arch, "bin", "workerd"),
		filepath.Join(root, "node_modules", "workerd", "bin", "workerd"),
	} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	if p, err := exec.LookPath("workerd"); err == nil {
		return p
	}
	t.Skip("workerd is not installed: run `npm ci` at the repository root (package.json pins workerd), or set WORKERD")
	return ""
}

// server is a running workerd.
type server struct {
	url string
	pid int
}

// serve starts workerd on the worker folder dir, on a port of 127.0.0.1
// that workerd picks and reports on its control file descriptor, and stops
// it when the test ends.
func serve(t testing.TB, dir string) *server {
	t.Helper()
	bin := workerdBinary(t)
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer ctlR.Close()
	var logs lockedBuffer
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "workerd.capnp"),
		"--socket-addr", "http=127.0.0.1:0", "--control-fd=3")
	cmd.ExtraFiles = []*os.File{ctlW} // fd 3
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting workerd: %v", err)
	}
	ctlW.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("workerd log:\n%s", logs.String())
		}
	})

	// The control fd carries one JSON message per line; the one we want is
	// {"event":"listen","socket":"http","port":N}.
	port := make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(ctlR)
		for sc.Scan() {
			var msg struct {
				Event, Socket string
				Port          int
			}
			if json.Unmarshal(sc.Bytes(), &msg) == nil && msg.Event == "listen" && msg.Socket == "http" {
				port <- msg.Port
				return
			}
		}
		close(port)
	}()
	select {
	case p, ok := <-port:
		if !ok {
			t.Fatalf("workerd exited without listening:\n%s", logs.String())
		}
		return &server{url: "http://127.0.0.1:" + strconv.Itoa(p), pid: cmd.Process.Pid}
	case <-time.After(60 * time.Second):
		t.Fatalf("workerd did not listen within 60s:\n%s", logs.String())
	}
	return nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var client = &http.Client{Timeout: 2 * time.Minute}

// do sends one request and returns the status, headers and body.
func (s *server) do(t testing.TB, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// headersOnly sends the headers of a POST to path announcing a JSON body
// of n bytes, sends none of the body, and returns the answer's status,
// headers and body: a server that holds its body limit answers without
// reading the body. (Sending a refused body races the answer: workerd
// closes the connection after a 413, and a client still writing gets a
// broken pipe.)
func (s *server) headersOnly(t testing.TB, path string, n int) (int, http.Header, []byte) {
	t.Helper()
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(60 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, u.Host, n); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s with %d bytes announced: no answer before the body: %v", path, n, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: reading the answer: %v", path, err)
	}
	return resp.StatusCode, resp.Header, body
}

type (
	vector         = api.Vector
	encodeResponse = api.EncodeResponse
)

func encodeBody(t testing.TB, texts []string, kind string) string {
	req := map[string]any{"texts": texts}
	if kind != "" {
		req["kind"] = kind
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// encode POSTs /encode and decodes the answer, failing on anything but 200.
func (s *server) encode(t testing.TB, texts []string, kind string) encodeResponse {
	t.Helper()
	status, _, body := s.do(t, http.MethodPost, "/encode", encodeBody(t, texts, kind))
	if status != http.StatusOK {
		t.Fatalf("POST /encode: %d %s", status, body)
	}
	var r encodeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("POST /encode: %v: %s", err, body)
	}
	if len(r.Vectors) != len(texts) {
		t.Fatalf("POST /encode: %d vectors for %d texts", len(r.Vectors), len(texts))
	}
	return r
}

// diff compares a vector the worker returned with reference indices and
// values (see reference.VectorDiff).
func diff(got vector, wantIdx []uint32, wantVal []float32, abs, rel float64) (maxErr float64, bad string) {
	return reference.VectorDiff(got.Indices, got.Values, wantIdx, wantVal, abs, rel)
}

// checkExpected encodes the texts of an expected.json and compares.
func checkExpected(t *testing.T, s *server, exp *reference.Expected, abs, rel float64) {
	t.Helper()
	r := s.encode(t, exp.Texts(), "")
	if r.Dim != exp.VocabSize {
		t.Errorf("dim = %d, want %d", r.Dim, exp.VocabSize)
	}
	var worst float64
	for i, c := range exp.Cases {
		e, bad := diff(r.Vectors[i], c.Indices, c.Values, abs, rel)
		worst = max(worst, e)
		if bad != "" {
			t.Errorf("text %d %q: %s (%d non-zeros, want %d)", i, c.Text, bad, len(r.Vectors[i].Indices), len(c.Indices))
		}
	}
	t.Logf("%d texts: largest difference from expected.json %.3g", len(exp.Cases), worst)
}

func TestWorkerTinyBert(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	checkKernel(t, s, "simd128")
	checkExpected(t, s, reference.LoadExpected(t, filepath.Join(model, "expected.json")), tolAbs, tolRel)
}

// checkKernel checks the kernel the worker's model runs on (/healthz's
// X-Splade-Kernel): WebAssembly SIMD, which worker.mjs provides.
func checkKernel(t *testing.T, s *server, want string) {
	t.Helper()
	_, h, _ := s.do(t, http.MethodGet, "/healthz", "")
	if got := h.Get("X-Splade-Kernel"); got != want {
		t.Errorf("X-Splade-Kernel = %q, want %q", got, want)
	}
}

// TestWorkerTinyRoberta serves a RoBERTa model (byte-level BPE tokenizer,
// positions from pad_token_id+1) from its F32 build.
func TestWorkerTinyRoberta(t *testing.T) {
	model := reference.Fixture(t, "tiny-roberta-50262")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	checkExpected(t, s, reference.LoadExpected(t, filepath.Join(model, "expected.json")), tolAbs, tolRel)
}

// TestWorkerTinyXLMR serves an XLM-RoBERTa model (SentencePiece Unigram
// tokenizer) from its F32 build.
func TestWorkerTinyXLMR(t *testing.T) {
	model := reference.Fixture(t, "tiny-xlmr-16002")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	checkExpected(t, s, reference.LoadExpected(t, filepath.Join(model, "expected.json")), tolAbs, tolRel)
}

// TestWorkerTinyBGEM3 serves BGE-M3's layout, its sparse_linear.pt
// folded into model.safetensors by the build.
func TestWorkerTinyBGEM3(t *testing.T) {
	model := reference.Fixture(t, "tiny-bgem3-16002")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	checkExpected(t, s, reference.LoadExpected(t, filepath.Join(model, "expected.json")), tolAbs, tolRel)
}

// TestBuildCommand builds with the exact command line of the build
// contract, from the repository root, and checks the served vectors
// against the reference at the project's tolerance: the default build must
// be exact.
func TestBuildCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the go run of the build tool")
	}
	model := reference.Fixture(t, "tiny-bert")
	workerdBinary(t)
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command("go", "run", "./worker/build", "-model", model, "-out", out)
	cmd.Dir = reference.Root(t)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./worker/build: %v\n%s", err, msg)
	}
	if _, err := os.Stat(filepath.Join(out, "wrangler.toml")); err != nil {
		t.Errorf("no wrangler config: %v", err)
	}
	checkExpected(t, serve(t, out), reference.LoadExpected(t, filepath.Join(model, "expected.json")), tolAbs, tolRel)
}

func TestWorkerEdgeBert(t *testing.T) {
	model := reference.Shared(t, "fixtures/edge-bert-30522")
	workerdBinary(t)
	exp := reference.LoadExpected(t, filepath.Join(model, "expected.json"))
	t.Run("F32", func(t *testing.T) {
		s := serve(t, buildWorker(t, model, "F32"))
		checkKernel(t, s, "simd128")
		checkExpected(t, s, exp, tolAbs, tolRel)
	})
	t.Run("F16", func(t *testing.T) {
		s := serve(t, buildWorker(t, model, "F16"))
		checkKernel(t, s, "simd128")
		checkExpected(t, s, exp, tolAbsF16, tolRelF16)
	})
	t.Run("I8", func(t *testing.T) {
		s := serve(t, buildWorker(t, model, "I8"))
		checkKernel(t, s, "simd128")
		checkQuality(t, s, exp)
	})
}

// checkQuality encodes the texts of an expected.json with an int8 worker
// and gates the vectors against the float32 reference: each text's cosine
// >= 0.99, and the mean top-10 overlap (the share of the reference's 10
// heaviest terms among the worker's) >= 0.8.
func checkQuality(t *testing.T, s *server, exp *reference.Expected) {
	t.Helper()
	r := s.encode(t, exp.Texts(), "")
	minCos, sumCos, minTop, sumTop := 1.0, 0.0, 1.0, 0.0
	for i, c := range exp.Cases {
		got := sparsevec.Vector{Indices: r.Vectors[i].Indices, Values: r.Vectors[i].Values, Dim: exp.VocabSize}
		want := sparsevec.Vector{Indices: c.Indices, Values: c.Values, Dim: exp.VocabSize}
		cos := float64(sparsevec.Cosine(got, want))
		top := topOverlap(want, got, 10)
		if cos < 0.99 {
			t.Errorf("text %d %q: cosine to the float32 reference %.4f, want >= 0.99", i, c.Text, cos)
		}
		minCos, sumCos, minTop, sumTop = min(minCos, cos), sumCos+cos, min(minTop, top), sumTop+top
	}
	n := float64(len(exp.Cases))
	if sumTop/n < 0.8 {
		t.Errorf("mean top-10 overlap %.3f, want >= 0.8", sumTop/n)
	}
	t.Logf("%d texts against float32: cosine mean %.4f min %.4f; top-10 overlap mean %.3f min %.2f",
		len(exp.Cases), sumCos/n, minCos, sumTop/n, minTop)
}

// topOverlap is the share of want's k heaviest terms among got's k heaviest.
func topOverlap(want, got sparsevec.Vector, k int) float64 {
	tw, tg := sparsevec.Top(want, k), sparsevec.Top(got, k)
	if len(tw) == 0 {
		return 1
	}
	n := 0
	for _, a := range tw {
		for _, b := range tg {
			if a.Index == b.Index {
				n++
			}
		}
	}
	return float64(n) / float64(len(tw))
}

// inferenceFreeFolder assembles an inference-free model folder (the
// bert-base-uncased tokenizer and the OpenSearch idf table) from ../shared.
func inferenceFreeFolder(t testing.TB) string {
	t.Helper()
	tok := reference.Shared(t, "conformance/tokenizer")
	idf := reference.Shared(t, "inference-free/idf.json")
	dir := t.TempDir()
	// Copies, not links: model folders are read only through links that
	// stay inside them (or into an HF cache's blobs/).
	copyFile := func(src, name string) {
		data, err := os.ReadFile(src)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"tokenizer.json", "vocab.txt", "tokenizer_config.json"} {
		copyFile(filepath.Join(tok, name), name)
	}
	copyFile(idf, "idf.json")
	return dir
}

// goldenQueries reads queries with their reference WordPiece pieces from a
// topics file pair of ../shared/conformance/tokenizer.
func goldenQueries(t testing.TB, topics, wp string) (texts []string, pieces [][]string) {
	t.Helper()
	dir := reference.Shared(t, "conformance/tokenizer")
	read := func(name string) map[string]string {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var r io.Reader = f
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		m := map[string]string{}
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			id, text, ok := strings.Cut(sc.Text(), "\t")
			if ok {
				m[id] = text
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		return m
	}
	q, p := read(topics), read(wp)
	for _, id := range sortedKeys(q) {
		if ps, ok := p[id]; ok {
			texts = append(texts, q[id])
			pieces = append(pieces, strings.Fields(ps))
		}
	}
	return texts, pieces
}

// idfVector is the reference inference-free encoding: every distinct piece
// once, weighted by its idf.
func idfVector(t testing.TB, pieces []string, vocab map[string]uint32, idf map[string]float32) ([]uint32, []float32) {
	var idx []uint32
	for _, p := range pieces {
		id, ok := vocab[p]
		if !ok {
			t.Fatalf("piece %q not in vocab.txt", p)
		}
		if !slices.Contains(idx, id) {
			idx = append(idx, id)
		}
	}
	slices.Sort(idx)
	token := make(map[uint32]string, len(vocab))
	for p, id := range vocab {
		token[id] = p
	}
	vals := make([]float32, len(idx))
	for i, id := range idx {
		vals[i] = idf[token[id]]
	}
	return idx, vals
}

func TestWorkerInferenceFree(t *testing.T) {
	folder := inferenceFreeFolder(t)
	workerdBinary(t)
	s := serve(t, buildWorker(t, folder, "F16"))

	vocab := map[string]uint32{}
	data, err := os.ReadFile(filepath.Join(folder, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		vocab[line] = uint32(i)
	}
	var idf map[string]float32
	data, err = os.ReadFile(filepath.Join(folder, "idf.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &idf); err != nil {
		t.Fatal(err)
	}

	texts, pieces := goldenQueries(t, "topics.dl19-passage.txt", "topics.dl19-passage.wp.tsv.gz")
	if len(texts) == 0 {
		t.Fatal("no DL19 queries")
	}
	r := s.encode(t, texts, "query")
	if r.Dim != len(vocab) {
		t.Errorf("dim = %d, want %d", r.Dim, len(vocab))
	}
	for i := range texts {
		idx, vals := idfVector(t, pieces[i], vocab, idf)
		if _, bad := diff(r.Vectors[i], idx, vals, 1e-6, 1e-6); bad != "" {
			t.Errorf("query %q (pieces %v): %s", texts[i], pieces[i], bad)
		}
	}
	t.Logf("%d DL19 queries encoded with idf weights", len(texts))
}

// isolateHeaders returns the worker's instance headers as numbers.
func isolateHeaders(t testing.TB, h http.Header) (instance, loads, requests int) {
	t.Helper()
	num := func(name string) int {
		n, err := strconv.Atoi(h.Get(name))
		if err != nil {
			t.Fatalf("header %s = %q: %v", name, h.Get(name), err)
		}
		return n
	}
	return num("X-Splade-Instance"), num("X-Splade-Model-Loads"), num("X-Splade-Requests")
}

// TestWorkerParsesModelOnce shows that one Go instance, which parsed the
// model once, serves every request of the isolate: the instance and load
// counts stay at 1 while the request count grows, and requests after the
// first take a fraction of the first one's time.
func TestWorkerParsesModelOnce(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	if m, err := filepath.Abs(filepath.Join(reference.Root(t), "..", "shared", "fixtures", "edge-bert-30522")); err == nil {
		if _, err := os.Stat(m); err == nil {
			model = m // parsing 30522x128 embeddings is slow enough to see
		}
	}
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F16"))
	const n = 30
	var times []time.Duration
	for i := 1; i <= n; i++ {
		start := time.Now()
		status, h, body := s.do(t, http.MethodPost, "/encode", encodeBody(t, []string{"the same query"}, ""))
		times = append(times, time.Since(start))
		if status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, status, body)
		}
		inst, loads, reqs := isolateHeaders(t, h)
		if inst != 1 || loads != 1 || reqs != i {
			t.Fatalf("request %d: X-Splade-Instance %d, X-Splade-Model-Loads %d, X-Splade-Requests %d; want 1, 1, %d",
				i, inst, loads, reqs, i)
		}
	}
	rest := slices.Clone(times[1:])
	slices.Sort(rest)
	med := rest[len(rest)/2]
	t.Logf("%s: first request (starts Go, parses the model) %v; median of the next %d: %v",
		filepath.Base(model), times[0].Round(time.Microsecond), n-1, med.Round(time.Microsecond))
	if med*2 > times[0] {
		t.Errorf("later requests (median %v) are not much faster than the first (%v): is the model parsed per request?", med, times[0])
	}
}

// TestWorkerBurst sends 200 requests at once; every answer must be right
// and the isolate must keep its one Go instance.
func TestWorkerBurst(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	workerdBinary(t)
	exp := reference.LoadExpected(t, filepath.Join(model, "expected.json"))
	s := serve(t, buildWorker(t, model, "F32"))

	const n = 200
	tr := &http.Transport{MaxConnsPerHost: n}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := exp.Cases[i%len(exp.Cases)]
			resp, err := c.Post(s.url+"/encode", "application/json", strings.NewReader(encodeBody(t, []string{cs.Text}, "")))
			if err != nil {
				errs <- fmt.Errorf("request %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			var r encodeResponse
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK || len(r.Vectors) != 1 {
				errs <- fmt.Errorf("request %d: status %d, %d vectors, %v", i, resp.StatusCode, len(r.Vectors), err)
				return
			}
			if _, bad := diff(r.Vectors[0], cs.Indices, cs.Values, tolAbs, tolRel); bad != "" {
				errs <- fmt.Errorf("request %d (%q): %s", i, cs.Text, bad)
			}
		}()
	}
	wg.Wait()
	close(errs)
	var failed int
	for err := range errs {
		if failed++; failed <= 5 {
			t.Error(err)
		}
	}
	if failed > 5 {
		t.Errorf("... %d requests failed in all", failed)
	}
	_, h, _ := s.do(t, http.MethodGet, "/healthz", "")
	if inst, loads, reqs := isolateHeaders(t, h); inst != 1 || loads != 1 || reqs != n+1 {
		t.Errorf("after the burst: instance %d, loads %d, requests %d; want 1, 1, %d", inst, loads, reqs, n+1)
	}
}

// TestWorkerBadRequests checks the error answers, and that the worker keeps
// serving after them.
func TestWorkerBadRequests(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	workerdBinary(t)
	s := serve(t, buildWorker(t, model, "F32"))
	for _, tc := range []struct {
		name, method, path, body string
		announced                int // > 0: only the headers, announcing a body this long (server.headersOnly)
		status                   int
	}{
		{"malformed JSON", http.MethodPost, "/encode", `{"texts": [`, 0, http.StatusBadRequest},
		{"not an object", http.MethodPost, "/encode", `"hello"`, 0, http.StatusBadRequest},
		{"no texts", http.MethodPost, "/encode", `{"texts": []}`, 0, http.StatusBadRequest},
		{"oversized body", http.MethodPost, "/encode", "", 1<<20 + 16, http.StatusRequestEntityTooLarge},
		{"wrong method", http.MethodGet, "/encode", "", 0, http.StatusMethodNotAllowed},
		{"wrong method on healthz", http.MethodPut, "/healthz", "{}", 0, http.StatusMethodNotAllowed},
		{"unknown path", http.MethodGet, "/nope", "", 0, http.StatusNotFound},
	} {
		var status int
		var h http.Header
		var body []byte
		if tc.announced > 0 {
			status, h, body = s.headersOnly(t, tc.path, tc.announced)
		} else {
			status, h, body = s.do(t, tc.method, tc.path, tc.body)
		}
		var e api.Error
		if status != tc.status || json.Unmarshal(body, &e) != nil || e.Message == "" {
			t.Errorf("%s: %d %.200s; want %d with a JSON error", tc.name, status, body, tc.status)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
		if tc.status == http.StatusMethodNotAllowed && h.Get("Allow") == "" {
			t.Errorf("%s: no Allow header", tc.name)
		}
	}
	exp := reference.LoadExpected(t, filepath.Join(model, "expected.json"))
	r := s.encode(t, exp.Texts()[:1], "")
	if _, bad := diff(r.Vectors[0], exp.Cases[0].Indices, exp.Cases[0].Values, tolAbs, tolRel); bad != "" {
		t.Errorf("after the errors: %s", bad)
	}
	_, h, _ := s.do(t, http.MethodGet, "/healthz", "")
	if inst, loads, _ := isolateHeaders(t, h); inst != 1 || loads != 1 {
		t.Errorf("after the errors: instance %d, loads %d; want 1, 1", inst, loads)
	}
}

func TestBuildLayout(t *testing.T) {
	// A folder with only pytorch_model.bin, whose tied decoder weight
	// repeats the embeddings: the build writes F16 model.safetensors
	// without it.
	src := reference.Fixture(t, "tiny-bert")
	model := t.TempDir()
	for _, name := range []string{"config.json", "pytorch_model.bin", "tokenizer.json", "vocab.txt",
		"tokenizer_config.json", "special_tokens_map.json", "expected.json"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(model, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out")
	res, err := build(context.Background(), options{model: model, out: out, dtype: "F16", workerName: "splade",
		compatDate: defaultCompatDate, skipCompile: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Name)
	}
	want := []string{"worker.mjs", "wasm_exec.js", "model.mjs", "app.wasm", "simd128.wasm", "model/config.json", "model/model.safetensors",
		"model/special_tokens_map.json", "model/tokenizer.json", "model/tokenizer_config.json"} // no vocab.txt: tokenizer.json replaces it
	if !slices.Equal(names, want) {
		t.Errorf("modules %v, want %v", names, want)
	}
	data, err := os.ReadFile(filepath.Join(out, "model", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	n := int(data[0]) | int(data[1])<<8 | int(data[2])<<16 // header length (< 16 MiB)
	var header map[string]struct {
		Dtype string `json:"dtype"`
	}
	if err := json.Unmarshal(data[8:8+n], &header); err != nil {
		t.Fatal(err)
	}
	if _, ok := header["cls.predictions.decoder.weight"]; ok {
		t.Error("the tied decoder weight was kept")
	}
	for name, e := range header {
		if name != "__metadata__" && e.Dtype != "F16" {
			t.Errorf("%s: dtype %s, want F16", name, e.Dtype)
		}
	}
	for name, quote := range map[string]string{"workerd.capnp": `"%s"`, "model.mjs": `"./%s"`} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range want[3:] {
			if name == "model.mjs" && !strings.HasPrefix(m, "model/") { // the model folder only
				continue
			}
			if !strings.Contains(string(data), fmt.Sprintf(quote, m)) {
				t.Errorf("%s does not name %s", name, m)
			}
		}
	}
	capnp, _ := os.ReadFile(filepath.Join(out, "workerd.capnp"))
	if !strings.Contains(string(capnp), `(name = "http"`) {
		t.Error(`workerd.capnp has no socket named "http"`)
	}
	wrangler, _ := os.ReadFile(filepath.Join(out, "wrangler.toml"))
	for _, s := range []string{`main = "worker.mjs"`, `compatibility_date = "` + defaultCompatDate + `"`, `type = "CompiledWasm"`, `type = "Data"`} {
		if !strings.Contains(string(wrangler), s) {
			t.Errorf("wrangler.toml lacks %s", s)
		}
	}

	// A second build replaces the first.
	if _, err := build(context.Background(), options{model: model, out: out, dtype: "F32", workerName: "splade",
		compatDate: defaultCompatDate, skipCompile: true}); err != nil {
		t.Errorf("rebuilding into an earlier build: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	base := options{model: model, out: filepath.Join(t.TempDir(), "out"), dtype: "F16", workerName: "splade",
		compatDate: defaultCompatDate, skipCompile: true}
	for _, tc := range []struct {
		name string
		edit func(*options)
		want string
	}{
		{"foreign out", func(o *options) { o.out = foreign }, "not empty"},
		{"out inside model", func(o *options) { o.out = filepath.Join(model, "out") }, "overlap"},
		{"bad dtype", func(o *options) { o.dtype = "F8" }, "-dtype"},
		{"bad date", func(o *options) { o.compatDate = "yesterday" }, "-compatibility-date"},
		{"missing model", func(o *options) { o.model = filepath.Join(empty, "none") }, "-model"},
		{"empty model", func(o *options) { o.model = empty }, "no model files"},
	} {
		o := base
		tc.edit(&o)
		_, err := build(context.Background(), o)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "worker/build: ") {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(foreign, "notes.txt")); err != nil {
		t.Errorf("the foreign folder was changed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(model, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an output folder was made inside the model: %v", err)
	}
}

// TestBuildInferenceFreeTokenizer builds ../shared/inference-free, which
// holds idf.json alone: without a tokenizer the build says which files to
// add and leaves no output; with -tokenizer (bert-base-uncased's files)
// the worker's model folder holds both, and its query vectors are the
// reference's (idf.json's weights of the reference WordPiece pieces).
func TestBuildInferenceFreeTokenizer(t *testing.T) {
	idf := reference.Shared(t, "inference-free")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	out := filepath.Join(t.TempDir(), "out")
	o := options{model: idf, out: out, dtype: "F32", workerName: "splade", compatDate: defaultCompatDate, skipCompile: true}
	_, err := build(context.Background(), o)
	if err == nil {
		t.Fatal("idf.json without a tokenizer: no error")
	}
	for _, want := range []string{"idf.json but no tokenizer", "tokenizer.json", "vocab.txt", "-tokenizer DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the failed build left %s behind (%v)", out, err)
	}

	o.tokenizer = tokDir
	res, err := build(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.InferenceFree || res.Dim != 30522 {
		t.Errorf("built %+v, want an inference-free model of dimension 30522", res)
	}
	enc, err := wasm.LoadDir(filepath.Join(out, modelSubfolder))
	if err != nil {
		t.Fatal(err)
	}
	qs := reference.IDFQueries(t, filepath.Join(idf, "idf.json"), 20)
	var texts []string
	for _, q := range qs {
		texts = append(texts, q.Text)
	}
	vs, err := enc.EncodeQuery(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	var indices [][]uint32
	var values [][]float32
	for _, v := range vs {
		indices, values = append(indices, v.Indices), append(values, v.Values)
	}
	reference.CheckIDF(t, qs, indices, values, enc.Token)
}

// TestFailedBuildLeavesNothing: a build into the folder of an earlier
// build that fails (a model folder the worker cannot read) leaves the
// folder empty, so that the next build into it goes ahead.
func TestFailedBuildLeavesNothing(t *testing.T) {
	tiny := reference.Fixture(t, "tiny-bert")
	out := filepath.Join(t.TempDir(), "out")
	o := options{model: tiny, out: out, dtype: "F32", workerName: "splade", compatDate: defaultCompatDate, skipCompile: true}
	if _, err := build(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"model_type": "bert"`), 0o644); err != nil {
		t.Fatal(err)
	}
	bo := o
	bo.model = bad
	if _, err := build(context.Background(), bo); err == nil {
		t.Fatal("a broken model folder built")
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 0 {
		t.Errorf("after the failed build, %s holds %d entries (%v), want none", out, len(entries), err)
	}
	if _, err := build(context.Background(), o); err != nil {
		t.Errorf("the build after a failed one: %v", err)
	}
}
