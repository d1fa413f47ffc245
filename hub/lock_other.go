//go:build !unix

package hub

import "context"

// lockFile is a no-op where flock is unavailable: concurrent processes may
// then download the same blob twice, but blobs and snapshot links are
// still replaced atomically, so none sees a half-made file.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	return func() {}, ctx.Err()
}
