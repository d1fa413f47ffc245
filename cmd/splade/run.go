package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/gomlx/compute"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/hub"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
)

// command is one subcommand of splade.
type command struct {
	name    string
	args    string // the usage line after "splade NAME"
	summary string
	example string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"encode", "--model ID_OR_DIR [flags] [TEXT...]",
			"Encode texts into sparse vectors, one JSON line per text, in input order.",
			`splade encode --model naver/splade-cocondenser-ensembledistil "The weather is lovely today."`,
			runEncode},
		{"tokenize", "--model ID_OR_DIR [flags] [TEXT...]",
			"Print the token ids and tokens of texts as the model's tokenizer (WordPiece, byte-level BPE or Unigram) makes them, the special tokens included. Needs only the tokenizer files.",
			`splade tokenize --model bert-base-uncased "The weather is lovely today."`,
			runTokenize},
		{"similarity", "--model ID_OR_DIR [flags] [TEXT...]",
			"Score every text against every text, or every query against every document (--queries/--documents).",
			`splade similarity --model naver/splade-v3 --fn cosine "a cat" "a dog" "a car"`,
			runSimilarity},
		{"stats", "--model ID_OR_DIR [flags] [TEXT...]",
			"Print the sparsity statistics of the texts' vectors as one JSON object.",
			`splade stats --model naver/splade-v3 < corpus.txt`,
			runStats},
		{"decode", "--model ID_OR_DIR [flags] [TEXT...]",
			"Print the heaviest tokens of each text's vector, heaviest first.",
			`splade decode --model naver/splade-v3 --top-k 5 "The weather is lovely today."`,
			runDecode},
		{"index", "--model ID_OR_DIR --out IDX [flags] [TEXT...]", "Encode documents into an inverted index file for search and eval.", `splade index --model naver/splade-v3 --input jsonl --out docs.idx < docs.jsonl`, runIndex},
		{"search", "--model ID_OR_DIR --index IDX [--top-k 10] [flags] [QUERY...]", "Search an index: one {\"id\", \"hits\": [{\"id\", \"score\"}]} line per query, best first.", `splade search --model naver/splade-v3 --index docs.idx "what is splade"`, runSearch},
		{"eval", "--model ID_OR_DIR --dataset DIR [--split test] [--k 10,100] [flags]", "Index a BEIR or TREC collection, search its queries, print nDCG, MRR and Recall.", `splade eval --model naver/splade-cocondenser-ensembledistil --dataset scifact --json`, runEval},
		{"serve", "--model ID_OR_DIR [--addr HOST:PORT] [flags]",
			"Serve the encoder over HTTP: a JSON API of its own and text-embeddings-inference's sparse endpoints (see endpoints below), and a try-it page.",
			`splade serve --model naver/splade-v3 --addr 127.0.0.1:8080`,
			runServe},
		{"bench", "--model ID_OR_DIR [--texts N --length L] [flags] [TEXT...]",
			"Measure texts/s, query latency and load time of each engine and precision on this machine.",
			`splade bench --model naver/splade-v3`,
			runBench},
	}
}

// app holds the streams of one invocation.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// usageError is a wrong command line: exit status 2 and the usage.
type usageError struct {
	fs  *flag.FlagSet
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(fs *flag.FlagSet, format string, args ...any) error {
	return &usageError{fs, fmt.Sprintf(format, args...)}
}

// errHelp asks for the usage on standard output and exit status 0.
type errHelp struct{ fs *flag.FlagSet }

func (errHelp) Error() string { return "help requested" }

// run runs splade with the arguments args (without the program name) and
// returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprintf(stderr, "splade: missing command (%s); see splade --help\n", strings.Join(commandNames(), ", "))
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr)
		}
		mainUsage(stdout)
		return 0
	case "-version", "--version", "version":
		printVersion(stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			return a.finish(c, c.run(ctx, a, args[1:]))
		}
	}
	if near := nearest(name, commandNames()); near != "" {
		fmt.Fprintf(stderr, "splade: unknown command %q; did you mean %s?; see splade --help\n", name, near)
		return 2
	}
	fmt.Fprintf(stderr, "splade: unknown command %q (want %s); see splade --help\n", name, strings.Join(commandNames(), ", "))
	return 2
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

// finish reports err and returns the exit status.
func (a *app) finish(c command, err error) int {
	var help errHelp
	var uerr *usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		commandUsage(a.stdout, c, help.fs)
		return 0
	case errors.As(err, &uerr):
		// One line: the full usage is one --help away.
		fmt.Fprintf(a.stderr, "splade %s: %s; see splade %s --help\n", c.name, uerr.msg, c.name)
		return 2
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(a.stderr, "splade: interrupted")
		return 130
	default:
		msg := strings.Join(strings.Fields(err.Error()), " ") // one line
		fmt.Fprintf(a.stderr, "splade: %s\n", msg)
		return 1
	}
}

var errInterrupted = errors.New("interrupted")

func mainUsage(w io.Writer) {
	fmt.Fprint(w, `splade encodes text into SPLADE learned sparse vectors.

usage: splade COMMAND --model ID_OR_DIR [flags] [TEXT...]

commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Texts come from the arguments, else from standard input: one per line
(--input text), one JSON object {"id": ..., "text": "..."} per line
(--input jsonl) or a BEIR corpus.jsonl (--input beir: _id, title + " " +
text). The model is a local folder or a Hugging Face hub id
(downloaded into the Hugging Face cache; HF_HOME, HF_HUB_CACHE, HF_TOKEN,
HF_ENDPOINT and HF_HUB_OFFLINE are honoured).

flags of the commands that encode texts (each command's --help lists its own):
`)
	var m modelFlags
	var in inputFlags
	printFlags(w, flagSet("", &m, &in))
	fmt.Fprint(w, `
example:
  splade encode --model naver/splade-cocondenser-ensembledistil "The weather is lovely today."

Run "splade COMMAND --help" for all the flags of a command.
`)
}

func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: splade %s %s\n\n%s\n\nflags:\n", c.name, c.args, c.summary)
	if fs != nil {
		printFlags(w, fs)
	}
	if c.name == "serve" {
		fmt.Fprint(w, serveEndpoints)
	}
	fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
}

// parse parses args with fs, allowing flags after positional arguments
// ("--" ends the flags), checks the model flags m and the input flags in
// (nil for a command without input), and returns the positional arguments.
func parse(fs *flag.FlagSet, args []string, m *modelFlags, in *inputFlags) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp{fs}
			}
			return nil, &usageError{fs, flagError(fs, err)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// fs.Parse stops at the first positional argument, or after "--".
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if err := m.check(fs); err != nil {
		return nil, err
	}
	if in != nil {
		if err := in.check(fs); err != nil {
			return nil, err
		}
	}
	return pos, nil
}

// modelFlags are the flags that choose and configure the model; every
// command takes them.
type modelFlags struct {
	model         string
	revision      string
	backend       string
	maxLength     int
	pooling       string
	activation    string
	batchSize     int
	maxActiveDims int
	prune         sparsevec.Prune
	chunk         bool
	chunkOverlap  int
	precision     string
	query         bool
	document      bool
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.model, "model", "", "model: a local folder or a Hugging Face hub id (required)")
	fs.StringVar(&m.revision, "revision", "", "hub revision: branch, tag or commit (default \"main\")")
	fs.StringVar(&m.backend, "backend", "", "engine: native (or native:KERNEL), go, xla:cpu, xla:cuda or xla:/abs/path/plugin.so (empty: $GOMLX_BACKEND, else the fastest exact engine here: native on x86-64 with AVX2 or AVX-512)")
	fs.IntVar(&m.maxLength, "max-length", 0, "most tokens per text, [CLS] and [SEP] included; longer texts are truncated (0: the model's maximum)")
	fs.StringVar(&m.pooling, "pooling", "", "pooling over tokens: max or sum (empty: the model's SpladePooling setting, else max)")
	fs.StringVar(&m.activation, "activation", "", "activation: relu or log1p_relu (empty: the model's SpladePooling setting, else relu)")
	fs.IntVar(&m.batchSize, "batch-size", model.DefaultBatchSize, "texts per forward pass")
	fs.IntVar(&m.maxActiveDims, "max-active-dims", 0, "keep only the K largest weights of each vector (0: all)")
	fs.Func("prune", "drop small weights by one of OpenSearch's rules, `TYPE:VALUE`: top_k:K (the K largest), max_ratio:R (w >= R*max), alpha_mass:A (the largest whose running sum stays <= A*total) or abs_value:V (w >= V)", func(s string) error {
		p, err := sparsevec.ParsePrune(s)
		m.prune = p
		return err
	})
	fs.BoolVar(&m.chunk, "chunk", false, "encode texts longer than --max-length as windows of max-length-2 tokens (plus [CLS] and [SEP]) and keep each term's largest weight over the windows, instead of truncating")
	fs.IntVar(&m.chunkOverlap, "chunk-overlap", 0, "tokens that consecutive --chunk windows share")
	fs.StringVar(&m.precision, "precision", "", "number format of the network: fp32 (exact, the default), bf16 (faster on CPUs with AVX512-BF16 or AMX) or int8 (dynamic quantization, fastest on CPUs with AVX512-VNNI or AVX-VNNI); bf16 and int8: the native engine only")
	fs.BoolVar(&m.query, "query", false, "encode the texts as queries (asymmetric models)")
	fs.BoolVar(&m.document, "document", false, "encode the texts as documents (asymmetric models)")
}

func (m *modelFlags) check(fs *flag.FlagSet) error {
	if err := checkRanges(fs,
		intRange{"max-length", m.maxLength, 0, maxTokens},
		intRange{"batch-size", m.batchSize, 1, maxBatchSize},
		intRange{"max-active-dims", m.maxActiveDims, 0, maxDims},
		intRange{"chunk-overlap", m.chunkOverlap, 0, maxTokens},
	); err != nil {
		return err
	}
	switch {
	case m.model == "":
		return usagef(fs, "missing --model (a local model folder or a Hugging Face hub id)")
	case m.query && m.document:
		return usagef(fs, "--query and --document exclude each other")
	case m.chunkOverlap > 0 && !m.chunk:
		return usagef(fs, "--chunk-overlap needs --chunk")
	}
	s := m.settings()
	for _, f := range []struct {
		flag string
		s    splade.Settings
	}{
		{"--pooling", splade.Settings{Pooling: s.Pooling}},
		{"--activation", splade.Settings{Activation: s.Activation}},
		{"--precision", splade.Settings{Precision: s.Precision}},
	} {
		if err := f.s.Validate(); err != nil {
			return usagef(fs, "%s: %v", f.flag, err)
		}
	}
	return nil
}

// settings returns the flags that every engine takes.
func (m *modelFlags) settings() splade.Settings {
	return splade.Settings{MaxLength: m.maxLength, Pooling: splade.Pooling(m.pooling), Activation: splade.Activation(m.activation), Precision: splade.Precision(m.precision)}
}

func (m *modelFlags) hubOptions() hub.Options {
	return hub.Options{Revision: m.revision}
}

// load loads the model with the options of the flags, changed by adjust
// when given, and writes to warn the one line of warning about a slow
// build when the go engine starts without its SIMD kernels.
func (m *modelFlags) load(ctx context.Context, warn io.Writer, adjust ...func(*model.Options)) (*model.Encoder, error) {
	s := m.settings()
	opts := model.Options{
		MaxLength:     m.maxLength,
		Pooling:       s.Pooling,
		Activation:    s.Activation,
		Precision:     s.Precision,
		BatchSize:     m.batchSize,
		MaxActiveDims: m.maxActiveDims,
		Prune:         m.prune,
		Chunk:         m.chunk,
		ChunkOverlap:  m.chunkOverlap,
		Backend:       m.backend,
		Hub:           m.hubOptions(),
	}
	for _, f := range adjust {
		f(&opts)
	}
	enc, err := model.Load(ctx, m.model, opts)
	if err != nil && ctx.Err() != nil {
		return nil, errInterrupted
	}
	if err != nil {
		return nil, m.backendError(err)
	}
	if model.GoBackendSlow() && strings.HasPrefix(enc.Backend(), "go") {
		fmt.Fprintf(warn, "splade: warning: %s\n", model.GoBackendSlowWarning)
	}
	return enc, nil
}

// backendError rewrites an error of starting the --backend (or
// $GOMLX_BACKEND) in the terms of the command line: which flag or
// variable, what values it takes, where an XLA plugin goes. Other errors
// pass unchanged.
func (m *modelFlags) backendError(err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "model: backend ") && !strings.HasPrefix(msg, "model: unknown backend ") {
		return err
	}
	what := "--backend " + m.backend
	if m.backend == "" {
		what = compute.ConfigEnvVar + "=" + os.Getenv(compute.ConfigEnvVar)
	}
	want := "go, xla:cpu, xla:cuda or xla:/abs/path/plugin.so"
	if m := availableRE.FindStringSubmatch(msg); m != nil {
		// GoMLX registers the XLA backend under more names (hlo, shlo,
		// stablehlo); a user needs one.
		var names []string
		for _, name := range strings.Split(m[1], ", ") {
			if !strings.Contains(name, "hlo") {
				names = append(names, name)
			}
		}
		want = strings.Join(names, ", ") + " (xla as xla:cpu, xla:cuda or xla:/abs/path/plugin.so)"
	}
	switch {
	case strings.Contains(msg, "failed to stat"):
		return fmt.Errorf("%s: no PJRT plugin file at that path; give the absolute path of pjrt_c_api_cpu_plugin.so or xla_cuda_plugin.so (from the jax-cuda13-plugin wheel)", what)
	case strings.Contains(msg, "unknown backend"):
		return fmt.Errorf("%s: no such backend; want one of %s", what, want)
	case strings.Contains(msg, "not compiled into this program"):
		return fmt.Errorf("%s: this splade binary was built without XLA, which needs cgo (rebuild with CGO_ENABLED=1), or leave --backend out for the built-in CPU backend", what)
	case strings.Contains(msg, "no plugins found") || strings.Contains(msg, "PJRT"):
		return fmt.Errorf("%s: no XLA PJRT plugin found: give the plugin's absolute path, --backend xla:/abs/path/pjrt_c_api_cpu_plugin.so (or xla_cuda_plugin.so from the jax-cuda13-plugin wheel), "+
			"or put it in a folder named by PJRT_PLUGIN_LIBRARY_PATH; leave --backend out for the built-in CPU backend", what)
	case strings.Contains(msg, "configuration option"):
		_, detail, _ := strings.Cut(msg, "unknown configuration option ")
		detail, _, _ = strings.Cut(detail, " for the Go backend")
		detail, _, _ = strings.Cut(detail, " -- ")
		return fmt.Errorf("%s: unknown option %s of the go backend; it takes ops_sequential, ops_parallel, dependency_order, creation_order and parallelism=N, comma-separated (go:ops_sequential,creation_order)", what, detail)
	}
	return fmt.Errorf("%s: %s", what, strings.TrimPrefix(msg, "model: "))
}

// availableRE finds the list of backends in model's error.
var availableRE = regexp.MustCompile(`\(available: ([^)]*)\)`)

// checkOutput refuses the output file path (the value of flag) when it is
// standard input's file or one of the input files: writing it would
// destroy the input being read. A path that does not exist yet passes.
func (a *app) checkOutput(flag, path string, inputs ...string) error {
	if path == "" {
		return nil
	}
	out, err := os.Stat(path)
	if err != nil {
		return nil // a new file
	}
	if f, ok := a.stdin.(*os.File); ok {
		if in, err := f.Stat(); err == nil && os.SameFile(in, out) {
			return fmt.Errorf("%s %s is standard input's file: writing it would destroy the input being read; name another file", flag, path)
		}
	}
	for _, p := range inputs {
		if p == "" {
			continue
		}
		if in, err := os.Stat(p); err == nil && os.SameFile(in, out) {
			return fmt.Errorf("%s %s is the input file %s: writing it would destroy the input being read; name another file", flag, path, p)
		}
	}
	return nil
}

// Upper bounds of the numeric flags: far above any real use, low enough
// that no value can exhaust memory before the work starts.
const (
	maxTokens    = 1 << 20 // tokens of one text (--max-length, --length)
	maxBatchSize = 1 << 16 // texts per forward pass
	maxDims      = 1 << 24 // dimensions (--max-active-dims, --top-k)
	maxCount     = 1 << 20 // texts, queries, hits, rounds of a command
)

// intRange is a numeric flag's value and the range it must lie in.
type intRange struct {
	flag     string
	v        int
	min, max int
}

// checkRanges returns a usage error naming the first flag out of range.
func checkRanges(fs *flag.FlagSet, rs ...intRange) error {
	for _, r := range rs {
		if r.v < r.min || r.v > r.max {
			return usagef(fs, "--%s %d is out of range: want %d to %d", r.flag, r.v, r.min, r.max)
		}
	}
	return nil
}
