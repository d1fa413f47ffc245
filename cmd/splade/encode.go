package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/splade-go/splade/internal/corpus"

	"github.com/splade-go/splade/internal/dbformat"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/pgvec"
	"github.com/splade-go/splade/sparsevec"
)

// outputFlags are the flags of encode, besides the model's identity and
// --input and --shard, that change its output: a --resume state records
// them.
var outputFlags = map[string]bool{
	"format": true, "vector-name": true, "dot-replacement": true,
	"max-active-dims": true, "prune": true, "chunk": true, "chunk-overlap": true,
	"precision": true, "query": true, "document": true,
}

// runEncode is "splade encode". Each batch is written and flushed as soon
// as it is encoded, so a reader downstream sees lines while the input is
// still coming, and an interrupt keeps every finished batch.
func runEncode(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("encode", &m, &in)
	format := fs.String("format", "jsonl", "output format: jsonl, tokens, qdrant, milvus, pinecone or pgvector")
	vectorName := fs.String("vector-name", "", "name of the sparse vector: the qdrant vector name (default \"text\") or the milvus field (default \"sparse_vector\")")
	dot := fs.String("dot-replacement", dbformat.DefaultDotReplacement, "replaces \".\" in token names in the tokens format (Elasticsearch and OpenSearch reject dots)")
	shardFlag := fs.String("shard", "", "encode only shard `I/N` (0 <= I < N): the texts whose 0-based record number k has k % N == I; ids stay those of the whole input")
	resume := fs.String("resume", "", "write to the file `OUT` instead of standard output, appending, and skip the texts whose lines OUT already holds (rerun the same command after a kill); the state, kept in OUT.resume, must match this run's model, settings and input")
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	f, err := dbformat.ParseFormat(*format)
	if err != nil {
		return usagef(fs, "--format %q: want jsonl, tokens, qdrant, milvus, pinecone or pgvector", *format)
	}
	if *dot == "" || strings.Contains(*dot, ".") {
		return usagef(fs, "--dot-replacement %q must be non-empty and without a dot", *dot)
	}
	sh, err := parseShard(*shardFlag)
	if err != nil {
		return usagef(fs, "--shard %q: %v", *shardFlag, err)
	}
	if err := a.checkOutput("--resume", *resume); err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	src, total = sh.of(src, total)
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()
	out := a.stdout
	var rf *resumeFile
	if *resume != "" {
		id, err := m.identify(ctx, enc.MaxLength())
		if err != nil {
			return err
		}
		settings := map[string]string{"input": in.name, "shard": sh.String()}
		fs.Visit(func(fl *flag.Flag) {
			if outputFlags[fl.Name] {
				settings[fl.Name] = fl.Value.String()
			}
		})
		if rf, err = openResume(*resume, resumeState{Command: "encode", Model: id, Settings: settings}); err != nil {
			return err
		}
		defer rf.file.Close()
		if total >= 0 {
			total = max(total-rf.state.Input.Records, 0)
		}
		src, out = rf.skip(src), rf.file
	}
	w, err := dbformat.NewWriter(out, f, dbformat.Options{
		VectorName:     *vectorName,
		Token:          enc.Tokenizer().Token,
		DotReplacement: *dot,
	})
	if err != nil {
		return err
	}
	encode := m.encodeFunc(enc)
	prog := newProgress(a.stderr, in, "encoding", total)
	warn := newTextWarnings(enc)
	over := overLimit{format: f}
	err = eachChunk(ctx, src, m.batchSize, func(recs []corpus.Record) error {
		vs, err := encode(ctx, texts(recs))
		if err != nil {
			return err
		}
		for i, v := range vs {
			if err := w.Write(recs[i].ID, v); err != nil {
				return err
			}
			over.add(recs[i].ID, v)
		}
		warn.add(recs)
		prog.add(len(recs))
		if err := w.Flush(); err != nil {
			return err
		}
		if rf != nil {
			return rf.written(recs)
		}
		return nil
	})
	prog.done()
	if !in.quiet {
		warn.report(a.stderr)
		over.report(a.stderr)
	}
	return err
}

// shard is the --shard selection: record k belongs to shard k % n.
type shard struct{ i, n int }

// parseShard parses "I/N"; "" is the whole input (0/1).
func parseShard(s string) (shard, error) {
	if s == "" {
		return shard{0, 1}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return shard{}, errors.New("want I/N, such as 0/4 (shard 0 of 4)")
	case n < 1:
		return shard{}, errors.New("N must be at least 1")
	case i < 0 || i >= n:
		return shard{}, fmt.Errorf("I must be between 0 and %d", n-1)
	}
	return shard{i, n}, nil
}

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.i, s.n) }

// of returns the records of src in shard s and their number (-1 when the
// number total of all records is unknown).
func (s shard) of(src source, total int) (source, int) {
	if s.n == 1 {
		return src, total
	}
	if total >= 0 {
		total = (total - s.i + s.n - 1) / s.n
	}
	return &shardSource{src: src, s: s}, total
}

// shardSource yields the records of one shard.
type shardSource struct {
	src source
	s   shard
	k   int // records read from src
}

func (s *shardSource) next() (corpus.Record, error) {
	for {
		r, err := s.src.next()
		if err != nil {
			return r, err
		}
		k := s.k
		s.k++
		if k%s.s.n == s.s.i {
			return r, nil
		}
	}
}

// overLimit counts the vectors over the non-zero limit of the output
// format: Pinecone rejects them, pgvector cannot index them with HNSW.
type overLimit struct {
	format dbformat.Format
	n      int
	first  json.RawMessage
}

func (o *overLimit) limit() (int, string) {
	switch o.format {
	case dbformat.Pinecone:
		return dbformat.PineconeMaxNonZeros, "which Pinecone rejects"
	case dbformat.PGVector:
		return pgvec.MaxHNSWNonZeros, "which a pgvector HNSW index rejects"
	}
	return 0, ""
}

func (o *overLimit) add(id json.RawMessage, v sparsevec.Vector) {
	if max, _ := o.limit(); max > 0 && v.Len() > max {
		if o.n == 0 {
			o.first = id
		}
		o.n++
	}
}

func (o *overLimit) report(w io.Writer) {
	if o.n == 0 {
		return
	}
	max, why := o.limit()
	first := string(o.first)
	if o.format == dbformat.PGVector {
		first = "line " + strconv.Itoa(displayLine(o.first))
	} else {
		first = "id " + first
	}
	fmt.Fprintf(w, "splade: warning: %d vectors (the first: %s) have more than %d non-zero values, %s; rerun with --max-active-dims %d\n",
		o.n, first, max, why, max)
}

// displayLine is the 1-based output line of a 0-based numeric id, for
// formats without ids; 0 when id is not a number.
func displayLine(id json.RawMessage) int {
	n, err := strconv.Atoi(string(id))
	if err != nil {
		return 0
	}
	return n + 1
}

// textWarnings counts the texts that the encoder changed: cut to its
// maximum length, or with invalid UTF-8 replaced.
type textWarnings struct {
	ids        func(string) []int32 // the tokenizer; nil: no check
	limit      int                  // most tokens of a text, specials excluded
	n          int                  // texts seen
	truncated  int
	firstTrunc json.RawMessage
	replaced   int
	firstRepl  json.RawMessage
	maxLength  int
}

// newTextWarnings returns the counters for texts encoded by enc: a text
// is truncated when its WordPiece tokens, plus [CLS] and [SEP] unless the
// encoder is a query-only table lookup, exceed enc.MaxLength().
func newTextWarnings(enc *model.Encoder) *textWarnings {
	specials := 2
	if enc.Backend() == "static" {
		specials = 0
	}
	maxLength := enc.MaxLength()
	if enc.EncodeOptions().Chunk && enc.Backend() != "static" {
		maxLength = 0 // long texts are chunked, not truncated
	}
	return tokenWarnings(enc.Tokenizer().IDs, maxLength, specials)
}

// tokenWarnings returns the counters for texts split by ids (the token ids
// of a text, without special tokens) and cut to maxLength tokens (0: no
// limit), specials of which are special tokens such as [CLS] and [SEP].
func tokenWarnings(ids func(string) []int32, maxLength, specials int) *textWarnings {
	w := &textWarnings{maxLength: maxLength}
	if maxLength > 0 {
		w.ids, w.limit = ids, max(maxLength-specials, 0)
	}
	return w
}

// add counts the records recs.
func (w *textWarnings) add(recs []corpus.Record) {
	for _, r := range recs {
		w.n++
		if r.Replaced {
			if w.replaced == 0 {
				w.firstRepl = r.ID
			}
			w.replaced++
		}
		// Every token covers at least one byte of the text: shorter texts
		// need no second tokenization.
		if w.ids != nil && len(r.Text) > w.limit && len(w.ids(r.Text)) > w.limit {
			if w.truncated == 0 {
				w.firstTrunc = r.ID
			}
			w.truncated++
		}
	}
}

// report writes one warning line per kind of change.
func (w *textWarnings) report(stderr io.Writer) {
	if w.truncated > 0 {
		fmt.Fprintf(stderr, "splade: warning: %d of %d texts (the first: id %s) were longer than %d tokens and were truncated; --max-length sets the limit (up to the model's), --quiet hides this\n",
			w.truncated, w.n, w.firstTrunc, w.maxLength)
	}
	if w.replaced > 0 {
		fmt.Fprintf(stderr, "splade: warning: %d of %d texts (the first: id %s) had invalid UTF-8, replaced by U+FFFD; --quiet hides this\n",
			w.replaced, w.n, w.firstRepl)
	}
}
