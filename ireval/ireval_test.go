package ireval

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/splade-go/splade/index"
)

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("%s = %.15g, want %.15g", what, got, want)
	}
}

func TestMetrics(t *testing.T) {
	judged := map[string]int{"a": 3, "b": 1, "c": 2, "z": 0}
	ranking := []string{"x", "a", "c", "z", "b"}
	// DCG: a (grade 3) at rank 2, c (2) at 3, b (1) at 5; the ideal
	// ranking puts 3, 2, 1 at ranks 1, 2, 3.
	dcg := 3/math.Log2(3) + 2/math.Log2(4) + 1/math.Log2(6)
	idcg := 3/math.Log2(2) + 2/math.Log2(3) + 1/math.Log2(4)
	near(t, "nDCG@10", NDCG(ranking, judged, 10), dcg/idcg)
	near(t, "nDCG@2", NDCG(ranking, judged, 2), (3/math.Log2(3))/(3+2/math.Log2(3)))
	near(t, "nDCG@1", NDCG(ranking, judged, 1), 0)
	near(t, "MRR@10", MRR(ranking, judged, 10), 0.5)
	near(t, "MRR@1", MRR(ranking, judged, 1), 0)
	near(t, "Recall@3", Recall(ranking, judged, 3), 2.0/3)
	near(t, "Recall@100", Recall(ranking, judged, 100), 1)
	near(t, "nDCG of nothing relevant", NDCG(ranking, map[string]int{"a": 0}, 10), 0)
	near(t, "Recall of nothing relevant", Recall(ranking, map[string]int{}, 10), 0)
	near(t, "empty ranking", NDCG(nil, judged, 10), 0)
}

func TestEvaluate(t *testing.T) {
	qrels := Qrels{
		"1": {"a": 2, "b": 1},
		"2": {"c": 1},
		"3": {"d": 0}, // nothing relevant: not averaged over
		"4": {"e": 1}, // not in the run: counts 0
	}
	run := map[string][]string{
		"1": {"b", "a"},
		"2": {"x", "y", "c"},
		"9": {"a"}, // not judged: ignored
	}
	res := Evaluate(run, qrels, []int{1, 10})
	if res.Queries != 3 {
		t.Fatalf("%d queries, want 3", res.Queries)
	}
	ndcg1 := (1/math.Log2(2) + 2/math.Log2(3)) / (2/math.Log2(2) + 1/math.Log2(3))
	near(t, "ndcg@10", res.Metrics["ndcg@10"], (ndcg1+1/math.Log2(4)+0)/3)
	near(t, "ndcg@1", res.Metrics["ndcg@1"], (0.5+0+0)/3)
	near(t, "mrr@10", res.Metrics["mrr@10"], (1+1.0/3+0)/3)
	near(t, "recall@1", res.Metrics["recall@1"], (0.5+0+0)/3)
	near(t, "recall@10", res.Metrics["recall@10"], 2.0/3)
}

func TestReadBEIR(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "qrels"), 0o755)
	os.WriteFile(filepath.Join(dir, "corpus.jsonl"), []byte(`{"_id": "d1", "title": "Title", "text": "body text."}
{"_id": 7, "title": "", "text": "no title"}

`), 0o644)
	os.WriteFile(filepath.Join(dir, "queries.jsonl"), []byte(`{"_id": "q1", "text": "what?"}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "qrels", "test.tsv"), []byte("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\t7\t0\n"), 0o644)
	d, err := BEIR(dir, "test")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(d.Corpus)
	defer f.Close()
	var docs []Document
	if err := ReadCorpus(d.Corpus, f, func(doc Document) error { docs = append(docs, doc); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Contents() != "Title body text." || docs[1].ID != "7" || docs[1].Contents() != "no title" {
		t.Fatalf("corpus: %+v", docs)
	}
	qs, err := ReadQueryFile(d.Queries)
	if err != nil || len(qs) != 1 || qs[0] != (Query{"q1", "what?"}) {
		t.Fatalf("queries: %+v, %v", qs, err)
	}
	q, err := ReadQrelsFile(d.Qrels)
	if err != nil || len(q) != 1 || q["q1"]["d1"] != 2 || q["q1"]["7"] != 0 || len(q["q1"]) != 2 {
		t.Fatalf("qrels: %v, %v", q, err)
	}
	if _, err := BEIR(dir, "dev"); err == nil || !strings.Contains(err.Error(), "qrels/dev.tsv") {
		t.Errorf("missing split: %v", err)
	}
}

func TestReadTREC(t *testing.T) {
	q, err := ReadQrels("qrels", strings.NewReader("1 0 d1 2\n1 0 d2 0\n2 Q0 d3 1\n"))
	if err != nil || q["1"]["d1"] != 2 || q["2"]["d3"] != 1 || len(q["1"]) != 2 {
		t.Fatalf("TREC qrels: %v, %v", q, err)
	}
	if _, err := ReadQrels("qrels", strings.NewReader("1 0 d1 2\n1 0 d2 x\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad grade: %v", err)
	}
	if _, err := ReadQrels("qrels", strings.NewReader("1 d1\n")); err == nil {
		t.Error("two fields: no error")
	}
	qs, err := ReadTopics("topics", strings.NewReader("19335\tanthropological definition of environment\r\n\n47923\taxon terminals\n"))
	if err != nil || len(qs) != 2 || qs[0].Text != "anthropological definition of environment" || qs[1].ID != "47923" {
		t.Fatalf("topics: %+v, %v", qs, err)
	}
	if _, err := ReadTopics("topics", strings.NewReader("no tab here\n")); err == nil {
		t.Error("a line without a tab: no error")
	}
}

func TestWriteRun(t *testing.T) {
	var b bytes.Buffer
	if err := WriteRun(&b, "q1", []index.Hit{{ID: "d2", Score: 3.5}, {ID: "d1", Score: 0.25}}, "splade"); err != nil {
		t.Fatal(err)
	}
	if want := "q1 Q0 d2 1 3.5 splade\nq1 Q0 d1 2 0.25 splade\n"; b.String() != want {
		t.Errorf("run file %q, want %q", b.String(), want)
	}
}
