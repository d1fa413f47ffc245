package native

import (
	"math/rand/v2"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestPackedColumn: column n of a packed nn.Linear weight is row n of the
// weight, for every n, across a partial last panel.
func TestPackedColumn(t *testing.T) {
	const N, K = 2*panelWidth + 5, 7
	r := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, N*K)
	for i := range w {
		w[i] = r.Float32()
	}
	b := pack(nil, w, K, N, 1, K)
	got := make([]float32, K)
	for n := range N {
		b.column(got, n)
		for k := range K {
			if got[k] != w[n*K+k] {
				t.Fatalf("column %d [%d] = %v, want %v", n, k, got[k], w[n*K+k])
			}
		}
	}
}

// TestTiedDecoderHeldOnce: an fp32 model whose decoder is tied to the word
// embeddings keeps only the packed decoder (TestParity checks that the
// embeddings read from it are right); bf16 keeps the fp32 table beside
// its bf16 decoder.
func TestTiedDecoderHeldOnce(t *testing.T) {
	dir := reference.Fixture(t, "tiny-xlmr-16002")
	for _, prec := range []splade.Precision{splade.PrecisionFP32, splade.PrecisionBF16} {
		if len(Kernels(prec)) == 0 {
			continue
		}
		p, err := checkpoint.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Tied() {
			t.Fatal("tiny-xlmr-16002: decoder not tied")
		}
		m, err := New(p, Options{Precision: prec})
		if err != nil {
			t.Fatal(err)
		}
		if fp32 := prec == splade.PrecisionFP32; (m.wordEmb == nil) != fp32 {
			t.Errorf("%s: word embedding table kept: %v", prec, m.wordEmb != nil)
		}
	}
}
