package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// checkRegular refuses to read name from fsys unless it is a regular file
// inside the model folder: a device (a symlink to /dev/zero reads until
// memory runs out), a FIFO (opening it blocks forever) or a folder is
// refused, and so is a symbolic link whose target leaves the folder, except
// into the blobs folder of a Hugging Face cache, whose snapshots are links
// to ../../blobs/<etag>. Where fsys cannot read links (fs.ReadLinkFS), only
// the file type is checked.
func checkRegular(fsys fs.FS, name string) error {
	if rl, ok := fsys.(fs.ReadLinkFS); ok {
		fi, err := rl.Lstat(name)
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, err := rl.ReadLink(name)
			if err != nil {
				return err
			}
			if !linkInside(name, target) {
				return fmt.Errorf("%s is a symbolic link to %s, outside the model folder: copy the file into the folder instead", name, target)
			}
		}
	}
	fi, err := fs.Stat(fsys, name)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (mode %v): a model file must be a plain file, not a device, FIFO or folder", name, fi.Mode().Type())
	}
	return nil
}

// linkInside reports whether the symbolic link name, pointing at target,
// stays inside the folder, or goes to a Hugging Face cache blob: from
// snapshots/<commit>/<dir...>/<name> to blobs/<etag>.
func linkInside(name, target string) bool {
	if target == "" || path.IsAbs(target) || strings.HasPrefix(target, `\`) || strings.Contains(target, ":") {
		return false
	}
	resolved := path.Join(path.Dir(name), target)
	if fs.ValidPath(resolved) {
		return true
	}
	blob, ok := strings.CutPrefix(resolved, "../../blobs/")
	return ok && blob != "" && !strings.ContainsAny(blob, `/\`) && blob != ".."
}

// readRegular is fs.ReadFile of a file that checkRegular accepts.
func readRegular(fsys fs.FS, name string) ([]byte, error) {
	if err := checkRegular(fsys, name); err != nil {
		return nil, err
	}
	return fs.ReadFile(fsys, name)
}

// errNotExist reports whether err says a file is missing.
func errNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
