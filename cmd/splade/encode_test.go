package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// shardTexts returns n texts of varied lengths (some past tiny-bert's 64
// tokens), one per line.
func shardTexts(n int) string {
	words := strings.Fields("the weather is lovely today it is so sunny outside he drove to the stadium a car an automobile a bike hello world")
	var b strings.Builder
	for i := range n {
		for j := range 1 + (i*7)%40 {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[(i+j*3)%len(words)])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// idOf returns the id of an output line.
func idOf(t *testing.T, line string) string {
	t.Helper()
	var r struct{ ID json.RawMessage }
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	return string(r.ID)
}

// sameLines checks that the jsonl lines got hold the ids and indices of
// want and values within 1e-5 (a text batched with texts of other
// lengths is padded to another length, and its float32 sums round
// differently: by up to 2.2e-6 here).
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, want %d", what, len(got), len(want))
		return
	}
	for i := range got {
		var g, w vectorLine
		if json.Unmarshal([]byte(got[i]), &g) != nil || json.Unmarshal([]byte(want[i]), &w) != nil {
			t.Fatalf("%s: line %d: %q, want %q", what, i, got[i], want[i])
		}
		if string(g.ID) != string(w.ID) || !slices.Equal(g.Indices, w.Indices) || len(g.Values) != len(w.Values) {
			t.Errorf("%s: line %d: %q\nwant %q", what, i, got[i], want[i])
			continue
		}
		for j := range g.Values {
			if d := math.Abs(float64(g.Values[j] - w.Values[j])); d > 1e-5 {
				t.Errorf("%s: line %d (id %s): index %d is %v, want %v", what, i, w.ID, w.Indices[j], g.Values[j], w.Values[j])
			}
		}
	}
}

// splitLines splits s after each newline.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	return lines[:len(lines)-1] // after the last newline: "" or a partial line
}

// TestShard checks that --shard i/n over n = 3 gives each input line to
// exactly one shard, line k to shard k % 3 with its id of the whole
// input, and that the shards' lines together, ordered by id, are the
// unsharded output byte for byte.
func TestShard(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	const n = 50
	in := shardTexts(n)
	for _, format := range []string{"text", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			input := in
			if format == "jsonl" {
				// String ids, so that the ids are not the record numbers.
				var b strings.Builder
				for i, line := range strings.Split(strings.TrimSuffix(in, "\n"), "\n") {
					fmt.Fprintf(&b, "{\"id\": \"doc-%d\", \"text\": %q}\n", i, line)
				}
				input = b.String()
			}
			args := []string{"encode", "--model", dir, "--batch-size", "4", "--input", format}
			whole := splitLines(mustRun(t, strings.NewReader(input), args...))
			if len(whole) != n {
				t.Fatalf("unsharded: %d lines, want %d", len(whole), n)
			}
			byID := map[string]int{}
			for k, line := range whole {
				byID[idOf(t, line)] = k
			}
			var all []string
			for i := range 3 {
				out := mustRun(t, strings.NewReader(input), append(args, "--shard", fmt.Sprintf("%d/3", i))...)
				for j, line := range splitLines(out) {
					k, ok := byID[idOf(t, line)]
					if !ok || k != i+3*j {
						t.Fatalf("shard %d/3 line %d is input line %d (known %v), want %d", i, j, k, ok, i+3*j)
					}
				}
				all = append(all, splitLines(out)...)
			}
			slices.SortFunc(all, func(a, b string) int { return byID[idOf(t, a)] - byID[idOf(t, b)] })
			sameLines(t, "the 3 shards ordered by id", all, whole)
		})
	}
	for _, bad := range []string{"3/3", "-1/3", "1", "a/b", "0/0", "1/2/3"} {
		if _, errs, code := runCLI(t, nil, "encode", "--model", dir, "--shard", bad, "x"); code != 2 || !strings.Contains(errs, "--shard") {
			t.Errorf("--shard %s: exit %d, stderr %q; want a usage error", bad, code, errs)
		}
	}
}

// TestResume checks --resume on files a killed run leaves: the lines of
// the recorded state are kept and not written again, a partial last line
// is dropped, and a file from another shard is refused.
func TestResume(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	in := shardTexts(30)
	inLines := splitLines(in)
	args := []string{"encode", "--model", dir, "--batch-size", "4"}
	whole := mustRun(t, strings.NewReader(in), args...)
	lines := splitLines(whole)

	for _, keep := range []int{0, 1, 13, 30} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		// A run that got through keep texts, then was killed mid-line.
		mustRun(t, strings.NewReader(strings.Join(inLines[:keep], "")), append(args, "--resume", out)...)
		if keep < len(lines) {
			f, _ := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString(lines[keep][:len(lines[keep])/2])
			f.Close()
		}
		if got := mustRun(t, strings.NewReader(in), append(args, "--resume", out)...); got != "" {
			t.Errorf("--resume wrote %q to standard output", got)
		}
		got, _ := os.ReadFile(out)
		sameLines(t, fmt.Sprintf("resumed after %d lines", keep), splitLines(string(got)), lines)
	}

	// A file written from another shard is refused, and left alone.
	out := filepath.Join(t.TempDir(), "out.jsonl")
	mustRun(t, strings.NewReader(in), append(args, "--shard", "1/2", "--resume", out)...)
	before, _ := os.ReadFile(out)
	_, errs, code := runCLI(t, strings.NewReader(in), append(args, "--shard", "0/2", "--resume", out)...)
	if code != 1 || !strings.Contains(errs, "--shard") {
		t.Errorf("resume from another shard's file: exit %d, stderr %q", code, errs)
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Errorf("a refused --resume changed the file")
	}

	// pgvector lines have no ids: the state counts them.
	pg := mustRun(t, strings.NewReader(in), append(args, "--format", "pgvector")...)
	out = filepath.Join(t.TempDir(), "out.txt")
	mustRun(t, strings.NewReader(strings.Join(inLines[:7], "")), append(args, "--format", "pgvector", "--resume", out)...)
	mustRun(t, strings.NewReader(in), append(args, "--format", "pgvector", "--resume", out)...)
	got, _ := os.ReadFile(out)
	if g, w := splitLines(string(got)), splitLines(pg); !slices.Equal(g, w) {
		t.Errorf("pgvector resume: %d lines, want the %d of one run", len(g), len(w))
	}
}

// TestResumeRefuses: --resume appends only to a file its own state
// describes, for the same model, settings and input; anything else is
// refused with exit 1 and leaves the file as it was.
func TestResumeRefuses(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	in := shardTexts(12)
	args := []string{"encode", "--model", dir, "--batch-size", "4"}
	refused := func(name, file string, stdin io.Reader, want string, extra ...string) {
		t.Helper()
		before, _ := os.ReadFile(file)
		_, errs, code := runCLI(t, stdin, append(append(args, extra...), "--resume", file)...)
		if code != 1 || !strings.Contains(errs, want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", name, code, errs, want)
		}
		if after, _ := os.ReadFile(file); string(after) != string(before) {
			t.Errorf("%s: the refused --resume changed %s", name, file)
		}
	}
	tmp := t.TempDir()
	var withIDs strings.Builder
	for i, text := range strings.Fields(in) {
		fmt.Fprintf(&withIDs, "{\"id\": \"d%d\", \"text\": %q}\n", i, text)
	}

	// The input itself as OUT.
	docs := filepath.Join(tmp, "docs.jsonl")
	os.WriteFile(docs, []byte(withIDs.String()), 0o644)
	f, err := os.Open(docs)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	refused("the input as OUT", docs, f, "", "--input", "jsonl")

	// A file of raw input lines, not written by --resume.
	raw := filepath.Join(tmp, "raw.jsonl")
	os.WriteFile(raw, []byte(strings.Join(splitLines(withIDs.String())[:5], "")), 0o644)
	refused("raw input lines", raw, strings.NewReader(withIDs.String()), "no resume state", "--input", "jsonl")

	// A pgvector file from other input.
	pg := filepath.Join(tmp, "pg.txt")
	mustRun(t, strings.NewReader(shardTexts(5)), append(args, "--format", "pgvector", "--resume", pg)...)
	refused("pgvector from other input", pg, strings.NewReader(strings.ToUpper(in)), "other input", "--format", "pgvector")

	// The same input with other settings.
	refused("other settings", pg, strings.NewReader(in), "--max-active-dims", "--format", "pgvector", "--max-active-dims", "5")
	refused("another format", pg, strings.NewReader(in), "--format")
}

// buildSplade builds the splade command into a temporary folder.
func buildSplade(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "splade")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestKilledAndResumed kills a real splade process with SIGKILL half-way
// through a sharded encode, reruns the same command, and checks that every
// id of the shard is in the file exactly once, with the vectors of an
// uninterrupted run.
func TestKilledAndResumed(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	bin := buildSplade(t)
	tmp := t.TempDir()
	const n = 2000
	input := filepath.Join(tmp, "in.txt")
	if err := os.WriteFile(input, []byte(shardTexts(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "shard1.jsonl")
	args := []string{"encode", "--model", dir, "--batch-size", "2", "--shard", "1/2", "--resume", out}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, args...)
		f, err := os.Open(input)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		cmd.Stdin = f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	countLines := func() int {
		b, _ := os.ReadFile(out)
		return strings.Count(string(b), "\n")
	}

	cmd := start()
	deadline := time.Now().Add(2 * time.Minute)
	for countLines() < 50 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the first run was not killed (%v): it finished too soon to test a resume", cmd.ProcessState)
	}
	killedAt := countLines()
	if killedAt >= n/2 {
		t.Fatalf("the killed run had written all %d lines", killedAt)
	}
	cmd = start()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("resumed run: %v", err)
	}

	got, _ := os.ReadFile(out)
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(string(got)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		seen[idOf(t, sc.Text())]++
	}
	for k := 1; k < n; k += 2 {
		if c := seen[fmt.Sprint(k)]; c != 1 {
			t.Errorf("id %d is in the file %d times, want once", k, c)
		}
	}
	if len(seen) != n/2 {
		t.Errorf("%d distinct ids, want %d", len(seen), n/2)
	}
	whole := mustRun(t, strings.NewReader(shardTexts(n)), "encode", "--model", dir, "--batch-size", "2", "--shard", "1/2")
	sameLines(t, fmt.Sprintf("killed after %d lines and resumed", killedAt), splitLines(string(got)), splitLines(whole))
	t.Logf("killed after %d of %d lines, resumed", killedAt, n/2)
}

// TestTextWarnings checks the one-line warnings about truncated texts and
// replaced invalid UTF-8, and that --quiet silences them.
func TestTextWarnings(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert") // max 64 positions
	long := strings.Repeat("hello world ", 40)
	in := "short\n" + long + "\n" + long + "\nbad \xff byte\n"
	for _, cmd := range []string{"encode", "decode", "stats", "similarity", "tokenize"} {
		_, errs, code := runCLI(t, strings.NewReader(in), cmd, "--model", dir)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", cmd, code, errs)
		}
		want := []string{
			"splade: warning: 2 of 4 texts (the first: id 1) were longer than 64 tokens and were truncated",
			"splade: warning: 1 of 4 texts (the first: id 3) had invalid UTF-8, replaced by U+FFFD",
		}
		got := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || !strings.HasPrefix(got[1], want[1]) {
			t.Errorf("%s: stderr\n%s\nwant two lines starting\n%s", cmd, errs, strings.Join(want, "\n"))
		}
		if _, errs, _ := runCLI(t, strings.NewReader(in), cmd, "--model", dir, "--quiet"); errs != "" {
			t.Errorf("%s --quiet: stderr %q", cmd, errs)
		}
	}
	// A text of exactly 62 pieces fits in 64 tokens: no warning.
	if _, errs, _ := runCLI(t, nil, "encode", "--model", dir, strings.Repeat("hello ", 62)); errs != "" {
		t.Errorf("a text of 64 tokens: stderr %q", errs)
	}
	if _, errs, _ := runCLI(t, nil, "encode", "--model", dir, strings.Repeat("hello ", 63)); !strings.Contains(errs, "1 of 1 texts") {
		t.Errorf("a text of 65 tokens: stderr %q", errs)
	}
}

// TestNewcomerErrors checks the errors a new user meets first: a mistyped
// model folder, an unreachable Hub, a wrong --backend.
func TestNewcomerErrors(t *testing.T) {
	root := reference.Root(t)
	t.Chdir(root) // relative paths as the README writes them
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	t.Setenv("HF_HUB_OFFLINE", "")
	// Nothing listens on port 1: a request would fail at once, and any
	// request at all is a failure of the path checks.
	t.Setenv("HF_ENDPOINT", "http://127.0.0.1:1")
	for _, tc := range []struct {
		model string
		want  []string
		not   []string
	}{
		{"testdata/tiny-ber", []string{"no such folder testdata/tiny-ber", "testdata holds tiny-bert, tiny-distilbert"}, []string{"127.0.0.1:1", "Hub at"}},
		{"./tiny-bert", []string{"no such folder ./tiny-bert"}, []string{"127.0.0.1:1"}},
		{".cache/model", []string{"no such folder .cache/model"}, []string{"127.0.0.1:1"}},
		{"/no/such/model", []string{"no such folder /no/such/model", "/ holds"}, []string{"127.0.0.1:1"}},
		{"test-org/tiny-bert", []string{"cannot reach the Hub at http://127.0.0.1:1", "pass a local model folder"}, []string{"HF_HUB_OFFLINE"}},
	} {
		if tc.model == "test-org/tiny-bert" && testing.Short() {
			continue // the hub retries for ~23 s; package hub checks the wording fast
		}
		_, errs, code := runCLI(t, nil, "encode", "--model", tc.model, "hello")
		if code != 1 || strings.Count(errs, "\n") != 1 {
			t.Errorf("--model %s: exit %d, stderr %q; want one error line", tc.model, code, errs)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("--model %s: stderr %q lacks %q", tc.model, errs, w)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(errs, n) {
				t.Errorf("--model %s: stderr %q has %q", tc.model, errs, n)
			}
		}
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	_, errs, _ := runCLI(t, nil, "encode", "--model", "test-org/tiny-bert", "hello")
	if !strings.Contains(errs, "offline mode is on") || !strings.Contains(errs, "pass a local model folder") {
		t.Errorf("offline: stderr %q, want the offline error saying how to pass a local folder", errs)
	}

	dir := reference.Fixture(t, "tiny-bert")
	for _, tc := range []struct{ backend, want string }{
		{"foo", "splade: --backend foo: no such backend; want one of "},
		{"xla:/no/such/plugin.so", "splade: --backend xla:/no/such/plugin.so: "},
		{"go:bogus", `splade: --backend go:bogus: unknown option "bogus" of the go backend`},
	} {
		_, errs, code := runCLI(t, nil, "encode", "--model", dir, "--backend", tc.backend, "hello")
		if code != 1 || !strings.HasPrefix(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("--backend %s: exit %d, stderr %q; want one line starting %q", tc.backend, code, errs, tc.want)
		}
		for _, n := range []string{"import", "model:", "GOMLX_BACKEND=", "hlo"} {
			if strings.Contains(errs, n) {
				t.Errorf("--backend %s: stderr %q speaks of %q, which a command-line user has no use for", tc.backend, errs, n)
			}
		}
	}
}

// TestInterruptKeepsBatches is the Ctrl-C case: small-bert-30522
// on the Cranfield abstracts, interrupted once the first batch is out
// (before, the first line came after 512 texts, and Ctrl-C at 3 s left
// none). Every line written before the signal is complete and in order.
func TestInterruptKeepsBatches(t *testing.T) {
	modelDir := reference.Shared(t, "fixtures/small-bert-30522")
	docs := cranfieldAbstracts(t)
	bin := buildSplade(t)
	input := filepath.Join(t.TempDir(), "cran.txt")
	if err := os.WriteFile(input, []byte(strings.Join(docs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(input)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(bin, "encode", "--model", modelDir)
	cmd.Stdin = f
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	r := bufio.NewReaderSize(stdout, 1<<20)
	first, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no first line: %v; stderr: %s", err, stderr.String())
	}
	firstAfter := time.Since(start)
	cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(r)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit %d after SIGINT, want 130; stderr %q", code, stderr.String())
	}
	lines := splitLines(first + string(rest))
	if len(first)+len(rest) != len(strings.Join(lines, "")) {
		t.Errorf("a partial line after SIGINT")
	}
	if len(lines) < 32 || len(lines) >= len(docs) {
		t.Errorf("%d lines after SIGINT once the first line was out, want at least the first batch (32) and not all %d", len(lines), len(docs))
	}
	for i, l := range lines {
		if id := idOf(t, l); id != fmt.Sprint(i) {
			t.Fatalf("line %d has id %s", i, id)
		}
	}
	t.Logf("first line after %v; %d lines kept after SIGINT", firstAfter.Round(time.Millisecond), len(lines))
}

// TestOutputIsInput: an output path that is the input (standard input's
// file, or an input file of eval) is refused before anything is written,
// and the input is left as it was.
func TestOutputIsInput(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	tmp := t.TempDir()
	docs := filepath.Join(tmp, "docs.txt")
	os.WriteFile(docs, []byte(shardTexts(6)), 0o644)
	link := filepath.Join(tmp, "link.txt")
	if err := os.Symlink(docs, link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"index", "--model", dir, "--out", docs},
		{"index", "--model", dir, "--out", link},
		{"encode", "--model", dir, "--resume", docs},
		{"encode", "--model", dir, "--resume", link},
	} {
		f, err := os.Open(docs)
		if err != nil {
			t.Fatal(err)
		}
		_, errs, code := runCLI(t, f, args...)
		f.Close()
		if code != 1 || !strings.Contains(errs, "standard input") {
			t.Errorf("splade %s < %s: exit %d, stderr %q; want exit 1 naming standard input", strings.Join(args, " "), docs, code, errs)
		}
		if got, _ := os.ReadFile(docs); string(got) != shardTexts(6) {
			t.Errorf("splade %s < %s changed its input", strings.Join(args, " "), docs)
		}
	}
	queries := filepath.Join(tmp, "queries.tsv")
	qrels := filepath.Join(tmp, "qrels.tsv")
	os.WriteFile(queries, []byte("q1\tthe weather\n"), 0o644)
	os.WriteFile(qrels, []byte("query-id\tcorpus-id\tscore\nq1\t0\t1\n"), 0o644)
	corpusFile := filepath.Join(tmp, "corpus.jsonl")
	os.WriteFile(corpusFile, []byte(`{"_id":"0","title":"","text":"the weather is lovely"}`+"\n"), 0o644)
	_, errs, code := runCLI(t, nil, "eval", "--model", dir, "--corpus", corpusFile, "--queries", queries, "--qrels", qrels, "--run", qrels)
	if code != 1 || !strings.Contains(errs, "input file") {
		t.Errorf("eval --run QRELS: exit %d, stderr %q; want exit 1 naming the input file", code, errs)
	}
}
