package ireval

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/splade-go/splade/internal/corpus"

	"github.com/splade-go/splade/index"
)

// Document is one document of a corpus.
type Document struct {
	ID, Title, Text string
}

// Contents returns the text to encode for d: the title and the text
// joined by a space (BEIR's convention for SPLADE), trimmed, as
// every command of this module joins BEIR lines (internal/corpus).
func (d Document) Contents() string {
	return corpus.Join(d.Title, d.Text)
}

// Query is one query of a collection.
type Query struct {
	ID, Text string
}

// Qrels are relevance judgments: query id -> document id -> grade.
type Qrels map[string]map[string]int

// Dataset names the files of a BEIR dataset folder.
type Dataset struct {
	Corpus, Queries, Qrels string
}

// BEIR returns the files of the BEIR dataset folder dir for the split
// ("test", "dev", "train"), checking that they exist.
func BEIR(dir, split string) (Dataset, error) {
	d := Dataset{
		Corpus:  filepath.Join(dir, "corpus.jsonl"),
		Queries: filepath.Join(dir, "queries.jsonl"),
		Qrels:   filepath.Join(dir, "qrels", split+".tsv"),
	}
	for _, p := range []string{d.Corpus, d.Queries, d.Qrels} {
		if _, err := os.Stat(p); err != nil {
			return Dataset{}, fmt.Errorf("ireval: %s is not a BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/%s.tsv): %w", dir, split, err)
		}
	}
	return d, nil
}

// beirLine is a line of corpus.jsonl or queries.jsonl.
type beirLine struct {
	ID    json.RawMessage `json:"_id"`
	Title string          `json:"title"`
	Text  *string         `json:"text"`
}

// eachJSONL calls fn with every non-blank line of r, numbered from 1.
func eachJSONL(name string, r io.Reader, fn func(line int, l beirLine) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if len(b) > 0 && len(strings.TrimSpace(string(b))) > 0 {
			var l beirLine
			if jerr := json.Unmarshal(b, &l); jerr != nil {
				return fmt.Errorf("ireval: %s line %d: not a JSON object {\"_id\", \"text\", ...}: %w", name, n, jerr)
			}
			if len(l.ID) == 0 || l.Text == nil {
				return fmt.Errorf("ireval: %s line %d: want \"_id\" and \"text\"", name, n)
			}
			if ferr := fn(n, l); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ireval: reading %s: %w", name, err)
		}
	}
}

// ReadCorpus calls fn with each document of a BEIR corpus.jsonl read from
// r (name is for errors), in file order, without holding the corpus in
// memory. It stops at the first error fn returns.
func ReadCorpus(name string, r io.Reader, fn func(Document) error) error {
	return eachJSONL(name, r, func(_ int, l beirLine) error {
		return fn(Document{ID: index.DocID(l.ID), Title: l.Title, Text: *l.Text})
	})
}

// ReadQueries reads a BEIR queries.jsonl.
func ReadQueries(name string, r io.Reader) ([]Query, error) {
	var qs []Query
	err := eachJSONL(name, r, func(_ int, l beirLine) error {
		qs = append(qs, Query{ID: index.DocID(l.ID), Text: *l.Text})
		return nil
	})
	return qs, err
}

// ReadTopics reads TREC topics as TSV: one "id TAB text" per line.
func ReadTopics(name string, r io.Reader) ([]Query, error) {
	var qs []Query
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<24)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		id, text, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("ireval: %s line %d: want \"id<TAB>text\"", name, n)
		}
		qs = append(qs, Query{ID: strings.TrimSpace(id), Text: text})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ireval: reading %s: %w", name, err)
	}
	return qs, nil
}

// ReadQueryFile reads queries from a file: BEIR queries.jsonl when its
// name ends in .jsonl, else TREC topics TSV.
func ReadQueryFile(path string) ([]Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ireval: %w", err)
	}
	defer f.Close()
	if strings.HasSuffix(path, ".jsonl") {
		return ReadQueries(path, f)
	}
	return ReadTopics(path, f)
}

// ReadQrels reads relevance judgments in either format, line by line:
// BEIR's "query-id TAB corpus-id TAB score" (a first line whose score is
// not an integer is its header) or TREC's "query-id iteration doc-id
// relevance". A repeated judgment replaces the earlier one.
func ReadQrels(name string, r io.Reader) (Qrels, error) {
	q := Qrels{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		var qid, doc, grade string
		switch len(f) {
		case 0:
			continue
		case 3:
			qid, doc, grade = f[0], f[1], f[2]
		case 4:
			qid, doc, grade = f[0], f[2], f[3]
		default:
			return nil, fmt.Errorf("ireval: %s line %d: %d fields; want \"query-id corpus-id score\" (BEIR) or \"query-id iteration doc-id relevance\" (TREC)", name, n, len(f))
		}
		g, err := strconv.Atoi(grade)
		if err != nil {
			if n == 1 && len(f) == 3 {
				continue // the BEIR header
			}
			return nil, fmt.Errorf("ireval: %s line %d: relevance %q is not an integer", name, n, grade)
		}
		if q[qid] == nil {
			q[qid] = map[string]int{}
		}
		q[qid][doc] = g
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ireval: reading %s: %w", name, err)
	}
	return q, nil
}

// ReadQrelsFile reads the qrels file at path (either format).
func ReadQrelsFile(path string) (Qrels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ireval: %w", err)
	}
	defer f.Close()
	return ReadQrels(path, f)
}

// NDCG returns nDCG@k of the ranking (document ids, best first) under the
// judgments of one query.
func NDCG(ranking []string, judged map[string]int, k int) float64 {
	var dcg float64
	for i, d := range ranking[:min(k, len(ranking))] {
		if g := judged[d]; g > 0 {
			dcg += float64(g) / math.Log2(float64(i+2))
		}
	}
	grades := make([]int, 0, len(judged))
	for _, g := range judged {
		if g > 0 {
			grades = append(grades, g)
		}
	}
	slices.SortFunc(grades, func(a, b int) int { return cmp.Compare(b, a) })
	var idcg float64
	for i, g := range grades[:min(k, len(grades))] {
		idcg += float64(g) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 0
	}
	return dcg / idcg
}

// MRR returns the reciprocal rank of the first relevant document among
// the first k of the ranking, or 0.
func MRR(ranking []string, judged map[string]int, k int) float64 {
	for i, d := range ranking[:min(k, len(ranking))] {
		if judged[d] > 0 {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// Recall returns the share of the relevant documents found among the
// first k of the ranking (0 when nothing is relevant).
func Recall(ranking []string, judged map[string]int, k int) float64 {
	relevant := 0
	for _, g := range judged {
		if g > 0 {
			relevant++
		}
	}
	if relevant == 0 {
		return 0
	}
	found := 0
	for _, d := range ranking[:min(k, len(ranking))] {
		if judged[d] > 0 {
			found++
		}
	}
	return float64(found) / float64(relevant)
}

// Result holds the mean metrics of an evaluation.
type Result struct {
	// Queries is the number of queries averaged over.
	Queries int
	// Metrics maps "ndcg@k", "mrr@k" and "recall@k" to their means.
	Metrics map[string]float64
}

// Evaluate computes nDCG, MRR and Recall at each cutoff of ks, averaged
// over the queries of qrels that have a relevant document; run maps a
// query id to its ranking (document ids, best first), and a query missing
// from it counts 0.
func Evaluate(run map[string][]string, qrels Qrels, ks []int) Result {
	res := Result{Metrics: map[string]float64{}}
	for _, k := range ks {
		for _, m := range []string{"ndcg", "mrr", "recall"} {
			res.Metrics[fmt.Sprintf("%s@%d", m, k)] = 0
		}
	}
	qids := make([]string, 0, len(qrels))
	for qid, judged := range qrels {
		for _, g := range judged {
			if g > 0 {
				qids = append(qids, qid)
				break
			}
		}
	}
	slices.Sort(qids) // a fixed summation order
	for _, qid := range qids {
		r, judged := run[qid], qrels[qid]
		for _, k := range ks {
			res.Metrics[fmt.Sprintf("ndcg@%d", k)] += NDCG(r, judged, k)
			res.Metrics[fmt.Sprintf("mrr@%d", k)] += MRR(r, judged, k)
			res.Metrics[fmt.Sprintf("recall@%d", k)] += Recall(r, judged, k)
		}
	}
	res.Queries = len(qids)
	if res.Queries > 0 {
		for m := range res.Metrics {
			res.Metrics[m] /= float64(res.Queries)
		}
	}
	return res
}

// WriteRun writes the hits of one query as TREC run lines,
// "query-id Q0 doc-id rank score tag", ranks from 1.
func WriteRun(w io.Writer, qid string, hits []index.Hit, tag string) error {
	bw := bufio.NewWriter(w)
	for i, h := range hits {
		fmt.Fprintf(bw, "%s Q0 %s %d %s %s\n", qid, h.ID, i+1, strconv.FormatFloat(float64(h.Score), 'g', -1, 32), tag)
	}
	return bw.Flush()
}
