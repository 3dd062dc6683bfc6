package gitfs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrSymlink is the error of opening a symbolic link: FS never follows one.
var ErrSymlink = errors.New("symbolic link not followed")

// maxLink bounds the target of a symbolic link that ReadLink returns.
const maxLink = 4096

// FS is the tree of one commit. It is safe for concurrent use.
//
// Symbolic links appear with fs.ModeSymlink in directory listings and
// Lstat; Open, Stat and ReadFile of a link fail with ErrSymlink, and paths
// through a link do not exist. A submodule is an empty directory, as in a
// clone whose submodules are not checked out. Files are 0644 or, when
// executable, 0755; directories 0755. Every entry's ModTime is the commit's
// committer time.
type FS struct {
	repo  *git.Repository
	mu    *sync.Mutex // the repository's lock; also guards trees
	trees *trees
	root  plumbing.Hash
	when  time.Time
}

var (
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadLinkFS = (*FS)(nil)
	_ fs.SubFS      = (*FS)(nil)
)

// New returns the file system of commit's tree.
func New(repo *git.Repository, commit plumbing.Hash) (*FS, error) {
	mu := lockOf(repo)
	mu.Lock()
	defer mu.Unlock()
	c, err := repo.CommitObject(commit)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", commit, err)
	}
	return &FS{repo: repo, mu: mu, trees: newTrees(repo.Storer), root: c.TreeHash, when: c.Committer.When}, nil
}

// Sub returns the file system of directory dir, which shares its lock and
// the trees it has read with f.
func (f *FS) Sub(dir string) (fs.FS, error) {
	e, err := f.lookup("sub", dir, false)
	if err != nil {
		return nil, err
	}
	if dir == "." {
		return f, nil
	}
	if e.mode != filemode.Dir {
		return nil, &fs.PathError{Op: "sub", Path: dir, Err: errNotDir(e)}
	}
	sub := *f
	sub.root = e.hash
	return &sub, nil
}

// Open opens a file or directory. The file's content is read from object
// storage on its first Read, not before: Stat of an open file is cheap.
func (f *FS) Open(name string) (fs.File, error) {
	e, err := f.lookup("open", name, true)
	if err != nil {
		return nil, err
	}
	if err := readable(e); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	if e.mode == filemode.Dir {
		return &dir{fsys: f, path: name, entry: e}, nil
	}
	return &file{fsys: f, path: name, entry: e}, nil
}

// Stat describes a file or directory. Like Open, it does not follow links.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	e, err := f.lookup("stat", name, true)
	if err != nil {
		return nil, err
	}
	if e.mode == filemode.Symlink {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: ErrSymlink}
	}
	return f.info(e), nil
}

// Lstat describes a file, directory, link or submodule.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	e, err := f.lookup("lstat", name, true)
	if err != nil {
		return nil, err
	}
	return f.info(e), nil
}

// ReadLink returns the target of a symbolic link as stored, without
// resolving it.
func (f *FS) ReadLink(name string) (string, error) {
	e, err := f.lookup("readlink", name, true)
	if err != nil {
		return "", err
	}
	if e.mode != filemode.Symlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fmt.Errorf("not a symbolic link: %w", fs.ErrInvalid)}
	}
	if e.size > maxLink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fmt.Errorf("link target of %d bytes is too long", e.size)}
	}
	data, err := f.readBlob(e)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return string(data), nil
}

// ReadFile reads a whole file.
func (f *FS) ReadFile(name string) ([]byte, error) {
	e, err := f.lookup("read", name, true)
	if err != nil {
		return nil, err
	}
	if err := readable(e); err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	if e.mode == filemode.Dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	data, err := f.readBlob(e)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: name, Err: err}
	}
	return data, nil
}

// ReadDir lists a directory, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	e, err := f.lookup("readdir", name, false)
	if err != nil {
		return nil, err
	}
	if err := readable(e); err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	if e.mode != filemode.Dir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errNotDir(e)}
	}
	f.mu.Lock()
	t, err := f.trees.get(e.hash)
	f.mu.Unlock()
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: err}
	}
	list := make([]fs.DirEntry, len(t.entries))
	for i, te := range t.entries {
		list[i] = &dirEntry{fsys: f, entry: entryOf(te)}
	}
	return list, nil
}

// readBlob reads a whole blob of known size.
func (f *FS) readBlob(e entry) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	blob, err := f.repo.BlobObject(e.hash)
	if err != nil {
		return nil, err
	}
	r, err := blob.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data := make([]byte, e.size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	return data, nil
}

var errIsDir = errors.New("is a directory")

func errNotDir(e entry) error {
	if e.mode == filemode.Symlink {
		return ErrSymlink
	}
	return errors.New("not a directory")
}

// readable reports why an entry's content cannot be read.
func readable(e entry) error {
	if e.mode == filemode.Symlink {
		return ErrSymlink
	}
	return nil
}

// entry is a tree entry; size is -1 until it is needed.
type entry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
	size int64
}

// entryOf makes a submodule an empty directory: the zero hash stands for
// the empty tree.
func entryOf(te object.TreeEntry) entry {
	if te.Mode == filemode.Submodule {
		return entry{name: te.Name, mode: filemode.Dir, size: -1}
	}
	return entry{name: te.Name, mode: te.Mode, hash: te.Hash, size: -1}
}

// lookup finds name in the tree, with the size of a blob when withSize is
// set. A path that goes through a file, link or submodule does not exist.
func (f *FS) lookup(op, name string, withSize bool) (entry, error) {
	if !fs.ValidPath(name) {
		return entry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	e := entry{name: ".", mode: filemode.Dir, hash: f.root}
	if name == "." {
		return e, nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for part := range strings.SplitSeq(name, "/") {
		if e.mode != filemode.Dir {
			return entry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		t, err := f.trees.get(e.hash)
		if err != nil {
			return entry{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
		te, ok := t.find(part)
		if !ok {
			return entry{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		e = entryOf(te)
	}
	if withSize {
		if err := f.sizeLocked(&e); err != nil {
			return entry{}, &fs.PathError{Op: op, Path: name, Err: err}
		}
	}
	return e, nil
}

// sizeLocked sets the size of a blob entry from its object header, without
// reading the content. The caller holds f.mu.
func (f *FS) sizeLocked(e *entry) error {
	if e.size >= 0 {
		return nil
	}
	if !e.mode.IsFile() {
		e.size = 0
		return nil
	}
	size, err := f.repo.Storer.EncodedObjectSize(e.hash)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		// go-git finds the sizes of objects of alternate object stores
		// (clones made with --shared or --reference) only by reading them.
		var obj plumbing.EncodedObject
		if obj, err = f.repo.Storer.EncodedObject(plumbing.BlobObject, e.hash); err == nil {
			size = obj.Size()
		}
	}
	if err != nil {
		return fmt.Errorf("size of blob %s: %w", e.hash, err)
	}
	e.size = size
	return nil
}
