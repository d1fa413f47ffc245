package cpupeak

import (
	"runtime"
	"testing"
)

// sink keeps the scalar loop's result alive.
var sink float32

// TestScalar checks the scalar loop's arithmetic, so that the benchmark
// times what it says: x_n = x_{n-1}*m + a from 0.
func TestScalar(t *testing.T) {
	x := [12]float32{0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88}
	var want float32
	for _, v := range x {
		want += v/8 + 1.75 // three steps of v = v/2 + 1
	}
	if got := scalar(3, 0.5, 1, &x); got != want {
		t.Fatalf("scalar(3, 0.5, 1) = %v, want %v", got, want)
	}
}

// report sets the benchmark's GFLOP/s: flops per iteration of its loop.
func report(b *testing.B, iters int, flops float64) {
	b.ReportMetric(float64(iters)*flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkPeak reports one core's peak GFLOP/s (a multiply-add counted
// as 2) for each instruction form this CPU has.
func BenchmarkPeak(b *testing.B) {
	const n = 1 << 20
	b.Run("scalar-go", func(b *testing.B) {
		x := [12]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
		iters := 0
		for b.Loop() {
			sink += scalar(n, 0.5, 1, &x)
			iters += n
		}
		report(b, iters, 12*2)
	})
	if runtime.GOARCH != "amd64" {
		return
	}
	for _, c := range []struct {
		name  string
		has   bool
		run   func(int)
		flops float64 // per iteration
	}{
		{"fp32-avx512-fma", hasAVX512, fmaZ, 12 * 16 * 2},
		{"bf16-avx512bf16", hasAVX512BF16, dpbf16Z, 16 * 16 * 2 * 2},
		{"int8-avx512vnni", hasAVX512VNNI, dpbusdZ, 12 * 16 * 4 * 2},
	} {
		b.Run(c.name, func(b *testing.B) {
			if !c.has {
				b.Skip("this CPU lacks the instruction")
			}
			iters := 0
			for b.Loop() {
				c.run(n)
				iters += n
			}
			report(b, iters, c.flops)
		})
	}
}
