package gitfs

import (
	"io"
	"io/fs"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

func (f *FS) info(e entry) *info { return &info{entry: e, modTime: f.when} }

// info describes an entry; its size is known.
type info struct {
	entry
	modTime time.Time
}

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.size }
func (i *info) ModTime() time.Time { return i.modTime }
func (i *info) IsDir() bool        { return i.Mode().IsDir() }
func (i *info) Mode() fs.FileMode  { return modeOf(i.mode) }
func (i *info) Sys() any           { return nil }
func (i *info) String() string     { return fs.FormatFileInfo(i) }

func modeOf(m filemode.FileMode) fs.FileMode {
	switch m {
	case filemode.Dir:
		return fs.ModeDir | 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Executable:
		return 0o755
	}
	return 0o644
}

// dirEntry is an entry of a directory listing. Its size is read only when
// Info is called.
type dirEntry struct {
	fsys  *FS
	entry entry
}

func (d *dirEntry) Name() string      { return d.entry.name }
func (d *dirEntry) IsDir() bool       { return d.Type().IsDir() }
func (d *dirEntry) Type() fs.FileMode { return modeOf(d.entry.mode).Type() }
func (d *dirEntry) String() string    { return fs.FormatDirEntry(d) }

func (d *dirEntry) Info() (fs.FileInfo, error) {
	e := d.entry
	d.fsys.mu.Lock()
	err := d.fsys.sizeLocked(&e)
	d.fsys.mu.Unlock()
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: e.name, Err: err}
	}
	return d.fsys.info(e), nil
}

// file is an open blob. Its reader is opened on the first Read; every read
// of object storage holds the repository's lock.
type file struct {
	fsys   *FS
	path   string
	entry  entry
	reader io.ReadCloser
	closed bool
}

func (f *file) Stat() (fs.FileInfo, error) { return f.fsys.info(f.entry), nil }

func (f *file) Read(p []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.path, Err: fs.ErrClosed}
	}
	f.fsys.mu.Lock()
	defer f.fsys.mu.Unlock()
	if f.reader == nil {
		blob, err := f.fsys.repo.BlobObject(f.entry.hash)
		if err != nil {
			return 0, &fs.PathError{Op: "read", Path: f.path, Err: err}
		}
		if f.reader, err = blob.Reader(); err != nil {
			return 0, &fs.PathError{Op: "read", Path: f.path, Err: err}
		}
	}
	return f.reader.Read(p)
}

func (f *file) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.path, Err: fs.ErrClosed}
	}
	f.closed = true
	if f.reader == nil {
		return nil
	}
	f.fsys.mu.Lock()
	defer f.fsys.mu.Unlock()
	return f.reader.Close()
}

// dir is an open directory.
type dir struct {
	fsys    *FS
	path    string
	entry   entry
	entries []fs.DirEntry
	read    bool
	offset  int
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.fsys.info(d.entry), nil }
func (d *dir) Close() error               { return nil }

func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errIsDir}
}

func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		entries, err := d.fsys.ReadDir(d.path)
		if err != nil {
			return nil, err
		}
		d.entries, d.read = entries, true
	}
	rest := d.entries[d.offset:]
	if n <= 0 {
		d.offset = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.offset += n
	return rest[:n], nil
}
