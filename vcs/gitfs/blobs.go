package gitfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/dipdev/dip/internal/parallel"
)

// Blob returns the blob hash of the regular or executable file name,
// without reading it; false when there is no such file.
func (f *FS) Blob(name string) (plumbing.Hash, bool, error) {
	e, err := f.lookup("blob", name, false)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return plumbing.ZeroHash, false, nil
	case err != nil:
		return plumbing.ZeroHash, false, err
	case e.mode != filemode.Regular && e.mode != filemode.Executable:
		return plumbing.ZeroHash, false, nil
	}
	return e.hash, true, nil
}

// Blobs returns the blob hash of every regular or executable file at or
// below each of names, by slash-separated path from the root of f, without
// reading any file. Links, submodules and names that do not exist are left
// out.
func (f *FS) Blobs(names ...string) (map[string]plumbing.Hash, error) {
	out := make(map[string]plumbing.Hash, 1024)
	for _, name := range names {
		e, err := f.lookup("blobs", name, false)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		f.mu.Lock()
		err = f.blobsLocked(name, e, out)
		f.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (f *FS) blobsLocked(p string, e entry, out map[string]plumbing.Hash) error {
	switch {
	case e.mode == filemode.Dir:
		t, err := f.trees.get(e.hash)
		if err != nil {
			return &fs.PathError{Op: "blobs", Path: p, Err: err}
		}
		for _, te := range t.entries {
			if err := f.blobsLocked(joinPath(p, te.Name), entryOf(te), out); err != nil {
				return err
			}
		}
	case e.mode.IsFile() && e.mode != filemode.Symlink:
		out[p] = e.hash
	}
	return nil
}

func joinPath(dir, name string) string {
	if dir == "." {
		return name
	}
	return dir + "/" + name
}

// WorkTreeBlobs returns the blob hash that every regular file at or below
// each of names, in directory dir of a work tree, would be stored as, by
// slash-separated path from dir. Links and names that do not exist are
// left out. Like git, it takes the hash from the index for a file whose
// size, times, inode and mode are those the index recorded, unless the
// file changed too close to the index to be sure; other files are read.
// Where a line-ending conversion or filter could apply (core.autocrlf, or
// any .gitattributes file), or on systems without the stat fields git
// records, every file is read. The hash is of the bytes on disk.
func WorkTreeBlobs(dir string, names ...string) (map[string]plumbing.Hash, error) {
	repo, root, rel, err := openWorkTree(dir)
	if err != nil {
		return nil, err
	}
	// The index is read while the work tree is walked; whether it can be
	// trusted is known after the walk.
	var staged *stagedIndex
	var wg sync.WaitGroup
	wg.Go(func() { staged = readStaged(repo, rel) })
	var files []workFile
	attributes := false
	top := filepath.Join(root, filepath.FromSlash(rel)) + string(filepath.Separator)
	for _, name := range names {
		start := top + filepath.FromSlash(name)
		err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil && p == start && errors.Is(err, fs.ErrNotExist):
				return nil
			case err != nil:
				return fmt.Errorf("read work tree: %w", err)
			case d.IsDir() && d.Name() == ".git":
				return fs.SkipDir
			case d.Name() == ".gitattributes":
				attributes = true
			}
			if !d.Type().IsRegular() {
				return nil
			}
			files = append(files, workFile{abs: p, rel: filepath.ToSlash(p[len(top):]), d: d})
			return nil
		})
		if err != nil {
			wg.Wait()
			return nil, err
		}
	}
	wg.Wait()
	if attributes || conversions(repo, root, rel) {
		staged = nil
	}
	hashes := make([]plumbing.Hash, len(files))
	errs := make([]error, len(files))
	parallel.For(len(files), func(i int) {
		f := files[i]
		info, err := f.d.Info()
		if err != nil {
			errs[i] = fmt.Errorf("read work tree: %w", err)
			return
		}
		if h, ok := staged.hash(f.rel, info); ok {
			hashes[i] = h
			return
		}
		b, ok, err := hashFile(f.abs, f.d)
		if err == nil && ok {
			hashes[i] = b.hash
		}
		errs[i] = err
	})
	out := make(map[string]plumbing.Hash, len(files))
	for i, f := range files {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if !hashes[i].IsZero() {
			out[f.rel] = hashes[i]
		}
	}
	return out, nil
}

type workFile struct {
	abs, rel string
	d        fs.DirEntry
}

// conversions reports whether git could store a file of the work tree as
// other bytes than those on disk: core.autocrlf is set, or a
// .gitattributes file above rel, or info/attributes, exists.
func conversions(repo *git.Repository, root, rel string) bool {
	cfg, err := repo.ConfigScoped(config.GlobalScope)
	if err != nil {
		return true
	}
	switch strings.ToLower(cfg.Raw.Section("core").Option("autocrlf")) {
	case "", "false":
	default:
		return true
	}
	dirs := []string{root}
	if rel != "." {
		d := root
		for part := range strings.SplitSeq(rel, "/") {
			d = filepath.Join(d, part)
			dirs = append(dirs, d)
		}
	}
	for _, d := range dirs {
		if _, err := os.Lstat(filepath.Join(d, ".gitattributes")); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	if st, ok := repo.Storer.(*filesystem.Storage); ok {
		if _, err := st.Filesystem().Lstat("info/attributes"); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// stagedIndex is the index's entries below a directory, by path from it,
// and when the index was written.
type stagedIndex struct {
	entries map[string]indexEntry
	written stamp
}

// readStaged reads the index, or returns nil when it cannot be read or
// trusted.
func readStaged(repo *git.Repository, rel string) *stagedIndex {
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return nil
	}
	name := filepath.Join(st.Filesystem().Root(), "index")
	fi, err := os.Stat(name)
	if err != nil {
		return nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	prefix := ""
	if rel != "." {
		prefix = rel + "/"
	}
	entries, err := parseIndex(data, prefix)
	if err != nil {
		return nil
	}
	return &stagedIndex{entries: entries, written: stampOf(fi.ModTime())}
}

func stampOf(t time.Time) stamp { return stamp{uint32(t.Unix()), uint32(t.Nanosecond())} }

// hash returns the index's hash of the file at rel when the file is as
// the index recorded it.
func (s *stagedIndex) hash(rel string, info fs.FileInfo) (plumbing.Hash, bool) {
	if s == nil {
		return plumbing.ZeroHash, false
	}
	e, ok := s.entries[rel]
	if !ok || !e.usable || e.hash.IsZero() {
		return plumbing.ZeroHash, false
	}
	mode := uint32(filemode.Regular)
	if info.Mode()&0o111 != 0 {
		mode = uint32(filemode.Executable)
	}
	if e.mode == uint32(filemode.Deprecated) {
		e.mode = uint32(filemode.Regular)
	}
	// A file modified in the same instant the index was written may have
	// changed after git hashed it: git calls this racy and reads it.
	if e.mode != mode || uint32(info.Size()) != e.size || stampOf(info.ModTime()) != e.mtime ||
		!e.mtime.before(s.written) {
		return plumbing.ZeroHash, false
	}
	ino, ctime, ok := statExtra(info)
	if !ok || ino != e.ino || stampOf(ctime) != e.ctime {
		return plumbing.ZeroHash, false
	}
	return e.hash, true
}
