package reference

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// IDFQuery is an inference-free query with its expected vector, computed
// without the tokenizer under test.
type IDFQuery struct {
	Text string
	Want map[uint32]float32 // token id -> weight
}

// IDFQueries reads the first n TREC DL19 queries with their reference
// WordPiece pieces (../shared/conformance/tokenizer) and computes their
// expected vectors straight from vocab.txt and the idf table at idfPath:
// each distinct piece weighted by its idf, pieces weighted 0 left out.
func IDFQueries(t testing.TB, idfPath string, n int) []IDFQuery {
	t.Helper()
	tokDir := Shared(t, "conformance/tokenizer")
	vocab := map[string]uint32{}
	data, err := os.ReadFile(filepath.Join(tokDir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		vocab[line] = uint32(i)
	}
	idf := IDF(t, idfPath)
	texts := map[string]string{}
	data, err = os.ReadFile(filepath.Join(tokDir, "topics.dl19-passage.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if id, text, ok := strings.Cut(line, "\t"); ok {
			texts[id] = text
		}
	}
	f, err := os.Open(filepath.Join(tokDir, "topics.dl19-passage.wp.tsv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var qs []IDFQuery
	sc := bufio.NewScanner(zr)
	for sc.Scan() && len(qs) < n {
		id, pieces, _ := strings.Cut(sc.Text(), "\t")
		q := IDFQuery{Text: texts[id], Want: map[uint32]float32{}}
		for _, p := range strings.Fields(pieces) {
			if w := idf[p]; w != 0 {
				q.Want[vocab[p]] = float32(w)
			}
		}
		qs = append(qs, q)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return qs
}

// IDF parses an idf.json table, {"token": weight}.
func IDF(t testing.TB, path string) map[string]float64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var idf map[string]float64
	if err := json.Unmarshal(data, &idf); err != nil {
		t.Fatalf("reference: %s: %v", path, err)
	}
	return idf
}

// CheckIDF checks vectors against the expected vectors of qs: the same
// tokens with exactly the same weights.
func CheckIDF(t testing.TB, qs []IDFQuery, indices [][]uint32, values [][]float32, token func(int) string) {
	t.Helper()
	if len(indices) != len(qs) || len(values) != len(qs) {
		t.Fatalf("%d vectors, want %d", len(indices), len(qs))
	}
	for i, q := range qs {
		if len(indices[i]) != len(q.Want) {
			t.Errorf("%q: %d tokens, want %d", q.Text, len(indices[i]), len(q.Want))
		}
		for j, idx := range indices[i] {
			if w, ok := q.Want[idx]; !ok || w != values[i][j] {
				t.Errorf("%q: token %d (%s) = %g, want %g", q.Text, idx, token(int(idx)), values[i][j], w)
			}
		}
	}
}
