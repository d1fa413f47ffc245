// Package spladeio encodes texts into SPLADE sparse vectors in an Apache
// Beam pipeline: Go's counterpart of Beam's (Python-only) RunInference,
// for sparse encoding.
//
// [Read] reads input files in the formats of the splade command (text,
// jsonl, BEIR corpus.jsonl; see internal/corpus) into [Text] elements
// with their ids, file and line; a malformed line becomes a [Report] on a
// second output instead of failing the job. [Encode] turns texts into
// [Vector] elements: each worker process loads the model once (in the
// DoFn's Setup, through a process-wide cache shared by every DoFn
// instance of the process), texts are batched within a bundle, and the
// counters "texts", "tokens", "batches" and "truncated" (namespace
// "splade") count the work. [Format] turns vectors into the output lines
// of `splade encode` (any of its --format choices), and [WriteSharded]
// writes lines into files named as Beam's text sinks name shards
// (PREFIX-00000-of-00004).
//
// A hub model id is downloaded on the worker, into the worker's Hugging
// Face cache (HF_HOME, HF_HUB_CACHE; HF_TOKEN for gated models): the
// worker needs network access to the hub, or the model folder baked into
// its container and named as a local path.
//
// # Global state
//
// The one piece of mutable package state is the cache of loaded encoders,
// keyed by [Model] (the model and every setting): a Beam worker runs many
// DoFn instances, one per concurrent bundle, and a model of hundreds of
// megabytes must be loaded once per process, not once per instance.
// Encoders in the cache live as long as the process.
package spladeio
