package hugepage

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the architectures Go
// runs Linux on with 4 KiB base pages (x86-64, arm64 with 4 KiB pages).
const hugePage = 2 << 20

// advise asks for huge pages on the 2 MiB pages that s (size bytes)
// touches, its first and last included: the slices a loader makes one
// after another lie mostly one after another in the heap, so one slice's
// last huge page holds the start of the next. (Advising only the whole
// pages inside each slice leaves a 2.4 MB weight, BERT-base's 768 x 768,
// almost all in 4 KiB pages.) The range reaches past s, so it goes to the
// system call as numbers, never as a Go pointer outside s. It is advice:
// an error (a kernel without THP) changes nothing.
func advise[T Number](s []T, size uintptr) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	start := p &^ (hugePage - 1)
	end := (p + size + hugePage - 1) &^ (hugePage - 1)
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_HUGEPAGE)
	runtime.KeepAlive(s)
}
