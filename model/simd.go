//go:build goexperiment.simd || !amd64

package model

// goBackendSIMD is false when GoMLX's pure-Go backend was built for
// x86-64 without GOEXPERIMENT=simd, which leaves out its AVX2/AVX-512
// matrix kernels.
const goBackendSIMD = true
