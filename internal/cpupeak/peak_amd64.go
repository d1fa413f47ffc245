package cpupeak

import "golang.org/x/sys/cpu"

// fmaZ runs n iterations of 12 independent VFMADD231PS on 16 lanes.
//
//go:noescape
func fmaZ(n int)

// dpbf16Z runs n iterations of 16 independent VDPBF16PS (16 lanes, each
// two bf16 multiply-adds).
//
//go:noescape
func dpbf16Z(n int)

// dpbusdZ runs n iterations of 12 independent VPDPBUSD (16 lanes, each
// four u8 x s8 multiply-adds).
//
//go:noescape
func dpbusdZ(n int)

var (
	hasAVX512     = cpu.X86.HasAVX512F
	hasAVX512BF16 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BF16
	hasAVX512VNNI = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VNNI
)
