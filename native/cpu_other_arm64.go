//go:build arm64 && !linux && !darwin

package native

// hasBF16 is false where the OS's report of arm64's FEAT_BF16 is not read:
// bf16 takes the plain-Go kernel there.
const hasBF16 = false
