package ireval_test

import (
	"fmt"

	"github.com/splade-go/splade/ireval"
)

func ExampleEvaluate() {
	qrels := ireval.Qrels{
		"q1": {"d1": 2, "d7": 1},
		"q2": {"d3": 1},
	}
	run := map[string][]string{ // best first, as index.Search returns them
		"q1": {"d7", "d1", "d4"},
		"q2": {"d5", "d3"},
	}
	res := ireval.Evaluate(run, qrels, []int{10})
	fmt.Printf("queries %d, nDCG@10 %.4f, MRR@10 %.4f, Recall@10 %.4f\n",
		res.Queries, res.Metrics["ndcg@10"], res.Metrics["mrr@10"], res.Metrics["recall@10"])
	// Output:
	// queries 2, nDCG@10 0.7453, MRR@10 0.7500, Recall@10 1.0000
}
