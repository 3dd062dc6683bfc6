//go:build !linux

package pipeline

import (
	"errors"
	"io/fs"
	"os"
)

func swapDir(tmp, out string) error {
	if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) {
		return os.Rename(tmp, out)
	}
	return swapByRename(tmp, out)
}
