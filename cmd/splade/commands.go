package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/splade-go/splade/internal/corpus"

	"golang.org/x/term"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/tokenizer"
)

// chunkBatches is how many batches the commands that keep every vector
// (similarity, stats) encode at once, so that the encoder can sort more
// texts by length; the commands that write a line per text write each
// batch as soon as it is done.
const chunkBatches = 16

// flagSet returns the flag set of a command with the model and input
// flags registered, but for those named in skip, which do not apply to
// the command (its help does not list them, and giving one is a usage
// error that says so).
func flagSet(name string, m *modelFlags, in *inputFlags, skip ...string) *flag.FlagSet {
	all := flag.NewFlagSet("splade "+name, flag.ContinueOnError)
	m.register(all)
	if in != nil {
		in.register(all)
	}
	fs := flag.NewFlagSet("splade "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	all.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(skip, f.Name) {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	return fs
}

// openInput returns the texts of the arguments, or else of standard input,
// and their number (-1 when unknown or not worth a pass over the input).
func (a *app) openInput(in inputFlags, args []string) (source, int) {
	if len(args) > 0 {
		return &argSource{texts: args}, len(args)
	}
	total := -1
	if f, ok := a.stdin.(*os.File); ok {
		if term.IsTerminal(int(f.Fd())) {
			fmt.Fprintln(a.stderr, "splade: reading texts from standard input, one per line; end with Ctrl-D")
		} else if progressWanted(a.stderr, in) {
			total = countRecords(f, in.format)
		}
	}
	return newLineSource("standard input", a.stdin, in.format), total
}

// encodeFunc returns the Encode method that the --query and --document
// flags choose.
func (m *modelFlags) encodeFunc(enc *model.Encoder) func(context.Context, []string) ([]sparsevec.Vector, error) {
	switch {
	case m.query:
		return enc.EncodeQuery
	case m.document:
		return enc.EncodeDocument
	}
	return func(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
		return enc.Encode(ctx, texts, splade.KindDefault)
	}
}

// jsonWriter writes JSON lines without HTML escaping ("<unk>" stays
// readable), buffered.
type jsonWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

func newJSONWriter(w io.Writer) *jsonWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &jsonWriter{bw, enc}
}

func (j *jsonWriter) write(v any) error { return j.enc.Encode(v) }
func (j *jsonWriter) flush() error      { return j.bw.Flush() }

// runTokenize is "splade tokenize". It loads only the tokenizer.
func runTokenize(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("tokenize", &m, &in, "backend", "pooling", "activation", "max-active-dims", "prune", "chunk", "chunk-overlap", "precision")
	fs.Lookup("batch-size").Usage = "texts per output batch (each batch is written as soon as it is tokenized)"
	fs.Lookup("query").Usage = "tokenize as the model's query side does (inference-free models)"
	fs.Lookup("document").Usage = "tokenize as the model's document side does (inference-free models)"
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	dir, err := hub.Resolve(ctx, m.model, m.hubOptions())
	if err != nil {
		return err
	}
	tok, maxLen, err := m.tokenizer(dir)
	if err != nil {
		return err
	}
	out := newJSONWriter(a.stdout)
	prog := newProgress(a.stderr, in, "tokenizing", total)
	warn := tokenWarnings(tok.IDs, maxLen, 2)
	type line struct {
		ID     json.RawMessage `json:"id"`
		IDs    []int32         `json:"ids"`
		Tokens []string        `json:"tokens"`
	}
	err = eachChunk(ctx, src, m.batchSize, func(recs []corpus.Record) error {
		for _, r := range recs {
			ids := tok.EncodeIDs(r.Text, maxLen)
			if err := out.write(line{r.ID, ids, tokenizer.Tokens(tok, ids)}); err != nil {
				return err
			}
		}
		warn.add(recs)
		prog.add(len(recs))
		return out.flush()
	})
	prog.done()
	if !in.quiet {
		warn.report(a.stderr)
	}
	return err
}

// tokenizer returns the tokenizer and truncation length the encoder would
// use on the folder dir for the texts the --query and --document flags
// choose, read through package layout as model.Load reads it, without
// loading weights. A folder of tokenizer files alone, which is no model
// layout, gives its tokenizer and model_max_length.
func (m *modelFlags) tokenizer(dir string) (tokenizer.Tokenizer, int, error) {
	fsys := os.DirFS(dir)
	desc, err := layout.Read(fsys)
	if err != nil {
		for _, marker := range []string{"config.json", "modules.json", "idf.json"} {
			if _, statErr := fs.Stat(fsys, marker); statErr == nil {
				return nil, 0, err // a model folder that layout cannot read
			}
		}
		tok, err := tokenizer.Load(fsys)
		if err != nil {
			return nil, 0, err
		}
		return tok, cmp.Or(m.maxLength, tok.MaxLength()), nil
	}
	r := desc.Default
	switch {
	case m.query:
		r = desc.Query
	case m.document && !desc.QueryOnly():
		r = desc.Document
	}
	return r.Tokenizer(), cmp.Or(m.maxLength, r.MaxLength()), nil
}

// encodeAll encodes every record of src.
func encodeAll(ctx context.Context, src source, batch int, encode func(context.Context, []string) ([]sparsevec.Vector, error), prog *progress, warn *textWarnings) ([]corpus.Record, []sparsevec.Vector, error) {
	var recs []corpus.Record
	var vs []sparsevec.Vector
	err := eachChunk(ctx, src, batch*chunkBatches, func(chunk []corpus.Record) error {
		v, err := encode(ctx, texts(chunk))
		if err != nil {
			return err
		}
		recs = append(recs, chunk...)
		vs = append(vs, v...)
		warn.add(chunk)
		prog.add(len(chunk))
		return nil
	})
	return recs, vs, err
}

// runSimilarity is "splade similarity".
func runSimilarity(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("similarity", &m, &in)
	fnName := fs.String("fn", string(sparsevec.DotFunc), "similarity function: dot or cosine")
	asJSON := fs.Bool("json", false, `print {"fn": ..., "scores": [[...], ...]} instead of a table`)
	queries := fs.String("queries", "", "file of queries (in the --input format), encoded as queries; needs --documents")
	documents := fs.String("documents", "", "file of documents (in the --input format), encoded as documents; needs --queries")
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	fn, err := sparsevec.ParseFunc(*fnName)
	if err != nil {
		return usagef(fs, "--fn %q: want dot or cosine", *fnName)
	}
	pair := *queries != "" || *documents != ""
	switch {
	case pair && (*queries == "" || *documents == ""):
		return usagef(fs, "--queries and --documents go together")
	case pair && len(pos) > 0:
		return usagef(fs, "texts as arguments do not go with --queries and --documents")
	}

	var qf, df *os.File
	if pair {
		if qf, err = os.Open(*queries); err != nil {
			return err
		}
		defer qf.Close()
		if df, err = os.Open(*documents); err != nil {
			return err
		}
		defer df.Close()
	}
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()

	var rowIDs, colIDs []corpus.Record
	var rows, cols []sparsevec.Vector
	warn := newTextWarnings(enc)
	if pair {
		total := -1
		if progressWanted(a.stderr, in) {
			if nq, nd := countRecords(qf, in.format), countRecords(df, in.format); nq >= 0 && nd >= 0 {
				total = nq + nd
			}
		}
		prog := newProgress(a.stderr, in, "encoding", total)
		rowIDs, rows, err = encodeAll(ctx, newLineSource(*queries, qf, in.format), m.batchSize, enc.EncodeQuery, prog, warn)
		if err == nil {
			colIDs, cols, err = encodeAll(ctx, newLineSource(*documents, df, in.format), m.batchSize, enc.EncodeDocument, prog, warn)
		}
		prog.done()
	} else {
		src, total := a.openInput(in, pos)
		prog := newProgress(a.stderr, in, "encoding", total)
		rowIDs, rows, err = encodeAll(ctx, src, m.batchSize, m.encodeFunc(enc), prog, warn)
		colIDs, cols = rowIDs, rows
		prog.done()
	}
	if !in.quiet {
		warn.report(a.stderr)
	}
	if err != nil {
		return err
	}
	scores := sparsevec.Similarity(rows, cols, fn)
	if *asJSON {
		out := newJSONWriter(a.stdout)
		out.write(struct {
			Fn     sparsevec.Func `json:"fn"`
			Scores [][]float32    `json:"scores"`
		}{fn, nonNil(scores)})
		return out.flush()
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", fn)
	for _, c := range colIDs {
		fmt.Fprintf(tw, "%s\t", displayID(c.ID))
	}
	fmt.Fprintln(tw)
	for i, r := range rowIDs {
		fmt.Fprintf(tw, "%s\t", displayID(r.ID))
		for _, s := range scores[i] {
			fmt.Fprintf(tw, "%.4f\t", s)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func nonNil(s [][]float32) [][]float32 {
	if s == nil {
		return [][]float32{}
	}
	return s
}

// displayID shows a JSON id for people: strings without quotes.
func displayID(id json.RawMessage) string {
	var s string
	if json.Unmarshal(id, &s) == nil {
		return s
	}
	return string(id)
}

// runStats is "splade stats".
func runStats(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("stats", &m, &in)
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()
	encode := m.encodeFunc(enc)
	prog := newProgress(a.stderr, in, "encoding", total)
	// Keep one count per vector (for the median), not the vectors.
	var active []int
	sum := 0
	warn := newTextWarnings(enc)
	err = eachChunk(ctx, src, m.batchSize*chunkBatches, func(recs []corpus.Record) error {
		vs, err := encode(ctx, texts(recs))
		if err != nil {
			return err
		}
		for _, v := range vs {
			// SparsityOf of one vector is its number of non-zeros.
			n := int(sparsevec.SparsityOf([]sparsevec.Vector{v}).ActiveDims)
			active = append(active, n)
			sum += n
		}
		warn.add(recs)
		prog.add(len(recs))
		return nil
	})
	prog.done()
	if !in.quiet {
		warn.report(a.stderr)
	}
	if err != nil {
		return err
	}
	st := struct {
		Count         int     `json:"count"`
		Dim           int     `json:"dim"`
		ActiveDims    float64 `json:"active_dims"`
		SparsityRatio float64 `json:"sparsity_ratio"`
		MinActive     int     `json:"min_active"`
		MedianActive  float64 `json:"median_active"`
		MaxActive     int     `json:"max_active"`
	}{Count: len(active), Dim: enc.Dim()}
	if len(active) > 0 {
		// As sparsevec.SparsityOf over all vectors: mean non-zeros and
		// 1 - mean/dim.
		st.ActiveDims = float64(sum) / float64(len(active))
		st.SparsityRatio = 1 - st.ActiveDims/float64(st.Dim)
		slices.Sort(active)
		st.MinActive, st.MaxActive = active[0], active[len(active)-1]
		mid := len(active) / 2
		st.MedianActive = float64(active[mid])
		if len(active)%2 == 0 {
			st.MedianActive = float64(active[mid-1]+active[mid]) / 2
		}
	}
	out := newJSONWriter(a.stdout)
	out.write(st)
	return out.flush()
}

// runDecode is "splade decode".
func runDecode(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("decode", &m, &in)
	topK := fs.Int("top-k", 10, "tokens per text, heaviest first (0: all)")
	asJSON := fs.Bool("json", false, `print one {"id": ..., "tokens": [{"token", "id", "weight"}, ...]} per text instead of a line of text`)
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	if err := checkRanges(fs, intRange{"top-k", *topK, 0, maxDims}); err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()
	encode := m.encodeFunc(enc)
	out := newJSONWriter(a.stdout)
	prog := newProgress(a.stderr, in, "encoding", total)
	warn := newTextWarnings(enc)
	type line struct {
		ID     json.RawMessage  `json:"id"`
		Tokens []sparsevec.Term `json:"tokens"`
	}
	err = eachChunk(ctx, src, m.batchSize, func(recs []corpus.Record) error {
		vs, err := encode(ctx, texts(recs))
		if err != nil {
			return err
		}
		for i, v := range vs {
			terms := enc.Decode(v, *topK)
			if *asJSON {
				if err := out.write(line{recs[i].ID, terms}); err != nil {
					return err
				}
				continue
			}
			var b strings.Builder
			b.WriteString(displayID(recs[i].ID))
			b.WriteByte(':')
			for _, t := range terms {
				b.WriteByte(' ')
				b.WriteString(t.Token)
				b.WriteByte('=')
				b.WriteString(strconv.FormatFloat(float64(t.Weight), 'f', 3, 32))
			}
			b.WriteByte('\n')
			if _, err := out.bw.WriteString(b.String()); err != nil {
				return err
			}
		}
		warn.add(recs)
		prog.add(len(recs))
		return out.flush()
	})
	prog.done()
	if !in.quiet {
		warn.report(a.stderr)
	}
	return err
}
