package spladeio

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/splade-go/splade/internal/dbformat"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*formatFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*shardFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*writeShardFn)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*writeReportsFn)(nil)).Elem())
	beam.RegisterFunction(reportLine)
	beam.RegisterFunction(emptyShard)
}

// Output chooses the lines Format writes: the --format, --vector-name
// and --dot-replacement of splade encode (see internal/dbformat).
type Output struct {
	Format         dbformat.Format
	VectorName     string
	DotReplacement string
}

// Format returns the output line (newline excluded) of each vector, as
// splade encode writes it. The tokens format names the vocabulary ids by
// the model's tokens, so it loads m's tokenizer (through the same cache
// as Encode); other formats do not load the model.
func Format(s beam.Scope, m Model, out Output, vectors beam.PCollection) beam.PCollection {
	s = s.Scope("spladeio.Format")
	return beam.ParDo(s, &formatFn{Model: m, Output: out}, vectors)
}

type formatFn struct {
	Model  Model
	Output Output

	opts dbformat.Options
	line []byte
}

func (fn *formatFn) Setup(ctx context.Context) error {
	fn.opts = dbformat.Options{VectorName: fn.Output.VectorName, DotReplacement: fn.Output.DotReplacement}
	if fn.Output.Format == dbformat.Tokens {
		enc, err := load(ctx, fn.Model)
		if err != nil {
			return err
		}
		fn.opts.Token = enc.Token
	}
	return nil
}

func (fn *formatFn) ProcessElement(v Vector, emit func(string)) error {
	var err error
	fn.line, err = dbformat.Append(fn.line[:0], fn.Output.Format, json.RawMessage(v.ID), v.Sparse(), fn.opts)
	if err != nil {
		return fmt.Errorf("spladeio: id %s: %w", v.ID, err)
	}
	emit(strings.TrimSuffix(string(fn.line), "\n"))
	return nil
}

// ShardName returns the name of shard i of n of the output prefix, as
// Beam's text sinks name shards: PREFIX-00001-of-00004.
func ShardName(prefix string, i, n int) string {
	return fmt.Sprintf("%s-%05d-of-%05d", prefix, i, n)
}

// WriteSharded writes lines (a PCollection of string) into n files named
// by ShardName, each line once, a line's shard chosen by a hash of the
// line; every shard file is written, empty ones too, so that a reader
// sees all n. A shard is written under a temporary name and renamed when
// complete, so a retried or killed worker never leaves half a shard under
// the final name.
func WriteSharded(s beam.Scope, prefix string, n int, lines beam.PCollection) {
	s = s.Scope("spladeio.WriteSharded")
	filesystem.ValidateScheme(prefix)
	keyed := beam.ParDo(s, &shardFn{N: n}, lines)
	shards := make([]any, n)
	for i := range shards {
		shards[i] = i
	}
	all := beam.ParDo(s, emptyShard, beam.Create(s, shards...))
	grouped := beam.CoGroupByKey(s, all, keyed)
	beam.ParDo0(s, &writeShardFn{Prefix: prefix, N: n}, grouped)
}

// emptyShard is the element that makes shard i appear in the CoGroupByKey
// when no line falls into it.
func emptyShard(i int) (int, bool) { return i, true }

// shardFn keys a line by its shard.
type shardFn struct{ N int }

func (fn *shardFn) ProcessElement(line string) (int, string) {
	h := fnv.New32a()
	h.Write([]byte(line))
	return int(h.Sum32() % uint32(fn.N)), line
}

// writeShardFn writes one shard file.
type writeShardFn struct {
	Prefix string
	N      int
}

func (fn *writeShardFn) ProcessElement(ctx context.Context, shard int, _ func(*bool) bool, lines func(*string) bool) error {
	name := ShardName(fn.Prefix, shard, fn.N)
	return writeLines(ctx, name, lines)
}

// writeLines writes the lines into the file name, through a temporary
// file renamed when complete.
func writeLines(ctx context.Context, name string, lines func(*string) bool) error {
	fs, err := filesystem.New(ctx, name)
	if err != nil {
		return err
	}
	defer fs.Close()
	tmp := name + ".tmp"
	w, err := fs.OpenWrite(ctx, tmp)
	if err != nil {
		return fmt.Errorf("spladeio: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var line string
	for lines(&line) {
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		w.Close()
		return fmt.Errorf("spladeio: writing %s: %w", tmp, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("spladeio: writing %s: %w", tmp, err)
	}
	if err := filesystem.Rename(ctx, fs, tmp, name); err != nil {
		return fmt.Errorf("spladeio: %w", err)
	}
	return nil
}

// WriteReports writes the reports (a PCollection of Report) as JSON lines
// into the file name, when there is at least one report; no report, no
// file.
func WriteReports(s beam.Scope, name string, reports beam.PCollection) {
	s = s.Scope("spladeio.WriteReports")
	filesystem.ValidateScheme(name)
	lines := beam.ParDo(s, reportLine, reports)
	grouped := beam.GroupByKey(s, beam.AddFixedKey(s, lines))
	beam.ParDo0(s, &writeReportsFn{Name: name}, grouped)
}

// reportLine is r as one JSON object, its id as the JSON value it is.
func reportLine(r Report) (string, error) {
	type line struct {
		File    string          `json:"file"`
		Line    int             `json:"line"`
		ID      json.RawMessage `json:"id,omitempty"`
		Problem string          `json:"problem"`
		Detail  string          `json:"detail"`
		Input   string          `json:"input,omitempty"`
	}
	b, err := json.Marshal(line{r.File, r.Line, json.RawMessage(r.ID), r.Problem, r.Detail, r.Input})
	return string(b), err
}

type writeReportsFn struct{ Name string }

func (fn *writeReportsFn) ProcessElement(ctx context.Context, _ int, lines func(*string) bool) error {
	return writeLines(ctx, fn.Name, lines)
}
