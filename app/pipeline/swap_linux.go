package pipeline

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swapDir moves directory tmp to out. When out exists the two are
// exchanged atomically, so readers see either the old tree or the new one.
func swapDir(tmp, out string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, out, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		// tmp now holds the old tree; the caller removes it.
		return nil
	case errors.Is(err, unix.ENOENT):
		return os.Rename(tmp, out)
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL):
		return swapByRename(tmp, out)
	default:
		return err
	}
}
