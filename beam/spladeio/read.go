package spladeio

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/splade-go/splade/internal/corpus"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Text)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Report)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*readFn)(nil)).Elem())
}

// Text is one text to encode.
type Text struct {
	ID   string // one JSON value, the "id" of the output line
	Text string
	File string // where the text came from, for reports ("" if not a file)
	Line int    // 1-based line in File
}

// Report is a problem with one input line: a malformed line, which is
// not encoded, or a text longer than the model's maximum length, which is
// encoded truncated (as splade encode does).
// WriteReports writes it as a JSON object with these fields, in lower case.
type Report struct {
	File    string
	Line    int
	ID      string // the text's id (one JSON value); "" for a malformed line
	Problem string // Malformed or Truncated
	Detail  string // what is wrong
	Input   string // the start of a malformed line
}

// The problems a Report names.
const (
	Malformed = "malformed"
	Truncated = "truncated"
)

// maxReportInput is the most bytes of a malformed line a Report keeps.
const maxReportInput = 1 << 10

// Read reads the files that glob matches (listed, and counted when need
// be, under ctx while the pipeline is built), in format (text, jsonl or
// beir), and returns their texts and the reports of their malformed
// lines. Ids are those of splade encode reading the files one after
// another in name order: a line's "id" (BEIR's "_id"), else its 0-based
// record number counted across the files. For that count, with several
// files in text or jsonl format, Read reads the files once while it
// builds the pipeline; BEIR lines carry their ids and need no count.
//
// Each file is read whole by one worker, which keeps line numbers exact;
// Read then spreads the texts over the workers (a Reshuffle), so one
// large file is still encoded in parallel.
func Read(ctx context.Context, s beam.Scope, glob string, format corpus.Format) (texts, reports beam.PCollection, err error) {
	s = s.Scope("spladeio.Read")
	fs, err := filesystem.New(ctx, glob)
	if err != nil {
		return texts, reports, fmt.Errorf("spladeio: %s: %w", glob, err)
	}
	defer fs.Close()
	files, err := fs.List(ctx, glob)
	if err != nil {
		return texts, reports, fmt.Errorf("spladeio: listing %s: %w", glob, err)
	}
	if len(files) == 0 {
		return texts, reports, fmt.Errorf("spladeio: no file matches %s", glob)
	}
	slices.Sort(files)
	start := make([]any, len(files))
	n := 0
	for i, f := range files {
		start[i] = fileStart{File: f, First: n}
		if format == corpus.BEIR || i == len(files)-1 {
			continue
		}
		c, err := countFile(ctx, fs, f, format)
		if err != nil {
			return texts, reports, err
		}
		n += c
	}
	texts, reports = beam.ParDo2(s, &readFn{Format: string(format)}, beam.Create(s, start...))
	return beam.Reshuffle(s, texts), reports, nil
}

// fileStart is a file to read and the record number of its first record.
type fileStart struct {
	File  string
	First int
}

func countFile(ctx context.Context, fs filesystem.Interface, name string, f corpus.Format) (int, error) {
	r, err := fs.OpenRead(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("spladeio: %w", err)
	}
	defer r.Close()
	n, err := corpus.Count(r, f)
	if err != nil {
		return 0, fmt.Errorf("spladeio: reading %s: %w", name, err)
	}
	return n, nil
}

// readFn reads one file into texts and reports.
type readFn struct {
	Format string
}

func (fn *readFn) ProcessElement(ctx context.Context, f fileStart, emit func(Text), report func(Report)) error {
	fs, err := filesystem.New(ctx, f.File)
	if err != nil {
		return err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, f.File)
	if err != nil {
		return fmt.Errorf("spladeio: %w", err)
	}
	defer r.Close()
	cr := corpus.NewReader(f.File, r, corpus.Format(fn.Format))
	cr.NumberFrom(f.First)
	for {
		rec, err := cr.Next()
		if err == io.EOF {
			return nil
		}
		if le, ok := err.(*corpus.LineError); ok {
			in := le.Input
			if len(in) > maxReportInput {
				in = in[:maxReportInput]
			}
			malformedCount.Inc(ctx, 1)
			report(Report{File: f.File, Line: le.Line, Problem: Malformed, Detail: le.Err.Error(), Input: string(in)})
			continue
		}
		if err != nil {
			return fmt.Errorf("spladeio: %w", err)
		}
		emit(Text{ID: string(rec.ID), Text: rec.Text, File: f.File, Line: rec.Line})
	}
}
