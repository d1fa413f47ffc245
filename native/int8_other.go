//go:build !amd64

package native

// int8Kernels lists the int8 kernels this CPU runs: only the plain-Go one
// off amd64.
func int8Kernels() []namedInt8Kernel {
	return []namedInt8Kernel{{"go", int8TileGo}}
}
