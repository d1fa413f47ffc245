//go:build !amd64 && !arm64 && !(js && wasm)

package native

// int8Kernels lists the int8 kernels this CPU runs: only the plain-Go one
// off amd64.
func int8Kernels() []namedInt8Kernel {
	return []namedInt8Kernel{{"go", int8TileGo, nil}}
}

// quantizeRow is quantizeRowGo off amd64.
func quantizeRow(u []uint8, a []float32) (scale float32, zp int32) { return quantizeRowGo(u, a) }

// valueRange is valueRangeGo here.
func valueRange(a []float32) (lo, hi float32) { return valueRangeGo(a) }
