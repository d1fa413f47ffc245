package route

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/sparsevec"
)

// fake is an Engine that records what it encodes.
type fake struct{ seqs [][]int32 }

func (f *fake) Encode(_ context.Context, seqs [][]int32) ([]sparsevec.Vector, error) {
	f.seqs = append(f.seqs, seqs...)
	return make([]sparsevec.Vector, len(seqs)), nil
}

// TestBuild: one engine for the three routes of a masked-LM folder, the
// max-length rule, and the kinds.
func TestBuild(t *testing.T) {
	desc, err := layout.Read(os.DirFS("../testdata/tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	loads := 0
	load := func(m *layout.MLM, p splade.Pooling, a splade.Activation) (Engine, int, error) {
		loads++
		if loads == 1 && (p != splade.PoolingSum || a != splade.ActivationReLU) {
			t.Errorf("pooling %q activation %q, want the override sum and the default relu", p, a)
		}
		return &fake{}, 64, nil
	}
	s, err := Build(desc, splade.Settings{Pooling: splade.PoolingSum, MaxLength: 5}, load)
	if err != nil {
		t.Fatal(err)
	}
	if loads != 1 || s.Query != s.Document || s.Document != s.Default || s.InferenceFree() {
		t.Fatalf("loads %d, routes %p %p %p", loads, s.Query, s.Document, s.Default)
	}
	if s.MaxLength() != 5 || len(s.Default.IDs("one two three four five six seven")) != 5 {
		t.Errorf("MaxLength %d, ids %v; want 5", s.MaxLength(), s.Default.IDs("one two three four five six seven"))
	}
	for _, k := range []splade.Kind{splade.KindQuery, splade.KindDocument, splade.KindDefault} {
		if r, err := s.For(k); err != nil || r != s.Default {
			t.Errorf("For(%q) = %v, %v", k, r, err)
		}
	}
	if _, err := s.For("passage"); err == nil {
		t.Error("For(passage): no error")
	}
	if _, err := Build(desc, splade.Settings{MaxLength: 65}, load); err == nil || !strings.Contains(err.Error(), "exceeds the model's 64 positions") {
		t.Errorf("MaxLength 65: %v, want an error naming the 64 positions", err)
	}
	boom := errors.New("boom")
	if _, err := Build(desc, splade.Settings{}, func(*layout.MLM, splade.Pooling, splade.Activation) (Engine, int, error) { return nil, 0, boom }); !errors.Is(err, boom) {
		t.Errorf("loader error: %v", err)
	}
}
