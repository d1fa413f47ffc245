//go:build amd64 && !goexperiment.simd

package model

const goBackendSIMD = false
