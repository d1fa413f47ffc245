//go:build !amd64 && !arm64

package native

// bf16Kernels lists the bf16 block kernels this CPU runs: only the
// plain-Go one off amd64.
func bf16Kernels() []namedBlockKernel {
	return []namedBlockKernel{{"go", layoutVNNI, blockGo, nil, nil}}
}
