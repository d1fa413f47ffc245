//go:build !linux

package hugepage

// advise does nothing: only Linux has transparent huge pages.
func advise[T Number](s []T, size uintptr) {}
