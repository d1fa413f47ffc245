// Command splade encodes text into SPLADE sparse vectors with a
// masked-language model (BERT, DistilBERT, RoBERTa and the other families
// package model reads), from a local folder or a Hugging Face hub model
// id, and serves the same encoder over HTTP.
//
// Usage:
//
//	splade encode     --model ID_OR_DIR [flags] [TEXT...]   sparse vectors as JSON lines
//	splade tokenize   --model ID_OR_DIR [flags] [TEXT...]   token ids and tokens (WordPiece, BPE, Unigram)
//	splade similarity --model ID_OR_DIR [flags] [TEXT...]   score matrix (dot or cosine)
//	splade stats      --model ID_OR_DIR [flags] [TEXT...]   sparsity statistics
//	splade decode     --model ID_OR_DIR [flags] [TEXT...]   heaviest tokens per text
//	splade index      --model ID_OR_DIR --out IDX [TEXT...]  inverted index of documents
//	splade search     --model ID_OR_DIR --index IDX [QUERY...]  top-k documents per query
//	splade eval       --model ID_OR_DIR --dataset DIR       nDCG@10, MRR@10, Recall@100 on BEIR/TREC data
//	splade serve      --model ID_OR_DIR [--addr HOST:PORT]  HTTP JSON API (POST /search with --index)
//	splade bench      --model ID_OR_DIR [flags]             texts/s per engine and precision
//
// Texts come from the arguments or, when there are none, from standard
// input: one text per line (--input text, the default; every line is a
// text, empty ones too, and its id is its 0-based line number), or one
// JSON object per line (--input jsonl: {"id": any JSON value, "text":
// "..."}; blank lines are skipped, a missing id becomes the 0-based
// record number, and a BEIR line's "_id" and "title" are used), or a BEIR
// corpus.jsonl (--input beir: {"_id", "title", "text"}, the title and the
// text joined by a space as BEIR does). Package internal/corpus reads
// them, for this command and the Beam pipeline alike. Input is read, encoded and written batch by batch, so
// memory stays flat however long the input is, and encode, decode and
// tokenize write (and flush) each batch as soon as it is done; when the
// input pauses, the texts read so far go out as a shorter batch. Invalid
// UTF-8 is replaced by U+FFFD, one per maximal invalid subsequence, as
// Python's bytes.decode("utf-8", errors="replace") does; a warning line
// on standard error counts the texts so changed, and another the texts
// truncated to the model's maximum length.
//
// encode --shard I/N encodes only the records k with k % N == I, keeping
// their ids; encode --resume OUT appends to the file OUT, skipping the
// records whose lines it already holds, so that a killed run started
// again continues where it stopped; the state beside OUT (OUT.resume:
// model, settings, input fingerprint) must match the run's, else the
// command is refused.
//
// Output formats of encode (--format): jsonl (the default:
// {"id","indices","values"}), tokens (Elasticsearch sparse_vector and
// OpenSearch rank_features: token -> weight, dots in tokens replaced by
// "_"), qdrant, milvus, pinecone and pgvector; see package
// github.com/splade-go/splade/internal/dbformat for their exact shapes.
//
// A progress bar (count, texts/s and, when the total is known, ETA) goes to
// standard error when it is a terminal and the input is more than a
// screenful; --progress forces it and --quiet silences it and the
// warnings. The total is
// known for arguments and for standard input redirected from a file.
//
// Exit status: 0 on success, 1 on a runtime error (one line on standard
// error, "splade: ..."), 2 on a usage error (one line too, pointing at
// "splade CMD --help"), 130 when interrupted
// (SIGINT/SIGTERM; every line finished before the signal is written).
// A second interrupt kills the process at once.
//
// Run "splade CMD --help" for the flags of a command (a mistyped flag gets
// the nearest one), and "splade --version" for the version, the engine
// and the CPU features it uses.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, restore the default handling so that a
	// second one ends the process at once.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
