package dbformat

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/splade-go/splade/sparsevec"
)

// Format names an output shape.
type Format string

// The formats; see the package documentation for their shapes.
const (
	JSONL    Format = "jsonl"
	Tokens   Format = "tokens"
	Qdrant   Format = "qdrant"
	Milvus   Format = "milvus"
	Pinecone Format = "pinecone"
	PGVector Format = "pgvector"
)

// Formats lists every format, in the order of the package documentation.
func Formats() []Format {
	return []Format{JSONL, Tokens, Qdrant, Milvus, Pinecone, PGVector}
}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if slices.Contains(Formats(), f) {
		return f, nil
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("dbformat: unknown format %q (want one of %s)", s, strings.Join(names, ", "))
}

// PineconeMaxNonZeros is the most non-zero values Pinecone accepts in one
// sparse vector.
const PineconeMaxNonZeros = 1000

// Default names of the vector for the qdrant and milvus formats.
const (
	DefaultQdrantName  = "text"
	DefaultMilvusField = "sparse_vector"
)

// DefaultDotReplacement replaces "." in token names in the tokens format.
const DefaultDotReplacement = "_"

// Options tune the formats.
type Options struct {
	// VectorName is the vector name of the qdrant format and the field
	// name of the milvus format; "" means DefaultQdrantName or
	// DefaultMilvusField.
	VectorName string
	// Token returns the token of a vocabulary id; the tokens format needs it.
	Token func(id int) string
	// DotReplacement replaces every "." in token names in the tokens
	// format; "" means DefaultDotReplacement.
	DotReplacement string
}

// Append appends the line of one vector in format f, newline included,
// to dst. id must be one JSON value (nil writes null); the pgvector format
// does not write it.
func Append(dst []byte, f Format, id json.RawMessage, v sparsevec.Vector, opts Options) ([]byte, error) {
	n := min(len(v.Indices), len(v.Values))
	for _, x := range v.Values[:n] {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return dst, fmt.Errorf("dbformat: vector %s has a non-finite value %v", id, x)
		}
	}
	start := len(dst)
	var err error
	if f != PGVector {
		dst = append(dst, `{"id":`...)
		if dst, err = appendID(dst, id); err != nil {
			return dst[:start], err
		}
	}
	switch f {
	case JSONL:
		dst = append(dst, ',')
		dst = appendPair(dst, v, n)
	case Tokens:
		if opts.Token == nil {
			return dst[:start], fmt.Errorf("dbformat: the tokens format needs Options.Token")
		}
		dst = append(dst, `,"tokens":`...)
		if dst, err = appendTokens(dst, v, n, opts); err != nil {
			return dst[:start], err
		}
	case Qdrant:
		dst = append(dst, `,"vector":{`...)
		dst = appendString(dst, cmpOr(opts.VectorName, DefaultQdrantName))
		dst = append(dst, `:{`...)
		dst = appendPair(dst, v, n)
		dst = append(dst, '}', '}')
	case Milvus:
		dst = append(dst, ',')
		dst = appendString(dst, cmpOr(opts.VectorName, DefaultMilvusField))
		dst = append(dst, `:{`...)
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '"')
			dst = strconv.AppendUint(dst, uint64(v.Indices[i]), 10)
			dst = append(dst, '"', ':')
			dst = appendFloat(dst, v.Values[i])
		}
		dst = append(dst, '}')
	case Pinecone:
		dst = append(dst, `,"sparse_values":{`...)
		dst = appendPair(dst, v, n)
		dst = append(dst, '}')
	case PGVector:
		if v.Dim <= 0 {
			return dst, fmt.Errorf("dbformat: pgvector needs the vector's dimension (Dim is %d)", v.Dim)
		}
		dst = append(dst, '{')
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendUint(dst, uint64(v.Indices[i])+1, 10)
			dst = append(dst, ':')
			dst = appendFloat(dst, v.Values[i])
		}
		dst = append(dst, '}', '/')
		dst = strconv.AppendInt(dst, int64(v.Dim), 10)
		return append(dst, '\n'), nil
	default:
		return dst[:start], fmt.Errorf("dbformat: unknown format %q", f)
	}
	return append(dst, '}', '\n'), nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// appendID appends id compacted onto one line.
func appendID(dst []byte, id json.RawMessage) ([]byte, error) {
	if len(id) == 0 {
		return append(dst, "null"...), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, id); err != nil {
		return dst, fmt.Errorf("dbformat: id %q is not JSON: %w", id, err)
	}
	return append(dst, b.Bytes()...), nil
}

// appendPair appends "indices":[...],"values":[...].
func appendPair(dst []byte, v sparsevec.Vector, n int) []byte {
	dst = append(dst, `"indices":[`...)
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(v.Indices[i]), 10)
	}
	dst = append(dst, `],"values":[`...)
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendFloat(dst, v.Values[i])
	}
	return append(dst, ']')
}

func appendTokens(dst []byte, v sparsevec.Vector, n int, opts Options) ([]byte, error) {
	dot := cmpOr(opts.DotReplacement, DefaultDotReplacement)
	weights := make(map[string]float32, n)
	for i := range n {
		x := v.Values[i]
		if !(x > 0) {
			continue
		}
		tok := opts.Token(int(v.Indices[i]))
		if tok == "" {
			return dst, fmt.Errorf("dbformat: no token for vocabulary id %d", v.Indices[i])
		}
		name := strings.ReplaceAll(tok, ".", dot)
		if w, ok := weights[name]; !ok || x > w {
			weights[name] = x
		}
	}
	dst = append(dst, '{')
	for i, name := range slices.Sorted(maps.Keys(weights)) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, name)
		dst = append(dst, ':')
		dst = appendFloat(dst, weights[name])
	}
	return append(dst, '}'), nil
}

// appendString appends s as a JSON string. Unlike json.Marshal it does not
// escape <, > and &, which are common in vocabularies.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	s = strings.ToValidUTF8(s, "\uFFFD")
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendFloat appends x in the shortest form that parses back to the same
// float32, as encoding/json writes a float32.
func appendFloat(dst []byte, x float32) []byte {
	f := float64(x)
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, 32)
}

// Writer writes vectors in one format to an io.Writer, buffered; call
// Flush to push the buffered lines out.
type Writer struct {
	w    *bufio.Writer
	f    Format
	opts Options
	line []byte
}

// NewWriter returns a Writer of format f to w.
func NewWriter(w io.Writer, f Format, opts Options) (*Writer, error) {
	if _, err := ParseFormat(string(f)); err != nil {
		return nil, err
	}
	if f == Tokens && opts.Token == nil {
		return nil, fmt.Errorf("dbformat: the tokens format needs Options.Token")
	}
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), f: f, opts: opts}, nil
}

// Write writes the line of one vector.
func (w *Writer) Write(id json.RawMessage, v sparsevec.Vector) error {
	var err error
	w.line, err = Append(w.line[:0], w.f, id, v, w.opts)
	if err != nil {
		return err
	}
	_, err = w.w.Write(w.line)
	return err
}

// Flush writes out the buffered lines.
func (w *Writer) Flush() error { return w.w.Flush() }

// ID returns the id of a line that Append wrote in format f, compacted;
// for the pgvector format, whose lines hold no id, it checks the line's
// shape and returns nil.
func ID(f Format, line []byte) (json.RawMessage, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	if f == PGVector {
		if len(line) < 4 || line[0] != '{' || !bytes.Contains(line, []byte("}/")) {
			return nil, fmt.Errorf("not a pgvector sparsevec literal {i:v,...}/dim: %.40q", line)
		}
		return nil, nil
	}
	var obj struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(line, &obj); err != nil {
		return nil, fmt.Errorf("not a JSON line: %w", err)
	}
	if obj.ID == nil {
		return json.RawMessage("null"), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, obj.ID); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
