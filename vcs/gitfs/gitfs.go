// Package gitfs reads the tree of one git commit as an io/fs.FS, without a
// checkout: dip reads the base of a change, or a pull request's head, this
// way. Symbolic links are reported as such and never followed; submodules
// are directories that cannot be read.
package gitfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Open opens the git repository that holds dir. Pack files stay open
// between reads: reading a tree of thousands of files would otherwise open
// the pack again for every object.
func Open(dir string) (*git.Repository, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return repo, nil
	}
	var worktree billy.Filesystem
	if wt, err := repo.Worktree(); err == nil {
		worktree = wt.Filesystem
	}
	keep := filesystem.NewStorageWithOptions(st.Filesystem(), cache.NewObjectLRUDefault(), filesystem.Options{KeepDescriptors: true})
	kept, err := git.Open(keep, worktree)
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	return kept, nil
}

// Resolve turns a revision (branch, tag, remote branch, SHA, HEAD~1, ...)
// into the commit it names.
func Resolve(repo *git.Repository, rev string) (plumbing.Hash, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w", rev, err)
	}
	if _, err := repo.CommitObject(*h); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: not a commit: %w", rev, err)
	}
	return *h, nil
}

// FS is the tree of one commit. It is safe for concurrent use: object
// storage is read under a lock.
type FS struct {
	mu   *sync.Mutex
	repo *git.Repository
	root *object.Tree
	when time.Time
}

var (
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
)

// New returns the file system of commit's tree.
func New(repo *git.Repository, commit plumbing.Hash) (*FS, error) {
	c, err := repo.CommitObject(commit)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", commit, err)
	}
	return &FS{mu: &sync.Mutex{}, repo: repo, root: tree, when: c.Committer.When}, nil
}

// entry is a tree entry with what Stat needs.
type entry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
	size int64
}

func (f *FS) lookup(op, name string) (entry, error) {
	if !fs.ValidPath(name) {
		return entry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return entry{name: ".", mode: filemode.Dir, hash: f.root.Hash}, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	e, err := f.root.FindEntry(name)
	if err != nil {
		return entry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	out := entry{name: path.Base(name), mode: e.Mode, hash: e.Hash}
	if e.Mode.IsFile() {
		size, err := f.repo.Storer.EncodedObjectSize(e.Hash)
		if err != nil {
			return entry{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		out.size = size
	}
	return out, nil
}

// Open opens a file or directory. Opening a symbolic link or a submodule
// fails: dip never follows links out of what it was given.
func (f *FS) Open(name string) (fs.File, error) {
	e, err := f.lookup("open", name)
	if err != nil {
		return nil, err
	}
	switch {
	case e.mode == filemode.Dir:
		return &dir{fsys: f, path: name, info: f.info(e)}, nil
	case e.mode == filemode.Symlink:
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("symbolic links are not followed")}
	case e.mode == filemode.Submodule:
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("submodules are not read")}
	}
	return &file{fsys: f, path: name, entry: e}, nil
}

// Stat describes a file without following a symbolic link: the tree holds
// links as links.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	e, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return f.info(e), nil
}

// Lstat is Stat: nothing in a tree is followed.
func (f *FS) Lstat(name string) (fs.FileInfo, error) { return f.Stat(name) }

// ReadLink is not supported: links are never followed.
func (f *FS) ReadLink(name string) (string, error) {
	return "", &fs.PathError{Op: "readlink", Path: name, Err: errors.ErrUnsupported}
}

// ReadFile reads a whole file.
func (f *FS) ReadFile(name string) ([]byte, error) {
	file, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if _, ok := file.(*dir); ok {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errors.New("is a directory")}
	}
	return io.ReadAll(file)
}

// ReadDir lists a directory, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := f.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if e.mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	f.mu.Lock()
	tree, err := f.repo.TreeObject(e.hash)
	if err != nil {
		f.mu.Unlock()
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	entries := make([]entry, 0, len(tree.Entries))
	for _, te := range tree.Entries {
		out := entry{name: te.Name, mode: te.Mode, hash: te.Hash}
		if te.Mode.IsFile() {
			if out.size, err = f.repo.Storer.EncodedObjectSize(te.Hash); err != nil {
				f.mu.Unlock()
				return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
			}
		}
		entries = append(entries, out)
	}
	f.mu.Unlock()
	list := make([]fs.DirEntry, len(entries))
	for i, e := range entries {
		list[i] = fs.FileInfoToDirEntry(f.info(e))
	}
	slices.SortFunc(list, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return list, nil
}

func (f *FS) info(e entry) *info {
	return &info{entry: e, modTime: f.when}
}

type info struct {
	entry
	modTime time.Time
}

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.size }
func (i *info) ModTime() time.Time { return i.modTime }
func (i *info) IsDir() bool        { return i.mode == filemode.Dir || i.mode == filemode.Submodule }
func (i *info) Sys() any           { return nil }
func (i *info) Mode() fs.FileMode {
	switch i.mode {
	case filemode.Dir, filemode.Submodule:
		return fs.ModeDir | 0o755
	case filemode.Symlink:
		return fs.ModeSymlink | 0o777
	case filemode.Executable:
		return 0o755
	}
	return 0o644
}

// file streams a blob. The reader is opened on first Read, and every read
// of object storage holds the lock.
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
	if f.reader != nil {
		f.fsys.mu.Lock()
		defer f.fsys.mu.Unlock()
		return f.reader.Close()
	}
	return nil
}

// dir is an open directory.
type dir struct {
	fsys    *FS
	path    string
	info    *info
	entries []fs.DirEntry
	read    bool
	offset  int
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Close() error               { return nil }

func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errors.New("is a directory")}
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
