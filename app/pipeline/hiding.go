package pipeline

import (
	"bytes"
	"io/fs"
	"sync/atomic"
)

// hiding is a file system without the regular files hide names: the
// loader lists and reads everything else as it would. Files in data are
// read from there.
type hiding struct {
	fsys fs.FS
	hide func(string) bool
	data map[string][]byte
	// skipped counts the entries ReadDir left out.
	skipped atomic.Int64
}

var (
	_ fs.ReadDirFS  = (*hiding)(nil)
	_ fs.StatFS     = (*hiding)(nil)
	_ fs.ReadLinkFS = (*hiding)(nil)
)

func (h *hiding) Open(name string) (fs.File, error) {
	if h.hide(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if data, ok := h.data[name]; ok {
		return &memFile{Reader: bytes.NewReader(data), fsys: h.fsys, name: name}, nil
	}
	return h.fsys.Open(name)
}

func (h *hiding) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(h.fsys, name)
	out := entries[:0]
	for _, e := range entries {
		if e.Type().IsRegular() && h.hide(name+"/"+e.Name()) {
			h.skipped.Add(1)
			continue
		}
		out = append(out, e)
	}
	return out, err
}

func (h *hiding) Stat(name string) (fs.FileInfo, error) {
	if h.hide(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Stat(h.fsys, name)
}

func (h *hiding) Lstat(name string) (fs.FileInfo, error) {
	if h.hide(name) {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: fs.ErrNotExist}
	}
	return fs.Lstat(h.fsys, name)
}

func (h *hiding) ReadLink(name string) (string, error) { return fs.ReadLink(h.fsys, name) }

// memFile is a file whose content is known.
type memFile struct {
	*bytes.Reader
	fsys fs.FS
	name string
}

func (f *memFile) Stat() (fs.FileInfo, error) { return fs.Stat(f.fsys, f.name) }
func (f *memFile) Close() error               { return nil }
