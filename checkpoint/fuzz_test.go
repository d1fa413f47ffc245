package checkpoint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/splade-go/splade/arch"
)

// miniBERT returns the config.json and model.safetensors of a BERT masked
// LM small enough for the fuzzer to mutate: vocab 8, hidden 4, one layer.
func miniBERT(tb testing.TB) (config, weights []byte) {
	const V, H, I, P, T = 8, 4, 8, 6, 2
	config = []byte(fmt.Sprintf(`{"model_type":"bert","vocab_size":%d,"hidden_size":%d,"num_hidden_layers":1,"num_attention_heads":2,`+
		`"intermediate_size":%d,"max_position_embeddings":%d,"type_vocab_size":%d}`, V, H, I, P, T))
	ts := map[string]*Tensor{}
	add := func(name string, shape ...int) {
		n, _ := numElements(shape)
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i%7) / 7
		}
		ts[name] = &Tensor{Shape: shape, Data: data}
	}
	add("bert.embeddings.word_embeddings.weight", V, H)
	add("bert.embeddings.position_embeddings.weight", P, H)
	add("bert.embeddings.token_type_embeddings.weight", T, H)
	add("bert.embeddings.LayerNorm.weight", H)
	add("bert.embeddings.LayerNorm.bias", H)
	l := "bert.encoder.layer.0."
	for _, lin := range []struct {
		name    string
		out, in int
	}{{"attention.self.query", H, H}, {"attention.self.key", H, H}, {"attention.self.value", H, H}, {"attention.output.dense", H, H},
		{"intermediate.dense", I, H}, {"output.dense", H, I}} {
		add(l+lin.name+".weight", lin.out, lin.in)
		add(l+lin.name+".bias", lin.out)
	}
	for _, norm := range []string{"attention.output.LayerNorm", "output.LayerNorm"} {
		add(l+norm+".weight", H)
		add(l+norm+".bias", H)
	}
	add("cls.predictions.transform.dense.weight", H, H)
	add("cls.predictions.transform.dense.bias", H)
	add("cls.predictions.transform.LayerNorm.weight", H)
	add("cls.predictions.transform.LayerNorm.bias", H)
	add("cls.predictions.bias", V)
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, ts, "F16"); err != nil {
		tb.Fatal(err)
	}
	return config, buf.Bytes()
}

// TestMiniBERT checks that the fuzz seed is a model Load accepts, so that
// the fuzzer starts from inside the accepted set.
func TestMiniBERT(t *testing.T) {
	config, weights := miniBERT(t)
	net, err := arch.Parse(config)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ReadSafetensors(weights)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromTensors(net, ts); err != nil {
		t.Fatal(err)
	}
}

// FuzzFromTensors mutates a config.json and the safetensors file of a
// model together: whatever Load accepts must hold every tensor at its
// configured shape.
func FuzzFromTensors(f *testing.F) {
	config, weights := miniBERT(f)
	f.Add(config, weights)
	f.Add([]byte(strings.Replace(string(config), `"num_hidden_layers":1`, `"num_hidden_layers":2`, 1)), weights)
	f.Add([]byte(strings.Replace(string(config), `"vocab_size":8`, `"vocab_size":9`, 1)), weights)
	f.Fuzz(func(t *testing.T, config, weights []byte) {
		net, err := arch.Parse(config)
		if err != nil {
			return
		}
		ts, err := ReadSafetensors(weights)
		if err != nil {
			return
		}
		p, err := FromTensors(net, ts)
		if err != nil {
			return
		}
		checkFuzzParams(t, p)
	})
}

// checkFuzzParams checks the shapes of accepted parameters.
func checkFuzzParams(t *testing.T, p *Params) {
	for _, spec := range p.Net.Tensors() {
		x := p.Get(spec.Role)
		if x == nil || fmt.Sprint(x.Shape) != fmt.Sprint(spec.Shape) {
			t.Fatalf("%s: %v, want shape %v", spec.Role, x, spec.Shape)
		}
		if n, ok := numElements(x.Shape); !ok || n != len(x.Data) {
			t.Fatalf("%s: shape %v with %d values", spec.Role, x.Shape, len(x.Data))
		}
	}
}

// FuzzPickle runs data.pkl bytes through the scan, the unpickler and the
// state dict walk: no panic, no hang, no unbounded recursion.
func FuzzPickle(f *testing.F) {
	file := filepath.Join("..", "testdata", "tiny-distilbert", "pytorch_model.bin")
	if _, err := os.Stat(file); err == nil {
		rewriteZip(f, file, func(name string, data []byte) []byte {
			if strings.HasSuffix(name, "data.pkl") {
				f.Add(data)
			}
			return data
		})
	}
	f.Add(tensorPickle("w", 4))
	var self pk
	self.op(0x80, 2, '}', 'q', 0).str("state_dict").op('h', 0, 's', '.')
	f.Add(self.Bytes())
	f.Add([]byte("\x80\x02\x8a\x08\x01\x02\x03\x04\x05\x06\x07\x08."))
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, err := unpickleStateDict(data)
		if err != nil {
			return
		}
		stateDictEntries(obj, 0)
	})
}
