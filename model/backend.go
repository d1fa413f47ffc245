package model

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the pure-Go backend, always present

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/native"
)

// NativeBackend names the native CPU engine (package native): "native"
// picks its fastest micro-kernel for this CPU, "native:avx512",
// "native:avx2", "native:neon" (arm64) or "native:go" a given one.
const NativeBackend = "native"

// DefaultBackend is the GoMLX backend used when neither Options.Backend
// nor $GOMLX_BACKEND names one and the native engine has no SIMD kernel
// for this CPU (see newBackend): GoMLX's pure-Go backend, running ops one after
// another with each matrix multiplication spread over all cores
// ("ops_sequential": 4.7 sequences/s on BERT-base 8x128 here, against 2.5
// in its default op-parallel mode), in the order the graph creates them
// ("creation_order": the masked-LM head then runs chunk after chunk,
// which lowered peak memory at 32x256 from 1.37 to 1.16 GB).
const DefaultBackend = "go:ops_sequential,creation_order"

// GoBackendSlow reports whether this program was built for x86-64
// without GOEXPERIMENT=simd, which leaves GoMLX's pure-Go backend (the
// "go" engine) without its AVX2/AVX-512 matrix kernels: it then runs
// about 8x slower. The native engine, the default on x86-64, is the same
// either way.
func GoBackendSlow() bool { return !goBackendSIMD }

// GoBackendSlowWarning is the line to show when the "go" engine starts
// in a program for which [GoBackendSlow] is true.
const GoBackendSlowWarning = "the go engine of this program was built without GOEXPERIMENT=simd and runs about 8x slower; build with GOEXPERIMENT=simd (GOEXPERIMENT=simd go build -o bin/splade ./cmd/splade), or use the native engine"

// autoBackend is the engine Load picks when told none: the fastest exact
// one on this CPU. The native engine is, wherever it has a SIMD kernel
// (see the README's performance table); else GoMLX's pure-Go backend,
// which has kernels for more architectures.
func autoBackend() string {
	if native.Kernels(splade.PrecisionFP32)[0] != "go" {
		return NativeBackend
	}
	return DefaultBackend
}

// newBackend starts the GoMLX backend that spec names (see
// Options.Backend) and returns it with the resolved spec; for the native
// engine it returns a nil backend and the spec "native:KERNEL", the
// kernel of precision prec.
func newBackend(spec string, prec splade.Precision) (b compute.Backend, resolved string, err error) {
	if spec == "" {
		spec = os.Getenv(compute.ConfigEnvVar)
	}
	if spec == "" {
		spec = autoBackend()
	}
	name, kernel, _ := strings.Cut(spec, ":")
	if name == NativeBackend {
		ks := native.Kernels(prec)
		if kernel == "" {
			kernel = ks[0]
			if prec == splade.PrecisionBF16 && kernel == "go" {
				return nil, "", fmt.Errorf("model: precision bf16: this CPU has no bf16 instructions (AMX-BF16, AVX512-BF16, arm64 BF16), and the plain-Go bf16 kernel is far slower than fp32 (use fp32, or --backend native:go to run it anyway)")
			}
		}
		if !slices.Contains(ks, kernel) {
			return nil, "", fmt.Errorf("model: backend %q: kernel %q does not run on this CPU (available: native:%s)", spec, kernel, strings.Join(ks, ", native:"))
		}
		return nil, NativeBackend + ":" + kernel, nil
	}
	available := compute.List()
	slices.Sort(available)
	if !slices.Contains(available, name) {
		if name == "xla" {
			return nil, "", fmt.Errorf("model: backend %q: the XLA backend is not compiled into this program (it needs cgo: build with CGO_ENABLED=1 and without the noxla tag)", spec)
		}
		return nil, "", fmt.Errorf("model: unknown backend %q (available: %s, %s)", spec, NativeBackend, strings.Join(available, ", "))
	}
	defer func() {
		if r := recover(); r != nil {
			b, resolved, err = nil, "", fmt.Errorf("model: backend %q: %v", spec, r)
		}
		if err != nil && name == "xla" {
			err = fmt.Errorf("%w\n(XLA needs a PJRT plugin: put pjrt_c_api_cpu_plugin.so or xla_cuda_plugin.so (from the jax-cuda13-plugin wheel) in a directory named by PJRT_PLUGIN_LIBRARY_PATH, or give its absolute path: GOMLX_BACKEND=xla:/abs/path/plugin.so)", err)
		}
	}()
	if name == "xla" {
		spec = exactXLA(spec)
	}
	b, err = compute.NewWithConfig(spec)
	if err != nil {
		return nil, "", fmt.Errorf("model: backend %q: %w", spec, err)
	}
	return b, spec, nil
}

// exactXLA returns an XLA backend spec that computes fp32 matrix products
// in fp32. XLA's GPU plugins otherwise use NVIDIA's TF32 tensor-core math
// for them (10-bit mantissas: about 1e-3 relative error in a SPLADE
// vector, measured on an H200 in docs/gpu.md), so that the vectors would
// not be those of every other engine. A spec that names tf32 itself
// ("xla:cuda,tf32=true") keeps its choice: TF32 is faster where exact
// numbers matter less.
func exactXLA(spec string) string {
	_, opts, _ := strings.Cut(spec, ",")
	for _, o := range strings.Split(opts, ",") {
		if k, _, _ := strings.Cut(o, "="); strings.TrimSpace(k) == "tf32" || strings.TrimSpace(k) == "notf32" {
			return spec
		}
	}
	return spec + ",tf32=false"
}
