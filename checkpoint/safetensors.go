package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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
// (buffers such as position_ids) are left out. The result does not alias
// data.
func ReadSafetensors(data []byte) (map[string]*Tensor, error) {
	ts, err := readSafetensors(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: safetensors: %w", err)
	}
	return ts, nil
}

// readSafetensors decodes the safetensors file of size bytes that r reads,
// without an error prefix, so that Load can name the file instead. The
// header is read and checked whole before any tensor is read; then each
// tensor is read, in file order, straight into its float32 data (an F32
// tensor on a little-endian CPU by one copy, into the bytes of its data),
// so that no copy of the whole file is ever held.
func readSafetensors(r io.ReaderAt, size int64) (map[string]*Tensor, error) {
	if size < 8 {
		return nil, fmt.Errorf("file is %d bytes, too short for a header (truncated download?)", size)
	}
	var lenBuf [8]byte
	if err := readAt(r, lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > maxHeader || n > uint64(size-8) {
		return nil, fmt.Errorf("header length %d exceeds the file (%d bytes): truncated or not a safetensors file", n, size)
	}
	header := make([]byte, n)
	if err := readAt(r, header, 8); err != nil {
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	// The data buffer: the bytes after the header, at base.
	base, dataSize := 8+int64(n), uint64(size-8)-n
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
	order, err := checkLayout(entries, dataSize)
	if err != nil {
		return nil, err
	}
	// Check every entry before reading any, so that a bad entry late in
	// the file costs no reading.
	shapes := make(map[string][]int, len(entries))
	for name, e := range entries {
		shape, err := checkEntry(e, dataSize)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		shapes[name] = shape
	}
	ts := make(map[string]*Tensor, len(entries))
	for _, name := range order {
		e := entries[name]
		dt, _ := safetensorsDtype(e.Dtype) // checked by checkEntry
		if !dt.float {
			continue
		}
		t := &Tensor{Shape: shapes[name], Data: makeFloats(int((e.DataOffsets[1] - e.DataOffsets[0]) / uint64(dt.size)))}
		if err := readFloats(r, base+int64(e.DataOffsets[0]), dt, t.Data); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", name, err)
		}
		ts[name] = t
	}
	if err := dequantizeInt8(entries, r, base, ts); err != nil {
		return nil, err
	}
	return ts, nil
}

// readAt reads len(p) bytes of r at off; a file that ends before them is
// an error that says so.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil // io.ReaderAt may report io.EOF with the last bytes
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%d of %d bytes at offset %d: %w (truncated file?)", n, len(p), off, err)
}

// readChunk bounds the bytes that readFloats reads at once for a type it
// converts (all but F32 on a little-endian CPU).
const readChunk = 1 << 20

// readFloats reads len(dst) elements of type dt at off of r into dst.
func readFloats(r io.ReaderAt, off int64, dt elemType, dst []float32) error {
	if dt == dtF32 {
		b := floatBytes(dst)
		if err := readAt(r, b, off); err != nil {
			return err
		}
		fromLittleEndian(dst)
		return nil
	}
	table := halfTable(dt, len(dst))
	buf := make([]byte, min(len(dst)*dt.size, readChunk))
	per := len(buf) / dt.size
	for i := 0; i < len(dst); i += per {
		k := min(per, len(dst)-i)
		src := buf[:k*dt.size]
		if err := readAt(r, src, off+int64(i*dt.size)); err != nil {
			return err
		}
		convertFloats(dt, src, dst[i:i+k], table)
	}
	return nil
}

// int8ScaleSuffix names the row scales of an I8 tensor (see
// WriteSafetensors): NAME_scale, as compressed-tensors spells weight_scale.
const int8ScaleSuffix = "_scale"

// dtI8 is the element type of WriteSafetensors' I8 tensors.
var dtI8 = elemType{"I8", 1, false}

// quantizeRows quantizes x [R, C] per row to symmetric int8 (see
// WriteSafetensors).
func quantizeRows(x []float32, R, C int) (q []int8, scale []float32) {
	q, scale = make([]int8, R*C), make([]float32, R)
	for r := range R {
		row := x[r*C : (r+1)*C]
		var amax float32
		for _, v := range row {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		if amax == 0 {
			continue
		}
		scale[r] = amax / 127
		inv := 127 / amax
		for c, v := range row {
			q[r*C+c] = int8(max(-127, min(127, math.RoundToEven(float64(v*inv)))))
		}
	}
	return q, scale
}

// dequantizeInt8 adds to ts, as float32, each I8 tensor of entries whose
// row scales (NAME_scale, F32 [R] for a 2-D [R, C]) ts holds, and drops the
// scales; the data buffer is read from r at base. Other I8 tensors stay left
// out, as every integer tensor is.
func dequantizeInt8(entries map[string]safetensorsEntry, r io.ReaderAt, base int64, ts map[string]*Tensor) error {
	for name, e := range entries {
		scale, ok := ts[name+int8ScaleSuffix]
		if e.Dtype != "I8" || !ok {
			continue
		}
		if len(e.Shape) != 2 || len(scale.Shape) != 1 || int64(scale.Shape[0]) != e.Shape[0] {
			return fmt.Errorf("tensor %q: I8 shape %v with scales %q of shape %v: want [R, C] and [R]", name, e.Shape, name+int8ScaleSuffix, scale.Shape)
		}
		R, C := int(e.Shape[0]), int(e.Shape[1])
		q := make([]byte, R*C) // checked by checkEntry: R*C bytes in the file
		if err := readAt(r, q, base+int64(e.DataOffsets[0])); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		t := &Tensor{Shape: []int{R, C}, Data: makeFloats(R * C)}
		for r := range R {
			s := scale.Data[r]
			for c := range C {
				t.Data[r*C+c] = float32(int8(q[r*C+c])) * s
			}
		}
		ts[name] = t
		delete(ts, name+int8ScaleSuffix)
	}
	return nil
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
// tensors reading the same bytes, or bytes no tensor owns, are refused. It
// returns the names in offset order, the order of the file.
func checkLayout(entries map[string]safetensorsEntry, n uint64) ([]string, error) {
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
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] end before they begin", s.name, s.begin, s.end)
		}
		if s.end > n {
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the data (%d bytes): truncated file?", s.name, s.begin, s.end, n)
		}
		if s.begin != at {
			how := "overlap"
			if s.begin > at {
				how = "leave a gap after"
			}
			return nil, fmt.Errorf("tensor %q: data_offsets [%d, %d] %s %s (which ends at %d): offsets must be contiguous and non-overlapping", s.name, s.begin, s.end, how, prev, at)
		}
		at, prev = s.end, fmt.Sprintf("tensor %q", s.name)
	}
	if at != n {
		return nil, fmt.Errorf("the tensors end at byte %d of a %d-byte data buffer: truncated file, or bytes no tensor owns", at, n)
	}
	order := make([]string, len(spans))
	for i, s := range spans {
		order[i] = s.name
	}
	return order, nil
}

// checkEntry checks one header entry against the data buffer of size n
// and returns its shape.
func checkEntry(e safetensorsEntry, n uint64) ([]int, error) {
	dt, ok := safetensorsDtype(e.Dtype)
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q (want F32, F16, BF16 or F64)", e.Dtype)
	}
	if len(e.DataOffsets) != 2 {
		return nil, fmt.Errorf("data_offsets has %d numbers, want 2", len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin > end || end > n {
		return nil, fmt.Errorf("data_offsets [%d, %d] outside the data (%d bytes): truncated file?", begin, end, n)
	}
	shape := make([]int, len(e.Shape))
	numel := uint64(1)
	for i, d := range e.Shape {
		if d < 0 {
			return nil, fmt.Errorf("negative dimension in shape %v", e.Shape)
		}
		shape[i] = int(d)
		if numel != 0 && uint64(d) > n {
			return nil, fmt.Errorf("shape %v larger than the data (%d bytes)", e.Shape, n)
		}
		numel *= uint64(d)
		if numel > n {
			return nil, fmt.Errorf("shape %v larger than the data (%d bytes)", e.Shape, n)
		}
	}
	if want := numel * uint64(dt.size); end-begin != want {
		return nil, fmt.Errorf("data_offsets [%d, %d] hold %d bytes, but shape %v of %s needs %d", begin, end, end-begin, e.Shape, dt.name, want)
	}
	return shape, nil
}

// WriteSafetensors writes ts as a safetensors file with elements of type
// dtype: "F32", "F16" (half the size; values beyond ±65504 become ±Inf),
// "BF16", or "I8" (see below). Tensors are laid out in name order, so equal
// input gives equal bytes.
//
// "I8" stores every 2-D tensor [R, C] per row as symmetric int8: tensor
// NAME becomes I8 values q [R, C] and NAME_scale, F32 [R], with
// x ≈ q·scale, scale = max|row|/127 (0 for a zero row), q = round(x/scale);
// the other tensors (biases, norms) stay F32. Rows are the output channels
// of a PyTorch Linear weight and the tokens of an embedding table, so the
// per-output-channel int8 quantization of package native finds the very
// same q and scale again. ReadSafetensors turns such a pair back into one
// float32 tensor.
func WriteSafetensors(w io.Writer, ts map[string]*Tensor, dtype string) error {
	var dt elemType
	switch dtype {
	case "F32", "I8":
		dt = dtF32
	case "F16":
		dt = dtF16
	case "BF16":
		dt = dtBF16
	default:
		return fmt.Errorf("checkpoint: WriteSafetensors: unsupported dtype %q (want F32, F16, BF16 or I8)", dtype)
	}
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
	}
	// Each stored tensor: its element type and shape, and how to encode it.
	type stored struct {
		dt    elemType
		shape []int
		f     []float32 // the values of a float tensor
		q     []int8    // the values of an I8 tensor
	}
	out := make(map[string]stored, len(ts))
	for name, t := range ts {
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		if dtype == "I8" && len(shape) == 2 {
			scaleName := name + int8ScaleSuffix
			if _, dup := ts[scaleName]; dup {
				return fmt.Errorf("checkpoint: WriteSafetensors: I8: tensor %q would be overwritten by the scales of %q", scaleName, name)
			}
			q, scale := quantizeRows(t.Data, shape[0], shape[1])
			out[name] = stored{dt: dtI8, shape: shape, q: q}
			out[scaleName] = stored{dt: dtF32, shape: []int{shape[0]}, f: scale}
			continue
		}
		out[name] = stored{dt: dt, shape: shape, f: t.Data}
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)

	header := make(map[string]any, len(out)+1)
	header["__metadata__"] = map[string]string{"format": "pt"}
	var off uint64
	for _, name := range names {
		s := out[name]
		size := uint64((len(s.f) + len(s.q)) * s.dt.size)
		header[name] = map[string]any{
			"dtype":        s.dt.name,
			"shape":        s.shape,
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
		s := out[name]
		for f, q := s.f, s.q; len(f)+len(q) > 0; {
			k := min(len(f)+len(q), cap(chunk)/s.dt.size)
			if q != nil {
				chunk = chunk[:0]
				for _, v := range q[:k] {
					chunk = append(chunk, byte(v))
				}
				q = q[k:]
			} else {
				chunk = encodeFloats(s.dt, chunk[:0], f[:k])
				f = f[k:]
			}
			if _, err := bw.Write(chunk); err != nil {
				return fmt.Errorf("checkpoint: WriteSafetensors: %w", err)
			}
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
