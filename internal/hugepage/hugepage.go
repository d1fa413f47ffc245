// Package hugepage allocates the large slices that hold a model's weights
// so that Linux backs them with transparent huge pages.
//
// Loading a model writes each weight into fresh memory twice: once as it
// is read from the file, once as it is packed for the kernels. With 4 KiB
// pages every 4 KiB of that costs a page fault, and on a virtual machine
// a fault can cost more than the copy it serves (a BERT-base model is
// some 200,000 faults, seconds of a cold start; see docs/performance.md).
// Where transparent huge pages are enabled for the memory that asks for
// them (/sys/kernel/mm/transparent_hugepage/enabled is "always" or
// "madvise"), Make asks for them (madvise MADV_HUGEPAGE) before the slice
// is first touched, so that one fault maps 2 MiB. Elsewhere, and on every
// other system, Make is make.
//
// The advice covers the whole 2 MiB pages around the slice, so the heap
// memory there behaves as all memory does where THP is "always": the Go
// heap may later place other objects in it, and a fault in it may compact
// memory to find a huge page. Only slices of at least minBytes ask.
package hugepage

import "unsafe"

// minBytes is the size from which Make asks for huge pages: the advice
// covers the 2 MiB pages around the slice, which for a smaller one would
// be mostly other memory.
const minBytes = 1 << 20

// Number is the element types of weight and activation slices.
type Number interface {
	~float32 | ~float64 | ~int8 | ~uint8 | ~int16 | ~uint16 | ~int32 | ~uint32 | ~int64 | ~uint64 | ~int | ~uint
}

// Make returns make([]T, n), asking the kernel to back it with huge pages
// when it is large (see the package documentation).
func Make[T Number](n int) []T {
	s := make([]T, n)
	var zero T
	if size := uintptr(n) * unsafe.Sizeof(zero); size >= minBytes {
		advise(s, size)
	}
	return s
}
