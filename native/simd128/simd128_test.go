package simd128

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestModule compiles kernel.wat with wabt (the npm package, from the
// repository's node_modules) and compares the result with the committed
// kernel.wasm.
func TestModule(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	find := exec.Command("node", "-e", `require.resolve("wabt")`)
	find.Dir = root
	if err := find.Run(); err != nil {
		t.Skip("wabt is not installed (run npm ci at the repository root)")
	}
	// wabt's JavaScript build: parseWat, then the binary as wat2wasm writes it.
	const script = `require("wabt")().then((wabt) => {
	const fs = require("fs");
	const m = wabt.parseWat("kernel.wat", fs.readFileSync(process.argv[1], "utf8"), { simd: true });
	m.resolveNames();
	m.validate();
	process.stdout.write(Buffer.from(m.toBinary({}).buffer));
});`
	cmd := exec.Command("node", "-e", script, filepath.Join(root, "native", "simd128", "kernel.wat"))
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if err != nil {
		t.Fatalf("compiling kernel.wat with wabt: %v\n%s", err, stderr.Bytes())
	}
	if !bytes.Equal(got, Module()) {
		t.Fatalf("kernel.wasm (%d bytes) is not kernel.wat compiled (%d bytes): run npx wat2wasm native/simd128/kernel.wat -o native/simd128/kernel.wasm",
			len(Module()), len(got))
	}
}
