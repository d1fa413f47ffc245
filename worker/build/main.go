// Command build makes the deployable folder of the SPLADE Cloudflare
// Worker (see the package documentation of github.com/splade-go/splade/worker).
//
// Usage, from the repository root:
//
//	go run ./worker/build -model DIR -out OUT [-tokenizer DIR] [-dtype F16|BF16|F32] [-name NAME]
//
// DIR is a model folder (config.json, tokenizer files, model.safetensors or
// pytorch_model.bin; or a sentence-transformers SparseEncoder folder) or an
// inference-free folder (tokenizer files and idf.json). The build
//
//   - copies the model's JSON and text files to OUT/model and rewrites its
//     weights as one model.safetensors per folder, in -dtype (default F32,
//     which gives the very vectors of the main library; F16 halves the
//     size, and moved edge-bert-30522's weights by up to 0.0105), leaving
//     out a decoder weight that repeats the tied word embeddings;
//   - loads OUT/model with the worker's own encoder (package wasm), so a
//     folder the worker cannot serve fails here rather than after deploying;
//   - compiles the worker (GOOS=js GOARCH=wasm) to OUT/app.wasm and copies
//     the matching wasm_exec.js from the Go toolchain;
//   - writes worker.mjs, model.mjs, workerd.capnp (socket "http") and
//     wrangler.toml.
//
// Then:
//
//	node_modules/.bin/workerd serve OUT/workerd.capnp --socket-addr http=127.0.0.1:8787
//	cd OUT && npx wrangler@4 deploy
//
// An inference-free folder that holds idf.json alone takes its tokenizer
// from -tokenizer DIR (the document model's folder, or any folder with its
// tokenizer files). OUT must not exist, be empty, or hold an earlier
// build (it is replaced); a build that fails leaves it empty (or absent,
// when the build made it).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	var o options
	flag.StringVar(&o.model, "model", "", "model `folder` (required)")
	flag.StringVar(&o.out, "out", "", "output `folder` (required); replaced when it holds an earlier build")
	flag.StringVar(&o.tokenizer, "tokenizer", "", "`folder` of the tokenizer files (tokenizer.json, vocab.txt, ...) to add to an inference-free model folder that holds only idf.json")
	flag.StringVar(&o.dtype, "dtype", "F32", "element type of the stored weights: F32 (exact), F16 (half the size) or BF16")
	flag.StringVar(&o.name, "name", "", "model name shown in responses (default: the model folder's name)")
	flag.StringVar(&o.workerName, "worker-name", "splade", "the worker's name in wrangler.toml")
	flag.StringVar(&o.compatDate, "compatibility-date", defaultCompatDate, "Workers compatibility date (YYYY-MM-DD)")
	flag.StringVar(&o.pooling, "pooling", "", "SPLADE pooling, max or sum (default: the folder's, else max)")
	flag.StringVar(&o.activation, "activation", "", "SPLADE activation, relu or log1p_relu (default: the folder's, else relu)")
	flag.IntVar(&o.maxLength, "max-length", 0, "most tokens per text (default: the folder's)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./worker/build -model DIR -out OUT [flags]\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.model == "" || o.out == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	o.log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := build(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
