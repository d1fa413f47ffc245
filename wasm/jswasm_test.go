//go:build !js && !wasip1

package wasm

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnderJSWasm runs this package's tests again compiled to WebAssembly
// (GOOS=js GOARCH=wasm), under Node through the Go toolchain's
// go_js_wasm_exec, so the parity tests hold where the edge worker runs, and
// checks that the package builds for GOOS=wasip1 too.
func TestUnderJSWasm(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the js/wasm run of the tests")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: it runs the js/wasm tests (apt-get install nodejs)")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(goBin, "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	execWrapper := filepath.Join(strings.TrimSpace(string(out)), "lib", "wasm", "go_js_wasm_exec")

	run := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s go %s: %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	got := run([]string{"GOOS=js", "GOARCH=wasm"}, "test", "-count=1", "-exec", execWrapper, ".")
	t.Logf("GOOS=js GOARCH=wasm go test: %s", strings.TrimSpace(got))
	run([]string{"GOOS=wasip1", "GOARCH=wasm"}, "test", "-c", "-o", filepath.Join(t.TempDir(), "wasm.test"), ".")
}
