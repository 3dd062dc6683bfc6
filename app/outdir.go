package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// OutputMarker is written at the top of every output directory dip
// writes. dip replaces an existing directory only when it holds this marker
// (or is empty), so a mistyped --out can never wipe out someone's files.
const OutputMarker = ".dip-rendered"

// OutputFile is one file to write below an output directory.
type OutputFile struct {
	// Path is slash-separated and relative to the output directory.
	Path string
	Data []byte
}

// WriteTree replaces the directory out with exactly files. It writes the
// new tree beside out and swaps it into place, so a failure at any point
// leaves out as it was, and files of deleted requests do not linger. It
// refuses to replace a non-empty directory that dip did not write.
func WriteTree(out string, files []OutputFile) error {
	w, err := NewTreeWriter(out)
	if err != nil {
		return err
	}
	defer w.Abort()
	for _, f := range files {
		if err := w.Write(f.Path, f.Data); err != nil {
			return err
		}
	}
	return w.Commit()
}

// TreeWriter writes a new output tree beside the directory it replaces;
// Commit swaps it into place and Abort throws it away. Write may be called
// from several goroutines at once; Commit and Abort only after the last
// Write has returned.
type TreeWriter struct {
	out, tmp string
	// mu guards dirs, the directories of the new tree made so far.
	mu   sync.Mutex
	dirs map[string]bool
	done bool
}

// NewTreeWriter starts a tree that will replace out.
func NewTreeWriter(out string) (*TreeWriter, error) {
	out = filepath.Clean(out)
	if err := checkReplaceable(out); err != nil {
		return nil, err
	}
	parent, base := filepath.Dir(out), filepath.Base(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", parent, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return nil, fmt.Errorf("create temporary output directory: %w", err)
	}
	w := &TreeWriter{out: out, tmp: tmp, dirs: map[string]bool{".": true}}
	if err := os.Chmod(tmp, 0o755); err != nil {
		w.Abort()
		return nil, fmt.Errorf("write %s: %w", tmp, err)
	}
	marker := "# This directory is written by dip; every file in it is replaced on each render.\n"
	if err := os.WriteFile(filepath.Join(tmp, OutputMarker), []byte(marker), 0o644); err != nil {
		w.Abort()
		return nil, fmt.Errorf("write output: %w", err)
	}
	return w, nil
}

// Write adds a file; p is slash-separated and relative to the tree.
func (w *TreeWriter) Write(p string, data []byte) error {
	if !safeRelPath(p) {
		return fmt.Errorf("write output: refusing unsafe path %q", p)
	}
	if err := w.mkdir(path.Dir(p)); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := os.WriteFile(filepath.Join(w.tmp, filepath.FromSlash(p)), data, 0o644); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// mkdir makes dir and the parents it lacks in the new tree. The tree is
// new and only this writer writes to it, so each directory is made with
// one mkdir call and no stat (os.MkdirAll stats every level first).
func (w *TreeWriter) mkdir(dir string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mkdirLocked(dir)
}

func (w *TreeWriter) mkdirLocked(dir string) error {
	if w.dirs[dir] {
		return nil
	}
	if parent := path.Dir(dir); !w.dirs[parent] {
		if err := w.mkdirLocked(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(filepath.Join(w.tmp, filepath.FromSlash(dir)), 0o755); err != nil {
		return err
	}
	w.dirs[dir] = true
	return nil
}

// Commit moves the new tree into place; the old tree, if any, is removed.
func (w *TreeWriter) Commit() error {
	if err := swapDir(w.tmp, w.out); err != nil {
		return fmt.Errorf("move output into %s: %w", w.out, err)
	}
	w.Abort()
	return nil
}

// Abort removes what is left beside the output directory: the unused new
// tree, or after Commit the old one. It is safe to call more than once.
func (w *TreeWriter) Abort() {
	if !w.done {
		w.done = true
		_ = os.RemoveAll(w.tmp)
	}
}

// safeRelPath reports whether p is a clean, relative, slash-separated path
// that stays below the directory it is joined to.
func safeRelPath(p string) bool {
	if p == "" || path.Clean(p) != p || !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, `\`) {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == OutputMarker || strings.HasPrefix(part, ".") {
			return false
		}
	}
	return true
}

func checkReplaceable(out string) error {
	info, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", out, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("refusing to replace %s: it is not a directory", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("check %s: %w", out, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(out, OutputMarker)); err != nil {
		return fmt.Errorf("refusing to replace %s: it is not empty and was not written by dip (no %s file)", out, OutputMarker)
	}
	return nil
}
