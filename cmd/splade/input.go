package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// record is one input text and its id (a JSON value).
type record struct {
	id       json.RawMessage
	text     string
	replaced bool // invalid UTF-8 was replaced by U+FFFD
}

// inputFlags choose how texts are read.
type inputFlags struct {
	format   string // text or jsonl
	progress bool
	quiet    bool
}

func (in *inputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&in.format, "input", "text", "format of standard input: text (one text per line) or jsonl (one {\"id\": ..., \"text\": \"...\"} per line)")
	fs.BoolVar(&in.progress, "progress", false, "show a progress bar on standard error even when it is not a terminal")
	fs.BoolVar(&in.quiet, "quiet", false, "no progress bar and no warnings")
}

func (in *inputFlags) check(fs *flag.FlagSet) error {
	if in.format != "text" && in.format != "jsonl" {
		return usagef(fs, "--input %q: want text or jsonl", in.format)
	}
	if in.progress && in.quiet {
		return usagef(fs, "--progress and --quiet exclude each other")
	}
	return nil
}

// source yields records one at a time.
type source interface {
	// next returns the next record, or io.EOF after the last one.
	next() (record, error)
}

// argSource yields the command-line texts; ids are their positions.
type argSource struct {
	texts []string
	i     int
}

func (s *argSource) next() (record, error) {
	if s.i >= len(s.texts) {
		return record{}, io.EOF
	}
	text, replaced := validUTF8(s.texts[s.i])
	r := record{id: strconv.AppendInt(nil, int64(s.i), 10), text: text, replaced: replaced}
	s.i++
	return r, nil
}

// lineSource reads text or jsonl lines.
type lineSource struct {
	name  string // for errors: "standard input" or a file name
	r     *bufio.Reader
	jsonl bool
	line  int // lines read
	n     int // records returned
}

func newLineSource(name string, r io.Reader, format string) *lineSource {
	return &lineSource{name: name, r: bufio.NewReaderSize(r, 64<<10), jsonl: format == "jsonl"}
}

func (s *lineSource) next() (record, error) {
	for {
		b, err := s.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			if err == io.EOF {
				return record{}, io.EOF
			}
			return record{}, fmt.Errorf("reading %s: %w", s.name, err)
		}
		s.line++
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		text, replaced := validUTF8(string(b))
		if !s.jsonl {
			r := record{id: strconv.AppendInt(nil, int64(s.n), 10), text: text, replaced: replaced}
			s.n++
			return r, nil
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		var obj struct {
			ID   json.RawMessage `json:"id"`
			Text *string         `json:"text"`
		}
		if err := json.Unmarshal([]byte(text), &obj); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field == "text" {
				return record{}, fmt.Errorf("%s line %d: \"text\" is a JSON %s, want a string", s.name, s.line, typeErr.Value)
			}
			return record{}, fmt.Errorf("%s line %d: not a JSON object {\"id\": ..., \"text\": \"...\"}: %v", s.name, s.line, err)
		}
		if obj.Text == nil {
			return record{}, fmt.Errorf("%s line %d: no \"text\" string in the JSON object", s.name, s.line)
		}
		r := record{id: obj.ID, text: *obj.Text, replaced: replaced}
		if len(r.id) == 0 {
			r.id = strconv.AppendInt(nil, int64(s.n), 10)
		}
		s.n++
		return r, nil
	}
}

// validUTF8 returns s with invalid UTF-8 replaced by U+FFFD, one per
// maximal invalid subsequence, as Python's bytes.decode("utf-8",
// errors="replace") does (and as Hugging Face tokenizers see such text),
// and whether anything was replaced.
func validUTF8(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	out, err := unicode.UTF8.NewDecoder().String(s)
	if err != nil {
		return string([]rune(s)), true // one U+FFFD per invalid byte; never happens
	}
	return out, true
}

// countRecords counts the records of a regular file without moving its
// offset, or returns -1 when f is not a regular file (a pipe, a terminal).
func countRecords(f *os.File, format string) int {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return -1
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1
	}
	defer f.Seek(off, io.SeekStart)
	r := bufio.NewReaderSize(f, 256<<10)
	n := 0
	for {
		b, err := r.ReadSlice('\n')
		if len(b) > 0 {
			if format != "jsonl" || len(bytes.TrimSpace(b)) > 0 {
				n++
			}
			// A line longer than the buffer comes in pieces; count it once.
			for err == bufio.ErrBufferFull {
				b, err = r.ReadSlice('\n')
			}
		}
		if err != nil {
			break
		}
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
	recs []record
	err  error
}

// linger is how long a partial chunk waits for more input.
const linger = 100 * time.Millisecond

func chunks(ctx context.Context, src source, size int) <-chan chunk {
	type item struct {
		r   record
		err error
	}
	items := make(chan item, size)
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
		recs := make([]record, 0, size)
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
					recs = make([]record, 0, size)
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
				recs = make([]record, 0, size)
			}
		}
	}()
	return ch
}

// eachChunk calls fn with the chunks of src until the input ends, fn
// fails or ctx is done (errInterrupted). Everything fn finished before an
// interrupt stays done.
func eachChunk(ctx context.Context, src source, size int, fn func([]record) error) error {
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

func texts(recs []record) []string {
	ts := make([]string, len(recs))
	for i, r := range recs {
		ts[i] = r.text
	}
	return ts
}
