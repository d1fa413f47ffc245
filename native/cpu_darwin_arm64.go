package native

import "golang.org/x/sys/unix"

// hasBF16 reports arm64's FEAT_BF16 (BFMMLA, BFDOT; Apple M2 and later),
// which golang.org/x/sys/cpu does not: macOS says it through sysctl.
var hasBF16 = func() bool {
	v, err := unix.SysctlUint32("hw.optional.arm.FEAT_BF16")
	return err == nil && v == 1
}()
