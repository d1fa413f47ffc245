package native

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/randmodel"
)

// TestRSSLargeVocab reports the process's memory while a model of
// XLM-R-large's width and vocabulary (H 1024, 16 heads, I 4096, 250,002
// tokens) with random weights is made, packed and run on 32 texts of 256
// tokens. It runs only when SPLADE_RSS_LAYERS gives the layer count (24
// is BGE-M3's); SPLADE_RSS_HEAD=mlm gives it a masked-LM head tied to the
// embeddings instead of BGE-M3's per-token head; SPLADE_RSS_TEXTS sets
// the number of texts. It gates nothing: the
// numbers go to docs/models.md. Run it alone (one process, one model):
//
//	SPLADE_RSS_LAYERS=24 go test ./native -run TestRSSLargeVocab -v
func TestRSSLargeVocab(t *testing.T) {
	layers, err := strconv.Atoi(os.Getenv("SPLADE_RSS_LAYERS"))
	if err != nil || layers <= 0 {
		t.Skip("set SPLADE_RSS_LAYERS (24 for BGE-M3's size) to measure")
	}
	net, err := arch.Parse(fmt.Appendf(nil, `{"model_type":"xlm-roberta","num_hidden_layers":%d,"hidden_size":1024,"num_attention_heads":16,
		"intermediate_size":4096,"vocab_size":250002,"max_position_embeddings":514,"type_vocab_size":1,"layer_norm_eps":1e-5}`, layers))
	if err != nil {
		t.Fatal(err)
	}
	head := os.Getenv("SPLADE_RSS_HEAD")
	if head != "mlm" {
		head = "token"
		if err := net.UseTokenHead(); err != nil {
			t.Fatal(err)
		}
	}
	p := randmodel.New(net)
	t.Logf("%d layers, %s head: weights made: %s", layers, head, memory(t))
	m, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	p = nil
	debug.FreeOSMemory()
	t.Logf("packed (kernel %s): %s", m.Kernel(), memory(t))
	texts := 32
	if n, err := strconv.Atoi(os.Getenv("SPLADE_RSS_TEXTS")); err == nil && n > 0 {
		texts = n
	}
	r := rand.New(rand.NewPCG(3, 4))
	seqs := make([][]int32, texts)
	for i := range seqs {
		s := []int32{0}
		for range 254 {
			s = append(s, int32(4+r.IntN(250002-4)))
		}
		seqs[i] = append(s, 2)
	}
	vs, err := m.Encode(context.Background(), seqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != texts || len(vs[0].Indices) == 0 {
		t.Fatalf("got %d vectors, the first with %d terms", len(vs), len(vs[0].Indices))
	}
	t.Logf("encoded %d x 256 tokens: %s", texts, memory(t))
}

// memory returns the current and peak resident set of the process, from
// /proc/self/status (Linux).
func memory(t *testing.T) string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(out, ", ")
}
