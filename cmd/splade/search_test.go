package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/stfixture"

	"github.com/splade-go/splade/index"
)

// beirCollection is Cranfield in the BEIR layout, read by the test itself.
type beirCollection struct {
	docIDs, docTexts     []string
	queryIDs, queryTexts []string
	qrels                map[string]map[string]int
}

func readBEIR(t testing.TB, dir string) beirCollection {
	t.Helper()
	var c beirCollection
	eachLine := func(name string, fn func(line string)) {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) != "" {
				fn(sc.Text())
			}
		}
	}
	type rec struct{ ID, Title, Text string }
	parse := func(line string) rec {
		var r struct {
			ID    string `json:"_id"`
			Title string `json:"title"`
			Text  string `json:"text"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		return rec{r.ID, r.Title, r.Text}
	}
	eachLine("corpus.jsonl", func(line string) {
		r := parse(line)
		c.docIDs = append(c.docIDs, r.ID)
		c.docTexts = append(c.docTexts, strings.TrimSpace(r.Title+" "+r.Text)) // BEIR: title + " " + text
	})
	eachLine("queries.jsonl", func(line string) {
		r := parse(line)
		c.queryIDs = append(c.queryIDs, r.ID)
		c.queryTexts = append(c.queryTexts, r.Text)
	})
	c.qrels = map[string]map[string]int{}
	first := true
	eachLine("qrels/test.tsv", func(line string) {
		f := strings.Split(line, "\t")
		if first {
			first = false
			return // header
		}
		g, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("qrels line %q", line)
		}
		if c.qrels[f[0]] == nil {
			c.qrels[f[0]] = map[string]int{}
		}
		c.qrels[f[0]][f[1]] = g
	})
	return c
}

// idTexts returns --input jsonl lines {"id": ids[i], "text": texts[i]}.
func idTexts(ids, texts []string) string {
	var b strings.Builder
	for i := range ids {
		line, _ := json.Marshal(map[string]string{"id": ids[i], "text": texts[i]})
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// encodeAsMaps runs splade encode and returns each vector as a map from
// token id to weight, by id.
func encodeAsMaps(t *testing.T, model, kind string, ids, texts []string) map[string]map[uint32]float32 {
	t.Helper()
	out := mustRun(t, strings.NewReader(idTexts(ids, texts)), "encode", "--model", model, kind, "--input", "jsonl", "--quiet")
	vs := map[string]map[uint32]float32{}
	for _, l := range jsonLines[vectorLine](t, out) {
		var id string
		json.Unmarshal(l.ID, &id)
		m := map[uint32]float32{}
		for j, i := range l.Indices {
			m[i] = l.Values[j]
		}
		vs[id] = m
	}
	if len(vs) != len(ids) {
		t.Fatalf("splade encode gave %d vectors for %d texts", len(vs), len(ids))
	}
	return vs
}

type hit = index.Hit

// exhaustive scores every document against the query by the definition
// of the dot product (float64 sum of products, rounded to float32) and
// returns the k best scoring above 0, by score descending, then id
// ascending.
func exhaustive(q map[uint32]float32, docs map[string]map[uint32]float32, k int) []hit {
	var hits []hit
	for id, d := range docs {
		var s float64
		for i, w := range q {
			s += float64(w) * float64(d[i])
		}
		if float32(s) > 0 {
			hits = append(hits, hit{ID: id, Score: float32(s)})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return hits[:min(k, len(hits))]
}

// searchAll runs splade search over the queries and returns the hits by
// query id.
func searchAll(t *testing.T, c beirCollection, args ...string) map[string][]hit {
	t.Helper()
	args = append([]string{"search", "--input", "jsonl", "--quiet"}, args...)
	out := mustRun(t, strings.NewReader(idTexts(c.queryIDs, c.queryTexts)), args...)
	type line struct {
		ID   json.RawMessage `json:"id"`
		Hits []hit           `json:"hits"`
	}
	res := map[string][]hit{}
	for _, l := range jsonLines[line](t, out) {
		if l.Hits == nil {
			t.Fatalf("line of query %s has no \"hits\" list", l.ID)
		}
		var id string
		json.Unmarshal(l.ID, &id)
		res[id] = l.Hits
	}
	if len(res) != len(c.queryIDs) {
		t.Fatalf("%d result lines for %d queries", len(res), len(c.queryIDs))
	}
	return res
}

// score is the dot product of q and d by its definition.
func score(q, d map[uint32]float32) float32 {
	var s float64
	for i, w := range q {
		s += float64(w) * float64(d[i])
	}
	return float32(s)
}

// compareHits checks that got is the exhaustive top k of the query q over
// docs: scores within 1e-5 relative to max(1, |score|) at every rank, and
// the same ids, except that a document may stand in for one whose score
// it matches to that tolerance (two encodings of the same texts, in other
// batches, differ in float32's last bits, which can swap near-ties).
func compareHits(t *testing.T, what string, got []hit, q map[uint32]float32, docs map[string]map[uint32]float32, k int) {
	t.Helper()
	const tol = 1e-5
	want := exhaustive(q, docs, k)
	if len(got) != len(want) {
		t.Fatalf("%s: %d hits, want %d", what, len(got), len(want))
	}
	seen := map[string]bool{}
	for i := range got {
		near := func(s float32) bool {
			return math.Abs(float64(s-want[i].Score)) <= tol*max(1, math.Abs(float64(want[i].Score)))
		}
		d, ok := docs[got[i].ID]
		if !ok || seen[got[i].ID] || !near(got[i].Score) || (got[i].ID != want[i].ID && !near(score(q, d))) {
			t.Fatalf("%s: hit %d is %v, want %v", what, i+1, got[i], want[i])
		}
		seen[got[i].ID] = true
	}
}

// readRun reads a TREC run file into hits by query id, in rank order.
func readRun(t *testing.T, path string) map[string][]hit {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	run := map[string][]hit{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) != 6 || f[1] != "Q0" || f[5] != "splade" {
			t.Fatalf("run line %q is not \"query-id Q0 doc-id rank score splade\"", line)
		}
		rank, err1 := strconv.Atoi(f[3])
		sc, err2 := strconv.ParseFloat(f[4], 32)
		if err1 != nil || err2 != nil || rank != len(run[f[0]])+1 {
			t.Fatalf("run line %q: bad rank or score", line)
		}
		run[f[0]] = append(run[f[0]], hit{ID: f[2], Score: float32(sc)})
	}
	return run
}

// definedMetrics computes, from their definitions, the mean nDCG@10 (linear
// gains, log2 discount, ideal from the qrels), MRR@10 and Recall@100 over
// the queries with a relevant document, a query without hits counting 0.
func definedMetrics(rankings map[string][]hit, qrels map[string]map[string]int) (ndcg, mrr, recall float64, n int) {
	for qid, judged := range qrels {
		var grades []int
		for _, g := range judged {
			if g > 0 {
				grades = append(grades, g)
			}
		}
		if len(grades) == 0 {
			continue
		}
		n++
		r := rankings[qid]
		var dcg, idcg float64
		for i := 0; i < 10 && i < len(r); i++ {
			if g := judged[r[i].ID]; g > 0 {
				dcg += float64(g) / math.Log2(float64(i)+2)
			}
		}
		slices.Sort(grades)
		slices.Reverse(grades)
		for i := 0; i < 10 && i < len(grades); i++ {
			idcg += float64(grades[i]) / math.Log2(float64(i)+2)
		}
		ndcg += dcg / idcg
		for i := 0; i < 10 && i < len(r); i++ {
			if judged[r[i].ID] > 0 {
				mrr += 1 / float64(i+1)
				break
			}
		}
		found := 0
		for i := 0; i < 100 && i < len(r); i++ {
			if judged[r[i].ID] > 0 {
				found++
			}
		}
		recall += float64(found) / float64(len(grades))
	}
	return ndcg / float64(n), mrr / float64(n), recall / float64(n), n
}

// checkEval checks eval's JSON output against the metrics computed here
// from their definitions on the run it wrote, and that run against
// exhaustive scoring of the query vectors qv over docs.
func checkEval(t *testing.T, out, runFile string, qv, docs map[string]map[uint32]float32, qrels map[string]map[string]int) {
	t.Helper()
	rankings := readRun(t, runFile)
	for qid, q := range qv {
		compareHits(t, "run of query "+qid, rankings[qid], q, docs, 100)
	}
	var got map[string]float64
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("eval --json: %v: %q", err, out)
	}
	ndcg, mrr, recall, n := definedMetrics(rankings, qrels)
	for _, c := range []struct {
		key  string
		want float64
	}{{"ndcg@10", ndcg}, {"mrr@10", mrr}, {"recall@100", recall}, {"queries", float64(n)}} {
		v, ok := got[c.key]
		if !ok || math.Abs(v-c.want) > 1e-6 {
			t.Errorf("eval %s = %v (present %v), want %v", c.key, v, ok, c.want)
		}
	}
	if ndcg == 0 || recall == 0 {
		t.Errorf("nDCG@10 %v, Recall@100 %v: the fixture should retrieve something relevant", ndcg, recall)
	}
}

// TestSearchEvalCranfield checks splade index, search and eval on
// Cranfield in the BEIR layout with the 30522-token fixture: search
// results equal exhaustive scoring of splade encode's vectors, pruning on
// and off, and eval's metrics equal their definitions computed here. The
// corpus is encoded twice in all (by splade encode, for the reference,
// and by splade eval, whose index the other checks reuse).
func TestSearchEvalCranfield(t *testing.T) {
	model := reference.Shared(t, "fixtures/small-bert-30522")
	data := reference.Shared(t, "data/cranfield-beir")
	if testing.Short() {
		t.Skip("encodes the Cranfield corpus twice; skipped with -short")
	}
	c := readBEIR(t, data)
	if len(c.docIDs) != 1400 || len(c.queryIDs) != 225 {
		t.Fatalf("%d documents, %d queries; want 1400 and 225", len(c.docIDs), len(c.queryIDs))
	}
	docs := encodeAsMaps(t, model, "--document", c.docIDs, c.docTexts)
	queries := encodeAsMaps(t, model, "--query", c.queryIDs, c.queryTexts)
	dir := t.TempDir()
	idx := filepath.Join(dir, "cranfield.idx")
	runFile := filepath.Join(dir, "run.txt")
	evalOut := mustRun(t, nil, "eval", "--model", model, "--dataset", data, "--index", idx, "--run", runFile, "--json", "--quiet")

	t.Run("eval", func(t *testing.T) {
		checkEval(t, evalOut, runFile, queries, docs, c.qrels)
		// The index eval built is reused: the same numbers, without encoding.
		again := filepath.Join(dir, "again.txt")
		out := mustRun(t, nil, "eval", "--model", model, "--dataset", data, "--index", idx, "--json", "--exhaustive", "--run", again)
		checkEval(t, out, again, queries, docs, c.qrels)
		// The same collection as TREC files: topics TSV and TREC qrels.
		var topics, trecQrels strings.Builder
		for i, id := range c.queryIDs {
			fmt.Fprintf(&topics, "%s\t%s\n", id, c.queryTexts[i])
		}
		for qid, judged := range c.qrels {
			for doc, g := range judged {
				fmt.Fprintf(&trecQrels, "%s 0 %s %d\n", qid, doc, g)
			}
		}
		tq, tr, trecRun := filepath.Join(dir, "topics.tsv"), filepath.Join(dir, "qrels.txt"), filepath.Join(dir, "trec.txt")
		os.WriteFile(tq, []byte(topics.String()), 0o644)
		os.WriteFile(tr, []byte(trecQrels.String()), 0o644)
		out = mustRun(t, nil, "eval", "--model", model, "--index", idx, "--queries", tq, "--qrels", tr, "--json", "--run", trecRun)
		checkEval(t, out, trecRun, queries, docs, c.qrels)
	})

	for _, prune := range []bool{true, false} {
		t.Run(fmt.Sprintf("search/pruning=%v", prune), func(t *testing.T) {
			args := []string{"--model", model, "--index", idx, "--top-k", "100"}
			if !prune {
				args = append(args, "--exhaustive")
			}
			got := searchAll(t, c, args...)
			for _, qid := range c.queryIDs {
				compareHits(t, "query "+qid, got[qid], queries[qid], docs, 100)
			}
		})
	}

	t.Run("index", func(t *testing.T) {
		// splade index on part of the corpus, exact and quantised weights.
		const n = 150
		sub := map[string]map[uint32]float32{}
		for _, id := range c.docIDs[:n] {
			sub[id] = docs[id]
		}
		// The quantisation of the package documentation, applied here.
		var largest float32
		for _, d := range sub {
			for _, w := range d {
				largest = max(largest, w)
			}
		}
		scale := largest / 255
		quant := map[string]map[uint32]float32{}
		for id, d := range sub {
			q := map[uint32]float32{}
			for i, w := range d {
				code := math.Max(1, math.Min(255, math.Round(float64(w)/float64(scale))))
				q[i] = float32(code) * scale
			}
			quant[id] = q
		}
		input := idTexts(c.docIDs[:n], c.docTexts[:n])
		sizes := map[string]int64{}
		for _, w := range []string{"f32", "uint8"} {
			path := filepath.Join(dir, w+".idx")
			_, errs, code := runCLI(t, strings.NewReader(input), "index", "--model", model, "--input", "jsonl", "--out", path, "--weights", w)
			if code != 0 || !strings.Contains(errs, fmt.Sprintf("indexed %d documents", n)) {
				t.Fatalf("splade index --weights %s: exit %d: %s", w, code, errs)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			sizes[w] = st.Size()
			ref := sub
			if w == "uint8" {
				ref = quant
			}
			got := searchAll(t, c, "--model", model, "--index", path, "--top-k", "10")
			for _, qid := range c.queryIDs {
				compareHits(t, w+" query "+qid, got[qid], queries[qid], ref, 10)
			}
		}
		if sizes["uint8"] >= sizes["f32"] {
			t.Errorf("uint8 index %d bytes, f32 %d", sizes["uint8"], sizes["f32"])
		}
	})

	t.Run("inference-free", func(t *testing.T) {
		// Queries through idf.json: the OpenSearch layout (masked-LM +
		// idf.json; its documents would go through the same network, and
		// the index built above holds them) and a tokenizer + idf.json
		// folder, which encodes queries only.
		idf := reference.Shared(t, "inference-free/idf.json")
		tok := reference.Shared(t, "conformance/tokenizer")
		osDir := stfixture.WriteDir(t, stfixture.OpenSearch(t, idf, model))
		idfDir := stfixture.WriteDir(t, stfixture.IDF(t, idf, tok))
		qv := encodeAsMaps(t, idfDir, "--query", c.queryIDs, c.queryTexts)
		run := filepath.Join(dir, "idf.txt")
		out := mustRun(t, nil, "eval", "--model", osDir, "--dataset", data, "--index", idx, "--json", "--run", run)
		checkEval(t, out, run, qv, docs, c.qrels)
		got := searchAll(t, c, "--model", idfDir, "--index", idx, "--top-k", "100")
		for _, qid := range c.queryIDs {
			compareHits(t, "query "+qid, got[qid], qv[qid], docs, 100)
		}
	})
}

// TestServeSearch checks POST /search of splade serve --index against
// exhaustive scoring of splade encode's vectors (tiny-bert).
func TestServeSearch(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	docIDs := []string{"w", "s", "d", "c", "w2"}
	docTexts := []string{"The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.", "A cat sat on the mat.", "The weather is lovely today."}
	queries := []string{"lovely weather", "stadium drive", "cats"}
	idx := filepath.Join(t.TempDir(), "docs.idx")
	if _, errs, code := runCLI(t, strings.NewReader(idTexts(docIDs, docTexts)), "index", "--model", model, "--input", "jsonl", "--out", idx); code != 0 {
		t.Fatalf("splade index: %d %s", code, errs)
	}
	docs := encodeAsMaps(t, model, "--document", docIDs, docTexts)
	qv := encodeAsMaps(t, model, "--query", []string{"0", "1", "2"}, queries)

	base, _, _, _ := startServe(t, "--model", model, "--index", idx)
	body, _ := json.Marshal(map[string]any{"queries": queries, "top_k": 3})
	code, resp, _ := post(t, base+"/search", string(body))
	var got struct {
		Documents int
		Results   []struct {
			ID   int
			Hits []hit
		}
	}
	if err := json.Unmarshal([]byte(resp), &got); code != 200 || err != nil || len(got.Results) != len(queries) || got.Documents != len(docIDs) {
		t.Fatalf("/search: %d %v %s", code, err, resp)
	}
	for i, r := range got.Results {
		if r.ID != i {
			t.Errorf("result %d has id %d", i, r.ID)
		}
		compareHits(t, "query "+queries[i], r.Hits, qv[strconv.Itoa(i)], docs, 3)
	}
	if code, resp, _ := post(t, base+"/encode", `{"texts":["a"]}`); code != 200 {
		t.Errorf("/encode beside /search: %d %s", code, resp)
	}
	// A file that is no index is refused at start.
	bad := filepath.Join(t.TempDir(), "bad.idx")
	os.WriteFile(bad, []byte("not an index"), 0o644)
	if _, errs, code := runCLI(t, nil, "serve", "--model", model, "--index", bad, "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errs, "not a splade index") {
		t.Errorf("serve --index of a bad file: exit %d: %s", code, errs)
	}
}

// TestSearchErrors checks the usage and runtime errors of splade index,
// search and eval.
func TestSearchCommandErrors(t *testing.T) {
	model := reference.Fixture(t, "tiny-bert")
	dir := t.TempDir()
	idx := filepath.Join(dir, "x.idx")
	mustRun(t, nil, "index", "--model", model, "--out", idx, "a cat", "a dog")
	data, _ := os.ReadFile(idx)
	trunc := filepath.Join(dir, "trunc.idx")
	os.WriteFile(trunc, data[:len(data)-9], 0o644)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"index", "--model", model, "a"}, 2, "missing --out"},
		{[]string{"index", "--model", model, "--out", idx, "--weights", "f16", "a"}, 2, "--weights"},
		{[]string{"search", "--model", model, "a"}, 2, "missing --index"},
		{[]string{"search", "--model", model, "--index", idx, "--top-k", "0", "a"}, 2, "--top-k"},
		{[]string{"search", "--model", model, "--index", trunc, "a"}, 1, "truncated"},
		{[]string{"eval", "--model", model}, 2, "missing --dataset"},
		{[]string{"eval", "--model", model, "--dataset", dir}, 1, "not a BEIR dataset folder"},
		{[]string{"eval", "--model", model, "--dataset", dir, "--k", "10,x"}, 2, "--k"},
	} {
		_, errs, code := runCLI(t, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("splade %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
	}
	out := mustRun(t, nil, "search", "--model", model, "--index", idx, "a cat")
	if !strings.HasPrefix(out, `{"id":0,"hits":[{"id":"0","score":`) {
		t.Errorf("search output %q", out)
	}
}

// TestEvalQrelsErrors: qrels with no judgments, or judging queries the
// queries file lacks, are errors (exit 1), not a score of 0.
func TestEvalQrelsErrors(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	tmp := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	corpusFile := write("corpus.jsonl", `{"_id":"d1","title":"","text":"the weather is lovely"}`+"\n")
	queries := write("queries.jsonl", `{"_id":"q1","text":"weather"}`+"\n")
	for _, c := range []struct{ name, qrels, want string }{
		{"empty qrels", "query-id\tcorpus-id\tscore\n", "no judgments"},
		{"unknown query", "query-id\tcorpus-id\tscore\nq1\td1\t1\nq9\td1\t1\n", `"q9"`},
	} {
		qrels := write("qrels.tsv", c.qrels)
		_, errs, code := runCLI(t, nil, "eval", "--model", dir, "--corpus", corpusFile, "--queries", queries, "--qrels", qrels, "--json", "--quiet")
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %s", c.name, code, errs, c.want)
		}
	}
}

// TestIndexProvenance: an index records the model that built it and its
// corpus; search and eval refuse it with another model, other settings
// or (eval) another corpus, saying how to rebuild it.
func TestIndexProvenance(t *testing.T) {
	bert := reference.Fixture(t, "tiny-bert")
	distil := reference.Fixture(t, "tiny-distilbert")
	tmp := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	corpusA := write("a.jsonl", `{"_id":"d1","title":"Weather","text":"the weather is lovely"}`+"\n"+`{"_id":"d2","title":"","text":"a car"}`+"\n")
	corpusB := write("b.jsonl", `{"_id":"d1","title":"","text":"hello world"}`+"\n"+`{"_id":"d2","title":"","text":"a bike"}`+"\n")
	queries := write("queries.jsonl", `{"_id":"q1","text":"weather"}`+"\n")
	qrels := write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\n")
	idx := filepath.Join(tmp, "a.idx")
	f, _ := os.Open(corpusA)
	mustRun(t, f, "index", "--model", bert, "--input", "beir", "--out", idx, "--quiet")
	f.Close()
	mustRun(t, strings.NewReader("weather\n"), "search", "--model", bert, "--index", idx)
	mustRun(t, nil, "eval", "--model", bert, "--corpus", corpusA, "--queries", queries, "--qrels", qrels, "--index", idx, "--quiet")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"another model", []string{"search", "--model", distil, "--index", idx}, "rebuild"},
		{"other pooling", []string{"search", "--model", bert, "--pooling", "sum", "--index", idx}, "rebuild"},
		{"other max length", []string{"search", "--model", bert, "--max-length", "16", "--index", idx}, "rebuild"},
		{"eval, another model", []string{"eval", "--model", distil, "--corpus", corpusA, "--queries", queries, "--qrels", qrels, "--index", idx}, "rebuild"},
		{"eval, another corpus", []string{"eval", "--model", bert, "--corpus", corpusB, "--queries", queries, "--qrels", qrels, "--index", idx}, "another corpus"},
	} {
		_, errs, code := runCLI(t, strings.NewReader("weather\n"), c.args...)
		if code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", c.name, code, errs, c.want)
		}
	}
}
