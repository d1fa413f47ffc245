//go:build amd64 && !linux

package native

// amxPermit reports false: only Linux is known to hand out the AMX tile
// state, and only on request.
func amxPermit() bool { return false }
