package arch

import (
	"strings"
	"testing"
)

// FuzzParse: whatever config.json says, Parse returns a one-line error
// or a network within the limits, whose tensors all have names.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"model_type":"bert","vocab_size":8,"hidden_size":4,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":8}`))
	f.Add([]byte(`{"model_type":"distilbert","dim":1e9,"n_heads":0}`))
	f.Add([]byte(`{"model_type":"roberta","max_position_embeddings":3}`))
	f.Add([]byte(`{"model_type":"bert","num_hidden_layers":4611686018427387904}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := Parse(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if len(n.Layers) > MaxLayers || n.Vocab > MaxVocab || n.Hidden > MaxHidden || n.Positions > MaxPositions || n.Intermediate > MaxIntermediate {
			t.Fatalf("accepted %+v beyond the limits", n)
		}
		if n.Hidden%n.Heads != 0 || n.PadTokenID < 0 || n.PadTokenID >= n.Vocab || n.MaxTokens() < 2 {
			t.Fatalf("accepted inconsistent %+v", n)
		}
		if len(n.Layers) <= 4 {
			for _, spec := range n.Tensors() {
				if len(n.TensorNames(spec.Role)) == 0 {
					t.Fatalf("%s has no name", spec.Role)
				}
			}
		}
	})
}
