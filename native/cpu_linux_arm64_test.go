package native

import (
	"encoding/binary"
	"os"
	"testing"
)

// TestAuxvBF16 holds the FEAT_BF16 check to Linux's auxiliary vector:
// HWCAP2_BF16 (bit 14 of AT_HWCAP2, 26) only, not the same bit of AT_HWCAP
// (16); and hasBF16 to the vector as the kernel wrote it in
// /proc/self/auxv.
func TestAuxvBF16(t *testing.T) {
	for _, c := range []struct {
		auxv [][2]uintptr
		want bool
	}{
		{nil, false},
		{[][2]uintptr{{16, 1 << 14}, {26, 0}}, false},
		{[][2]uintptr{{16, 0}, {26, 1 << 14}}, true},
		{[][2]uintptr{{26, 0x7f877fff}}, true}, // QEMU's -cpu max
		{[][2]uintptr{{26, 0xffff &^ (1 << 14)}}, false},
		{[][2]uintptr{{6, 4096}, {16, 0x8fb}}, false}, // no AT_HWCAP2
	} {
		if got := auxvBF16(c.auxv); got != c.want {
			t.Errorf("auxvBF16(%v) = %v, want %v", c.auxv, got, c.want)
		}
	}
	raw, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		t.Skipf("no /proc/self/auxv to compare with: %v", err)
	}
	var auxv [][2]uintptr
	for ; len(raw) >= 16; raw = raw[16:] {
		auxv = append(auxv, [2]uintptr{uintptr(binary.LittleEndian.Uint64(raw)), uintptr(binary.LittleEndian.Uint64(raw[8:]))})
	}
	if want := auxvBF16(auxv); hasBF16 != want {
		t.Errorf("hasBF16 = %v, but /proc/self/auxv says %v", hasBF16, want)
	}
	t.Logf("FEAT_BF16: %v", hasBF16)
}
