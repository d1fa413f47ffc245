package checkpoint

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// maxDims bounds the dimensions of a tensor view.
const maxDims = 64

// maxPickle bounds data.pkl, the tensor index of a torch checkpoint; it
// holds names, shapes and storage keys only, never the weights.
const maxPickle = 256 << 20

// torchStorage is a storage record of a torch zip checkpoint, as named by the
// persistent ids in data.pkl.
type torchStorage struct {
	key   string
	dt    elemType
	numel int
}

// torchTensor is a view on a storage, built by torch._utils._rebuild_tensor_v2.
type torchTensor struct {
	storage *torchStorage
	offset  int
	size    []int
	stride  []int
}

// torchStorageTypes maps the storage classes that torch.save pickles to
// element types.
var torchStorageTypes = map[string]elemType{
	"FloatStorage":    dtF32,
	"HalfStorage":     dtF16,
	"BFloat16Storage": dtBF16,
	"DoubleStorage":   dtF64,
	"LongStorage":     {"I64", 8, false},
	"IntStorage":      {"I32", 4, false},
	"ShortStorage":    {"I16", 2, false},
	"CharStorage":     {"I8", 1, false},
	"ByteStorage":     {"U8", 1, false},
	"BoolStorage":     {"BOOL", 1, false},
}

// ReadPyTorch reads a state dict saved by torch.save in the zip format of
// PyTorch 1.6 and later (pytorch_model.bin). float32, float16, bfloat16 and
// float64 tensors become float32 tensors; integer buffers such as
// position_ids are left out. Names that are equal views of one storage, as
// tied weights saved by torch.save are, map to the same *Tensor. The pickle is read with
// github.com/nlpodyssey/gopickle, which builds no Python objects beyond
// plain containers: no code in the file runs.
func ReadPyTorch(r io.ReaderAt, size int64) (map[string]*Tensor, error) {
	ts, err := readPyTorch(r, size)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: pytorch: %w", err)
	}
	return ts, nil
}

func readPyTorch(r io.ReaderAt, size int64) (map[string]*Tensor, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		var head [8]byte
		n, _ := r.ReadAt(head[:], 0)
		if n >= 2 && head[0] == 0x80 && head[1] <= 5 {
			return nil, errors.New("legacy (pre-1.6, non-zip) torch.save format is not supported: re-save the model with a recent PyTorch or convert it to model.safetensors")
		}
		return nil, fmt.Errorf("not a PyTorch zip checkpoint: %w", err)
	}
	records := make(map[string]*zip.File, len(zr.File))
	var pkl *zip.File
	for _, f := range zr.File {
		if _, dup := records[f.Name]; dup {
			return nil, fmt.Errorf("two zip records named %s", f.Name)
		}
		records[f.Name] = f
		if strings.Count(f.Name, "/") == 1 && path.Base(f.Name) == "data.pkl" {
			if pkl != nil {
				return nil, fmt.Errorf("two data.pkl records (%s, %s)", pkl.Name, f.Name)
			}
			pkl = f
		}
	}
	if pkl == nil {
		return nil, errors.New("no <archive>/data.pkl record: not a torch.save checkpoint")
	}
	prefix := path.Dir(pkl.Name) + "/"
	if _, ok := records[prefix+"constants.pkl"]; ok {
		return nil, errors.New("TorchScript archives are not supported: save the state dict with torch.save or safetensors")
	}
	if f, ok := records[prefix+"byteorder"]; ok {
		b, err := readRecord(f, 16, size)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if string(b) != "little" {
			return nil, fmt.Errorf("byte order %q not supported (want little)", b)
		}
	}
	pb, err := readRecord(pkl, maxPickle, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	obj, err := unpickleStateDict(pb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}

	dict, err := stateDictEntries(obj, 0)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pkl.Name, err)
	}
	// Group float tensors by storage so each storage record is read once,
	// even when tensors share it (tied weights saved without de-duplication).
	byStorage := make(map[*torchStorage][]string)
	views := make(map[string]*torchTensor)
	for _, e := range dict {
		tt, ok := e.value.(*torchTensor)
		if !ok || !tt.storage.dt.float {
			continue
		}
		views[e.name] = tt
		byStorage[tt.storage] = append(byStorage[tt.storage], e.name)
	}
	keys := make([]*torchStorage, 0, len(byStorage))
	for st := range byStorage {
		keys = append(keys, st)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].key < keys[j].key })

	ts := make(map[string]*Tensor, len(views))
	for _, st := range keys {
		f, ok := records[prefix+"data/"+st.key]
		if !ok {
			return nil, fmt.Errorf("tensor %q: storage record %sdata/%s missing", byStorage[st][0], prefix, st.key)
		}
		nbytes := int64(st.numel) * int64(st.dt.size)
		if st.numel < 0 || nbytes/int64(st.dt.size) != int64(st.numel) || uint64(nbytes) > f.UncompressedSize64 {
			return nil, fmt.Errorf("tensor %q: storage %s of %d %s elements does not fit its record (%d bytes)", byStorage[st][0], st.key, st.numel, st.dt.name, f.UncompressedSize64)
		}
		raw, err := readRecord(f, nbytes, size)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %s: %w", byStorage[st][0], f.Name, err)
		}
		if int64(len(raw)) < nbytes {
			return nil, fmt.Errorf("tensor %q: %s: %d bytes, want %d (truncated file?)", byStorage[st][0], f.Name, len(raw), nbytes)
		}
		// Equal views of one storage (tied weights) share one *Tensor.
		decoded := make(map[string]*Tensor)
		for _, name := range byStorage[st] {
			v := views[name]
			id := fmt.Sprint(v.offset, v.size, v.stride)
			if t, ok := decoded[id]; ok {
				ts[name] = t
				continue
			}
			t, err := v.decode(raw)
			if err != nil {
				return nil, fmt.Errorf("tensor %q: %w", name, err)
			}
			decoded[id] = t
			ts[name] = t
		}
	}
	return ts, nil
}

// decode copies the view out of the raw storage bytes.
func (tt *torchTensor) decode(raw []byte) (*Tensor, error) {
	st := tt.storage
	numel, ok := numElements(tt.size)
	if !ok || len(tt.stride) != len(tt.size) || tt.offset < 0 {
		return nil, fmt.Errorf("bad view: size %v, stride %v, offset %d", tt.size, tt.stride, tt.offset)
	}
	// Row-major contiguity; dimensions of size 1 may carry any stride.
	want := 1
	for i := len(tt.size) - 1; i >= 0; i-- {
		if tt.size[i] != 1 && tt.stride[i] != want {
			return nil, fmt.Errorf("non-contiguous view (size %v, stride %v) not supported: save tensors made contiguous (t.contiguous())", tt.size, tt.stride)
		}
		want *= tt.size[i]
	}
	if numel > st.numel || tt.offset > st.numel-numel {
		return nil, fmt.Errorf("view of %d elements at offset %d exceeds its storage of %d", numel, tt.offset, st.numel)
	}
	t := &Tensor{Shape: append([]int{}, tt.size...), Data: make([]float32, numel)}
	decodeFloats(st.dt, raw[tt.offset*st.dt.size:(tt.offset+numel)*st.dt.size], t.Data)
	return t, nil
}

// maxRecord is the hard cap on one zip record of a torch checkpoint.
const maxRecord = 16 << 30

// maxInflate bounds how much larger than the whole archive a record may
// declare itself: torch.save stores records uncompressed, so a record
// larger than its archive is compressed, and a record far larger (1 GiB of
// zeros deflated into a megabyte) is a zip bomb.
const maxInflate = 4

// readRecord reads at most limit bytes of a zip record, refusing records
// that declare more than maxInflate times the archive's size (fileSize) or
// maxRecord. archive/zip checks that the bytes read match the declared size
// and the CRC, so a record cannot grow past what was checked here.
func readRecord(f *zip.File, limit, fileSize int64) ([]byte, error) {
	if f.UncompressedSize64 > maxRecord || f.UncompressedSize64 > uint64(max(fileSize, 0))*maxInflate {
		return nil, fmt.Errorf("record declares %d bytes uncompressed, more than %d times the whole file (%d bytes) or the cap of %d: a zip bomb, or a checkpoint torch.save did not write (it stores records uncompressed)",
			f.UncompressedSize64, maxInflate, fileSize, int64(maxRecord))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	hint := min(f.UncompressedSize64, uint64(limit), uint64(max(fileSize, 0)))
	buf := bytes.NewBuffer(make([]byte, 0, int(hint)))
	if _, err := io.Copy(buf, io.LimitReader(rc, limit)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

type dictEntry struct {
	name  string
	value any
}

// maxStateDictDepth bounds the "state_dict" entries unwrapped: a dict that
// holds itself (through the pickle memo) would otherwise recurse forever.
const maxStateDictDepth = 4

// stateDictEntries lists the name/value pairs of the unpickled state dict.
// A dict holding the state dict under "state_dict" is unwrapped, at most
// maxStateDictDepth times. A name given twice is an error: which of the
// two tensors the model gets would be an accident of the file.
func stateDictEntries(obj any, depth int) ([]dictEntry, error) {
	if depth > maxStateDictDepth {
		return nil, fmt.Errorf("state_dict nested more than %d deep (a dict that holds itself?)", maxStateDictDepth)
	}
	var out []dictEntry
	seen := make(map[string]bool)
	var dups []string
	add := func(k, v any) error {
		name, ok := k.(string)
		if !ok {
			// %T, not %v: a key may be a cyclic or deeply nested object.
			return fmt.Errorf("state dict key of type %T is not a string", k)
		}
		if seen[name] {
			dups = append(dups, name)
		}
		seen[name] = true
		out = append(out, dictEntry{name, v})
		return nil
	}
	switch d := obj.(type) {
	case *types.Dict:
		if inner, ok := d.Get("state_dict"); ok {
			return stateDictEntries(inner, depth+1)
		}
		for _, e := range *d {
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	case *types.OrderedDict:
		if inner, ok := d.Get("state_dict"); ok {
			return stateDictEntries(inner, depth+1)
		}
		for el := d.List.Front(); el != nil; el = el.Next() {
			e := el.Value.(*types.OrderedDictEntry)
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("top-level object is %T, want a state dict", obj)
	}
	if len(dups) > 0 {
		return nil, fmt.Errorf("state dict names %d tensor(s) twice: %s", len(dups), listNames(dups))
	}
	return out, nil
}

// unpickleStateDict runs the unpickler over data.pkl. Storage persistent ids
// become *torchStorage and tensor rebuilds *torchTensor; the weights
// themselves are read afterwards. A panic inside the unpickler (corrupt
// input) becomes an error.
func unpickleStateDict(data []byte) (obj any, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("corrupt pickle: %v", p)
		}
	}()
	if err := checkPickle(data); err != nil {
		return nil, err
	}
	storages := make(map[string]*torchStorage)
	u := pickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = findTorchClass
	u.PersistentLoad = func(id any) (any, error) {
		tup, ok := id.(*types.Tuple)
		if !ok || tup.Len() < 5 {
			return nil, fmt.Errorf("persistent id of type %T: want (\"storage\", type, key, location, numel)", id)
		}
		if s, _ := tup.Get(0).(string); s != "storage" {
			return nil, fmt.Errorf("persistent id of kind %T not supported (want \"storage\")", tup.Get(0))
		}
		dt, ok1 := tup.Get(1).(elemType)
		key, ok2 := tup.Get(2).(string)
		numel, ok3 := tup.Get(4).(int)
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("persistent id (%T, %T, %T, ...): want (\"storage\", type, key, location, numel)", tup.Get(1), tup.Get(2), tup.Get(4))
		}
		if st, ok := storages[key]; ok {
			if st.dt != dt || st.numel != numel {
				return nil, fmt.Errorf("storage %s declared twice with different types", key)
			}
			return st, nil
		}
		st := &torchStorage{key: key, dt: dt, numel: numel}
		storages[key] = st
		return st, nil
	}
	return u.Load()
}

// findTorchClass resolves the globals a state dict pickle names.
func findTorchClass(module, name string) (any, error) {
	switch module {
	case "torch":
		if dt, ok := torchStorageTypes[name]; ok {
			return dt, nil
		}
	case "torch._utils":
		switch name {
		case "_rebuild_tensor_v2":
			return callable(rebuildTensor), nil
		case "_rebuild_parameter":
			return callable(rebuildParameter), nil
		}
	}
	if module == "torch" || strings.HasPrefix(module, "torch.") {
		return nil, fmt.Errorf("pickled %s.%s not supported (want plain float tensors)", module, name)
	}
	return types.NewGenericClass(module, name), nil
}

// callable adapts a Go function to gopickle's types.Callable.
type callable func(args ...any) (any, error)

func (c callable) Call(args ...any) (any, error) { return c(args...) }

// rebuildTensor implements torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
func rebuildTensor(args ...any) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %d arguments, want at least 4", len(args))
	}
	st, ok := args[0].(*torchStorage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: first argument is %T, want a storage", args[0])
	}
	off, ok := args[1].(int)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: storage offset is %T, want int", args[1])
	}
	size, err := intTuple(args[2])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor_v2: size: %w", err)
	}
	stride, err := intTuple(args[3])
	if err != nil {
		return nil, fmt.Errorf("_rebuild_tensor_v2: stride: %w", err)
	}
	return &torchTensor{storage: st, offset: off, size: size, stride: stride}, nil
}

// rebuildParameter implements torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks): a Parameter is its tensor here.
func rebuildParameter(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("_rebuild_parameter: no arguments")
	}
	return args[0], nil
}

func intTuple(v any) ([]int, error) {
	tup, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("%T, want a tuple of ints", v)
	}
	if tup.Len() > maxDims {
		return nil, fmt.Errorf("%d dimensions, more than %d", tup.Len(), maxDims)
	}
	out := make([]int, tup.Len())
	for i := range out {
		n, ok := tup.Get(i).(int)
		if !ok {
			return nil, fmt.Errorf("element %d is %T, want a tuple of ints", i, tup.Get(i))
		}
		out[i] = n
	}
	return out, nil
}
