package main

import (
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/native"
)

func TestBench(t *testing.T) {
	tiny := reference.Fixture(t, "tiny-bert")
	out := mustRun(t, nil, "bench", "--model", tiny, "--texts", "4", "--length", "10", "--queries", "2")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"native:" + native.Kernels("")[0], "go:ops_sequential,creation_order"}
	if native.Kernels("bf16")[0] != "go" {
		want = append(want, "native:"+native.Kernels("bf16")[0])
	}
	want = append(want, "native:"+native.Kernels("int8")[0])
	if len(lines) != 1+len(want) || !strings.Contains(lines[0], "texts/s") {
		t.Fatalf("bench printed\n%s\nwant a header and %d engines", out, len(want))
	}
	for _, w := range want {
		if !strings.Contains(out, w+" ") {
			t.Errorf("bench output has no row for %s:\n%s", w, out)
		}
	}
	// A given backend and precision: that one only.
	out = mustRun(t, nil, "bench", "--model", tiny, "--texts", "2", "--queries", "1", "--backend", "native:go")
	if n := strings.Count(out, "\n"); n != 2 || !strings.Contains(out, "native:go ") {
		t.Errorf("bench --backend native:go printed\n%s", out)
	}
	// Several rounds still print one row; a round count out of range is a
	// usage error naming the flag.
	out = mustRun(t, nil, "bench", "--model", tiny, "--texts", "2", "--queries", "1", "--backend", "native:go", "--rounds", "3")
	if n := strings.Count(out, "\n"); n != 2 {
		t.Errorf("bench --rounds 3 printed\n%s", out)
	}
	if _, errs, code := runCLI(t, nil, "bench", "--model", tiny, "--rounds", "0"); code != 2 || !strings.Contains(errs, "--rounds") {
		t.Errorf("--rounds 0: exit %d, stderr %q; want a usage error naming --rounds", code, errs)
	}
}

func TestPrecisionFlag(t *testing.T) {
	tiny := reference.Fixture(t, "tiny-bert")
	if _, errs, code := runCLI(t, nil, "encode", "--model", tiny, "--precision", "fp16", "x"); code != 2 || !strings.Contains(errs, "--precision") {
		t.Errorf("--precision fp16: exit %d, stderr %q; want a usage error naming --precision", code, errs)
	}
	if _, errs, code := runCLI(t, nil, "encode", "--model", tiny, "--precision", "bf16", "--backend", "go", "x"); code != 1 || !strings.Contains(errs, "native engine") {
		t.Errorf("--precision bf16 --backend go: exit %d, stderr %q; want an error pointing to the native engine", code, errs)
	}
	if _, errs, code := runCLI(t, nil, "encode", "--model", tiny, "--precision", "int8", "--backend", "go", "x"); code != 1 || !strings.Contains(errs, "native engine") {
		t.Errorf("--precision int8 --backend go: exit %d, stderr %q; want an error pointing to the native engine", code, errs)
	}
	// bf16 on the plain-Go bf16 kernel runs anywhere; its vector is close
	// to fp32's.
	fp32 := mustRun(t, nil, "encode", "--model", tiny, "--format", "pgvector", "The weather is lovely today.")
	bf16 := mustRun(t, nil, "encode", "--model", tiny, "--format", "pgvector", "--precision", "bf16", "--backend", "native:go", "The weather is lovely today.")
	if fp32 == "" || bf16 == "" || fp32 == bf16 {
		t.Errorf("fp32 %q and bf16 %q: want two different non-empty vectors", fp32, bf16)
	}
}
