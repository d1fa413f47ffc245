package checkpoint

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestLoadBGEM3 loads BGE-M3's layout: a bare XLMRobertaModel checkpoint
// (no "roberta." prefix, no MLM head, its pooler saved too) with
// sparse_linear.pt beside it. The pooler is ignored; the head's tensors
// are those of sparse_linear.pt; <s> <pad> </s> <unk> get no weight.
func TestLoadBGEM3(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bgem3-16002")
	p, err := Load(folder(t, dir, "model.safetensors", SparseLinearFile))
	if err != nil {
		t.Fatal(err)
	}
	if p.Net.Head.Kind != arch.TokenHead {
		t.Fatalf("head kind %d, want the token head", p.Net.Head.Kind)
	}
	if got := p.Net.Head.SkipIDs; !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("SkipIDs %v, want [0 1 2 3]", got)
	}
	head, err := ReadSparseLinear(folder(t, dir, SparseLinearFile), 0)
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Get(arch.W(arch.TokenLinear)); w != head["weight"] && !sameData(w, head["weight"]) {
		t.Error("token head weight is not sparse_linear.pt's")
	}
	if b := p.Get(arch.B(arch.TokenLinear)); b == nil || b.Data[0] != head["bias"].Data[0] {
		t.Error("token head bias is not sparse_linear.pt's")
	}
	if p.Get(arch.W(arch.Decoder)) != nil {
		t.Error("a token-head network holds a decoder")
	}

	// Without sparse_linear.pt the same folder is a masked-LM checkpoint
	// that lacks its head.
	if _, err := Load(folder(t, dir, "model.safetensors")); err == nil || !strings.Contains(err.Error(), "lm_head") {
		t.Errorf("bare XLMRobertaModel without sparse_linear.pt: err %v, want the missing lm_head named", err)
	}
}

// TestTokenHeadUnexplainedTensor: a tensor that neither the encoder, the
// head nor the family's ignored parts explain still fails the load.
func TestTokenHeadUnexplainedTensor(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bgem3-16002")
	fsys := folder(t, dir, "model.safetensors", SparseLinearFile)
	net, err := arch.Parse(fsys["config.json"].Data)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := ReadWeights(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if err := addTokenHead(fsys, net, ts); err != nil {
		t.Fatal(err)
	}
	ts["colbert_linear.weight"] = &Tensor{Shape: []int{2}, Data: []float32{1, 2}}
	if _, err := FromTensors(net, ts); err == nil || !strings.Contains(err.Error(), "colbert_linear.weight") {
		t.Errorf("err %v, want the unexplained tensor named", err)
	}
}

// TestTokenHeadWrongFamily: sparse_linear.pt beside a family that has no
// token head is refused, naming those that have one.
func TestTokenHeadWrongFamily(t *testing.T) {
	fsys := folder(t, reference.Fixture(t, "tiny-bert"), "model.safetensors")
	fsys[SparseLinearFile] = folder(t, reference.Fixture(t, "tiny-bgem3-16002"), SparseLinearFile)[SparseLinearFile]
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), `model_type "bert" has no per-token sparse head`) || !strings.Contains(err.Error(), "xlm-roberta") {
		t.Errorf("err %v, want a refusal naming xlm-roberta", err)
	}
}

// TestLoadConvertedBGEM3: weights that hold the token head's tensors
// (SparseLinearWeights, as the Worker build writes them) give the token
// head without sparse_linear.pt.
func TestLoadConvertedBGEM3(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bgem3-16002")
	fsys := folder(t, dir, "model.safetensors", SparseLinearFile)
	ts, err := ReadWeights(fsys)
	if err != nil {
		t.Fatal(err)
	}
	head, err := SparseLinearWeights(fsys, 0)
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(ts, head)
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, ts, "F32"); err != nil {
		t.Fatal(err)
	}
	conv := fstest.MapFS{"config.json": fsys["config.json"], "model.safetensors": {Data: buf.Bytes()}}
	p, err := Load(conv)
	if err != nil {
		t.Fatal(err)
	}
	if p.Net.Head.Kind != arch.TokenHead || !sameData(p.Get(arch.W(arch.TokenLinear)), head["sparse_linear.weight"]) {
		t.Errorf("head kind %d: want the token head of sparse_linear.pt", p.Net.Head.Kind)
	}
}
