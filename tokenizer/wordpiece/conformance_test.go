package wordpiece_test

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer/wordpiece"
)

// readTSV reads id TAB text lines from a .tsv, .txt or gzipped file.
func readTSV(t testing.TB, path string) (ids, texts []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r = gz
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		id, text, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("%s: line %d has no tab", path, len(ids)+1)
		}
		ids = append(ids, id)
		texts = append(texts, text)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ids, texts
}

// conformanceSet is one topics file and the HuggingFace pieces of its texts.
type conformanceSet struct {
	name   string
	texts  []string
	pieces [][]string
}

// loadConformance reads every *.wp.tsv.gz of dir with its topics file.
func loadConformance(t testing.TB, dir string) []conformanceSet {
	t.Helper()
	wps, err := filepath.Glob(filepath.Join(dir, "*.wp.tsv.gz"))
	if err != nil || len(wps) == 0 {
		t.Fatalf("no *.wp.tsv.gz in %s", dir)
	}
	var sets []conformanceSet
	for _, wp := range wps {
		name := strings.TrimSuffix(filepath.Base(wp), ".wp.tsv.gz")
		var topics string
		for _, ext := range []string{".tsv.gz", ".tsv", ".txt"} {
			if _, err := os.Stat(filepath.Join(dir, name+ext)); err == nil {
				topics = filepath.Join(dir, name+ext)
				break
			}
		}
		if topics == "" {
			t.Fatalf("%s: no topics file %s.{tsv.gz,tsv,txt}", wp, name)
		}
		ids, texts := readTSV(t, topics)
		text := make(map[string]string, len(ids))
		for i, id := range ids {
			text[id] = texts[i]
		}
		// The two files need not list the ids in the same order.
		wantIDs, wantPieces := readTSV(t, wp)
		if len(wantIDs) != len(ids) {
			t.Fatalf("%s has %d texts, %s %d", topics, len(ids), wp, len(wantIDs))
		}
		set := conformanceSet{name: name}
		for i, id := range wantIDs {
			txt, ok := text[id]
			if !ok {
				t.Fatalf("%s: id %q is not in %s", wp, id, topics)
			}
			set.texts = append(set.texts, txt)
			set.pieces = append(set.pieces, strings.Fields(wantPieces[i]))
		}
		sets = append(sets, set)
	}
	return sets
}

func TestConformance(t *testing.T) {
	dir := reference.Shared(t, "conformance/tokenizer")
	sets := loadConformance(t, dir)

	// The same tokenizer from vocab.txt and tokenizer_config.json alone.
	vocabOnly := t.TempDir()
	for _, name := range []string{"vocab.txt", "tokenizer_config.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(vocabOnly, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	for _, load := range []struct{ name, dir string }{
		{"tokenizer.json", dir},
		{"vocab.txt", vocabOnly},
	} {
		t.Run(load.name, func(t *testing.T) {
			tok, err := wordpiece.LoadDir(load.dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.MaxLength(); got != 512 {
				t.Errorf("MaxLength() = %d, want 512", got)
			}
			total, pieces := 0, 0
			for _, set := range sets {
				bad := 0
				for i, text := range set.texts {
					got := tok.Pieces(text)
					pieces += len(got)
					if !slices.Equal(got, set.pieces[i]) {
						bad++
						if bad <= 3 {
							t.Errorf("%s #%d %q:\n got %q\nwant %q", set.name, i, text, got, set.pieces[i])
						}
					}
				}
				total += len(set.texts)
				if bad > 0 {
					t.Errorf("%s: %d of %d texts differ", set.name, bad, len(set.texts))
				}
				t.Logf("%s: %d texts", set.name, len(set.texts))
			}
			t.Logf("%d texts, %d pieces compared", total, pieces)
		})
	}
}
