// Command splade-beam encodes a corpus into SPLADE sparse vectors with an
// Apache Beam pipeline: on this machine with Beam's prism runner (the
// default, in process, nothing to install), or on Google Cloud Dataflow,
// Flink or Spark through Beam's runner flags. See docs/beam.md.
//
//	splade-beam --model ID_OR_DIR --input GLOB --input-format text|jsonl|beir \
//	    --output PREFIX [--format jsonl|tokens|qdrant|milvus|pinecone|pgvector] \
//	    [--num-shards N] [--batch-size N] [--precision fp32|bf16] [--max-length N] \
//	    [--query|--document] [--runner prism|dataflow|flink|spark|universal ...]
//
// The output lines are those of `splade encode --input FORMAT --format
// FORMAT` on the same texts, in PREFIX-00000-of-0000N files (in no order
// within or across files). Input lines that are not records of their
// format (malformed JSON, no "text") are not encoded: they are listed, with
// their file and line, in PREFIX.reports.jsonl, beside the texts longer
// than the model's maximum length (encoded truncated, as splade encode
// does), and the command exits with status 1 after the pipeline has
// encoded every other line. The pipeline's counters (namespace "splade":
// texts, tokens, batches, truncated, malformed) go to standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/splade-go/splade"
	"github.com/splade-go/splade/beam/spladeio"
	"github.com/splade-go/splade/internal/corpus"
	"github.com/splade-go/splade/internal/dbformat"
	"github.com/splade-go/splade/model"
)

// The flags; Beam's own (--runner, --endpoint, --environment_type, ...)
// live in the same flag set.
var (
	modelName   = flag.String("model", "", "model: a local folder or a Hugging Face hub id, downloaded on each worker (required)")
	revision    = flag.String("revision", "", "hub revision: branch, tag or commit (default \"main\")")
	input       = flag.String("input", "", "input files: a path or glob (required)")
	inputFormat = flag.String("input-format", "text", "input format: text (one text per line), jsonl ({\"id\": ..., \"text\": \"...\"} per line) or beir (a BEIR corpus.jsonl)")
	output      = flag.String("output", "", "output prefix: files PREFIX-00000-of-0000N, reports PREFIX.reports.jsonl (required)")
	format      = flag.String("format", "jsonl", "output format: jsonl, tokens, qdrant, milvus, pinecone or pgvector (as splade encode)")
	vectorName  = flag.String("vector-name", "", "name of the sparse vector: the qdrant vector name (default \"text\") or the milvus field (default \"sparse_vector\")")
	dot         = flag.String("dot-replacement", dbformat.DefaultDotReplacement, "replaces \".\" in token names in the tokens format")
	numShards   = flag.Int("num-shards", 1, "number of output files")
	batchSize   = flag.Int("batch-size", model.DefaultBatchSize, "texts per forward pass")
	precision   = flag.String("precision", "", "number format of the network: fp32 (exact, the default) or bf16")
	maxLength   = flag.Int("max-length", 0, "most tokens per text, [CLS] and [SEP] included; longer texts are truncated (0: the model's maximum)")
	pooling     = flag.String("pooling", "", "pooling over tokens: max or sum (empty: the model's)")
	activation  = flag.String("activation", "", "activation: relu or log1p_relu (empty: the model's)")
	maxActive   = flag.Int("max-active-dims", 0, "keep only the K largest weights of each vector (0: all)")
	backend     = flag.String("backend", "", "engine on the workers (empty: the fastest exact one there)")
	query       = flag.Bool("query", false, "encode the texts as queries (asymmetric models)")
	document    = flag.Bool("document", false, "encode the texts as documents (asymmetric models)")
)

func main() {
	flag.Parse()
	// On a remote runner this binary is also the worker: Init runs the
	// worker harness there and returns on the launching machine.
	beam.Init()
	if err := run(context.Background(), os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "splade-beam:", err)
		os.Exit(1)
	}
}

// errUsage marks a bad command line.
var errUsage = errors.New("usage: splade-beam --model ID_OR_DIR --input GLOB --input-format text|jsonl|beir --output PREFIX [flags]; splade-beam --help lists them")

func run(ctx context.Context, stderr io.Writer) error {
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%w", flag.Arg(0), errUsage)
	}
	switch {
	case *modelName == "" || *input == "" || *output == "":
		return fmt.Errorf("--model, --input and --output are required\n%w", errUsage)
	case *query && *document:
		return errors.New("--query and --document exclude each other")
	case *numShards < 1:
		return fmt.Errorf("--num-shards %d: want at least 1", *numShards)
	case *batchSize < 1:
		return fmt.Errorf("--batch-size %d: want at least 1", *batchSize)
	case *dot == "" || strings.Contains(*dot, "."):
		return fmt.Errorf("--dot-replacement %q must be non-empty and without a dot", *dot)
	}
	inFormat, err := corpus.ParseFormat(*inputFormat)
	if err != nil {
		return fmt.Errorf("--input-format %q: want text, jsonl or beir", *inputFormat)
	}
	outFormat, err := dbformat.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("--format %q: want jsonl, tokens, qdrant, milvus, pinecone or pgvector", *format)
	}
	m := spladeio.Model{
		Name: *modelName, Revision: *revision, MaxLength: *maxLength,
		Pooling: *pooling, Activation: *activation, Precision: *precision,
		BatchSize: *batchSize, MaxActiveDims: *maxActive, Backend: *backend,
	}
	switch {
	case *query:
		m.Kind = splade.KindQuery
	case *document:
		m.Kind = splade.KindDocument
	}
	if err := m.Check(); err != nil {
		return err
	}

	p, s := beam.NewPipelineWithRoot()
	texts, malformed, err := spladeio.Read(ctx, s, *input, inFormat)
	if err != nil {
		return err
	}
	vectors, truncated := spladeio.Encode(s, m, texts)
	lines := spladeio.Format(s, m, spladeio.Output{Format: outFormat, VectorName: *vectorName, DotReplacement: *dot}, vectors)
	spladeio.WriteSharded(s, *output, *numShards, lines)
	reportsFile := *output + ".reports.jsonl"
	spladeio.WriteReports(s, reportsFile, beam.Flatten(s, malformed, truncated))
	removeStale(ctx, reportsFile)

	res, err := beamx.RunWithMetrics(ctx, p)
	if err != nil {
		return fmt.Errorf("the pipeline failed: %w", err)
	}
	counts := map[string]int64{}
	if res != nil {
		for _, c := range res.Metrics().AllMetrics().Counters() {
			if c.Key.Namespace == "splade" {
				counts[c.Key.Name] += c.Committed
			}
		}
	}
	fmt.Fprintf(stderr, "splade-beam: %d texts (%d tokens, %d batches) encoded into %s-*-of-%05d\n",
		counts["texts"], counts["tokens"], counts["batches"], *output, *numShards)
	if n := counts["truncated"]; n > 0 {
		fmt.Fprintf(stderr, "splade-beam: warning: %d texts were longer than the model's maximum length and were truncated (listed in %s); --max-length sets the limit\n", n, reportsFile)
	}
	if n := counts["malformed"]; n > 0 {
		return fmt.Errorf("%d input lines are not %s records and were not encoded; %s lists each with its file and line", n, inFormat, reportsFile)
	}
	return nil
}

// removeStale removes the reports file of an earlier run, which this run
// writes only when it has reports.
func removeStale(ctx context.Context, name string) {
	fs, err := filesystem.New(ctx, name)
	if err != nil {
		return
	}
	defer fs.Close()
	if r, ok := fs.(filesystem.Remover); ok {
		r.Remove(ctx, name)
	}
}
