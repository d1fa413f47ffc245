package native

import "golang.org/x/sys/unix"

// hasBF16 reports arm64's FEAT_BF16 (BFMMLA, BFDOT), which
// golang.org/x/sys/cpu does not: Linux says it in the auxiliary vector.
var hasBF16 = func() bool {
	auxv, err := unix.Auxv()
	return err == nil && auxvBF16(auxv)
}()

// auxvBF16 reports whether the auxiliary vector's AT_HWCAP2 entry has
// HWCAP2_BF16 (Linux's arch/arm64/include/uapi/asm/hwcap.h).
func auxvBF16(auxv [][2]uintptr) bool {
	const atHWCAP2, hwcap2BF16 = 26, 1 << 14
	for _, e := range auxv {
		if e[0] == atHWCAP2 {
			return e[1]&hwcap2BF16 != 0
		}
	}
	return false
}
