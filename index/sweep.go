package index

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// TempPattern is the name, as a [filepath.Match] pattern, of the folders
// in which builds of the index file named base keep their temporary
// files: a hidden folder beside the index, named for the building
// process's id. A build removes its folder when it ends; [Create] removes
// those that builds killed earlier left behind.
func TempPattern(base string) string { return tempPrefix(base) + "*" }

func tempPrefix(base string) string { return "." + base + ".build-" }

// sweep removes the temporary folders of earlier builds of dir/base
// whose process is gone.
func sweep(dir, base string) {
	names, _ := filepath.Glob(filepath.Join(dir, TempPattern(base)))
	for _, name := range names {
		rest := strings.TrimPrefix(filepath.Base(name), tempPrefix(base))
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid == os.Getpid() {
			continue
		}
		if fi, err := os.Lstat(name); err == nil && fi.IsDir() && !running(pid, fi) {
			os.RemoveAll(name)
		}
	}
}
