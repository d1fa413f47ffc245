//go:build !amd64 && !arm64 && !(js && wasm)

package native

// fp32Kernels lists the fp32 micro-kernels this CPU runs: only the
// portable one off amd64.
func fp32Kernels() []namedKernel {
	return []namedKernel{{"go", tileBlocked, smallBlocked, nil}}
}

// maxRows is maxRowsGo off amd64.
func maxRows(acc *[panelWidth]float32, c []float32) { maxRowsGo(acc, c) }
