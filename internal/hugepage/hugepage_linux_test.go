package hugepage

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// vmFlags returns the VmFlags of the mapping of /proc/self/smaps that
// holds addr.
func vmFlags(t *testing.T, addr uintptr) []string {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := strings.Cut(strings.Fields(line)[0], "-"); ok && !strings.HasSuffix(line, ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uint64(addr) >= a && uint64(addr) < b
				continue
			}
		}
		if rest, ok := strings.CutPrefix(line, "VmFlags:"); ok && in {
			return strings.Fields(rest)
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return nil
}

// TestMake checks that Make gives zeroed slices of the length asked, and
// that a large one lies in memory advised for huge pages (VmFlags "hg")
// where the kernel has transparent huge pages.
func TestMake(t *testing.T) {
	for _, n := range []int{0, 1, 1000, minBytes/4 - 1, minBytes / 4, 3 << 20} {
		s := Make[float32](n)
		if len(s) != n {
			t.Fatalf("Make(%d) has length %d", n, len(s))
		}
		for i, v := range s {
			if v != 0 {
				t.Fatalf("Make(%d)[%d] = %v, want 0", n, i, v)
			}
		}
	}
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	for _, n := range []int{minBytes, 5<<20 + 3} {
		s := Make[int8](n)
		for _, at := range []int{0, n / 2, n - 1} {
			if flags := vmFlags(t, uintptr(unsafe.Pointer(&s[at]))); !slices.Contains(flags, "hg") {
				t.Errorf("Make[int8](%d): byte %d lies in memory with VmFlags %v, want hg (MADV_HUGEPAGE)", n, at, flags)
			}
		}
		s[0], s[n-1] = 1, 1
	}
}
