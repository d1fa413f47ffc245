package main

import (
	"context"
	"flag"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/splade-go/splade/internal/corpus"
)

// inputFlags choose how texts are read.
type inputFlags struct {
	name     string        // the --input flag
	format   corpus.Format // name, checked
	progress bool
	quiet    bool
}

func (in *inputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&in.name, "input", "text", "format of standard input: text (one text per line), jsonl (one {\"id\": ..., \"text\": \"...\"} per line) or beir (a BEIR corpus.jsonl: {\"_id\": ..., \"title\": \"...\", \"text\": \"...\"} per line, title and text joined)")
	fs.BoolVar(&in.progress, "progress", false, "show a progress bar on standard error even when it is not a terminal")
	fs.BoolVar(&in.quiet, "quiet", false, "no progress bar and no warnings")
}

func (in *inputFlags) check(fs *flag.FlagSet) error {
	f, err := corpus.ParseFormat(in.name)
	if err != nil {
		return usagef(fs, "--input %q: want text, jsonl or beir", in.name)
	}
	in.format = f
	if in.progress && in.quiet {
		return usagef(fs, "--progress and --quiet exclude each other")
	}
	return nil
}

// source yields records one at a time.
type source interface {
	// next returns the next record, or io.EOF after the last one.
	next() (corpus.Record, error)
}

// argSource yields the command-line texts; ids are their positions.
type argSource struct {
	texts []string
	i     int
}

func (s *argSource) next() (corpus.Record, error) {
	if s.i >= len(s.texts) {
		return corpus.Record{}, io.EOF
	}
	text, replaced := corpus.ValidUTF8(s.texts[s.i])
	r := corpus.Record{ID: strconv.AppendInt(nil, int64(s.i), 10), Text: text, Replaced: replaced}
	s.i++
	return r, nil
}

// lineSource reads the records of a file or of standard input; the
// first malformed line ends the input.
type lineSource struct{ r *corpus.Reader }

func newLineSource(name string, r io.Reader, format corpus.Format) *lineSource {
	return &lineSource{corpus.NewReader(name, r, format)}
}

func (s *lineSource) next() (corpus.Record, error) { return s.r.Next() }

// countRecords counts the records of a regular file without moving its
// offset, or returns -1 when f is not a regular file (a pipe, a terminal).
func countRecords(f *os.File, format corpus.Format) int {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1
	}
	defer f.Seek(off, io.SeekStart)
	n, err := corpus.Count(f, format)
	if err != nil {
		return -1
	}
	return n
}

// chunks reads src in the background and sends its records in chunks of
// up to size, so that reading overlaps encoding and a blocked read does
// not delay an interrupt. When the input has no record ready (a person
// typing, a slow pipe), the records read so far go out as a shorter chunk
// after [linger], rather than waiting for a full one. The last value sent
// carries the error that ended the input (nil at EOF); the channel is
// closed after it.
type chunk struct {
	recs []corpus.Record
	err  error
}

// linger is how long a partial chunk waits for more input.
const linger = 100 * time.Millisecond

func chunks(ctx context.Context, src source, size int) <-chan chunk {
	type item struct {
		r   corpus.Record
		err error
	}
	items := make(chan item, 64) // read ahead a little; not sized by a flag
	go func() {
		defer close(items)
		for {
			r, err := src.next()
			select {
			case items <- item{r, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	ch := make(chan chunk, 1)
	go func() {
		defer close(ch)
		send := func(c chunk) bool {
			select {
			case ch <- c:
				return true
			case <-ctx.Done():
				return false
			}
		}
		recs := make([]corpus.Record, 0, size)
		var timer *time.Timer
		for {
			var it item
			var ok bool
			select {
			case it, ok = <-items:
			case <-ctx.Done():
				return
			default:
				// Nothing ready: wait, but send what there is after linger.
				var timeout <-chan time.Time
				if len(recs) > 0 {
					if timer == nil {
						timer = time.NewTimer(linger)
					} else {
						timer.Reset(linger)
					}
					timeout = timer.C
				}
				select {
				case it, ok = <-items:
				case <-timeout:
					if !send(chunk{recs: recs}) {
						return
					}
					recs = make([]corpus.Record, 0, size)
					continue
				case <-ctx.Done():
					return
				}
			}
			if !ok {
				return // the reader stopped for ctx
			}
			if it.err != nil {
				err := it.err
				if err == io.EOF {
					err = nil
				}
				if len(recs) > 0 || err != nil {
					send(chunk{recs, err})
				}
				return
			}
			recs = append(recs, it.r)
			if len(recs) == size {
				if !send(chunk{recs: recs}) {
					return
				}
				recs = make([]corpus.Record, 0, size)
			}
		}
	}()
	return ch
}

// eachChunk calls fn with the chunks of src until the input ends, fn
// fails or ctx is done (errInterrupted). Everything fn finished before an
// interrupt stays done.
func eachChunk(ctx context.Context, src source, size int, fn func([]corpus.Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := chunks(ctx, src, size)
	for {
		select {
		case <-ctx.Done():
			return errInterrupted
		case c, ok := <-ch:
			if !ok {
				if ctx.Err() != nil {
					return errInterrupted // chunks stopped for the interrupt
				}
				return nil
			}
			if len(c.recs) > 0 {
				if err := fn(c.recs); err != nil {
					if ctx.Err() != nil {
						return errInterrupted
					}
					return err
				}
			}
			if c.err != nil {
				return c.err
			}
		}
	}
}

func texts(recs []corpus.Record) []string {
	ts := make([]string, len(recs))
	for i, r := range recs {
		ts[i] = r.Text
	}
	return ts
}
