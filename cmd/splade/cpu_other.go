//go:build !amd64

package main

// cpuFeatures lists the CPU features the native engine's kernels use:
// none outside x86-64, where they run plain Go.
func cpuFeatures() string { return "" }
