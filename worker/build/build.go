package main

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/native/simd128"
	"github.com/splade-go/splade/tokenizer"
	"github.com/splade-go/splade/tokenizer/unigram"
	"github.com/splade-go/splade/wasm"
)

// defaultCompatDate is the Workers compatibility date of the output. A
// runtime accepts dates up to its own version date: the workerd pinned in
// package.json (1.20261117.1) and wrangler 4.86.0 (the newest for Node 20,
// whose `wrangler dev` runs workerd 2026-05-03) both take this one.
const defaultCompatDate = "2026-05-01"

// workerPackage is the Go program compiled to app.wasm.
const workerPackage = "github.com/splade-go/splade/worker"

// Cloudflare's limits (developers.cloudflare.com/workers/platform/limits).
const (
	maxWorkerSize  = 64 << 20  // uncompressed size of all modules
	maxCompressed  = 10e6      // compressed size of all modules (paid plan)
	isolateMemory  = 128 << 20 // memory of one isolate
	modelSubfolder = "model"   // OUT/model holds the model files
)

//go:embed assets/worker.mjs
var workerMJS []byte

// options are the flags of the build.
type options struct {
	model, out  string
	tokenizer   string // folder whose tokenizer files join an inference-free model's idf.json
	dtype       string
	name        string
	workerName  string
	compatDate  string
	pooling     string
	activation  string
	maxLength   int
	log         io.Writer // progress and warnings; nil discards them
	skipCompile bool      // tests of the folder layout only: no app.wasm
}

// result describes a finished build.
type result struct {
	Files         []outFile // the modules, in workerd.capnp order
	Raw, Gzip     int64     // their total size, uncompressed and gzipped
	Model         string    // model name
	Dim           int
	InferenceFree bool
	ParamBytes    int64 // float32 bytes of the parsed weights (what the isolate holds)
}

// outFile is one module of the worker.
type outFile struct {
	Name string // module name = path relative to OUT, slash-separated
	Type string // workerd module type: esModule, wasm or data
	Size int64
	Gzip int64
}

// safeName is what a module name may look like: workerd.capnp, wrangler
// globs and JavaScript imports all take it without quoting trouble.
var safeName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.+-]*(/[A-Za-z0-9_][A-Za-z0-9_.+-]*)*$`)

func (o *options) logf(format string, args ...any) {
	if o.log != nil {
		fmt.Fprintf(o.log, "worker/build: "+format+"\n", args...)
	}
}

// build writes the worker folder o.out for the model folder o.model. A
// build that fails leaves no output behind: a folder it made is removed,
// and a folder that existed is left empty.
func build(ctx context.Context, o options) (res *result, err error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	_, statErr := os.Stat(o.out)
	existed := statErr == nil
	if err := prepareOut(o.model, o.out); err != nil {
		return nil, err
	}
	defer func() {
		if err == nil {
			return
		}
		if !existed {
			os.RemoveAll(o.out)
			return
		}
		entries, _ := os.ReadDir(o.out)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(o.out, e.Name()))
		}
	}()
	return o.write(ctx)
}

// write writes the worker into o.out, which prepareOut made empty.
func (o options) write(ctx context.Context) (*result, error) {
	modelOut := filepath.Join(o.out, modelSubfolder)
	res := &result{}
	modelFiles, params, err := copyModel(ctx, o, modelOut)
	if err != nil {
		return nil, err
	}
	res.ParamBytes = params
	if modelFiles, err = o.addTokenizer(modelOut, modelFiles); err != nil {
		return nil, err
	}

	// Load the copy with the worker's own encoder: what fails here would
	// fail in every isolate.
	enc, err := wasm.LoadWith(os.DirFS(modelOut), o.loadOptions())
	if err != nil {
		return nil, fmt.Errorf("worker/build: the worker cannot serve %s: %w", o.model, err)
	}
	if _, err := enc.Encode(ctx, []string{"hello world"}, splade.KindDefault); err != nil {
		return nil, fmt.Errorf("worker/build: the worker cannot encode with %s: %w", o.model, err)
	}
	res.Model, res.Dim, res.InferenceFree = enc.Model(), enc.Dim(), enc.InferenceFree()

	if !o.skipCompile {
		if err := compileWorker(ctx, o, filepath.Join(o.out, "app.wasm")); err != nil {
			return nil, err
		}
		if err := copyWasmExec(ctx, filepath.Join(o.out, "wasm_exec.js")); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(o.out, "worker.mjs"), workerMJS, 0o644); err != nil {
		return nil, fmt.Errorf("worker/build: %w", err)
	}
	if err := os.WriteFile(filepath.Join(o.out, "simd128.wasm"), simd128.Module(), 0o644); err != nil {
		return nil, fmt.Errorf("worker/build: %w", err)
	}
	if err := writeModelMJS(o, modelFiles, res.Model); err != nil {
		return nil, err
	}

	modules := []outFile{{Name: "worker.mjs", Type: "esModule"}, {Name: "wasm_exec.js", Type: "esModule"},
		{Name: "model.mjs", Type: "esModule"}, {Name: "app.wasm", Type: "wasm"}, {Name: "simd128.wasm", Type: "wasm"}}
	for _, f := range modelFiles {
		modules = append(modules, outFile{Name: modelSubfolder + "/" + f, Type: "data"})
	}
	if err := writeConfigs(o, modules); err != nil {
		return nil, err
	}
	for i := range modules {
		m := &modules[i]
		if err := measure(filepath.Join(o.out, filepath.FromSlash(m.Name)), m); err != nil {
			if o.skipCompile && errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		res.Raw += m.Size
		res.Gzip += m.Gzip
	}
	res.Files = modules

	kind := "masked-LM model, " + o.dtype + " weights"
	if res.InferenceFree {
		kind = "inference-free (queries only)"
	}
	o.logf("wrote %s: %d modules, %.1f MiB (gzip %.1f MiB); model %s (%s), dim %d",
		o.out, len(modules), mib(res.Raw), mib(res.Gzip), res.Model, kind, res.Dim)
	if res.Raw > maxWorkerSize {
		o.logf("warning: %.1f MiB is over Cloudflare's %d MiB worker size limit; wrangler deploy will fail "+
			"(use -dtype F16 or a smaller model)", mib(res.Raw), maxWorkerSize>>20)
	}
	if res.Gzip > maxCompressed && o.dtype != "I8" {
		o.logf("warning: %.1f MB gzip is over Cloudflare's 10 MB compressed worker limit (paid plan); try -dtype I8",
			float64(res.Gzip)/1e6)
	}
	if est := res.ParamBytes + 2*res.Raw; est > isolateMemory*3/4 {
		o.logf("warning: the parsed weights (%.1f MiB) plus the modules may not fit an isolate's %d MB of memory",
			mib(res.ParamBytes), isolateMemory>>20)
	}
	return res, nil
}

// addTokenizer completes an inference-free folder (idf.json, no
// tokenizer) with the tokenizer files of o.tokenizer, or says which files
// it needs. files are the model files written to modelOut; it returns
// them with the added ones.
func (o options) addTokenizer(modelOut string, files []string) ([]string, error) {
	has := func(name string) bool { return slices.Contains(files, name) }
	if o.tokenizer == "" {
		if has("idf.json") && !tokenizer.Complete(has) {
			return nil, fmt.Errorf("worker/build: %s holds idf.json but no tokenizer: add the tokenizer files of the model whose vocabulary idf.json weighs "+
				"(tokenizer.json, or vocab.txt for WordPiece, vocab.json with merges.txt for byte-level BPE; with tokenizer_config.json and special_tokens_map.json), "+
				"or give -tokenizer DIR, a folder that holds them (the document model's)", o.model)
		}
		return files, nil
	}
	if tokenizer.Complete(has) {
		return nil, fmt.Errorf("worker/build: -tokenizer %s: %s has a tokenizer of its own; leave -tokenizer out", o.tokenizer, o.model)
	}
	src := os.DirFS(o.tokenizer)
	exists := func(name string) bool {
		st, err := fs.Stat(src, name)
		return err == nil && st.Mode().IsRegular()
	}
	if !tokenizer.Complete(exists) {
		return nil, fmt.Errorf("worker/build: -tokenizer %s holds no tokenizer (want tokenizer.json, vocab.txt, vocab.json with merges.txt, or sentencepiece.bpe.model)", o.tokenizer)
	}
	for _, name := range tokenizer.FileNames() {
		if !exists(name) || has(name) {
			continue
		}
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, fmt.Errorf("worker/build: -tokenizer: %w", err)
		}
		if err := writeFile(modelOut, name, data); err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	slices.Sort(files)
	return files, nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func (o *options) loadOptions() wasm.LoadOptions {
	name := o.name
	if name == "" {
		if abs, err := filepath.Abs(o.model); err == nil {
			name = filepath.Base(abs)
		}
	}
	return wasm.LoadOptions{Name: name, Pooling: splade.Pooling(o.pooling), Activation: splade.Activation(o.activation), MaxLength: o.maxLength,
		Precision: o.precision()}
}

// precision is what the worker computes in: int8 for I8 weights (the
// quantization of package native finds the stored int8 values again),
// else float32.
func (o *options) precision() splade.Precision {
	if o.dtype == "I8" {
		return splade.PrecisionInt8
	}
	return splade.PrecisionFP32
}

func (o *options) check() error {
	switch o.dtype {
	case "F16", "BF16", "F32", "I8":
	default:
		return fmt.Errorf("worker/build: -dtype %q: want F32, F16, BF16 or I8", o.dtype)
	}
	if _, err := time.Parse(time.DateOnly, o.compatDate); err != nil {
		return fmt.Errorf("worker/build: -compatibility-date %q: want YYYY-MM-DD", o.compatDate)
	}
	if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`).MatchString(o.workerName) {
		return fmt.Errorf("worker/build: -worker-name %q: use lower-case letters, digits and dashes", o.workerName)
	}
	if o.maxLength < 0 {
		return fmt.Errorf("worker/build: -max-length %d is negative", o.maxLength)
	}
	st, err := os.Stat(o.model)
	if err != nil {
		return fmt.Errorf("worker/build: -model: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("worker/build: -model %s is not a folder", o.model)
	}
	return nil
}

// prepareOut makes out an empty folder. An existing out must be empty or an
// earlier build, and must neither hold nor sit inside the model folder.
func prepareOut(model, out string) error {
	am, err1 := filepath.Abs(model)
	ao, err2 := filepath.Abs(out)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	if within(am, ao) || within(ao, am) {
		return fmt.Errorf("worker/build: -out %s and -model %s overlap; choose an output folder outside the model", out, model)
	}
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("worker/build: -out: %w", err)
	case len(entries) > 0:
		for _, marker := range []string{"worker.mjs", "model.mjs"} {
			if _, err := os.Stat(filepath.Join(out, marker)); err != nil {
				return fmt.Errorf("worker/build: -out %s is not empty and holds no earlier build (no %s); choose a new folder", out, marker)
			}
		}
		if err := os.RemoveAll(out); err != nil {
			return fmt.Errorf("worker/build: removing the earlier build: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Join(out, modelSubfolder), 0o755); err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	return nil
}

// within reports whether path p is dir or inside it (both absolute).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// copyModel copies the files of o.model the encoder can read to dst (those
// layout.FolderFiles lists for each folder) and rewrites the weights of
// each folder as one model.safetensors in o.dtype.
// It returns the written files (slash paths relative to dst, sorted) and
// the float32 size of all weights.
func copyModel(ctx context.Context, o options, dst string) (files []string, paramBytes int64, err error) {
	src := os.DirFS(o.model)
	dirs := map[string][]string{} // folder -> its file names
	err = fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && skipDir(d.Name()) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0 { // HF cache snapshots are symlinks
			dirs[path.Dir(p)] = append(dirs[path.Dir(p)], d.Name())
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("worker/build: reading the model folder: %w", err)
	}
	for _, dir := range sortedKeys(dirs) {
		names := dirs[dir]
		weights, skip, err := weightsOf(src, dir)
		if err != nil {
			return nil, 0, err
		}
		needed := layout.FolderFiles(func(n string) bool { return slices.Contains(names, n) })
		for _, name := range names {
			p := path.Join(dir, name)
			if skip[name] || !slices.Contains(needed, name) || shadowedVocab(names, name) {
				continue
			}
			if !safeName.MatchString(p) {
				return nil, 0, fmt.Errorf("worker/build: model file %q: rename it (module names take letters, digits, '_', '.', '+', '-')", p)
			}
			data, err := fs.ReadFile(src, p)
			if err != nil {
				return nil, 0, fmt.Errorf("worker/build: %w", err)
			}
			if err := writeFile(dst, p, data); err != nil {
				return nil, 0, err
			}
			files = append(files, p)
		}
		if weights == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		checkpoint.DropTiedDecoder(weights)
		for _, t := range weights {
			paramBytes += 4 * int64(len(t.Data))
		}
		var buf bytes.Buffer
		if err := checkpoint.WriteSafetensors(&buf, weights, o.dtype); err != nil {
			return nil, 0, fmt.Errorf("worker/build: %s: %w", dir, err)
		}
		p := path.Join(dir, "model.safetensors")
		if err := writeFile(dst, p, buf.Bytes()); err != nil {
			return nil, 0, err
		}
		files = append(files, p)
	}
	slices.Sort(files)
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("worker/build: %s holds no model files (want config.json, tokenizer files, weights or idf.json)", o.model)
	}
	return files, paramBytes, nil
}

// shadowedVocab reports whether file name of a folder holding names is a
// vocabulary that the folder's tokenizer.json replaces: the tokenizer
// reads tokenizer.json first, so the bundle ships that file alone.
func shadowedVocab(names []string, name string) bool {
	vocabs := []string{"vocab.txt", "vocab.json", "merges.txt", unigram.ModelFile}
	return slices.Contains(names, "tokenizer.json") && slices.Contains(vocabs, name)
}

// skipDir reports whether a subfolder of the model is of no use to the
// worker: hidden folders and exports for other runtimes.
func skipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "onnx" || name == "openvino"
}

// weightsOf reads the weights of folder dir of src, if it has any (see
// checkpoint.ReadWeights). skip names the files that the rewritten
// model.safetensors replaces: every weight file and shard of the folder.
func weightsOf(src fs.FS, dir string) (map[string]*checkpoint.Tensor, map[string]bool, error) {
	sub, err := fs.Sub(src, dir)
	if err != nil {
		return nil, nil, fmt.Errorf("worker/build: %w", err)
	}
	files, err := checkpoint.WeightFiles(sub)
	if err != nil {
		return nil, nil, fmt.Errorf("worker/build: %s: %w", dir, err)
	}
	skip := map[string]bool{}
	for _, f := range files {
		skip[f] = true
	}
	if len(files) == 0 {
		return nil, skip, nil
	}
	ts, err := checkpoint.ReadWeights(sub)
	if err != nil {
		return nil, nil, fmt.Errorf("worker/build: %s: %w", dir, err)
	}
	// BGE-M3's sparse head is a pickle, which the worker does not read:
	// its tensors join model.safetensors.
	if ok, err := checkpoint.HasSparseLinear(sub); err != nil {
		return nil, nil, fmt.Errorf("worker/build: %s: %w", dir, err)
	} else if ok {
		head, err := checkpoint.SparseLinearWeights(sub, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("worker/build: %s: %w", dir, err)
		}
		for name, t := range head {
			if _, dup := ts[name]; dup {
				return nil, nil, fmt.Errorf("worker/build: %s: the weights hold %q and %s: two sparse heads", dir, name, checkpoint.SparseLinearFile)
			}
			ts[name] = t
		}
		skip[checkpoint.SparseLinearFile] = true
	}
	return ts, skip, nil
}

func writeFile(root, p string, data []byte) error {
	name := filepath.Join(root, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	return nil
}

// compileWorker builds the worker program for js/wasm with the go command
// on PATH, from the current directory, which must be inside this module.
// The tag splade_nopytorch leaves the torch checkpoint reader out: the
// bundle's weights are always model.safetensors.
func compileWorker(ctx context.Context, o options, dst string) error {
	abs, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-tags=splade_nopytorch", "-ldflags=-s -w", "-o", abs, workerPackage)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("worker/build: compiling %s for js/wasm (run from inside the splade module, e.g. go run ./worker/build at the repository root): %v\n%s",
			workerPackage, err, out)
	}
	o.logf("compiled app.wasm in %.1fs", time.Since(start).Seconds())
	return nil
}

// copyWasmExec copies the js/wasm support script of the Go toolchain that
// compiled app.wasm (the two must match).
func copyWasmExec(ctx context.Context, dst string) error {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("worker/build: go env GOROOT: %w", err)
	}
	goroot := strings.TrimSpace(string(out))
	var data []byte
	for _, p := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} { // Go 1.24+, older
		if data, err = os.ReadFile(filepath.Join(goroot, filepath.FromSlash(p))); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("worker/build: no wasm_exec.js in the Go toolchain at %s: %w", goroot, err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	return nil
}

// writeModelMJS writes model.mjs, which imports the model files as data
// modules and exports them with the encoder options for the Go program.
func writeModelMJS(o options, files []string, name string) error {
	lo := o.loadOptions()
	cfg, err := json.Marshal(map[string]any{
		"name": name, "pooling": lo.Pooling, "activation": lo.Activation, "max_length": lo.MaxLength, "precision": lo.Precision,
	})
	if err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Generated by go run ./worker/build; do not edit.\n")
	fmt.Fprintf(&b, "// The model folder as data modules (each an ArrayBuffer), which worker.mjs\n")
	fmt.Fprintf(&b, "// hands to the Go program once per isolate, and the encoder options.\n\n")
	for i, f := range files {
		fmt.Fprintf(&b, "import f%d from %s;\n", i, jsString("./"+modelSubfolder+"/"+f))
	}
	fmt.Fprintf(&b, "\nexport const files = [\n")
	for i, f := range files {
		fmt.Fprintf(&b, "  [%s, f%d],\n", jsString(f), i)
	}
	fmt.Fprintf(&b, "];\n\nexport const config = %s;\n", jsString(string(cfg)))
	if err := os.WriteFile(filepath.Join(o.out, "model.mjs"), b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	return nil
}

// jsString quotes s as a JavaScript string literal (JSON strings are, and
// encoding/json escapes U+2028 and U+2029).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var capnpTemplate = template.Must(template.New("workerd.capnp").Parse(`# Generated by go run ./worker/build; do not edit.
# Serve locally (the socket is named "http"):
#   workerd serve workerd.capnp --socket-addr http=127.0.0.1:8787
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "splade", worker = .splade)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "splade")],
);

const splade :Workerd.Worker = (
  modules = [
{{- range .Modules}}
    (name = "{{.Name}}", {{.Type}} = embed "{{.Name}}"),
{{- end}}
  ],
  compatibilityDate = "{{.CompatDate}}",
);
`))

var wranglerTemplate = template.Must(template.New("wrangler.toml").Parse(`# Generated by go run ./worker/build; do not edit.
# Deploy from this folder with: npx wrangler@4 deploy
# (the files are uploaded as they are: no bundling, one module per file)
name = "{{.WorkerName}}"
main = "worker.mjs"
compatibility_date = "{{.CompatDate}}"
no_bundle = true
find_additional_modules = true

[[rules]]
type = "ESModule"
globs = ["wasm_exec.js", "model.mjs"]
fallthrough = false

[[rules]]
type = "CompiledWasm"
globs = ["app.wasm", "simd128.wasm"]
fallthrough = false

[[rules]]
type = "Data"
globs = ["{{.Model}}/**"]
fallthrough = false
`))

// writeConfigs writes workerd.capnp and wrangler.toml.
func writeConfigs(o options, modules []outFile) error {
	data := map[string]any{
		"Modules":    modules,
		"CompatDate": o.compatDate,
		"WorkerName": o.workerName,
		"Model":      modelSubfolder,
	}
	for name, t := range map[string]*template.Template{"workerd.capnp": capnpTemplate, "wrangler.toml": wranglerTemplate} {
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("worker/build: %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(o.out, name), b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("worker/build: %w", err)
		}
	}
	return nil
}

// measure sets the size of file name, raw and gzipped.
func measure(name string, f *outFile) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("worker/build: %w", err)
	}
	var c countWriter
	zw := gzip.NewWriter(&c)
	zw.Write(data)
	zw.Close()
	f.Size, f.Gzip = int64(len(data)), c.n
	return nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
