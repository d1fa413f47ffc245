package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
)

// maxHeader bounds the JSON header of a safetensors file, as the reference
// implementation does (100 MB).
const maxHeader = 100 << 20

type safetensorsEntry struct {
	Dtype       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

// ReadSafetensors decodes a safetensors file held in data. Tensors of type
// F32, F16, BF16 and F64 become float32 tensors; integer and boolean tensors
// (buffers such as position_ids) are left out. Each F32 tensor is decoded
// with one copy and no per-element allocation; the result does not alias
// data.
func ReadSafetensors(data []byte) (map[string]*Tensor, error) {
	ts, err := readSafetensors(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: safetensors: %w", err)
	}
	return ts, nil
}

// readSafetensors is ReadSafetensors without the error prefix, so that Load
// can name the file instead.
func readSafetensors(data []byte) (map[string]*Tensor, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for a header (truncated download?)", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeader || n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d exceeds the file (%d bytes): truncated or not a safetensors file", n, len(data))
	}
	header := data[8 : 8+n]
	buf := data[8+n:]
	if dups, err := duplicateKeys(header); err != nil {
		return nil, fmt.Errorf("corrupt header: %w", err)
	} else if len(dups) > 0 {
		return nil, fmt.Errorf("header names %d tensor(s) twice: %s", len(dups), listNames(dups))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("corrupt header: %w", err)
	}
	entries := make(map[string]safetensorsEntry, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var e safetensorsEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("tensor %q: corrupt header entry: %w", name, err)
		}
		if len(e.DataOffsets) != 2 {
			return nil, fmt.Errorf("tensor %q: data_offsets has %d numbers, want 2", name, len(e.DataOffsets))
		}
		entries[name] = e
	}
	if err := checkLayout(entries, uint64(len(buf))); err != nil {
		return nil, err
	}
	ts := make(map[string]*Tensor, len(entries))
	for name, e := range entries {
		t, err := decodeEntry(e, buf)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		if t != nil {
			ts[name] = t
		}
	}
	return ts, nil
}

// duplicateKeys lists the keys that the top-level JSON object header names
// more than once; encoding/json would silently keep the last.
func duplicateKeys(header []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(header))
	if tok, err := dec.Token(); err != nil {
		return nil, err
	} else if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	seen := make(map[string]bool)
	var dups []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		if seen[key] {
			dups = append(dups, key)
		}
		seen[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return dups, nil
}

// checkLayout checks, as the reference loader does, that the tensors'
// data_offsets tile the data buffer of size n exactly: in offset order each
// begins where the one before ends, the first at 0 and the last at n. Two
// tensors reading the same bytes, or bytes no tensor owns, are refused.
func checkLayout(entries map[string]safetensorsEntry, n uint64) error {
	type span struct {
		name       string
		begin, end uint64
	}
	spans := make([]span, 0, len(entries))
	for name, e := range entries {
		spans = append(spans, span{name, e.DataOffsets[0], e.DataOffsets[1]})
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		if spans[i].end != spans[j].end {
			return spans[i].end < spans[j].end
		}
		return spans[i].name < spans[j].name
	})
	var at uint64
	prev := "the start of the data"
	for _, s := range spans {
		if s.begin > s.end {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", s.name, s.begin, s.end)
		}
		if s.end > n {
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the data (%d bytes): truncated file?", s.name, s.begin, s.end, n)
		}
		if s.begin != at {
			how := "overlap"
			if s.begin > at {
				how = "leave a gap after"
			}
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] %s %s (which ends at %d): offsets must be contiguous and non-overlapping", s.name, s.begin, s.end, how, prev, at)
		}
		at, prev = s.end, fmt.Sprintf("tensor %q", s.name)
	}
	if at != n {
		return fmt.Errorf("the tensors end at byte %d of a %d-byte data buffer: truncated file, or bytes no tensor owns", at, n)
	}
	return nil
}

// decodeEntry checks one header entry against the data buffer and decodes
// it; it returns nil for a tensor that is not floating point.
func decodeEntry(e safetensorsEntry, buf []byte) (*Tensor, error) {
	dt, ok := safetensorsDtype(e.Dtype)
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q (want F32, F16, BF16 or F64)", e.Dtype)
	}
	if len(e.DataOffsets) != 2 {
		return nil, fmt.Errorf("data_offsets has %d numbers, want 2", len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin > end || end > uint64(len(buf)) {
		return nil, fmt.Errorf("data_offsets [%d, %d] outside the data (%d bytes): truncated file?", begin, end, len(buf))
	}
	shape := make([]int, len(e.Shape))
	numel := uint64(1)
	for i, d := range e.Shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", e.Shape)
		}
		shape[i] = int(d)
		if numel != 0 && uint64(d) > uint64(len(buf)) {
			return nil, fmt.Errorf("shape %v larger than the data (%d bytes)", e.Shape, len(buf))
		}
		numel *= uint64(d)
		if numel > uint64(len(buf)) {
			return nil, fmt.Errorf("shape %v larger than the data (%d bytes)", e.Shape, len(buf))
		}
	}
	if want := numel * uint64(dt.size); end-begin != want {
		return nil, fmt.Errorf("data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d", begin, end, end-begin, e.Shape, dt.name, want)
	}
	if !dt.float {
		return nil, nil
	}
	t := &Tensor{Shape: shape, Data: make([]float32, numel)}
	decodeFloats(dt, buf[begin:end], t.Data)
	return t, nil
}

// WriteSafetensors writes ts as a safetensors file with elements of type
// dtype: "F32", "F16" (half the size; values beyond ±65504 become ±Inf) or
// "BF16". Tensors are laid out in name order, so equal input gives equal
// bytes.
func WriteSafetensors(w io.Writer, ts map[string]*Tensor, dtype string) error {
	var dt elemType
	switch dtype {
	case "F32":
		dt = dtF32
	case "F16":
		dt = dtF16
	case "BF16":
		dt = dtBF16
	default:
		return fmt.Errorf("checkpoint: WriteSafetensors: unsupported dtype %q (want F32, F16 or BF16)", dtype)
	}
	names := make([]string, 0, len(ts))
	for name, t := range ts {
		if name == "__metadata__" {
			return errors.New("checkpoint: WriteSafetensors: tensor name __metadata__ is reserved")
		}
		if t == nil {
			return fmt.Errorf("checkpoint: WriteSafetensors: tensor %q is nil", name)
		}
		if n, ok := numElements(t.Shape); !ok || n != len(t.Data) {
			return fmt.Errorf("checkpoint: WriteSafetensors: tensor %q has shape %v but %d values", name, t.Shape, len(t.Data))
		}
		names = append(names, name)
	}
	sort.Strings(names)

	header := make(map[string]any, len(ts)+1)
	header["__metadata__"] = map[string]string{"format": "pt"}
	var off uint64
	for _, name := range names {
		t := ts[name]
		size := uint64(len(t.Data) * dt.size)
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[name] = map[string]any{
			"dtype":        dt.name,
			"shape":        shape,
			"data_offsets": [2]uint64{off, off + size},
		}
		off += size
	}
	hj, err := json.Marshal(header) // keys come out sorted
	if err != nil {
		return fmt.Errorf("checkpoint: WriteSafetensors: %w", err)
	}
	// Pad the header with spaces so the data starts 8-byte aligned.
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
	bw.Write(lenBuf[:])
	bw.Write(hj)
	chunk := make([]byte, 0, 1<<16)
	for _, name := range names {
		data := ts[name].Data
		for len(data) > 0 {
			k := min(len(data), cap(chunk)/dt.size)
			chunk = encodeFloats(dt, chunk[:0], data[:k])
			if _, err := bw.Write(chunk); err != nil {
				return fmt.Errorf("checkpoint: WriteSafetensors: %w", err)
			}
			data = data[k:]
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("checkpoint: WriteSafetensors: %w", err)
	}
	return nil
}

// numElements returns the product of shape, and false when a dimension is
// negative or the product overflows.
func numElements(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > int(^uint(0)>>1)/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}
