// Package safefs reads the files of a model folder that strangers made:
// only regular files inside the folder, so that a model file that is a
// device (a link to /dev/zero reads until memory runs out), a FIFO
// (opening it blocks forever), a folder or a link to elsewhere gives an
// error instead. The checkpoint, tokenizer and layout readers all read
// through it.
package safefs

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Check refuses to read name from fsys unless it is a regular file
// inside the model folder: a device (a symlink to /dev/zero reads until
// memory runs out), a FIFO (opening it blocks forever) or a folder is
// refused, and so is a symbolic link whose target leaves the folder, except
// into the blobs folder of a Hugging Face cache, whose snapshots are links
// to ../../blobs/<etag>. Where fsys cannot read links (fs.ReadLinkFS), only
// the file type is checked.
func Check(fsys fs.FS, name string) error {
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
// snapshots/<commit>/[<module>/...]<name> up to blobs/<etag>, the etag
// being a sha256 or a git blob id in hex. (A module folder read through
// fs.Sub does not know how deep it sits, so any number of ".." may lead
// there.)
func linkInside(name, target string) bool {
	if target == "" || path.IsAbs(target) || strings.HasPrefix(target, `\`) || strings.Contains(target, ":") {
		return false
	}
	resolved := path.Join(path.Dir(name), target)
	if fs.ValidPath(resolved) {
		return true
	}
	rest := resolved
	for strings.HasPrefix(rest, "../") {
		rest = rest[3:]
	}
	blob, ok := strings.CutPrefix(rest, "blobs/")
	return ok && rest != resolved && (len(blob) == 40 || len(blob) == 64) && isHex(blob)
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ReadFile is fs.ReadFile of a file that Check accepts.
func ReadFile(fsys fs.FS, name string) ([]byte, error) {
	if err := Check(fsys, name); err != nil {
		return nil, err
	}
	return fs.ReadFile(fsys, name)
}
