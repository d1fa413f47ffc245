// Package ireval evaluates retrieval the way IR papers and model cards
// report it: it reads test collections in the BEIR layout and in TREC's
// formats, computes nDCG@k, MRR@k and Recall@k over a run, and writes TREC
// run files that trec_eval, pytrec_eval or ranx can check.
//
// # Collections
//
// A BEIR dataset folder ([BEIR]) holds corpus.jsonl (one
// {"_id", "title", "text"} per line), queries.jsonl ({"_id", "text"}) and
// qrels/<split>.tsv (query-id, corpus-id, score, after a header line).
// TREC topics are TSV files of id TAB text ([ReadTopics]); TREC qrels are
// lines "query-id iteration doc-id relevance" ([ReadQrels] reads both
// qrels formats). A document is searched as [Document.Contents]: the title
// and the text joined by a space, as BEIR does for SPLADE.
//
// # Metrics
//
// For one query, with the ranking r1, r2, ... (best first) and the graded
// judgments rel(d) of the qrels (unjudged documents count 0):
//
//	nDCG@k   = DCG@k / IDCG@k, DCG@k = sum over i <= k of max(rel(r_i), 0) / log2(i+1),
//	           IDCG@k the DCG@k of the judged grades sorted descending
//	           (trec_eval's ndcg_cut: linear gains, log2 discount; 0 when IDCG is 0)
//	MRR@k    = 1 / (rank of the first r_i with rel > 0), 0 if none in the first k
//	Recall@k = |{i <= k : rel(r_i) > 0}| / |{d : rel(d) > 0}|
//
// [Evaluate] averages each over the queries of the qrels that have a
// relevant document (rel > 0), counting a query without results as 0
// (trec_eval -c, as Anserini's BEIR regressions run it). Rankings are
// taken in the order given; trec_eval re-sorts a run file by score and
// breaks ties by document id descending, so with tied scores its numbers
// can differ slightly from these (the run files written here rank ties
// by document id ascending).
package ireval
