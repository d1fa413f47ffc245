package wasm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/route"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/tokenizer"
)

// LoadOptions adjusts how a model folder is loaded. The zero value uses
// what the folder says, and SPLADE's defaults where it says nothing.
type LoadOptions struct {
	// Name is what Model reports. Default: the directory name for LoadDir,
	// else config.json's "_name_or_path", else "splade".
	Name string

	// Pooling is splade.PoolingMax or splade.PoolingSum. Default: the
	// SpladePooling module's pooling_strategy when the folder has one,
	// else max.
	Pooling splade.Pooling

	// Activation is splade.ActivationReLU or splade.ActivationLog1pReLU.
	// Default: the SpladePooling module's activation_function, else relu.
	Activation splade.Activation

	// MaxLength caps the tokens per text, [CLS] and [SEP] included for the
	// masked-LM model (see splade.ResolveMaxLength: more than the model's
	// positions is an error). Default: sentence_bert_config.json's
	// max_seq_length, else the tokenizer's model_max_length; never more
	// than the model's position table.
	MaxLength int

	// Precision is splade.PrecisionFP32 (default) or splade.PrecisionInt8:
	// package native's portable int8 kernel, weights quantized per output
	// channel at load, for a folder whose weights were stored as I8 (see
	// checkpoint.WriteSafetensors), where it finds the stored int8 values
	// again. PrecisionBF16 is not offered: WebAssembly has no bf16 products.
	Precision splade.Precision
}

// settings returns the options that every engine takes.
func (o LoadOptions) settings() splade.Settings {
	return splade.Settings{MaxLength: o.MaxLength, Pooling: o.Pooling, Activation: o.Activation, Precision: o.Precision}
}

// Encoder turns texts into SPLADE sparse vectors. It is safe for concurrent
// use: it holds only read-only weights, and each call allocates its own
// buffers.
type Encoder struct {
	name   string
	dim    int
	tok    tokenizer.Tokenizer // the tokenizer that Token reads
	routes *route.Set
	kernel string // see Kernel
}

// Load reads an encoder from the model folder at the root of fsys, through
// package layout as package model does. The folder is one of:
//
//   - a Hugging Face BertForMaskedLM / DistilBertForMaskedLM /
//     RobertaForMaskedLM folder: config.json, model.safetensors (F32, F16
//     or BF16) or pytorch_model.bin, and tokenizer.json, vocab.txt, or
//     vocab.json with merges.txt; with an idf.json beside them (the
//     OpenSearch inference-free layout), queries use the idf table;
//   - a sentence-transformers SparseEncoder folder (modules.json):
//     MLMTransformer + SpladePooling, or a Router whose "query" route is a
//     SparseStaticEmbedding and whose "document" route is MLMTransformer +
//     SpladePooling;
//   - an inference-free folder: tokenizer files and idf.json
//     ({"token": weight}), or a saved SparseStaticEmbedding module
//     (config.json with "frozen", model.safetensors holding "weight").
//     Such a folder encodes queries only.
func Load(fsys fs.FS) (*Encoder, error) {
	return LoadWith(fsys, LoadOptions{})
}

// LoadDir is Load of the folder dir on disk, named after its last element.
func LoadDir(dir string) (*Encoder, error) {
	return LoadDirWith(dir, LoadOptions{})
}

// LoadDirWith is LoadWith of the folder dir on disk.
func LoadDirWith(dir string, opts LoadOptions) (*Encoder, error) {
	if opts.Name == "" {
		if abs, err := filepath.Abs(dir); err == nil {
			opts.Name = filepath.Base(abs)
		}
	}
	e, err := LoadWith(os.DirFS(dir), opts)
	if err != nil {
		return nil, fmt.Errorf("%w (folder %s)", err, dir)
	}
	return e, nil
}

// LoadWith is Load with options.
func LoadWith(fsys fs.FS, opts LoadOptions) (*Encoder, error) {
	if err := opts.settings().Validate(); err != nil {
		return nil, fmt.Errorf("wasm: %w", err)
	}
	if opts.Precision == splade.PrecisionBF16 {
		return nil, fmt.Errorf("wasm: precision %q: use %q or %q", opts.Precision, splade.PrecisionFP32, splade.PrecisionInt8)
	}
	e, err := load(fsys, opts)
	if err != nil {
		return nil, err
	}
	if e.name == "" {
		e.name = "splade"
	}
	return e, nil
}

// Encode encodes texts as kind: "query", "document", or "" (the folder's
// default: documents for a model folder and a Router, whose default route
// sentence-transformers sets to "document"; queries for an inference-free
// folder). Texts are encoded one at a time, unpadded, so that padding can
// never reach the attention or the pooling, and every text gets the same
// vector alone as in a batch.
func (e *Encoder) Encode(ctx context.Context, texts []string, kind splade.Kind) ([]sparsevec.Vector, error) {
	r, err := e.routes.For(kind)
	if errors.Is(err, route.ErrQueryOnly) {
		return nil, fmt.Errorf("wasm: %s is an inference-free folder and can only encode queries (kind %q); documents need its masked-LM model", e.name, splade.KindQuery)
	}
	if err != nil {
		return nil, fmt.Errorf("wasm: %w", err)
	}
	out := make([]sparsevec.Vector, len(texts))
	for i, text := range texts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, err := encode(ctx, r, text)
		if err != nil {
			return nil, fmt.Errorf("%w (text %d)", err, i)
		}
		out[i] = v
	}
	return out, nil
}

// encode encodes one text through r.
func encode(ctx context.Context, r *route.Route, text string) (sparsevec.Vector, error) {
	if r.Static != nil {
		return r.Static.Encode(text), nil
	}
	vs, err := r.Engine.Encode(ctx, [][]int32{r.IDs(text)})
	if err != nil {
		return sparsevec.Vector{}, fmt.Errorf("wasm: %w", err)
	}
	return vs[0], nil
}

// EncodeQuery is Encode with kind "query".
func (e *Encoder) EncodeQuery(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.Encode(ctx, texts, splade.KindQuery)
}

// EncodeDocument is Encode with kind "document".
func (e *Encoder) EncodeDocument(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
	return e.Encode(ctx, texts, splade.KindDocument)
}

// Token returns the vocabulary entry of dimension id ("" out of range).
func (e *Encoder) Token(id int) string { return e.tok.Token(id) }

// Dim returns the vector dimension: the vocabulary size.
func (e *Encoder) Dim() int { return e.dim }

// Model returns the model name.
func (e *Encoder) Model() string { return e.name }

// Backend returns "wasm-go": package native's portable pure-Go forward
// pass (float32, or int8 with LoadOptions.Precision), as a WebAssembly
// build runs it.
func (e *Encoder) Backend() string { return "wasm-go" }

// Kernel names package native's kernel that the masked-LM model runs on:
// "simd128" (WebAssembly SIMD, where the JavaScript host provides package
// native/simd128's kernels, as the worker does) or "go" (the portable
// pure-Go kernel), float32 or int8; empty for an inference-free folder
// without a model.
func (e *Encoder) Kernel() string { return e.kernel }

// Tokenizer returns the tokenizer of the document side (of the queries for
// an inference-free folder).
func (e *Encoder) Tokenizer() tokenizer.Tokenizer { return e.tok }

// InferenceFree reports whether queries are encoded by table lookup.
func (e *Encoder) InferenceFree() bool { return e.routes.InferenceFree() }

// MaxLength returns the most tokens the default route reads of a text
// (see route.Set.MaxLength): [CLS] and [SEP] included for a model, the
// table's limit for a table lookup.
func (e *Encoder) MaxLength() int { return e.routes.MaxLength() }

var _ splade.Encoder = (*Encoder)(nil)
