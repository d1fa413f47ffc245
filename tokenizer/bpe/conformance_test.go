package bpe_test

import (
	"bufio"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer/bpe"
)

// readTSV reads the tab-separated fields of each line of a gzipped file.
func readTSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	sc := bufio.NewScanner(gz)
	sc.Buffer(nil, 1<<24)
	var rows [][]string
	for sc.Scan() {
		rows = append(rows, strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}

// bpeCase is one query and the reference's encoding of it.
type bpeCase struct {
	text   string
	ids    []int32
	pieces []string
}

// loadConformance reads every *.bpe.tsv.gz of conformance/tokenizer-bpe
// with the texts of its topics file in conformance/tokenizer.
func loadConformance(t testing.TB) map[string][]bpeCase {
	t.Helper()
	dir := reference.Shared(t, "conformance/tokenizer-bpe")
	topicsDir := reference.Shared(t, "conformance/tokenizer")
	files, err := filepath.Glob(filepath.Join(dir, "*.bpe.tsv.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.bpe.tsv.gz in %s", dir)
	}
	sets := map[string][]bpeCase{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".bpe.tsv.gz")
		text := map[string]string{}
		for _, row := range readTSV(t, filepath.Join(topicsDir, name+".tsv.gz")) {
			if len(row) != 2 {
				t.Fatalf("%s topics: line %q is not id TAB text", name, row)
			}
			text[row[0]] = row[1]
		}
		for i, row := range readTSV(t, file) {
			if len(row) != 3 {
				t.Fatalf("%s line %d: %d fields, want id, ids, pieces", file, i+1, len(row))
			}
			txt, ok := text[row[0]]
			if !ok {
				t.Fatalf("%s: id %q is not in the topics", file, row[0])
			}
			c := bpeCase{text: txt, pieces: strings.Split(row[2], " ")}
			for _, f := range strings.Fields(row[1]) {
				id, err := strconv.ParseInt(f, 10, 32)
				if err != nil {
					t.Fatalf("%s line %d: %v", file, i+1, err)
				}
				c.ids = append(c.ids, int32(id))
			}
			sets[name] = append(sets[name], c)
		}
		if len(sets[name]) != len(text) {
			t.Fatalf("%s: %d encodings for %d topics", name, len(sets[name]), len(text))
		}
	}
	return sets
}

// vocabMergesOnly copies vocab.json, merges.txt and tokenizer_config.json
// of dir to a folder of their own.
func vocabMergesOnly(t testing.TB, dir string) string {
	t.Helper()
	out := t.TempDir()
	for _, name := range []string{"vocab.json", "merges.txt", "tokenizer_config.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestConformance(t *testing.T) {
	sets := loadConformance(t)
	dir := reference.Shared(t, "conformance/tokenizer-bpe")
	for _, load := range []struct{ name, dir string }{
		{"tokenizer.json", dir},
		{"vocab.json+merges.txt", vocabMergesOnly(t, dir)},
	} {
		t.Run(load.name, func(t *testing.T) {
			tok, err := bpe.LoadDir(load.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.MaxLength(); got != 512 {
				t.Errorf("MaxLength() = %d, want 512", got)
			}
			total, pieces := 0, 0
			for name, cases := range sets {
				bad := 0
				for i, c := range cases {
					ids := tok.EncodeIDs(c.text, 1<<20)
					got := make([]string, len(ids))
					for j, id := range ids {
						got[j] = tok.Token(int(id))
					}
					pieces += len(ids)
					if !slices.Equal(ids, c.ids) || !slices.Equal(got, c.pieces) {
						bad++
						if bad <= 3 {
							t.Errorf("%s #%d %q:\n got %v %q\nwant %v %q", name, i, c.text, ids, got, c.ids, c.pieces)
						}
					}
				}
				total += len(cases)
				if bad > 0 {
					t.Errorf("%s: %d of %d texts differ", name, bad, len(cases))
				}
			}
			if total != 2727 {
				t.Errorf("%d texts compared, want the 2,727 BEIR queries", total)
			}
			t.Logf("%d texts, %d ids compared", total, pieces)
		})
	}
}
