package index

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/splade-go/splade/sparsevec"
)

// DefaultBufferPostings is the default of [Options.BufferPostings]:
// 8M postings, 64 MiB of buffer for a float32 index.
const DefaultBufferPostings = 1 << 23

// Options configure [Create].
type Options struct {
	// Weights is how weights are stored; zero means Float32.
	Weights Weights
	// Model describes the model that encoded the documents; it is stored
	// in the file so that a search can report and check it (splade index
	// stores a JSON object: the model's name, revision, pooling,
	// activation and maximum length, and a fingerprint of the corpus).
	Model string
	// BufferPostings bounds the memory Close uses to lay out the postings:
	// it fills a buffer of this many postings per pass over the temporary
	// postings file (a pass per BufferPostings postings). Zero means
	// DefaultBufferPostings.
	BufferPostings int
}

// Builder writes an index file, one document at a time. It is not safe for
// concurrent use.
type Builder struct {
	path  string
	tmp   string // the folder of the temporary files, beside path
	dim   int
	opts  Options
	spill *os.File // per document: uint32 n, then n x (uint32 term, float32 weight)
	ids   *os.File // per document: uint32 length, then the id bytes
	sw    *bufio.Writer
	iw    *bufio.Writer

	counts   []uint32
	maxW     []float32
	largest  float32
	docs     uint64
	postings uint64
	idBytes  uint64
	done     bool
	err      error // the first failure; later calls return it
}

// Create starts an index of vectors of dimension dim (the model's
// vocabulary size) to be written to path by [Builder.Close]. Its
// temporary files live in a folder beside path until then (see
// [TempPattern]); call [Builder.Abort] to give up and remove them. The
// folders that builds of path killed earlier left behind, whose process
// is gone, are removed first.
func Create(path string, dim int, opts Options) (*Builder, error) {
	if dim <= 0 || dim > maxDim {
		return nil, fmt.Errorf("index: dimension %d out of range 1..%d", dim, maxDim)
	}
	if opts.Weights == 0 {
		opts.Weights = Float32
	}
	if opts.Weights != Float32 && opts.Weights != Uint8 {
		return nil, fmt.Errorf("index: unknown weight type %d (want Float32 or Uint8)", uint32(opts.Weights))
	}
	if opts.BufferPostings <= 0 {
		opts.BufferPostings = DefaultBufferPostings
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	sweep(dir, base)
	tmp, err := os.MkdirTemp(dir, fmt.Sprintf(tempPrefix(base)+"%d-*", os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	spill, err := os.Create(filepath.Join(tmp, "postings"))
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("index: %w", err)
	}
	ids, err := os.Create(filepath.Join(tmp, "ids"))
	if err != nil {
		spill.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("index: %w", err)
	}
	return &Builder{
		path:   path,
		tmp:    tmp,
		dim:    dim,
		opts:   opts,
		spill:  spill,
		ids:    ids,
		sw:     bufio.NewWriterSize(spill, 1<<20),
		iw:     bufio.NewWriterSize(ids, 1<<16),
		counts: make([]uint32, dim),
		maxW:   make([]float32, dim),
	}, nil
}

// Add adds the document id with vector v. Its ordinal is the number of
// documents added before it. Zero weights are left out; v must be valid
// (see [sparsevec.Vector.Validate]), of the index's dimension, and without
// negative weights.
func (b *Builder) Add(id string, v sparsevec.Vector) error {
	if b.err != nil {
		return b.err
	}
	if b.done {
		return errors.New("index: Add after Close")
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("index: document %q: %w", id, err)
	}
	if v.Dim != b.dim {
		return fmt.Errorf("index: document %q has dimension %d, the index %d: encode every document with the same model", id, v.Dim, b.dim)
	}
	if b.docs >= math.MaxUint32-1 {
		return fmt.Errorf("index: more than %d documents", math.MaxUint32-1)
	}
	n := 0
	for j, w := range v.Values {
		if w < 0 {
			return fmt.Errorf("index: document %q: negative weight %v at index %d (SPLADE weights are non-negative)", id, w, v.Indices[j])
		}
		if w > 0 {
			n++
		}
	}
	// bufio.Writer keeps its first error; Close's Flush reports it.
	var buf [8]byte
	le := binary.LittleEndian
	le.PutUint32(buf[:4], uint32(n))
	b.sw.Write(buf[:4])
	for j, w := range v.Values {
		if w == 0 {
			continue
		}
		t := v.Indices[j]
		if b.counts[t] == math.MaxUint32 {
			return b.fail(fmt.Errorf("index: term %d is in more than %d documents", t, uint32(math.MaxUint32)))
		}
		le.PutUint32(buf[:4], t)
		le.PutUint32(buf[4:], math.Float32bits(w))
		b.sw.Write(buf[:])
		b.counts[t]++
		b.maxW[t] = max(b.maxW[t], w)
		b.largest = max(b.largest, w)
	}
	le.PutUint32(buf[:4], uint32(len(id)))
	b.iw.Write(buf[:4])
	if _, err := b.iw.WriteString(id); err != nil {
		return b.fail(fmt.Errorf("index: %w", err))
	}
	b.docs++
	b.postings += uint64(n)
	b.idBytes += uint64(len(id))
	return nil
}

// SetModel replaces [Options.Model], the description of the model that
// Close writes: for a description that depends on the documents added,
// such as a fingerprint of the corpus.
func (b *Builder) SetModel(model string) { b.opts.Model = model }

// Len returns the number of documents added so far.
func (b *Builder) Len() int { return int(b.docs) }

func (b *Builder) fail(err error) error {
	if b.err == nil {
		b.err = err
	}
	return b.err
}

// Abort removes the temporary files without writing the index. It does
// nothing after Close, so `defer b.Abort()` is safe.
func (b *Builder) Abort() {
	if b.done {
		return
	}
	b.done = true
	b.removeTemps()
}

func (b *Builder) removeTemps() {
	b.spill.Close()
	b.ids.Close()
	os.RemoveAll(b.tmp)
}

// Close writes the index file and removes the temporary files. The file
// appears at its path only when complete (it is written under a temporary
// name and renamed).
func (b *Builder) Close() (err error) {
	if b.done {
		return b.err
	}
	b.done = true
	defer b.removeTemps()
	if b.err != nil {
		return b.err
	}
	defer func() {
		if err != nil {
			b.err = err
		}
	}()
	if err := b.sw.Flush(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := b.iw.Flush(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	out, err := os.Create(filepath.Join(b.tmp, "index"))
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			out.Close()
			os.Remove(out.Name())
		}
	}()
	if err := b.write(out); err != nil {
		return fmt.Errorf("index: writing %s: %w", b.path, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := os.Rename(out.Name(), b.path); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	ok = true
	return nil
}

// write lays out the whole file in out.
func (b *Builder) write(out *os.File) error {
	h := header{
		weights:  b.opts.Weights,
		dim:      uint32(b.dim),
		modelLen: uint32(len(b.opts.Model)),
		docs:     b.docs,
		postings: b.postings,
		idBytes:  b.idBytes,
	}
	if h.weights == Uint8 {
		h.scale = b.largest / 255
	}
	l, _ := h.sections() // sizes were bounded by Add; only fileSize is left to fill in
	h.fileSize = l.footer + footerSize
	if _, err := out.WriteAt(h.encode(), 0); err != nil {
		return err
	}

	// Term table, and where each term's postings start.
	start := make([]uint64, b.dim)
	var total uint64
	tw := bufio.NewWriterSize(io.NewOffsetWriter(out, int64(l.terms)), 1<<16)
	var e [8]byte
	le := binary.LittleEndian
	for t, n := range b.counts {
		start[t] = total
		total += uint64(n)
		w := b.maxW[t]
		if h.weights == Uint8 && n > 0 {
			w = float32(quantise(w, h.scale)) * h.scale
		}
		le.PutUint32(e[:4], n)
		le.PutUint32(e[4:], math.Float32bits(w))
		tw.Write(e[:])
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if err := b.writePostings(out, h, l, start); err != nil {
		return err
	}
	if err := b.writeIDs(out, l); err != nil {
		return err
	}
	if _, err := out.WriteAt([]byte(b.opts.Model), int64(l.model)); err != nil {
		return err
	}

	// Footer: the checksum of everything written so far.
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(out, 0, int64(l.footer))); err != nil {
		return err
	}
	var f [4]byte
	le.PutUint32(f[:], crc.Sum32())
	_, err := out.WriteAt(f[:], int64(l.footer))
	return err
}

// quantise returns the one-byte code of weight w > 0 on the given scale.
func quantise(w, scale float32) uint8 {
	if scale == 0 {
		return 1
	}
	q := math.Round(float64(w) / float64(scale))
	return uint8(min(max(q, 1), 255))
}

// writePostings fills the ordinal and weight sections in passes over the
// spill file, each placing the postings whose positions fall in a window
// of BufferPostings.
func (b *Builder) writePostings(out *os.File, h header, l layout, start []uint64) error {
	window := uint64(b.opts.BufferPostings)
	wsize := h.weights.size()
	ords := make([]byte, 4*min(window, h.postings))
	ws := make([]byte, wsize*min(window, h.postings))
	cursor := make([]uint64, b.dim)
	le := binary.LittleEndian
	for lo := uint64(0); lo < h.postings; lo += window {
		hi := min(lo+window, h.postings)
		copy(cursor, start)
		if _, err := b.spill.Seek(0, io.SeekStart); err != nil {
			return err
		}
		r := bufio.NewReaderSize(b.spill, 1<<20)
		var rec [8]byte
		for d := uint64(0); d < h.docs; d++ {
			if _, err := io.ReadFull(r, rec[:4]); err != nil {
				return fmt.Errorf("reading the temporary postings: %w", err)
			}
			n := le.Uint32(rec[:4])
			for range n {
				if _, err := io.ReadFull(r, rec[:]); err != nil {
					return fmt.Errorf("reading the temporary postings: %w", err)
				}
				t := le.Uint32(rec[:4])
				pos := cursor[t]
				cursor[t]++
				if pos < lo || pos >= hi {
					continue
				}
				i := pos - lo
				le.PutUint32(ords[4*i:], uint32(d))
				w := math.Float32frombits(le.Uint32(rec[4:]))
				if h.weights == Uint8 {
					ws[i] = quantise(w, h.scale)
				} else {
					le.PutUint32(ws[4*i:], math.Float32bits(w))
				}
			}
		}
		n := hi - lo
		if _, err := out.WriteAt(ords[:4*n], int64(l.ordinals+4*lo)); err != nil {
			return err
		}
		if _, err := out.WriteAt(ws[:wsize*n], int64(l.weights+wsize*lo)); err != nil {
			return err
		}
	}
	return nil
}

// writeIDs copies the ids from their temporary file into the id offsets
// and id bytes sections.
func (b *Builder) writeIDs(out *os.File, l layout) error {
	if _, err := b.ids.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(b.ids, 1<<16)
	ow := bufio.NewWriterSize(io.NewOffsetWriter(out, int64(l.offsets)), 1<<16)
	iw := bufio.NewWriterSize(io.NewOffsetWriter(out, int64(l.ids)), 1<<16)
	le := binary.LittleEndian
	var buf [8]byte
	var off uint64
	le.PutUint64(buf[:], 0)
	ow.Write(buf[:])
	for range b.docs {
		if _, err := io.ReadFull(r, buf[:4]); err != nil {
			return fmt.Errorf("reading the temporary ids: %w", err)
		}
		n := int64(le.Uint32(buf[:4]))
		if _, err := io.CopyN(iw, r, n); err != nil {
			return fmt.Errorf("reading the temporary ids: %w", err)
		}
		off += uint64(n)
		le.PutUint64(buf[:], off)
		ow.Write(buf[:])
	}
	if err := ow.Flush(); err != nil {
		return err
	}
	return iw.Flush()
}
