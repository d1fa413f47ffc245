//go:build !unix

package index

import (
	"os"
	"time"
)

// running reports whether the process pid, which made a temporary
// folder, may still be building. Without a portable way to ask, a folder
// untouched for a day counts as abandoned.
func running(_ int, fi os.FileInfo) bool {
	return time.Since(fi.ModTime()) < 24*time.Hour
}
