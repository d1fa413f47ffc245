package index

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
)

// Weights is how an index stores document weights.
type Weights uint32

// The weight types.
const (
	Float32 Weights = 1 // exact float32 weights, 4 bytes a posting
	Uint8   Weights = 2 // one-byte codes of a linear scale, 1 byte a posting
)

// String returns "f32" or "uint8", the names ParseWeights accepts.
func (w Weights) String() string {
	switch w {
	case Float32:
		return "f32"
	case Uint8:
		return "uint8"
	}
	return fmt.Sprintf("Weights(%d)", uint32(w))
}

// ParseWeights parses "f32" (or "float32") and "uint8" (or "u8").
func ParseWeights(s string) (Weights, error) {
	switch s {
	case "f32", "float32":
		return Float32, nil
	case "uint8", "u8":
		return Uint8, nil
	}
	return 0, fmt.Errorf("index: unknown weight type %q (want f32 or uint8)", s)
}

func (w Weights) size() uint64 {
	if w == Uint8 {
		return 1
	}
	return 4
}

const (
	magic      = "SPLDIDX\x00"
	version    = 1
	headerSize = 64
	footerSize = 4
	// maxDim bounds the vocabulary size a file may declare, so that a
	// damaged header cannot ask for a huge term table.
	maxDim = 1 << 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is the fixed start of an index file.
type header struct {
	weights  Weights
	dim      uint32
	modelLen uint32
	docs     uint64
	postings uint64
	idBytes  uint64
	fileSize uint64
	scale    float32
}

func (h *header) encode() []byte {
	b := make([]byte, headerSize)
	copy(b, magic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], version)
	le.PutUint32(b[12:], uint32(h.weights))
	le.PutUint32(b[16:], h.dim)
	le.PutUint32(b[20:], h.modelLen)
	le.PutUint64(b[24:], h.docs)
	le.PutUint64(b[32:], h.postings)
	le.PutUint64(b[40:], h.idBytes)
	le.PutUint64(b[48:], h.fileSize)
	le.PutUint32(b[56:], math.Float32bits(h.scale))
	return b
}

// layout is where each section starts.
type layout struct {
	terms, offsets, ordinals, weights, ids, model, footer uint64
}

// sections returns the section offsets of h, or false when the sizes
// overflow.
func (h *header) sections() (layout, bool) {
	var l layout
	var ok bool
	add := func(a, b uint64) uint64 {
		s := a + b
		if s < a {
			ok = false
		}
		return s
	}
	mul := func(a, b uint64) uint64 {
		if b != 0 && a > math.MaxUint64/b {
			ok = false
			return 0
		}
		return a * b
	}
	ok = true
	l.terms = headerSize
	l.offsets = add(l.terms, mul(uint64(h.dim), 8))
	l.ordinals = add(l.offsets, mul(add(h.docs, 1), 8))
	l.weights = add(l.ordinals, mul(h.postings, 4))
	l.ids = add(l.weights, mul(h.postings, h.weights.size()))
	l.model = add(l.ids, h.idBytes)
	l.footer = add(l.model, uint64(h.modelLen))
	return l, ok && add(l.footer, footerSize) == h.fileSize
}

// Index is an inverted index read into memory. Its methods are safe for
// concurrent use.
type Index struct {
	weights Weights
	dim     int
	model   string
	scale   float32
	// start[t]:start[t+1] are the postings of term t.
	start    []uint64
	maxW     []float32 // largest weight of each term
	ordinals []uint32
	w32      []float32 // Float32 weights
	codes    []uint8   // Uint8 codes
	dequant  [256]float32
	ids      []string
}

// ErrCorrupt is wrapped by every error about a damaged or truncated file.
var ErrCorrupt = errors.New("index file is damaged")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s; rebuild it with splade index", ErrCorrupt, fmt.Sprintf(format, args...))
}

// Open reads the index file at path and checks it whole (see the package
// documentation); a damaged file gives an error that wraps [ErrCorrupt].
func Open(path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	ix, err := Read(data)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	return ix, nil
}

// Read parses an index file held in data and checks it as [Open] does.
// The index does not keep data.
func Read(data []byte) (*Index, error) {
	if len(data) < headerSize+footerSize {
		if len(data) >= len(magic) && string(data[:len(magic)]) != magic {
			return nil, fmt.Errorf("not a splade index (no %q magic at the start)", magic[:7])
		}
		return nil, corrupt("truncated: %d bytes, shorter than the %d-byte header and footer", len(data), headerSize+footerSize)
	}
	if string(data[:len(magic)]) != magic {
		return nil, fmt.Errorf("not a splade index (no %q magic at the start)", magic[:7])
	}
	le := binary.LittleEndian
	if v := le.Uint32(data[8:]); v != version {
		return nil, fmt.Errorf("index format version %d; this program reads version %d: rebuild the index with this version's splade index", v, version)
	}
	h := header{
		weights:  Weights(le.Uint32(data[12:])),
		dim:      le.Uint32(data[16:]),
		modelLen: le.Uint32(data[20:]),
		docs:     le.Uint64(data[24:]),
		postings: le.Uint64(data[32:]),
		idBytes:  le.Uint64(data[40:]),
		fileSize: le.Uint64(data[48:]),
		scale:    math.Float32frombits(le.Uint32(data[56:])),
	}
	size := uint64(len(data))
	switch {
	case h.fileSize > size:
		return nil, corrupt("truncated: %d bytes of the %d the header announces", size, h.fileSize)
	case h.fileSize < size:
		return nil, corrupt("%d bytes, more than the %d the header announces", size, h.fileSize)
	}
	body := data[:size-footerSize]
	if got, want := crc32.Checksum(body, castagnoli), le.Uint32(data[size-footerSize:]); got != want {
		return nil, corrupt("checksum mismatch (CRC-32C %08x, footer says %08x)", got, want)
	}
	return parse(h, data)
}

// parse checks the structure of a file whose length and checksum are
// right and builds the index.
func parse(h header, data []byte) (*Index, error) {
	le := binary.LittleEndian
	if h.weights != Float32 && h.weights != Uint8 {
		return nil, corrupt("unknown weight type %d", uint32(h.weights))
	}
	if h.dim == 0 || h.dim > maxDim {
		return nil, corrupt("dimension %d out of range 1..%d", h.dim, maxDim)
	}
	if h.docs >= math.MaxUint32 {
		return nil, corrupt("%d documents, more than ordinals can hold", h.docs)
	}
	if le.Uint32(data[60:]) != 0 {
		return nil, corrupt("reserved header field is not 0")
	}
	l, ok := h.sections()
	if !ok {
		return nil, corrupt("section sizes in the header (dim %d, %d documents, %d postings, %d id bytes) do not add up to the %d-byte file",
			h.dim, h.docs, h.postings, h.idBytes, h.fileSize)
	}
	switch {
	case h.weights == Float32 && h.scale != 0:
		return nil, corrupt("float32 index with a scale")
	case h.weights == Uint8 && (!(h.scale >= 0) || math.IsInf(float64(h.scale), 0)):
		return nil, corrupt("scale %v is not a finite non-negative number", h.scale)
	}
	ix := &Index{
		weights: h.weights,
		dim:     int(h.dim),
		scale:   h.scale,
		start:   make([]uint64, h.dim+1),
		maxW:    make([]float32, h.dim),
	}
	for c := range ix.dequant {
		ix.dequant[c] = float32(c) * h.scale
	}
	// Term table.
	var total uint64
	for t := range ix.maxW {
		e := data[l.terms+8*uint64(t):]
		n := uint64(le.Uint32(e))
		ix.maxW[t] = math.Float32frombits(le.Uint32(e[4:]))
		ix.start[t] = total
		total += n
	}
	ix.start[h.dim] = total
	if total != h.postings {
		return nil, corrupt("the term table counts %d postings, the header %d", total, h.postings)
	}
	// Postings.
	ix.ordinals = make([]uint32, h.postings)
	for i := range ix.ordinals {
		ix.ordinals[i] = le.Uint32(data[l.ordinals+4*uint64(i):])
	}
	if h.weights == Float32 {
		ix.w32 = make([]float32, h.postings)
		for i := range ix.w32 {
			ix.w32[i] = math.Float32frombits(le.Uint32(data[l.weights+4*uint64(i):]))
		}
	} else {
		ix.codes = append([]uint8(nil), data[l.weights:l.weights+h.postings]...)
	}
	for t := range ix.maxW {
		lo, hi := ix.start[t], ix.start[t+1]
		var largest float32
		for i := lo; i < hi; i++ {
			d := ix.ordinals[i]
			if uint64(d) >= h.docs {
				return nil, corrupt("term %d: document ordinal %d, but there are %d documents", t, d, h.docs)
			}
			if i > lo && d <= ix.ordinals[i-1] {
				return nil, corrupt("term %d: document ordinals not ascending (%d after %d)", t, d, ix.ordinals[i-1])
			}
			w := ix.weight(i)
			if !(w > 0) || math.IsInf(float64(w), 0) {
				return nil, corrupt("term %d: weight %v is not a positive finite number", t, w)
			}
			largest = max(largest, w)
		}
		if largest != ix.maxW[t] {
			return nil, corrupt("term %d: largest weight %v, the term table says %v", t, largest, ix.maxW[t])
		}
	}
	// Ids.
	idBytes := string(data[l.ids:l.model])
	ix.ids = make([]string, h.docs)
	prev := le.Uint64(data[l.offsets:])
	if prev != 0 {
		return nil, corrupt("the first id offset is %d, not 0", prev)
	}
	for i := range ix.ids {
		next := le.Uint64(data[l.offsets+8*uint64(i+1):])
		if next < prev || next > h.idBytes {
			return nil, corrupt("id offset %d of document %d is outside %d..%d", next, i, prev, h.idBytes)
		}
		ix.ids[i] = idBytes[prev:next]
		prev = next
	}
	if prev != h.idBytes {
		return nil, corrupt("the id offsets end at %d of %d id bytes", prev, h.idBytes)
	}
	ix.model = string(data[l.model:l.footer])
	return ix, nil
}

// weight returns the weight of posting i.
func (ix *Index) weight(i uint64) float32 {
	if ix.codes != nil {
		return ix.dequant[ix.codes[i]]
	}
	return ix.w32[i]
}

// Len returns the number of documents.
func (ix *Index) Len() int { return len(ix.ids) }

// Dim returns the vocabulary size the index was built for.
func (ix *Index) Dim() int { return ix.dim }

// Model returns the name of the model that encoded the documents, as
// given to [Create].
func (ix *Index) Model() string { return ix.model }

// Weights returns how the index stores weights.
func (ix *Index) Weights() Weights { return ix.weights }

// Postings returns the number of (document, weight) entries.
func (ix *Index) Postings() int { return len(ix.ordinals) }

// ID returns the id of the document with ordinal i (0-based, in the order
// documents were added), or "" when i is out of range.
func (ix *Index) ID(i int) string {
	if i < 0 || i >= len(ix.ids) {
		return ""
	}
	return ix.ids[i]
}

// DocID returns the document id a JSON id becomes in an index: the value
// of a JSON string, else the JSON text itself (a number 7 becomes "7").
// Ids of `splade index --input jsonl` and of BEIR files go through it.
func DocID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return b.String()
	}
	return string(raw)
}
