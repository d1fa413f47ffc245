package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// Format names an input layout; see the package documentation.
type Format string

// The formats.
const (
	Text  Format = "text"
	JSONL Format = "jsonl"
	BEIR  Format = "beir"
)

// Formats lists every format, in the order of the package documentation.
func Formats() []Format { return []Format{Text, JSONL, BEIR} }

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if slices.Contains(Formats(), f) {
		return f, nil
	}
	return "", fmt.Errorf("corpus: unknown input format %q (want text, jsonl or beir)", s)
}

// Record is one text to encode and its id.
type Record struct {
	// ID is one JSON value: the line's "id" (or BEIR's "_id"), else the
	// 0-based record number.
	ID json.RawMessage
	// Text is the text to encode, valid UTF-8.
	Text string
	// Replaced reports that invalid UTF-8 was replaced by U+FFFD.
	Replaced bool
	// Line is the 1-based line of the record in its input (0 when the
	// record did not come from lines).
	Line int
}

// LineError is a line that is not a record of its format.
type LineError struct {
	Name  string // the input, as given to NewReader
	Line  int    // 1-based
	Input []byte // the line, without its newline
	Err   error  // what is wrong
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s line %d: %v", e.Name, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Join returns the text BEIR encodes for a document with a title: the
// title and the text joined by a space, trimmed (an empty title leaves the
// trimmed text).
func Join(title, text string) string {
	return strings.TrimSpace(title + " " + text)
}

// Reader reads the records of an input, one line at a time.
type Reader struct {
	name   string
	r      *bufio.Reader
	format Format
	line   int // lines read
	n      int // records returned
}

// NewReader returns a reader of the records of r in format f; name (a
// file name, "standard input") is for errors.
func NewReader(name string, r io.Reader, f Format) *Reader {
	return &Reader{name: name, r: bufio.NewReaderSize(r, 64<<10), format: f}
}

// NumberFrom sets the record number of the next record: the id of a
// record without one. Records of a file read after others count on
// from theirs (see Count).
func (r *Reader) NumberFrom(n int) { r.n = n }

// Next returns the next record, or io.EOF after the last one. A line that
// is not a record is a *LineError; it takes a record number all the
// same, and the next call reads the line after it.
// Any other error ends the input.
func (r *Reader) Next() (Record, error) {
	for {
		b, err := r.r.ReadBytes('\n')
		if len(b) == 0 && err != nil {
			if err == io.EOF {
				return Record{}, io.EOF
			}
			return Record{}, fmt.Errorf("reading %s: %w", r.name, err)
		}
		r.line++
		b = bytes.TrimSuffix(b, []byte("\n"))
		b = bytes.TrimSuffix(b, []byte("\r"))
		if r.format != Text && len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		rec, err := parse(r.format, b)
		if err != nil {
			r.n++ // a record line all the same, as Count counts it
			return Record{}, &LineError{Name: r.name, Line: r.line, Input: b, Err: err}
		}
		if len(rec.ID) == 0 {
			rec.ID = strconv.AppendInt(nil, int64(r.n), 10)
		}
		rec.Line = r.line
		r.n++
		return rec, nil
	}
}

// parse parses one line of format f; the record's ID is nil when the line
// has none.
func parse(f Format, line []byte) (Record, error) {
	text, replaced := ValidUTF8(string(line))
	if f == Text {
		return Record{Text: text, Replaced: replaced}, nil
	}
	var obj struct {
		ID    json.RawMessage `json:"id"`
		BEIR  json.RawMessage `json:"_id"`
		Title *string         `json:"title"`
		Text  *string         `json:"text"`
	}
	shape := `{"id": ..., "text": "..."}`
	if f == BEIR {
		shape = `{"_id": ..., "title": "...", "text": "..."}`
	}
	if err := json.Unmarshal([]byte(text), &obj); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && (typeErr.Field == "text" || typeErr.Field == "title") {
			return Record{}, fmt.Errorf("%q is a JSON %s, want a string", typeErr.Field, typeErr.Value)
		}
		return Record{}, fmt.Errorf("not a JSON object %s: %w", shape, err)
	}
	if obj.Text == nil {
		return Record{}, errors.New(`no "text" string in the JSON object`)
	}
	rec := Record{ID: obj.ID, Text: *obj.Text, Replaced: replaced}
	switch {
	case f == BEIR:
		if len(obj.BEIR) == 0 || string(obj.BEIR) == "null" {
			return Record{}, errors.New(`no "_id" in the JSON object (a BEIR corpus line is ` + shape + ")")
		}
		rec.ID = obj.BEIR
	case len(rec.ID) == 0:
		rec.ID = obj.BEIR
	}
	if f == BEIR || obj.Title != nil {
		title := ""
		if obj.Title != nil {
			title = *obj.Title
		}
		rec.Text = Join(title, rec.Text)
	}
	return rec, nil
}

// ValidUTF8 returns s with invalid UTF-8 replaced by U+FFFD, one per
// maximal invalid subsequence, as Python's bytes.decode("utf-8",
// errors="replace") does (and as Hugging Face tokenizers see such text),
// and whether anything was replaced.
func ValidUTF8(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	out, err := unicode.UTF8.NewDecoder().String(s)
	if err != nil {
		return string([]rune(s)), true // one U+FFFD per invalid byte; never happens
	}
	return out, true
}

// Count returns the number of records of r in format f, counting lines
// without parsing them (a malformed line counts), or the error that ended
// reading.
func Count(r io.Reader, f Format) (int, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	n := 0
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 {
			if f == Text || len(bytes.TrimSpace(b)) > 0 {
				n++
			}
			// A line longer than the buffer comes in pieces; count it once.
			for err == bufio.ErrBufferFull {
				b, err = br.ReadSlice('\n')
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
