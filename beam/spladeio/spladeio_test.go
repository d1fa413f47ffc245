package spladeio_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/splade-go/splade/beam/spladeio"
	"github.com/splade-go/splade/internal/corpus"
	"github.com/splade-go/splade/internal/dbformat"
	"github.com/splade-go/splade/internal/testutil/reference"
)

func TestMain(m *testing.M) {
	ptest.Main(m) // beam.Init, then the tests
}

// repoRoot is the root of the main module, the parent of this module.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// line is one output line of the jsonl format.
type line struct {
	ID      json.RawMessage `json:"id"`
	Indices []uint32        `json:"indices"`
	Values  []float32       `json:"values"`
}

// readLines parses the JSON lines of the files matching glob.
func readLines[T any](t *testing.T, glob string) []T {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var v T
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%s: %v: %s", name, err, sc.Bytes())
			}
			out = append(out, v)
		}
		f.Close()
	}
	return out
}

// encodePipeline runs Read, Encode, Format, WriteSharded and WriteReports
// on prism, as splade-beam does.
func encodePipeline(t *testing.T, m spladeio.Model, glob string, f corpus.Format, prefix string, shards int) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	texts, malformed, err := spladeio.Read(context.Background(), s, glob, f)
	if err != nil {
		t.Fatal(err)
	}
	vectors, truncated := spladeio.Encode(s, m, texts)
	lines := spladeio.Format(s, m, spladeio.Output{Format: dbformat.JSONL}, vectors)
	spladeio.WriteSharded(s, prefix, shards, lines)
	spladeio.WriteReports(s, prefix+".reports.jsonl", beam.Flatten(s, malformed, truncated))
	if _, err := prism.Execute(context.Background(), p); err != nil {
		t.Fatalf("pipeline: %v", err)
	}
}

// TestEncodeMatchesReference encodes the texts of tiny-bert's
// expected.json (from the PyTorch reference), spread over two jsonl
// files with a malformed line, and checks every vector against the
// reference and against splade encode on the same input, and the report
// of the malformed line.
func TestEncodeMatchesReference(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "testdata", "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	in := t.TempDir()
	// a.jsonl: string ids, a blank line and a malformed line; b.jsonl: no
	// ids, so record numbers counted on from a.jsonl's four record lines.
	var a, b, all strings.Builder
	want := map[string]reference.Case{}
	for i, c := range exp.Cases {
		text, _ := json.Marshal(c.Text)
		if i < 3 {
			id := fmt.Sprintf(`"a-%d"`, i)
			fmt.Fprintf(&a, "{\"id\": %s, \"text\": %s}\n", id, text)
			want[id] = c
		} else {
			fmt.Fprintf(&b, "{\"text\": %s}\n", text)
			want[fmt.Sprint(i+1)] = c
		}
		if i == 1 {
			a.WriteString("\n{\"id\": \"bad\", \"text\": [1]}\n")
		}
	}
	all.WriteString(a.String())
	all.WriteString(b.String())
	for name, s := range map[string]string{"a.jsonl": a.String(), "b.jsonl": b.String(), "all.jsonl": all.String()} {
		if err := os.WriteFile(filepath.Join(in, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	m := spladeio.Model{Name: dir, BatchSize: 4}
	encodePipeline(t, m, filepath.Join(in, "[ab].jsonl"), corpus.JSONL, filepath.Join(out, "vec"), 3)

	got := readLines[line](t, filepath.Join(out, "vec-*-of-00003"))
	seen := map[string]line{}
	for _, l := range got {
		id := string(l.ID)
		if _, dup := seen[id]; dup {
			t.Errorf("id %s written twice", id)
		}
		seen[id] = l
		c, ok := want[id]
		if !ok {
			t.Errorf("unexpected id %s", id)
			continue
		}
		reference.CheckVector(t, "id "+id, l.Indices, l.Values, c)
	}
	if len(seen) != len(want) {
		t.Errorf("%d ids written, want %d", len(seen), len(want))
	}

	// The malformed line, and the reference's long text (truncated).
	var malformed []map[string]any
	for _, r := range readLines[map[string]any](t, filepath.Join(out, "vec.reports.jsonl")) {
		if r["problem"] == spladeio.Malformed {
			malformed = append(malformed, r)
		}
	}
	if len(malformed) != 1 || malformed[0]["line"] != 4.0 || malformed[0]["file"] != filepath.Join(in, "a.jsonl") {
		t.Errorf("malformed reports %v, want line 4 of a.jsonl", malformed)
	}

	// splade encode on the files one after the other stops at the
	// malformed line: give it the file without that line.
	clean := strings.Replace(all.String(), "{\"id\": \"bad\", \"text\": [1]}\n", "{\"id\": \"bad\", \"text\": \"\"}\n", 1)
	cli := spladeEncode(t, root, dir, clean, "--input", "jsonl", "--batch-size", "4")
	for _, c := range cli {
		id := string(c.ID)
		if id == `"bad"` {
			continue
		}
		g, ok := seen[id]
		if !ok {
			t.Errorf("splade encode wrote id %s, the pipeline did not", id)
			continue
		}
		if problems := sameVector(g, c); problems != "" {
			t.Errorf("id %s: pipeline and splade encode differ: %s", id, problems)
		}
	}
}

// sameVector compares two lines: the same indices, values within 1e-5.
func sameVector(a, b line) string {
	if len(a.Indices) != len(b.Indices) || len(a.Values) != len(b.Values) {
		return fmt.Sprintf("%d and %d values", len(a.Values), len(b.Values))
	}
	for i := range a.Indices {
		if a.Indices[i] != b.Indices[i] {
			return fmt.Sprintf("index %d: %d and %d", i, a.Indices[i], b.Indices[i])
		}
		if d := a.Values[i] - b.Values[i]; d > 1e-5 || d < -1e-5 {
			return fmt.Sprintf("value of %d: %g and %g", a.Indices[i], a.Values[i], b.Values[i])
		}
	}
	return ""
}

// spladeEncode builds the splade command of the main module and runs
// "splade encode --model dir ARGS" on input.
func spladeEncode(t *testing.T, root, dir, input string, args ...string) []line {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "splade")
	build := exec.Command("go", "build", "-o", bin, "./cmd/splade")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building splade: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"encode", "--model", dir, "--quiet"}, args...)...)
	cmd.Stdin = strings.NewReader(input)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("splade encode: %v\n%s", err, stderr.String())
	}
	var lines []line
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var v line
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, v)
	}
	return lines
}

// TestReadTextNumbersAcrossFiles reads two text files: ids are the record
// numbers of their lines in name order, blank lines included, and texts
// longer than the maximum length are reported with file and line.
func TestReadTextNumbersAcrossFiles(t *testing.T) {
	root := repoRoot(t)
	dir := filepath.Join(root, "testdata", "tiny-bert")
	in := t.TempDir()
	long := strings.Repeat("the weather ", 100)
	os.WriteFile(filepath.Join(in, "1.txt"), []byte("first\n\nthird\n"), 0o644)
	os.WriteFile(filepath.Join(in, "2.txt"), []byte("fourth\n"+long+"\n"), 0o644)
	out := t.TempDir()
	encodePipeline(t, spladeio.Model{Name: dir}, filepath.Join(in, "*.txt"), corpus.Text, filepath.Join(out, "v"), 1)
	got := readLines[line](t, filepath.Join(out, "v-00000-of-00001"))
	ids := map[string]bool{}
	for _, l := range got {
		ids[string(l.ID)] = true
	}
	for _, id := range []string{"0", "1", "2", "3", "4"} {
		if !ids[id] {
			t.Errorf("no id %s in %v", id, ids)
		}
	}
	if len(got) != 5 {
		t.Errorf("%d lines, want 5", len(got))
	}
	reports := readLines[map[string]any](t, filepath.Join(out, "v.reports.jsonl"))
	if len(reports) != 1 || reports[0]["problem"] != spladeio.Truncated || reports[0]["line"] != 2.0 || reports[0]["id"] != 4.0 || reports[0]["file"] != filepath.Join(in, "2.txt") {
		t.Errorf("reports %v, want the truncated line 2 of 2.txt", reports)
	}
}

func TestShardName(t *testing.T) {
	if got := spladeio.ShardName("out/vec", 3, 12); got != "out/vec-00003-of-00012" {
		t.Errorf("ShardName = %q", got)
	}
}
