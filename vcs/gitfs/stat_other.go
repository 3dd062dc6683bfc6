//go:build !linux

package gitfs

import (
	"io/fs"
	"time"
)

// statExtra reports that the stat fields the index records are not known
// here: every file is read.
func statExtra(fs.FileInfo) (uint32, time.Time, bool) { return 0, time.Time{}, false }
