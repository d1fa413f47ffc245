package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/reference"
)

// namedTensors lists the tensors of p by role.
func namedTensors(p *Params) map[string]*Tensor {
	m := map[string]*Tensor{}
	for r, t := range p.Tensors {
		m[r.String()] = t
	}
	return m
}

// folder returns a MapFS holding config.json and the named files of dir.
func folder(t testing.TB, dir string, files ...string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range append([]string{"config.json"}, files...) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: data}
	}
	return fsys
}

// compareParams checks that a and b hold the same tensors, within tol
// relative (0: bit-identical).
func compareParams(t *testing.T, a, b *Params, tol float64) {
	t.Helper()
	if !reflect.DeepEqual(a.Net, b.Net) {
		t.Fatalf("networks differ: %+v vs %+v", a.Net, b.Net)
	}
	ta, tb := namedTensors(a), namedTensors(b)
	for name, x := range ta {
		y := tb[name]
		if (x == nil) != (y == nil) {
			t.Fatalf("%s: nil in one only", name)
		}
		if x == nil {
			continue
		}
		if fmt.Sprint(x.Shape) != fmt.Sprint(y.Shape) || len(x.Data) != len(y.Data) {
			t.Fatalf("%s: shapes %v vs %v", name, x.Shape, y.Shape)
		}
		for i := range x.Data {
			u, v := x.Data[i], y.Data[i]
			if tol == 0 {
				if math.Float32bits(u) != math.Float32bits(v) {
					t.Fatalf("%s[%d]: %v vs %v", name, i, u, v)
				}
			} else if d := math.Abs(float64(u) - float64(v)); d > tol*math.Abs(float64(u))+1e-7 {
				t.Fatalf("%s[%d]: %v vs %v (diff %g)", name, i, u, v, d)
			}
		}
	}
}

func checkShapes(t *testing.T, p *Params) {
	t.Helper()
	specs := p.Net.Tensors()
	if len(p.Tensors) != len(specs) {
		t.Errorf("%d tensors, the network has %d", len(p.Tensors), len(specs))
	}
	for _, spec := range specs {
		x := p.Get(spec.Role)
		if x == nil || !slices.Equal(x.Shape, spec.Shape) {
			t.Errorf("%s: %v, want shape %v", spec.Role, x, spec.Shape)
		}
	}
}

func TestSafetensorsMatchesPyTorch(t *testing.T) {
	for _, name := range []string{"tiny-bert", "tiny-distilbert", "small-bert-30522", "tiny-roberta-50262"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			st, err := Load(folder(t, dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			pt, err := Load(folder(t, dir, "pytorch_model.bin"))
			if err != nil {
				t.Fatal(err)
			}
			checkShapes(t, st)
			compareParams(t, st, pt, 0)
			if !st.Tied() || !pt.Tied() {
				t.Error("decoder weight is not tied to the word embeddings")
			}
			if name == "tiny-distilbert" && st.Get(arch.W(arch.TypeEmbeddings)) != nil {
				t.Error("DistilBERT has token type embeddings")
			}
		})
	}
}

func TestLoadDirEdgeBERT(t *testing.T) {
	dir := reference.Fixture(t, "edge-bert-30522")
	p, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checkShapes(t, p)
	n := p.Net
	if n.Family != "bert" || n.Vocab != 30522 || n.Hidden != 128 || len(n.Layers) != 2 || n.Heads != 2 || n.Intermediate != 512 ||
		n.Positions != 512 || n.TypeVocab != 2 || n.Norm.Eps != 1e-12 || n.FeedForward.Act != arch.GELU {
		t.Errorf("network %+v", n)
	}
}

func TestF16Copy(t *testing.T) {
	for _, name := range []string{"tiny-bert", "tiny-distilbert"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			data, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			ts, err := ReadSafetensors(data)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, dt := range []string{"F16", "BF16", "F32"} {
				tmp := t.TempDir()
				cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
				os.WriteFile(filepath.Join(tmp, "config.json"), cfg, 0o644)
				var buf bytes.Buffer
				if err := WriteSafetensors(&buf, ts, dt); err != nil {
					t.Fatal(err)
				}
				var again bytes.Buffer
				WriteSafetensors(&again, ts, dt)
				if !bytes.Equal(buf.Bytes(), again.Bytes()) {
					t.Errorf("%s: WriteSafetensors is not deterministic", dt)
				}
				if err := os.WriteFile(filepath.Join(tmp, "model.safetensors"), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				p, err := LoadDir(tmp)
				if err != nil {
					t.Fatal(err)
				}
				tol := map[string]float64{"F16": 1e-3, "BF16": 1e-2 / 2, "F32": 0}[dt]
				compareParams(t, ref, p, tol)
				if dt == "F16" && buf.Len() > len(data)/2+4096 {
					t.Errorf("F16 copy is %d bytes, F32 %d", buf.Len(), len(data))
				}
			}
		})
	}
}

func TestHalf(t *testing.T) {
	for _, tc := range []struct {
		h uint16
		f float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0001, 1.0 / (1 << 24)}, {0x03ff, 1023.0 / (1 << 24)}, {0x8001, -1.0 / (1 << 24)},
		{0x0400, 1.0 / (1 << 14)}, {0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := halfToFloat32(tc.h); got != tc.f {
			t.Errorf("halfToFloat32(%#04x) = %v, want %v", tc.h, got, tc.f)
		}
		if got := float32ToHalf(tc.f); got != tc.h {
			t.Errorf("float32ToHalf(%v) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	if f := halfToFloat32(0x8000); f != 0 || !math.Signbit(float64(f)) {
		t.Errorf("-0 decodes to %v", f)
	}
	for _, h := range []uint16{0x7e00, 0x7c01, 0xfe00} {
		if f := halfToFloat32(h); !math.IsNaN(float64(f)) {
			t.Errorf("halfToFloat32(%#04x) = %v, want NaN", h, f)
		}
	}
	// Every half value survives a round trip through float32.
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := halfToFloat32(h)
		back := float32ToHalf(f)
		if math.IsNaN(float64(f)) {
			if back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x", h, back)
			}
			continue
		}
		if back != h {
			t.Fatalf("%#04x -> %v -> %#04x", h, f, back)
		}
	}
	// Rounding to nearest, ties to even.
	for _, tc := range []struct {
		f float32
		h uint16
	}{
		{65519, 0x7bff}, {65520, 0x7c00}, {1e10, 0x7c00}, {-1e10, 0xfc00},
		{1 + 1.0/(1<<11), 0x3c00}, {1 + 3.0/(1<<11), 0x3c02}, {1 + 1.0/(1<<11) + 1.0/(1<<20), 0x3c01},
		{1.0 / (1 << 25), 0x0000}, {1.5 / (1 << 25), 0x0001}, {3.0 / (1 << 25), 0x0002}, {1e-10, 0},
		{float32(math.SmallestNonzeroFloat32), 0},
	} {
		if got := float32ToHalf(tc.f); got != tc.h {
			t.Errorf("float32ToHalf(%g) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
}

func TestBFloat16(t *testing.T) {
	for _, tc := range []struct {
		h uint16
		f float32
	}{
		{0x3f80, 1}, {0xc000, -2}, {0x4049, 3.140625}, {0x0000, 0}, {0x7f7f, 3.3895314e38},
		{0x7f80, float32(math.Inf(1))}, {0xff80, float32(math.Inf(-1))},
		{0x0001, math.Float32frombits(0x00010000)}, // float32 subnormal
	} {
		if got := bfloat16ToFloat32(tc.h); got != tc.f {
			t.Errorf("bfloat16ToFloat32(%#04x) = %v, want %v", tc.h, got, tc.f)
		}
		if got := float32ToBfloat16(tc.f); got != tc.h {
			t.Errorf("float32ToBfloat16(%v) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	if f := bfloat16ToFloat32(0x7fc0); !math.IsNaN(float64(f)) {
		t.Errorf("0x7fc0 = %v, want NaN", f)
	}
	// A hand-made BF16 safetensors file decodes to those values.
	data := rawSafetensors(`{"x":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},"ids":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}`,
		[]byte{0x80, 0x3f, 0x00, 0xc0, 0x49, 0x40, 0x80, 0xff, 1, 0, 0, 0, 0, 0, 0, 0})
	ts, err := ReadSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ts["ids"]; ok {
		t.Error("integer tensor not skipped")
	}
	want := []float32{1, -2, 3.140625, float32(math.Inf(-1))}
	if x := ts["x"]; x == nil || fmt.Sprint(x.Shape) != "[2 2]" || fmt.Sprint(x.Data) != fmt.Sprint(want) {
		t.Errorf("got %+v, want %v", ts["x"], want)
	}
}

// rawSafetensors builds a safetensors file from a header and a data buffer.
func rawSafetensors(header string, buf []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), buf...)
}

// rewriteZip returns a copy of the zip archive in file with each record
// passed through edit (nil: drop the record).
func rewriteZip(t testing.TB, file string, edit func(name string, data []byte) []byte) []byte {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if data = edit(f.Name, data); data == nil {
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestPyTorchBFloat16Storage(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	file := filepath.Join(dir, "pytorch_model.bin")
	ref, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Relabel the float32 storages as bfloat16: element 2j+1 of a tensor
	// is then the upper half of float32 element j.
	data := rewriteZip(t, file, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "data.pkl") {
			return bytes.Replace(data, []byte("torch\nFloatStorage\n"), []byte("torch\nBFloat16Storage\n"), 1)
		}
		return data
	})
	ts, err := ReadPyTorch(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	got := ts["bert.embeddings.word_embeddings.weight"]
	for j := 0; j < len(got.Data)/2; j++ {
		want := math.Float32frombits(math.Float32bits(ref.Get(arch.W(arch.WordEmbeddings)).Data[j]) &^ 0xffff)
		if got.Data[2*j+1] != want {
			t.Fatalf("element %d: %v, want %v", 2*j+1, got.Data[2*j+1], want)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	st := folder(t, dir, "model.safetensors")
	good := st["model.safetensors"].Data
	ts, err := ReadSafetensors(good)
	if err != nil {
		t.Fatal(err)
	}
	without := func(key string) fstest.MapFS {
		m := map[string]*Tensor{}
		for k, v := range ts {
			if k != key {
				m[k] = v
			}
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, m, "F32"); err != nil {
			t.Fatal(err)
		}
		return fstest.MapFS{"config.json": st["config.json"], "model.safetensors": {Data: buf.Bytes()}}
	}
	misshaped := func() fstest.MapFS {
		m := map[string]*Tensor{}
		for k, v := range ts {
			m[k] = v
		}
		q := m["bert.encoder.layer.1.attention.self.key.weight"]
		m["bert.encoder.layer.1.attention.self.key.weight"] = &Tensor{Shape: []int{16, 64}, Data: q.Data}
		var buf bytes.Buffer
		WriteSafetensors(&buf, m, "F32")
		return fstest.MapFS{"config.json": st["config.json"], "model.safetensors": {Data: buf.Bytes()}}
	}
	with := func(name string, data []byte) fstest.MapFS {
		return fstest.MapFS{"config.json": st["config.json"], name: {Data: data}}
	}
	corrupt := append([]byte{}, good...)
	copy(corrupt[8:], "}}}}")
	pt := filepath.Join(dir, "pytorch_model.bin")
	transposed := rewriteZip(t, pt, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "data.pkl") {
			return bytes.Replace(data, []byte("K\x20K\x01\x86"), []byte("K\x01K\x20\x86"), 1)
		}
		return data
	})
	shortStorage := rewriteZip(t, pt, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "/data/0") {
			return data[:100]
		}
		return data
	})
	noPickle := rewriteZip(t, pt, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "data.pkl") {
			return nil
		}
		return data
	})
	badPickle := rewriteZip(t, pt, func(name string, data []byte) []byte {
		if strings.HasSuffix(name, "data.pkl") {
			return data[:len(data)/2]
		}
		return data
	})
	legacy := append([]byte{0x80, 0x02, 0x8a, 0x0a}, make([]byte, 60)...)

	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"model_type", fstest.MapFS{"config.json": {Data: []byte(`{"model_type":"t5"}`)}, "model.safetensors": {Data: good}},
			`checkpoint: config.json: unsupported model_type "t5" (supported: bert, camembert, distilbert, modernbert, new, roberta, xlm-roberta)`},
		{"no config", fstest.MapFS{"model.safetensors": {Data: good}}, "no config.json"},
		{"no weights", fstest.MapFS{"config.json": st["config.json"]},
			"looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin and pytorch_model.bin.index.json"},
		{"missing tensor", without("bert.encoder.layer.1.output.dense.bias"),
			`tensor "bert.encoder.layer.1.output.dense.bias" missing (want shape [32])`},
		{"missing head", without("cls.predictions.transform.LayerNorm.weight"),
			`tensor "cls.predictions.transform.LayerNorm.weight" missing`},
		{"misshaped", misshaped(), `tensor "bert.encoder.layer.1.attention.self.key.weight" has shape [16 64], want [32 32]`},
		{"truncated", with("model.safetensors", good[:len(good)-10]), "model.safetensors: tensor"},
		{"truncated header", with("model.safetensors", good[:100]), "model.safetensors: header length"},
		{"tiny file", with("model.safetensors", good[:5]), "too short"},
		{"corrupt header", with("model.safetensors", corrupt), "model.safetensors: corrupt header"},
		{"non-contiguous", with("pytorch_model.bin", transposed), "non-contiguous"},
		{"short storage", with("pytorch_model.bin", shortStorage), `pytorch_model.bin: tensor "bert.embeddings.word_embeddings.weight"`},
		{"no data.pkl", with("pytorch_model.bin", noPickle), "data.pkl"},
		{"cut pickle", with("pytorch_model.bin", badPickle), "data.pkl"},
		{"legacy", with("pytorch_model.bin", legacy), "legacy"},
		{"not zip", with("pytorch_model.bin", []byte("hello")), "not a PyTorch zip checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Load(tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, %v; want error containing %q", p != nil, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestFromTensorsVariants(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	ref, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	ts, _ := ReadSafetensors(data)
	// No "bert." prefix, gamma/beta LayerNorm names, an untied decoder with
	// its own bias name, and extra keys.
	m := map[string]*Tensor{"bert.pooler.dense.weight": {Shape: []int{1}, Data: []float32{0}}}
	for k, v := range ts {
		k = strings.TrimPrefix(k, "bert.")
		if strings.Contains(k, "LayerNorm.") {
			k = strings.Replace(strings.Replace(k, ".weight", ".gamma", 1), ".bias", ".beta", 1)
		}
		if k == "cls.predictions.bias" {
			k = "cls.predictions.decoder.bias"
		}
		m[k] = v
	}
	wordEmb := ref.Get(arch.W(arch.WordEmbeddings))
	dec := &Tensor{Shape: wordEmb.Shape, Data: append([]float32{}, wordEmb.Data...)}
	dec.Data[5] = 42
	m["cls.predictions.decoder.weight"] = dec
	p, err := FromTensors(ref.Net, m)
	if err != nil {
		t.Fatal(err)
	}
	if p.Get(arch.W(arch.Decoder)) != dec {
		t.Error("explicit decoder weight not used")
	}
	p.Tensors[arch.W(arch.Decoder)] = p.Get(arch.W(arch.WordEmbeddings))
	compareParams(t, ref, p, 0)
	// A decoder weight equal to the word embeddings is tied.
	m["cls.predictions.decoder.weight"] = &Tensor{Shape: wordEmb.Shape, Data: append([]float32{}, wordEmb.Data...)}
	if p, err = FromTensors(ref.Net, m); err != nil || !p.Tied() {
		t.Errorf("equal decoder weight not tied (err %v)", err)
	}
	compareParams(t, ref, p, 0)

	if _, err := FromTensors(&arch.Network{Family: "bert"}, ts); err == nil {
		t.Error("FromTensors accepted a zero network")
	}
}

// TestFromTensorsRoberta maps the RobertaForMaskedLM names: with the
// decoder weight saved (tied) or left out, the bias as lm_head.bias or
// lm_head.decoder.bias, and without the "roberta." prefix.
func TestFromTensorsRoberta(t *testing.T) {
	dir := reference.Fixture(t, "tiny-roberta-50262")
	ref, err := Load(folder(t, dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ReadWeights(folder(t, dir, "pytorch_model.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lm_head.decoder.weight", "lm_head.bias", "roberta.embeddings.word_embeddings.weight"} {
		if ts[k] == nil {
			t.Fatalf("pytorch_model.bin has no %s", k)
		}
	}
	m := map[string]*Tensor{}
	for k, v := range ts {
		if k == "lm_head.bias" {
			k = "lm_head.decoder.bias"
		}
		m[strings.TrimPrefix(k, "roberta.")] = v
	}
	p, err := FromTensors(ref.Net, m)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Tied() {
		t.Error("lm_head.decoder.weight equal to the embeddings is not tied")
	}
	compareParams(t, ref, p, 0)
	// A layer the config does not have is refused by name.
	extra := maps.Clone(ts)
	extra["roberta.encoder.layer.2.output.dense.bias"] = &Tensor{Shape: []int{32}, Data: make([]float32, 32)}
	if _, err := FromTensors(ref.Net, extra); err == nil || !strings.Contains(err.Error(), "roberta.encoder.layer.2.output.dense.bias") {
		t.Errorf("with a third layer's tensor: %v, want an error naming it", err)
	}
	DropTiedDecoder(ts)
	if _, ok := ts["lm_head.decoder.weight"]; ok {
		t.Error("DropTiedDecoder kept the tied lm_head.decoder.weight")
	}
	delete(ts, "lm_head.bias")
	delete(ts, "lm_head.decoder.bias")
	if _, err := FromTensors(ref.Net, ts); err == nil || !strings.Contains(err.Error(), `"lm_head.bias" missing`) {
		t.Errorf("without a decoder bias: %v, want lm_head.bias named missing", err)
	}
}

func TestShardedSafetensors(t *testing.T) {
	dir := reference.Fixture(t, "tiny-distilbert")
	ref, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	ts, _ := ReadSafetensors(data)
	shards := []map[string]*Tensor{{}, {}}
	index := map[string]string{}
	i := 0
	for k, v := range ts {
		shards[i%2][k] = v
		index[k] = "model-0000" + strconv.Itoa(i%2+1) + "-of-00002.safetensors"
		i++
	}
	fsys := folder(t, dir)
	for j, s := range shards {
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, s, "F32"); err != nil {
			t.Fatal(err)
		}
		fsys["model-0000"+strconv.Itoa(j+1)+"-of-00002.safetensors"] = &fstest.MapFile{Data: buf.Bytes()}
	}
	var idx bytes.Buffer
	fmt.Fprintf(&idx, `{"metadata":{},"weight_map":{`)
	first := true
	for k, v := range index {
		if !first {
			idx.WriteString(",")
		}
		first = false
		fmt.Fprintf(&idx, "%q:%q", k, v)
	}
	idx.WriteString("}}")
	fsys["model.safetensors.index.json"] = &fstest.MapFile{Data: idx.Bytes()}
	p, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	compareParams(t, ref, p, 0)
}

func FuzzReadSafetensors(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "tiny-bert", "model.safetensors"))
	if err == nil {
		// The whole fixture makes the fuzzer crawl (large inputs); seed
		// with its start and with a small valid file of its bias vectors.
		f.Add(data[:200])
		ts, err := ReadSafetensors(data)
		if err != nil {
			f.Fatal(err)
		}
		small := map[string]*Tensor{}
		for name, t := range ts {
			if strings.HasPrefix(name, "bert.encoder.layer.0.") && len(t.Data) <= 32 {
				small[name] = t
			}
		}
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, small, "F16"); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(rawSafetensors(`{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, []byte{0, 0x3c, 0, 0x7c}))
	f.Add(rawSafetensors(`{"x":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}`, nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ReadSafetensors(data)
		if err != nil {
			return
		}
		for name, x := range ts {
			if n, ok := numElements(x.Shape); !ok || n != len(x.Data) {
				t.Fatalf("%s: shape %v with %d values", name, x.Shape, len(x.Data))
			}
		}
	})
}

func FuzzReadPyTorch(f *testing.F) {
	// The fixture with its storage records cut short keeps the seed small
	// (the fuzzer crawls on large inputs) while the pickle stays whole.
	file := filepath.Join("..", "testdata", "tiny-distilbert", "pytorch_model.bin")
	if _, err := os.Stat(file); err == nil {
		f.Add(rewriteZip(f, file, func(name string, data []byte) []byte {
			if strings.Contains(name, "/data/") {
				return data[:min(len(data), 16)]
			}
			return data
		}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ReadPyTorch(bytes.NewReader(data), int64(len(data)))
	})
}

func BenchmarkLoad(b *testing.B) {
	dir := reference.Fixture(b, "small-bert-30522")
	for _, file := range []string{"model.safetensors", "pytorch_model.bin"} {
		b.Run(file, func(b *testing.B) {
			fsys := folder(b, dir, file)
			b.SetBytes(int64(len(fsys[file].Data)))
			for b.Loop() {
				if _, err := Load(fsys); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestCheckPickle(t *testing.T) {
	for _, tc := range []struct {
		data string
		ok   bool
	}{
		{"\x80\x02}q\x00.", true},
		{"\x80\x02X\x03\x00\x00\x00abc.", true},
		{"\x80\x02X\xff\xff\xff\xffabc.", false}, // length past the end
		{"\x80\x02ctorch\nFloatStorage\n.", true},
		{"\x80\x02ctorch\nFloat", false},
		{"\x80\x02}", false},
		{"\xff", false},
	} {
		if err := checkPickle([]byte(tc.data)); (err == nil) != tc.ok {
			t.Errorf("checkPickle(%q) = %v, want ok %v", tc.data, err, tc.ok)
		}
	}
}

// TestDecodeF16Table checks that the table path of decodeFloats (large
// tensors) gives what the direct conversion gives, for every half value.
func TestDecodeF16Table(t *testing.T) {
	f16, ok := safetensorsDtype("F16")
	if !ok {
		t.Fatal("no F16 element type")
	}
	n := f16TableMin + 1<<16
	src := make([]byte, 2*n)
	for i := range n {
		src[2*i], src[2*i+1] = byte(i), byte(i>>8)
	}
	for _, size := range []int{n, f16TableMin - 1} {
		dst := make([]float32, size)
		decodeFloats(f16, src, dst)
		for i, got := range dst {
			want := halfToFloat32(uint16(i))
			if math.Float32bits(got) != math.Float32bits(want) {
				t.Fatalf("size %d: element %d (%#04x) = %v, want %v", size, i, uint16(i), got, want)
			}
		}
	}
}

func TestWeightFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"config.json":                  {Data: []byte(`{}`)},
		"model.safetensors":            {Data: []byte("x")},
		"pytorch_model.bin.index.json": {Data: []byte(`{"weight_map": {"a": "p-2.bin", "b": "p-1.bin", "c": "p-2.bin"}}`)},
	}
	got, err := WeightFiles(fsys)
	if want := []string{"model.safetensors", "pytorch_model.bin.index.json", "p-1.bin", "p-2.bin"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("WeightFiles = %v, %v; want %v", got, err, want)
	}
	fsys["pytorch_model.bin.index.json"] = &fstest.MapFile{Data: []byte(`{"weight_map": {}}`)}
	if _, err := WeightFiles(fsys); err == nil {
		t.Error("empty weight_map: no error")
	}
}

// TestWriteSafetensorsI8 round-trips a 2-D tensor through the I8 format:
// each value within half a step (max|row|/127/2) of the original, the
// row's largest magnitude exact, a zero row zero, 1-D tensors exact.
func TestWriteSafetensorsI8(t *testing.T) {
	w := &Tensor{Shape: []int{3, 4}, Data: []float32{
		0.5, -1.27, 0.01, 0.3,
		0, 0, 0, 0,
		-2, 1, 0.75, -0.1}}
	b := &Tensor{Shape: []int{4}, Data: []float32{0.1, -0.2, 0.3, 1e-7}}
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, map[string]*Tensor{"l.weight": w, "l.bias": b}, "I8"); err != nil {
		t.Fatal(err)
	}
	// I8 is one byte a value: 12 + the scales (3 F32) + the bias (4 F32).
	if !bytes.Contains(buf.Bytes(), []byte(`"l.weight":{"data_offsets":[16,28],"dtype":"I8","shape":[3,4]}`)) {
		t.Errorf("header: %s", buf.Bytes()[8:])
	}
	ts, err := ReadSafetensors(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts["l.weight_scale"] != nil {
		t.Fatalf("tensors %v: want l.weight and l.bias (the scales folded in)", slices.Sorted(maps.Keys(ts)))
	}
	if !slices.Equal(ts["l.bias"].Data, b.Data) {
		t.Errorf("bias %v, want %v", ts["l.bias"].Data, b.Data)
	}
	got := ts["l.weight"]
	if !slices.Equal(got.Shape, w.Shape) {
		t.Fatalf("shape %v", got.Shape)
	}
	for r, amax := range []float32{1.27, 0, 2} {
		step := amax / 127
		for c := range 4 {
			x, y := w.Data[r*4+c], got.Data[r*4+c]
			if d := float32(math.Abs(float64(x - y))); d > step/2*1.0001 {
				t.Errorf("[%d,%d] = %g, want %g within %g", r, c, y, x, step/2)
			}
			if float32(math.Abs(float64(x))) == amax && math.Abs(float64(x-y)) > 1e-6 {
				t.Errorf("[%d,%d] = %g, want the row's largest %g exactly", r, c, y, x)
			}
		}
	}
}
