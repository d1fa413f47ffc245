package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/splade-go/splade/internal/corpus"

	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/ireval"
)

// runEval is "splade eval": index a corpus, search its queries and score
// the run against the qrels (package ireval).
func runEval(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	fs := flagSet("eval", &m, nil, "query", "document")
	var in inputFlags
	fs.BoolVar(&in.progress, "progress", false, "show a progress bar on standard error even when it is not a terminal")
	fs.BoolVar(&in.quiet, "quiet", false, "never show a progress bar")
	dataset := fs.String("dataset", "", "BEIR dataset folder: corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv")
	split := fs.String("split", "test", "qrels split of the BEIR folder")
	corpusFile := fs.String("corpus", "", "corpus file (BEIR corpus.jsonl: _id, title, text); default: the dataset's")
	queries := fs.String("queries", "", "queries file: BEIR queries.jsonl, or TREC topics TSV (id TAB text); default: the dataset's")
	qrelsPath := fs.String("qrels", "", "qrels file: BEIR TSV with a header, or TREC qrels (query-id iteration doc-id relevance); default: the dataset's")
	idxPath := fs.String("index", "", "index file to search; built from the corpus and kept there when it does not exist (default: a temporary index)")
	weights := fs.String("weights", "f32", "weights of an index built here: f32 or uint8")
	kList := fs.String("k", "10,100", "cutoffs: nDCG, MRR and Recall at each; the run holds the largest")
	runPath := fs.String("run", "", "write the run as a TREC run file (query-id Q0 doc-id rank score tag)")
	asJSON := fs.Bool("json", false, `print {"ndcg@10": x, "mrr@10": y, "recall@100": z, "queries": n, ...} instead of a table`)
	exhaustive := fs.Bool("exhaustive", false, "search without MaxScore pruning (the same results; for comparison)")
	pos, err := parse(fs, args, &m, nil)
	if err != nil {
		return err
	}
	ks, err := parseCutoffs(*kList)
	w, werr := index.ParseWeights(*weights)
	switch {
	case len(pos) > 0:
		return usagef(fs, "eval takes no texts (got %q); name the files with --dataset or --corpus, --queries and --qrels", pos[0])
	case err != nil:
		return usagef(fs, "--k %q: %v", *kList, err)
	case werr != nil:
		return usagef(fs, "--weights %q: want f32 or uint8", *weights)
	case in.progress && in.quiet:
		return usagef(fs, "--progress and --quiet exclude each other")
	}
	if *dataset != "" {
		d, err := ireval.BEIR(*dataset, *split)
		if err != nil {
			return err
		}
		*corpusFile = cmpOr(*corpusFile, d.Corpus)
		*queries = cmpOr(*queries, d.Queries)
		*qrelsPath = cmpOr(*qrelsPath, d.Qrels)
	}
	haveIndex := false
	if *idxPath != "" {
		if _, err := os.Stat(*idxPath); err == nil {
			haveIndex = true
		}
	}
	switch {
	case *queries == "" || *qrelsPath == "":
		return usagef(fs, "missing --dataset, or --queries and --qrels")
	case *corpusFile == "" && !haveIndex:
		return usagef(fs, "missing the corpus: --dataset, --corpus, or an existing --index")
	}
	if err := a.checkOutput("--run", *runPath, *corpusFile, *queries, *qrelsPath, *idxPath); err != nil {
		return err
	}
	qs, err := ireval.ReadQueryFile(*queries)
	if err != nil {
		return err
	}
	qrels, err := ireval.ReadQrelsFile(*qrelsPath)
	if err != nil {
		return err
	}
	if err := checkQrels(qrels, qs, *qrelsPath, *queries); err != nil {
		return err
	}
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()

	if !haveIndex {
		path := *idxPath
		if path == "" {
			dir, err := os.MkdirTemp("", "splade-eval-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			path = filepath.Join(dir, "corpus.idx")
		}
		f, err := os.Open(*corpusFile)
		if err != nil {
			return err
		}
		total := -1
		if progressWanted(a.stderr, in) {
			total = countRecords(f, corpus.BEIR)
		}
		prog := newProgress(a.stderr, in, "encoding corpus", total)
		warn := newTextWarnings(enc)
		src := newLineSource(*corpusFile, f, corpus.BEIR)
		id, err := m.identify(ctx, enc.MaxLength())
		if err != nil {
			return err
		}
		_, err = buildIndex(ctx, enc, id, path, w, warn, func(add func([]corpus.Record) error) error {
			return eachChunk(ctx, src, m.batchSize*chunkBatches, func(recs []corpus.Record) error {
				if err := add(recs); err != nil {
					return err
				}
				prog.add(len(recs))
				return nil
			})
		})
		prog.done()
		f.Close()
		if err != nil {
			return err
		}
		if !in.quiet {
			warn.report(a.stderr)
		}
		*idxPath = path
	}
	ix, err := index.Open(*idxPath)
	if err != nil {
		return err
	}
	if err := m.checkIndex(ctx, ix, enc, *idxPath); err != nil {
		return err
	}
	if haveIndex && *corpusFile != "" {
		if err := checkCorpus(ix, *idxPath, *corpusFile); err != nil {
			return err
		}
	}

	var run *bufio.Writer
	if *runPath != "" {
		f, err := os.Create(*runPath)
		if err != nil {
			return err
		}
		defer f.Close()
		run = bufio.NewWriter(f)
	}
	ranking := map[string][]string{}
	qtexts := make([]string, len(qs))
	for i, q := range qs {
		qtexts[i], _ = corpus.ValidUTF8(q.Text)
	}
	vs, err := enc.EncodeQuery(ctx, qtexts)
	if err != nil {
		return err
	}
	depth := slices.Max(ks)
	opts := index.SearchOptions{Exhaustive: *exhaustive}
	for i, q := range qs {
		hits, err := ix.Search(vs[i], depth, opts)
		if err != nil {
			return err
		}
		ids := make([]string, len(hits))
		for j, h := range hits {
			ids[j] = h.ID
		}
		ranking[q.ID] = ids
		if run != nil {
			if err := ireval.WriteRun(run, q.ID, hits, "splade"); err != nil {
				return err
			}
		}
	}
	if run != nil {
		if err := run.Flush(); err != nil {
			return err
		}
	}
	res := ireval.Evaluate(ranking, qrels, ks)
	if *asJSON {
		obj := map[string]any{"queries": res.Queries}
		for k, v := range res.Metrics {
			obj[k] = v
		}
		out := newJSONWriter(a.stdout)
		out.write(obj)
		return out.flush()
	}
	var b strings.Builder
	for _, name := range []string{"ndcg", "mrr", "recall"} {
		for _, k := range ks {
			fmt.Fprintf(&b, "%s@%d\t%.4f\n", name, k, res.Metrics[fmt.Sprintf("%s@%d", name, k)])
		}
	}
	fmt.Fprintf(&b, "queries\t%d\n", res.Queries)
	_, err = fmt.Fprint(a.stdout, b.String())
	return err
}

// checkCorpus refuses an index built from another corpus than the file
// corpusFile, when the index records its corpus.
func checkCorpus(ix *index.Index, idxPath, corpusFile string) error {
	prov, ok := readProvenance(ix.Model())
	if !ok {
		return nil
	}
	f, err := os.Open(corpusFile)
	if err != nil {
		return err
	}
	defer f.Close()
	src := newLineSource(corpusFile, f, corpus.BEIR)
	var got inputPrint
	for {
		r, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		got.add(r)
	}
	if got.SHA256 != prov.Corpus.SHA256 {
		return fmt.Errorf("index %s was built from another corpus (%d documents) than %s (%d documents): delete it to rebuild it from this corpus, or pass another --index", idxPath, prov.Corpus.Records, corpusFile, got.Records)
	}
	return nil
}

// checkQrels refuses judgments that cannot give a meaningful score: none
// at all, or judged queries that the queries file lacks (the files are of
// different datasets or splits; counting those queries as 0 would lower
// every score silently).
func checkQrels(qrels ireval.Qrels, qs []ireval.Query, qrelsPath, queriesPath string) error {
	if len(qrels) == 0 {
		return fmt.Errorf("%s holds no judgments: want BEIR TSV (query-id, corpus-id, score, with a header) or TREC qrels (query-id iteration doc-id relevance)", qrelsPath)
	}
	have := make(map[string]bool, len(qs))
	for _, q := range qs {
		have[q.ID] = true
	}
	var missing []string
	for qid := range qrels {
		if !have[qid] {
			missing = append(missing, qid)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%d judged queries of %s are not in %s (first %q): the files are of different datasets or splits; pass the queries file that goes with the qrels", len(missing), qrelsPath, queriesPath, missing[0])
	}
	return nil
}

// parseCutoffs parses a comma-separated list of positive cutoffs.
func parseCutoffs(s string) ([]int, error) {
	var ks []int
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k <= 0 || k > maxCount {
			return nil, fmt.Errorf("want integers from 1 to %d separated by commas", maxCount)
		}
		if !slices.Contains(ks, k) {
			ks = append(ks, k)
		}
	}
	return ks, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
