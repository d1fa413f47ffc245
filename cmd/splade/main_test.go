package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/internal/dbformat"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/stfixture"
	"github.com/splade-go/splade/tokenizer/wordpiece"
)

func TestEncodeArgument(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	out := mustRun(t, nil, "encode", "--model", dir, "The weather is lovely today.")
	recs := jsonLines[vectorLine](t, out)
	if len(recs) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(recs), out)
	}
	if string(recs[0].ID) != "0" {
		t.Errorf("id = %s, want 0", recs[0].ID)
	}
	checkVector(t, "encode", recs[0].Indices, recs[0].Values, exp.Cases[0])
}

func TestEncodeJSONL(t *testing.T) {
	for _, name := range []string{"tiny-bert", "tiny-distilbert", "tiny-xlmr-16002", "tiny-bgem3-16002"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
			// Every case with an id of a different JSON type, the last
			// without id (it becomes its record number); blank lines are
			// skipped.
			var in strings.Builder
			var ids []string
			for i, c := range exp.Cases {
				text, _ := json.Marshal(c.Text)
				id := []string{`"doc-%d"`, `%d`, `{"n": %d, "tags": ["a"]}`, `[%d]`}[i%4]
				id = fmt.Sprintf(id, i)
				if i == len(exp.Cases)-1 {
					fmt.Fprintf(&in, "{\"text\": %s, \"extra\": true}\n", text)
					id = strconv.Itoa(i)
				} else {
					fmt.Fprintf(&in, "{\"id\": %s, \"text\": %s}\n\n", id, text)
				}
				var compact json.RawMessage
				json.Unmarshal([]byte(id), &compact)
				b, _ := json.Marshal(compact)
				ids = append(ids, string(b))
			}
			out := mustRun(t, strings.NewReader(in.String()), "encode", "--model", dir, "--input", "jsonl", "--batch-size", "3")
			recs := jsonLines[vectorLine](t, out)
			if len(recs) != len(exp.Cases) {
				t.Fatalf("got %d lines, want %d", len(recs), len(exp.Cases))
			}
			for i, r := range recs {
				if string(r.ID) != ids[i] {
					t.Errorf("line %d: id %s, want %s", i, r.ID, ids[i])
				}
				checkVector(t, fmt.Sprintf("case %d %q", i, exp.Cases[i].Text), r.Indices, r.Values, exp.Cases[i])
			}
		})
	}
}

func TestEncodeTextLinesAndSumPooling(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.sum.json"))
	var in strings.Builder
	var cases []reference.Case
	for _, c := range exp.Cases {
		if !strings.ContainsAny(c.Text, "\r\n") {
			in.WriteString(c.Text + "\r\n") // CRLF is one line end
			cases = append(cases, c)
		}
	}
	out := mustRun(t, strings.NewReader(in.String()), "encode", "--model", dir, "--pooling", "sum")
	recs := jsonLines[vectorLine](t, out)
	if len(recs) != len(cases) {
		t.Fatalf("got %d lines, want %d", len(recs), len(cases))
	}
	for i, r := range recs {
		if string(r.ID) != strconv.Itoa(i) {
			t.Errorf("line %d: id %s", i, r.ID)
		}
		checkVector(t, fmt.Sprintf("case %q", cases[i].Text), r.Indices, r.Values, cases[i])
	}
}

func TestLog1pRelu(t *testing.T) {
	dir := reference.Fixture(t, "tiny-distilbert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.log1p_relu.json"))
	out := mustRun(t, nil, "encode", "--model", dir, "--activation", "log1p_relu", exp.Cases[0].Text)
	r := jsonLines[vectorLine](t, out)[0]
	checkVector(t, "log1p_relu", r.Indices, r.Values, exp.Cases[0])
}

func TestInvalidUTF8(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	// "\xe2\x82" is a truncated 3-byte sequence: one maximal invalid
	// subsequence, so one U+FFFD (Python's errors="replace"), and "\xff"
	// another.
	bad := mustRun(t, strings.NewReader("caf\xe2\x82 to\xffday\n"), "encode", "--model", dir)
	good := mustRun(t, nil, "encode", "--model", dir, "caf\uFFFD to\uFFFDday")
	if bad != good {
		t.Errorf("invalid UTF-8 encodes as\n%s\nwant (U+FFFD)\n%s", bad, good)
	}
}

func TestTokenizeTokenizerOnlyFolder(t *testing.T) {
	for _, name := range []string{"tiny-bert", "small-bert-30522", "tiny-roberta-50262"} {
		t.Run(name, func(t *testing.T) {
			src := reference.Fixture(t, name)
			exp := reference.LoadExpected(t, filepath.Join(src, "expected.json"))
			dir := tokenizerOnly(t, src)
			out := mustRun(t, strings.NewReader(jsonlTexts(exp.Texts())), "tokenize", "--model", dir, "--input", "jsonl")
			type line struct {
				ID     int      `json:"id"`
				IDs    []int32  `json:"ids"`
				Tokens []string `json:"tokens"`
			}
			recs := jsonLines[line](t, out)
			if len(recs) != len(exp.Cases) {
				t.Fatalf("got %d lines, want %d", len(recs), len(exp.Cases))
			}
			for i, r := range recs {
				c := exp.Cases[i]
				if r.ID != i || !slices.Equal(r.IDs, c.InputIDs) || !slices.Equal(r.Tokens, c.Tokens) {
					t.Errorf("case %d %q:\n got %d %v %q\nwant %v %q", i, c.Text, r.ID, r.IDs, r.Tokens, c.InputIDs, c.Tokens)
				}
			}
			// --max-length truncates, keeping [SEP] (</s>).
			r := jsonLines[line](t, mustRun(t, nil, "tokenize", "--model", dir, "--max-length", "4", exp.Cases[0].Text))[0]
			want := exp.Cases[0].Tokens
			if len(r.IDs) != 4 || !slices.Equal(r.Tokens[:3], want[:3]) || r.Tokens[3] != want[len(want)-1] {
				t.Errorf("--max-length 4: %v", r.Tokens)
			}
		})
	}
}

// TestTokenizeSparseEncoderFolder: on a sentence-transformers folder,
// tokenize truncates as the encoder does, to the module's max_seq_length,
// and the ids are the ones the encoder reads.
func TestTokenizeSparseEncoderFolder(t *testing.T) {
	src := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(src, "expected.json"))
	dir := stfixture.WriteDir(t, stfixture.SparseEncoder(t, src, "max", "relu", 8))
	var r struct {
		IDs    []int32  `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	c := exp.Cases[7] // a long text
	if err := json.Unmarshal([]byte(mustRun(t, nil, "tokenize", "--model", dir, c.Text)), &r); err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(c.InputIDs[:7]), c.InputIDs[len(c.InputIDs)-1])
	if !slices.Equal(r.IDs, want) || r.Tokens[7] != "[SEP]" {
		t.Errorf("tokenize = %v %q, want %v", r.IDs, r.Tokens, want)
	}
}

// TestFormats encodes the expected texts in every format and parses each
// back to the vectors of the jsonl format.
func TestFormats(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	in := jsonlTexts(exp.Texts())
	base := jsonLines[vectorLine](t, mustRun(t, strings.NewReader(in), "encode", "--model", dir, "--input", "jsonl"))
	tok, err := wordpiece.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	dim := tok.VocabSize()
	for i, r := range base {
		checkVector(t, fmt.Sprintf("case %d", i), r.Indices, r.Values, exp.Cases[i])
	}
	type pair struct {
		Indices []uint32  `json:"indices"`
		Values  []float32 `json:"values"`
	}
	same := func(f string, i int, idx []uint32, val []float32) {
		t.Helper()
		if !slices.Equal(idx, base[i].Indices) || !slices.Equal(val, base[i].Values) {
			t.Errorf("%s line %d: %v %v, want %v %v", f, i, idx, val, base[i].Indices, base[i].Values)
		}
	}
	fromMap := func(m map[string]float32, offset uint32) ([]uint32, []float32) {
		var idx []uint32
		for k := range m {
			n, err := strconv.ParseUint(k, 10, 32)
			if err != nil {
				t.Fatalf("index %q: %v", k, err)
			}
			idx = append(idx, uint32(n)-offset)
		}
		slices.Sort(idx)
		val := make([]float32, len(idx))
		for j, n := range idx {
			val[j] = m[strconv.FormatUint(uint64(n+offset), 10)]
		}
		return idx, val
	}
	run := func(args ...string) string {
		return mustRun(t, strings.NewReader(in), append([]string{"encode", "--model", dir, "--input", "jsonl"}, args...)...)
	}

	for i, r := range jsonLines[struct {
		ID     int
		Vector map[string]pair
	}](t, run("--format", "qdrant", "--vector-name", "splade")) {
		if r.ID != i {
			t.Errorf("qdrant line %d: id %d", i, r.ID)
		}
		same("qdrant", i, r.Vector["splade"].Indices, r.Vector["splade"].Values)
	}
	for i, r := range jsonLines[map[string]json.RawMessage](t, run("--format", "milvus")) {
		var m map[string]float32
		if err := json.Unmarshal(r[dbformat.DefaultMilvusField], &m); err != nil {
			t.Fatalf("milvus line %d: %v", i, err)
		}
		idx, val := fromMap(m, 0)
		same("milvus", i, idx, val)
	}
	for i, r := range jsonLines[struct {
		SparseValues pair `json:"sparse_values"`
	}](t, run("--format", "pinecone")) {
		same("pinecone", i, r.SparseValues.Indices, r.SparseValues.Values)
	}
	pg := strings.Split(strings.TrimSuffix(run("--format", "pgvector"), "\n"), "\n")
	if len(pg) != len(base) {
		t.Fatalf("pgvector: %d lines, want %d", len(pg), len(base))
	}
	for i, line := range pg {
		body, ok := strings.CutSuffix(line, "}/"+strconv.Itoa(dim))
		body, ok2 := strings.CutPrefix(body, "{")
		if !ok || !ok2 {
			t.Fatalf("pgvector line %d: %q is not {i:v,...}/%d", i, line, dim)
		}
		m := map[string]float32{}
		if body != "" {
			for _, kv := range strings.Split(body, ",") {
				k, v, _ := strings.Cut(kv, ":")
				x, err := strconv.ParseFloat(v, 32)
				if err != nil {
					t.Fatalf("pgvector line %d: %v", i, err)
				}
				m[k] = float32(x)
			}
		}
		idx, val := fromMap(m, 1) // pgvector indices are 1-based
		same("pgvector", i, idx, val)
	}
	for i, r := range jsonLines[struct {
		ID     int
		Tokens map[string]float32
	}](t, run("--format", "tokens")) {
		want := map[string]float32{}
		for j, id := range base[i].Indices {
			name := strings.ReplaceAll(tok.Token(int(id)), ".", "_")
			if w, ok := want[name]; (!ok || base[i].Values[j] > w) && base[i].Values[j] > 0 {
				want[name] = base[i].Values[j]
			}
		}
		if !maps.Equal(r.Tokens, want) {
			t.Errorf("tokens line %d: %v, want %v", i, r.Tokens, want)
		}
	}
}

func TestPineconeWarning(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	// tiny-bert vectors are far below 1000 non-zeros: no warning.
	_, errs, code := runCLI(t, nil, "encode", "--model", dir, "--format", "pinecone", "hello")
	if code != 0 || strings.Contains(errs, "warning") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestSmallBertSimilarityStatsDecode(t *testing.T) {
	dir := reference.Fixture(t, "small-bert-30522")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	in := jsonlTexts(exp.Texts())

	var sim struct {
		Fn     string      `json:"fn"`
		Scores [][]float64 `json:"scores"`
	}
	out := mustRun(t, strings.NewReader(in), "similarity", "--model", dir, "--input", "jsonl", "--json")
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatalf("similarity --json: %v: %s", err, out)
	}
	if sim.Fn != "dot" || len(sim.Scores) != len(exp.SimilarityDot) {
		t.Fatalf("similarity: fn %q, %d rows, want dot and %d", sim.Fn, len(sim.Scores), len(exp.SimilarityDot))
	}
	for i := range sim.Scores {
		for j := range sim.Scores[i] {
			if !reference.Near(sim.Scores[i][j], exp.SimilarityDot[i][j]) {
				t.Errorf("similarity[%d][%d] = %v, want %v", i, j, sim.Scores[i][j], exp.SimilarityDot[i][j])
			}
		}
	}

	var st struct {
		Count, Dim    int
		MinActive     int     `json:"min_active"`
		MaxActive     int     `json:"max_active"`
		ActiveDims    float64 `json:"active_dims"`
		SparsityRatio float64 `json:"sparsity_ratio"`
		MedianActive  float64 `json:"median_active"`
	}
	out = mustRun(t, strings.NewReader(in), "stats", "--model", dir, "--input", "jsonl")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("stats: %v: %s", err, out)
	}
	if st.Count != len(exp.Cases) || st.Dim != exp.VocabSize ||
		!reference.Near(st.ActiveDims, exp.Sparsity.ActiveDims) || !reference.Near(st.SparsityRatio, exp.Sparsity.SparsityRatio) {
		t.Errorf("stats = %+v, want count %d dim %d sparsity %+v", st, len(exp.Cases), exp.VocabSize, exp.Sparsity)
	}
	var counts []int
	for _, c := range exp.Cases {
		counts = append(counts, len(c.Indices))
	}
	slices.Sort(counts)
	if st.MinActive != counts[0] || st.MaxActive != counts[len(counts)-1] || st.MedianActive != float64(counts[len(counts)/2]) {
		t.Errorf("stats min/median/max = %d/%v/%d, want %d/%d/%d", st.MinActive, st.MedianActive, st.MaxActive, counts[0], counts[len(counts)/2], counts[len(counts)-1])
	}
	if fields := strings.Count(out, ":"); fields != 7 {
		t.Errorf("stats has %d fields, want 7: %s", fields, out)
	}

	type term struct {
		Token  string  `json:"token"`
		ID     uint32  `json:"id"`
		Weight float64 `json:"weight"`
	}
	type line struct {
		ID     int    `json:"id"`
		Tokens []term `json:"tokens"`
	}
	recs := jsonLines[line](t, mustRun(t, strings.NewReader(in), "decode", "--model", dir, "--input", "jsonl", "--json"))
	tok, err := wordpiece.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		want := exp.Cases[i].Top10
		if r.ID != i || len(r.Tokens) != len(want) {
			t.Errorf("decode %d: id %d, %d tokens, want %d", i, r.ID, len(r.Tokens), len(want))
			continue
		}
		for j, tm := range r.Tokens {
			if tm.ID != uint32(want[j][0]) || !reference.Near(tm.Weight, want[j][1]) || tm.Token != tok.Token(int(tm.ID)) {
				t.Errorf("decode %d term %d = %+v, want id %v weight %v", i, j, tm, want[j][0], want[j][1])
			}
		}
	}
}

func TestSimilarityTableAndFiles(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	out := mustRun(t, nil, "similarity", "--model", dir, "--fn", "cosine", "a cat", "a dog")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "cosine") || !strings.Contains(lines[1], "1.0000") {
		t.Errorf("table:\n%s", out)
	}
	tmp := t.TempDir()
	q := filepath.Join(tmp, "q.jsonl")
	d := filepath.Join(tmp, "d.jsonl")
	os.WriteFile(q, []byte(`{"id":"q1","text":"the weather"}`+"\n"), 0o644)
	os.WriteFile(d, []byte(`{"id":"d1","text":"lovely today"}`+"\n"+`{"id":"d2","text":"the weather"}`+"\n"), 0o644)
	var sim struct{ Scores [][]float64 }
	out = mustRun(t, nil, "similarity", "--model", dir, "--input", "jsonl", "--queries", q, "--documents", d, "--json")
	if err := json.Unmarshal([]byte(out), &sim); err != nil || len(sim.Scores) != 1 || len(sim.Scores[0]) != 2 {
		t.Fatalf("similarity --queries/--documents: %v %s", err, out)
	}
	self := jsonLines[vectorLine](t, mustRun(t, nil, "encode", "--model", dir, "the weather"))[0]
	var dot float64
	for _, v := range self.Values {
		dot += float64(v) * float64(v)
	}
	if !reference.Near(sim.Scores[0][1], dot) {
		t.Errorf("query against itself = %v, want %v", sim.Scores[0][1], dot)
	}
	out = mustRun(t, nil, "similarity", "--model", dir, "--input", "jsonl", "--queries", q, "--documents", d)
	if !strings.Contains(out, "q1") || !strings.Contains(out, "d2") {
		t.Errorf("table without ids:\n%s", out)
	}
}

func TestDecodeText(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	out := mustRun(t, nil, "decode", "--model", dir, "--top-k", "3", exp.Cases[0].Text)
	tok, _ := wordpiece.LoadDir(dir)
	want := "0:"
	for _, e := range exp.Cases[0].Top10[:3] {
		want += fmt.Sprintf(" %s=%.3f", tok.Token(int(e[0])), e[1])
	}
	if strings.TrimSpace(out) != want {
		t.Errorf("decode = %q, want %q", out, want)
	}
}

func TestHelp(t *testing.T) {
	out, _, code := runCLI(t, nil, "--help")
	if code != 0 || !strings.Contains(out, "encode") || !strings.Contains(out, "example:") {
		t.Errorf("splade --help: exit %d\n%s", code, out)
	}
	for _, c := range commands() {
		out, _, code := runCLI(t, nil, c.name, "--help")
		if code != 0 || !strings.Contains(out, "-model") || !strings.Contains(out, "example:") || !strings.Contains(out, "splade "+c.name) {
			t.Errorf("splade %s --help: exit %d\n%s", c.name, code, out)
		}
	}
	// tokenize lists only the flags it uses, and every tokenizer kind.
	out, _, _ = runCLI(t, nil, "tokenize", "--help")
	for _, flag := range []string{"--backend", "--pooling", "--activation", "--max-active-dims", "--prune", "--chunk", "--precision"} {
		if strings.Contains(out, flag) {
			t.Errorf("tokenize --help lists %s, which tokenize does not use", flag)
		}
	}
	for _, s := range []string{"WordPiece", "byte-level BPE", "Unigram", "--max-length", "--query"} {
		if !strings.Contains(out, s) {
			t.Errorf("tokenize --help lacks %s", s)
		}
	}
	// serve lists every endpoint the API serves.
	out, _, _ = runCLI(t, nil, "serve", "--help")
	for _, e := range httpapi.Endpoints() {
		if !regexp.MustCompile(`(?m)^  ` + e.Method + ` +` + regexp.QuoteMeta(e.Path) + ` `).MatchString(out) {
			t.Errorf("serve --help does not list %s %s", e.Method, e.Path)
		}
	}
	if strings.Contains(out, "--query") || strings.Contains(out, "--document") {
		t.Errorf("serve --help lists --query or --document, which serve does not use")
	}
	out, _, _ = runCLI(t, nil, "encode", "--help")
	for _, flag := range []string{"-input", "-max-length", "-pooling", "-activation", "-batch-size", "-max-active-dims", "-query", "-document", "-format", "-vector-name", "-progress", "-quiet", "-backend", "-revision", `(default "jsonl")`} {
		if !strings.Contains(out, flag) {
			t.Errorf("encode --help lacks %s", flag)
		}
	}
}

func TestErrors(t *testing.T) {
	tiny := reference.Fixture(t, "tiny-bert")
	missing := filepath.Join(t.TempDir(), "no-such-model")
	empty := t.TempDir()
	// A folder of a family we do not support: tiny-bert's files, its
	// config.json saying model_type t5.
	unknown := t.TempDir()
	for _, name := range []string{"model.safetensors", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"} {
		data, err := os.ReadFile(filepath.Join(tiny, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(unknown, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(unknown, "config.json"), []byte(`{"model_type": "t5", "architectures": ["T5ForConditionalGeneration"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // in stderr
	}{
		{"no command", "", nil, 2, "missing command"},
		{"unknown command", "", []string{"encrypt"}, 2, `unknown command "encrypt"`},
		{"unknown flag", "", []string{"encode", "--model", tiny, "--frobnicate", "x"}, 2, "unknown flag --frobnicate; see"},
		{"mistyped flag", "", []string{"encode", "--modle", tiny, "x"}, 2, "unknown flag --modle; did you mean --model?"},
		{"mistyped flag, one dash", "", []string{"search", "-top-j", "3", "--model", tiny, "x"}, 2, "did you mean --top-k?"},
		{"flag that does not apply", "", []string{"index", "--model", tiny, "--out", "x.idx", "--query", "x"}, 2, "--query does not apply to splade index"},
		{"model flag of no use to tokenize", "", []string{"tokenize", "--model", tiny, "--pooling", "max", "x"}, 2, "--pooling does not apply to splade tokenize"},
		{"mistyped command", "", []string{"ecnode"}, 2, `unknown command "ecnode"; did you mean encode?`},
		{"missing model", "", []string{"encode", "x"}, 2, "missing --model"},
		{"bad format", "", []string{"encode", "--model", tiny, "--format", "csv", "x"}, 2, `--format "csv"`},
		{"bad pooling", "", []string{"encode", "--model", tiny, "--pooling", "mean", "x"}, 2, "--pooling"},
		{"query and document", "", []string{"encode", "--model", tiny, "--query", "--document", "x"}, 2, "exclude"},
		{"bad input", "", []string{"encode", "--model", tiny, "--input", "csv"}, 2, "--input"},
		{"bad fn", "", []string{"similarity", "--model", tiny, "--fn", "l2", "x"}, 2, "--fn"},
		{"queries alone", "", []string{"similarity", "--model", tiny, "--queries", "q"}, 2, "go together"},
		{"missing folder", "", []string{"encode", "--model", missing, "x"}, 1, ""},
		{"empty folder", "", []string{"encode", "--model", empty, "x"}, 1, ""},
		{"unknown family", "", []string{"encode", "--model", unknown, "x"}, 1, `unsupported model_type "t5" (supported: ` + strings.Join(arch.Families(), ", ") + ")"},
		{"tokenize empty folder", "", []string{"tokenize", "--model", empty, "x"}, 1, ""},
		{"malformed JSON line", "{\"text\":\"ok\"}\n{\"text\": \"a\"\n", []string{"encode", "--model", tiny, "--input", "jsonl"}, 1, "line 2"},
		{"text not a string", "{\"text\": 3}\n", []string{"encode", "--model", tiny, "--input", "jsonl"}, 1, "line 1"},
		{"no text", "{\"id\": 3}\n", []string{"encode", "--model", tiny, "--input", "jsonl"}, 1, "line 1: no \"text\""},
		{"queries file missing", "", []string{"similarity", "--model", tiny, "--queries", missing, "--documents", missing}, 1, "no such file"},
		{"serve with texts", "", []string{"serve", "--model", tiny, "x"}, 2, "no texts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := runCLI(t, strings.NewReader(tc.stdin), tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, errs)
			}
			if !strings.Contains(errs, tc.want) {
				t.Errorf("stderr %q lacks %q", errs, tc.want)
			}
			if code == 1 {
				if !strings.HasPrefix(errs, "splade: ") || strings.Count(errs, "\n") != 1 {
					t.Errorf("runtime error is not one \"splade: ...\" line: %q", errs)
				}
			}
			if code == 2 && (strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, " --help\n") || !strings.Contains(errs, "; see splade ")) {
				t.Errorf("usage error is not one line ending \"; see splade [CMD] --help\": %q", errs)
			}
			if code == 2 && len(tc.args) > 1 && !strings.HasSuffix(errs, "see splade "+tc.args[0]+" --help\n") {
				t.Errorf("usage error does not point at splade %s --help: %q", tc.args[0], errs)
			}
			if tc.name == "malformed JSON line" && jsonLines[vectorLine](t, out) == nil {
				t.Errorf("the good line before the bad one was not written")
			}
		})
	}
}

// TestFlagsAfterTexts checks that flags may follow the texts and that
// "--" ends the flags.
func TestFlagsAfterTexts(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	out := mustRun(t, nil, "tokenize", "hello", "--model", dir, "--", "--model")
	type line struct{ Tokens []string }
	recs := jsonLines[line](t, out)
	if len(recs) != 2 || recs[0].Tokens[1] == "--" {
		t.Errorf("got %v", recs)
	}
}

// TestStreaming checks that output comes batch by batch while the input
// is still open, and that an interrupt keeps every finished line.
func TestStreaming(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	pr, pw := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb syncBuffer
	done := make(chan int)
	go func() { done <- run(ctx, []string{"encode", "--model", dir, "--batch-size", "2"}, pr, outW, &errb) }()
	const chunk = 2*3 + 1
	go func() {
		for i := range chunk { // three full batches and one text of the next
			fmt.Fprintf(pw, "text number %d\n", i)
		}
	}()
	// The three batches must arrive although the input is still open, and
	// the last text too, as a batch of one, once no more input comes.
	lines := make(chan string)
	go func() {
		buf := make([]byte, 1<<20)
		var acc string
		for {
			n, err := outR.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.IndexByte(acc, '\n')
				if i < 0 {
					break
				}
				lines <- acc[:i]
				acc = acc[i+1:]
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	for i := range chunk {
		select {
		case l := <-lines:
			var r vectorLine
			if err := json.Unmarshal([]byte(l), &r); err != nil || string(r.ID) != strconv.Itoa(i) {
				t.Fatalf("line %d: %q (%v)", i, l, err)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("only %d lines while the input is open; stderr: %s", i, errb.String())
		}
	}
	// Interrupt while the reader waits for more input.
	cancel()
	select {
	case code := <-done:
		if code != 130 || !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("exit %d, stderr %q; want 130 and interrupted", code, errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after the interrupt")
	}
	outW.Close()
	for l := range lines {
		t.Errorf("extra output after the interrupt: %q", l)
	}
	pw.Close()
}

// TestCranfieldProgress encodes the 1400 Cranfield abstracts from a file
// on standard input with --progress: the bar goes to stderr (with the
// total, since the input is a regular file), only JSON lines to stdout.
func TestCranfieldProgress(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	docs := cranfieldAbstracts(t)
	if len(docs) != 1400 {
		t.Fatalf("%d abstracts, want 1400", len(docs))
	}
	path := filepath.Join(t.TempDir(), "cran.txt")
	if err := os.WriteFile(path, []byte(strings.Join(docs, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, errs, code := runCLI(t, f, "encode", "--model", dir, "--progress", "--max-length", "64")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs := jsonLines[vectorLine](t, out)
	if len(recs) != 1400 {
		t.Fatalf("%d lines, want 1400", len(recs))
	}
	for i, r := range recs {
		if string(r.ID) != strconv.Itoa(i) || len(r.Indices) == 0 {
			t.Fatalf("line %d: id %s, %d non-zeros", i, r.ID, len(r.Indices))
		}
	}
	if !strings.Contains(errs, "encoding") || !strings.Contains(errs, "1400/1400") || !strings.Contains(errs, "texts/s") {
		t.Errorf("no progress bar with total on stderr: %q", tail(errs))
	}

	// Without a known total (a pipe), the bar shows the count and rate.
	_, errs, code = runCLI(t, strings.NewReader(strings.Join(docs[:100], "\n")), "encode", "--model", dir, "--progress")
	if code != 0 || !strings.Contains(errs, "100") || !strings.Contains(errs, "texts/s") {
		t.Errorf("exit %d, progress without total: %q", code, tail(errs))
	}
	// --quiet: nothing on stderr.
	_, errs, _ = runCLI(t, strings.NewReader(strings.Join(docs[:10], "\n")), "encode", "--model", dir, "--quiet")
	if errs != "" {
		t.Errorf("--quiet wrote %q", errs)
	}
}

func tail(s string) string {
	if len(s) > 300 {
		return "..." + s[len(s)-300:]
	}
	return s
}

func TestMaxActiveDimsAndQuery(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	r := jsonLines[vectorLine](t, mustRun(t, nil, "encode", "--model", dir, "--max-active-dims", "3", "The weather is lovely today."))[0]
	if len(r.Indices) != 3 || !slices.IsSorted(r.Indices) {
		t.Errorf("--max-active-dims 3: %v", r.Indices)
	}
	a := mustRun(t, nil, "encode", "--model", dir, "--query", "hello")
	b := mustRun(t, nil, "encode", "--model", dir, "hello")
	if !reflect.DeepEqual(jsonLines[vectorLine](t, a), jsonLines[vectorLine](t, b)) {
		t.Errorf("--query on a symmetric model differs from plain encode")
	}
}

func TestPruneFlag(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	const text = "The weather is lovely today."
	full := jsonLines[vectorLine](t, mustRun(t, nil, "encode", "--model", dir, text))[0]
	got := jsonLines[vectorLine](t, mustRun(t, nil, "encode", "--model", dir, "--prune", "max_ratio:0.5", text))[0]
	top := slices.Max(full.Values)
	var want []uint32
	for i, w := range full.Values {
		if w >= 0.5*top {
			want = append(want, full.Indices[i])
		}
	}
	if len(want) == len(full.Indices) || !slices.Equal(got.Indices, want) {
		t.Errorf("--prune max_ratio:0.5: indices %v, want %v (of %d)", got.Indices, want, len(full.Indices))
	}
	for _, bad := range []string{"alpha_mass:1", "top_k:2.5", "abs_value:-1", "top:3"} {
		_, errs, code := runCLI(t, nil, "encode", "--model", dir, "--prune", bad, text)
		if code != 2 || !strings.Contains(errs, "prune") {
			t.Errorf("--prune %s: exit %d, stderr %q; want a usage error", bad, code, errs)
		}
	}
}

// TestChunkFlag: --chunk gives the elementwise max of the windows' own
// vectors (windows of 6 tokens every 6-2 tokens, the last one ending at
// the last token), and warns of no truncation.
func TestChunkFlag(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	const text = "The weather is lovely today. It's so sunny outside! He drove to the stadium."
	var tok struct{ Tokens []string }
	if err := json.Unmarshal([]byte(mustRun(t, nil, "tokenize", "--model", dir, text)), &tok); err != nil {
		t.Fatal(err)
	}
	content := tok.Tokens[1 : len(tok.Tokens)-1] // 19 tokens
	var windows []string
	for start := 0; ; start += 4 {
		if start+6 >= len(content) {
			windows = append(windows, strings.Join(content[len(content)-6:], " "))
			break
		}
		windows = append(windows, strings.Join(content[start:start+6], " "))
	}
	want := map[uint32]float32{}
	for _, r := range jsonLines[vectorLine](t, mustRun(t, strings.NewReader(strings.Join(windows, "\n")+"\n"), "encode", "--model", dir, "--max-length", "8", "--quiet")) {
		if len(r.Indices) == 0 {
			t.Fatal("a window encoded to nothing")
		}
		for i, idx := range r.Indices {
			want[idx] = max(want[idx], r.Values[i])
		}
	}
	out, errs, code := runCLI(t, nil, "encode", "--model", dir, "--max-length", "8", "--chunk", "--chunk-overlap", "2", text)
	if code != 0 || strings.Contains(errs, "truncated") {
		t.Fatalf("--chunk: exit %d, stderr %q", code, errs)
	}
	got := jsonLines[vectorLine](t, out)[0]
	if len(windows) != 5 || len(got.Indices) != len(want) {
		t.Fatalf("--chunk: %d windows; %d terms, want %d", len(windows), len(got.Indices), len(want))
	}
	for i, idx := range got.Indices {
		if w := want[idx]; math.Abs(float64(got.Values[i]-w)) > 1e-5 {
			t.Errorf("--chunk: term %d weight %v, want the windows' max %v", idx, got.Values[i], w)
		}
	}
}
