package splade_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/splade-go/splade"
)

func TestResolveMaxLength(t *testing.T) {
	for _, c := range []struct {
		requested, folder, positions int
		want                         int
		err                          string
	}{
		{0, 256, 512, 256, ""},        // the folder's own
		{0, 0, 512, 512, ""},          // none stated: the positions
		{0, 1 << 30, 512, 512, ""},    // a tokenizer's "no limit": clamped
		{128, 256, 512, 128, ""},      // asked for: as given
		{512, 256, 512, 512, ""},      // up to the positions
		{513, 256, 512, 0, "exceeds"}, // more than the model can: an error
		{1, 256, 512, 0, "no room"},   // no room for [CLS] and [SEP]
		{0, 0, 1, 0, "no room"},       // a model too small
		{300, 0, 0, 300, ""},          // no position table (static query table)
	} {
		got, err := splade.ResolveMaxLength(c.requested, c.folder, c.positions)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ResolveMaxLength(%d, %d, %d) = %d, %v; want an error with %q", c.requested, c.folder, c.positions, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ResolveMaxLength(%d, %d, %d) = %d, %v; want %d", c.requested, c.folder, c.positions, got, err, c.want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	good := []splade.Settings{
		{},
		{Pooling: splade.PoolingSum, Activation: splade.ActivationLog1pReLU, Precision: splade.PrecisionBF16, MaxLength: 8},
	}
	for _, s := range good {
		if err := s.Validate(); err != nil {
			t.Errorf("%+v: %v", s, err)
		}
	}
	for _, c := range []struct {
		s    splade.Settings
		want string
	}{
		{splade.Settings{Pooling: "mean"}, `unknown pooling "mean"`},
		{splade.Settings{Activation: "gelu"}, `unknown activation "gelu"`},
		{splade.Settings{Precision: "fp16"}, `unknown precision "fp16"`},
		{splade.Settings{MaxLength: -1}, "negative"},
	} {
		if err := c.s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v; want an error with %q", c.s, err, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	p, a := splade.Settings{}.Resolve("", "")
	if p != splade.PoolingMax || a != splade.ActivationReLU {
		t.Errorf("defaults: %s, %s", p, a)
	}
	p, a = splade.Settings{}.Resolve(splade.PoolingSum, splade.ActivationLog1pReLU)
	if p != splade.PoolingSum || a != splade.ActivationLog1pReLU {
		t.Errorf("folder's: %s, %s", p, a)
	}
	p, a = splade.Settings{Pooling: splade.PoolingMax, Activation: splade.ActivationReLU}.Resolve(splade.PoolingSum, splade.ActivationLog1pReLU)
	if p != splade.PoolingMax || a != splade.ActivationReLU {
		t.Errorf("set ones win: %s, %s", p, a)
	}
}

func TestParseKind(t *testing.T) {
	for _, s := range []string{"", "query", "document"} {
		if k, err := splade.ParseKind(s); err != nil || string(k) != s {
			t.Errorf("ParseKind(%q) = %q, %v", s, k, err)
		}
	}
	if _, err := splade.ParseKind("passage"); err == nil {
		t.Error("ParseKind(passage): no error")
	}
}

func ExampleResolveMaxLength() {
	n, _ := splade.ResolveMaxLength(0, 256, 512) // the folder says 256
	fmt.Println(n)
	_, err := splade.ResolveMaxLength(1024, 256, 512) // asked for more than the model has
	fmt.Println(err)
	// Output:
	// 256
	// max length 1024 exceeds the model's 512 positions
}
