package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dipdev/dip/internal/parallel"
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
	// old is out when it holds an earlier tree, whose unchanged files are
	// reused (see reuse); "" otherwise.
	old string
	// mu guards dirs, the directories of the new tree.
	mu   sync.Mutex
	dirs map[string]*newDir
	done bool
}

// NewTreeWriter starts a tree that will replace out.
func NewTreeWriter(out string) (*TreeWriter, error) {
	out = filepath.Clean(out)
	earlier, err := checkReplaceable(out)
	if err != nil {
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
	root := &newDir{reusable: earlier}
	root.once.Do(func() {})
	w := &TreeWriter{out: out, tmp: tmp, dirs: map[string]*newDir{".": root}}
	if earlier {
		w.old = out
	}
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
	dir, err := w.mkdir(path.Dir(p))
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	rel := filepath.FromSlash(p)
	dst := filepath.Join(w.tmp, rel)
	if dir.reusable && reuse(filepath.Join(w.old, rel), dst, data) {
		return nil
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// reuse hard-links old to dst when old is a regular file of mode 0644
// holding exactly data, and reports whether it did. Most of a re-render is
// unchanged, and on most disks a link costs less than a new file and,
// when the old tree is removed, than freeing its blocks; unchanged files
// also keep their modification time. Any error means no: the file is
// written instead.
func reuse(old, dst string, data []byte) bool {
	info, err := os.Lstat(old)
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm() != 0o644 || info.Size() != int64(len(data)) {
		return false
	}
	f, err := os.Open(old)
	if err != nil {
		return false
	}
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	if cap(*bp) < len(data)+1 {
		*bp = make([]byte, len(data)+1)
	}
	// One byte more than data: a file that grew since Lstat is not equal.
	n, _ := io.ReadFull(f, (*bp)[:len(data)+1])
	f.Close()
	return n == len(data) && bytes.Equal((*bp)[:n], data) && os.Link(old, dst) == nil
}

// readBufs holds buffers for reuse's reads.
var readBufs = sync.Pool{New: func() any { return new([]byte) }}

// mkdir makes dir and the parents it lacks in the new tree, and returns
// its entry. The tree is new and only this writer writes to it, so each
// directory is made with one mkdir call and no stat (os.MkdirAll stats
// every level first). The lock is held only to find a directory's entry:
// writers make different directories at the same time.
func (w *TreeWriter) mkdir(dir string) (*newDir, error) {
	w.mu.Lock()
	d, ok := w.dirs[dir]
	if !ok {
		d = &newDir{}
		w.dirs[dir] = d
	}
	w.mu.Unlock()
	d.once.Do(func() {
		parent, err := w.mkdir(path.Dir(dir))
		if err != nil {
			d.err = err
			return
		}
		rel := filepath.FromSlash(dir)
		if d.err = os.Mkdir(filepath.Join(w.tmp, rel), 0o755); d.err != nil {
			return
		}
		if parent.reusable {
			info, err := os.Lstat(filepath.Join(w.old, rel))
			d.reusable = err == nil && info.IsDir()
		}
	})
	return d, d.err
}

// newDir is a directory of the new tree: made once, by whichever writer
// needs it first.
type newDir struct {
	once sync.Once
	err  error
	// reusable is set when the old tree has this directory, and it and
	// every directory above it are directories, not symbolic links: only
	// then are files reused from it, so that nothing outside the old tree
	// is linked into the new one.
	reusable bool
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
		removeTree(w.tmp)
	}
}

// removers is how many subtrees removeTree removes at once. Removing a
// tree is mostly waiting on the file system, not CPU; on this project's
// test machine 16 at once took half the time of one.
const removers = 16

// removeTree removes dir and everything below it, best effort, with the
// directories two levels down (an output tree's <env>/<team>) removed in
// parallel.
func removeTree(dir string) {
	var subtrees []string
	top, _ := os.ReadDir(dir)
	for _, e := range top {
		p := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			continue
		}
		below, _ := os.ReadDir(p)
		for _, f := range below {
			subtrees = append(subtrees, filepath.Join(p, f.Name()))
		}
	}
	parallel.ForN(len(subtrees), removers, func(i int) { _ = os.RemoveAll(subtrees[i]) })
	_ = os.RemoveAll(dir)
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

// checkReplaceable returns an error unless out is missing, empty, or an
// earlier tree of dip's, and reports which of these it is.
func checkReplaceable(out string) (earlier bool, err error) {
	info, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", out, err)
	}
	if !info.IsDir() {
		return false, fmt.Errorf("refusing to replace %s: it is not a directory", out)
	}
	f, err := os.Open(out)
	if err != nil {
		return false, fmt.Errorf("check %s: %w", out, err)
	}
	_, err = f.Readdirnames(1)
	f.Close()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", out, err)
	}
	if _, err := os.Lstat(filepath.Join(out, OutputMarker)); err != nil {
		return false, fmt.Errorf("refusing to replace %s: it is not empty and was not written by dip (no %s file)", out, OutputMarker)
	}
	return true, nil
}
