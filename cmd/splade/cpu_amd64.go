package main

import (
	"strings"

	"golang.org/x/sys/cpu"
)

// cpuFeatures lists the CPU features the native engine's kernels use.
func cpuFeatures() string {
	var f []string
	for _, c := range []struct {
		name string
		has  bool
	}{
		{"avx2", cpu.X86.HasAVX2},
		{"fma", cpu.X86.HasFMA},
		{"avx512f", cpu.X86.HasAVX512F},
		{"avx512bf16", cpu.X86.HasAVX512BF16},
		{"avx512vnni", cpu.X86.HasAVX512VNNI},
		{"avxvnni", cpu.X86.HasAVXVNNI},
		{"amx-tile", cpu.X86.HasAMXTile},
		{"amx-bf16", cpu.X86.HasAMXBF16},
	} {
		if c.has {
			f = append(f, c.name)
		}
	}
	if len(f) == 0 {
		return "none of avx2, avx512, avx512bf16, avx-vnni, amx"
	}
	return strings.Join(f, " ")
}
