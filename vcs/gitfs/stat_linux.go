package gitfs

import (
	"io/fs"
	"syscall"
	"time"
)

// statExtra returns the inode, truncated as the index keeps it, and the
// change time of a file.
func statExtra(info fs.FileInfo) (ino uint32, ctime time.Time, ok bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, time.Time{}, false
	}
	return uint32(st.Ino), time.Unix(st.Ctim.Sec, st.Ctim.Nsec), true
}
