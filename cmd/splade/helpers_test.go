package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers (the HTTP
// server logs from its own goroutines).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runCLI runs splade in-process with stdin as standard input.
func runCLI(t *testing.T, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out, errb syncBuffer
	code = run(context.Background(), args, stdin, &out, &errb)
	return out.String(), errb.String(), code
}

// mustRun runs splade and fails the test unless it exits 0.
func mustRun(t *testing.T, stdin io.Reader, args ...string) string {
	t.Helper()
	out, errs, code := runCLI(t, stdin, args...)
	if code != 0 {
		t.Fatalf("splade %s: exit %d\nstderr: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// jsonlTexts returns texts as --input jsonl lines with ids 0, 1, ...
func jsonlTexts(texts []string) string {
	var b strings.Builder
	for _, t := range texts {
		line, _ := json.Marshal(map[string]string{"text": t})
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// lines splits output into its JSON lines, failing on anything else.
func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var recs []T
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r T
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("output line %d is not JSON: %v: %q", len(recs)+1, err, sc.Text())
		}
		recs = append(recs, r)
	}
	return recs
}

type vectorLine struct {
	ID      json.RawMessage `json:"id"`
	Indices []uint32        `json:"indices"`
	Values  []float32       `json:"values"`
}

func checkVector(t *testing.T, what string, gotIdx []uint32, gotVal []float32, c reference.Case) {
	t.Helper()
	reference.CheckVector(t, what, gotIdx, gotVal, c)
}

// tokenizerOnly copies the tokenizer files of a model folder into a new
// folder, without config.json and weights.
func tokenizerOnly(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	for _, name := range tokenizer.FileNames() {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// cranfieldAbstracts returns the .W sections of the Cranfield collection,
// each joined onto one line: the 1400 abstracts.
func cranfieldAbstracts(t *testing.T) []string {
	t.Helper()
	return cranfieldTexts(t, "data/cranfield/cran.all.1400")
}

// cranfieldQueries returns the 225 Cranfield queries, each on one line.
func cranfieldQueries(t testing.TB) []string {
	t.Helper()
	return cranfieldTexts(t, "data/cranfield/cran.qry")
}

// cranfieldTexts returns the .W sections of a Cranfield file under
// ../shared, each joined onto one line.
func cranfieldTexts(t testing.TB, rel string) []string {
	t.Helper()
	data, err := os.ReadFile(reference.Shared(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	var cur []string
	inW := false
	flush := func() {
		if inW {
			docs = append(docs, strings.Join(strings.Fields(strings.Join(cur, " ")), " "))
		}
		cur, inW = nil, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, ".I "):
			flush()
		case line == ".W":
			inW = true
		case len(line) == 2 && line[0] == '.' && strings.ContainsRune("TABW", rune(line[1])):
			if inW {
				flush()
			}
		case inW:
			cur = append(cur, line)
		}
	}
	flush()
	return docs
}
