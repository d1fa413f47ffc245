//go:build unix

package index

import (
	"errors"
	"os"
	"syscall"
)

// running reports whether the process pid, which made a temporary
// folder, may still be building.
func running(pid int, _ os.FileInfo) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
