package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/gomlx/compute"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/native"
)

// printVersion writes what `splade --version` says: the module version
// and the commit the binary was built from (when the build recorded
// them: `go build` in a git clone does, `go run` does not), the Go
// version and build settings that matter for speed, the engine each
// precision gets on this machine, and the CPU features the kernels use.
func printVersion(w io.Writer) {
	version, commit, experiment := "(devel)", "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			version = v
		}
		var rev, when, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			case "GOEXPERIMENT":
				experiment = s.Value
			}
		}
		if rev != "" {
			commit = fmt.Sprintf(", commit %.12s (%s%s)", rev, when, modified)
		}
	}
	fmt.Fprintf(w, "splade %s%s\n", version, commit)
	build := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	if experiment != "" && !strings.Contains(runtime.Version(), "X:") {
		build += ", GOEXPERIMENT=" + experiment
	}
	if model.GoBackendSlow() {
		build += " (without simd: the go engine is about 8x slower)"
	}
	fmt.Fprintf(w, "built with %s\n", build)
	fmt.Fprintf(w, "engine: %s\n", engines())
	if f := cpuFeatures(); f != "" {
		fmt.Fprintf(w, "CPU features: %s\n", f)
	}
}

// engines says which engine runs each precision when no --backend is
// given.
func engines() string {
	if spec := os.Getenv(compute.ConfigEnvVar); spec != "" {
		return spec + " (from $" + compute.ConfigEnvVar + ")"
	}
	fp32 := native.Kernels(splade.PrecisionFP32)[0]
	if fp32 == "go" {
		return model.DefaultBackend + " (GoMLX; the native engine has no SIMD kernel for this CPU)"
	}
	parts := []string{"native:" + fp32 + " (fp32)"}
	for _, p := range []splade.Precision{splade.PrecisionBF16, splade.PrecisionInt8} {
		if k := native.Kernels(p)[0]; k != "go" {
			parts = append(parts, "native:"+k+" ("+string(p)+")")
		}
	}
	return strings.Join(parts, ", ")
}
