package gitfs

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
)

// WorkTreeChanges returns the files under dir, a directory of a work tree,
// that differ between the tree of commit base and the files on disk now,
// sorted by path. Paths are relative to the root of the repository, as in
// ChangedFiles. Untracked files count as Added unless .gitignore files or
// .git/info/exclude ignore them; the user's global excludes file is not
// read. Files are compared by content as stored, with no line-ending
// conversion or clean filter. Submodules and nested repositories are left
// out.
func WorkTreeChanges(dir string, base plumbing.Hash) ([]Change, error) {
	repo, root, rel, err := openWorkTree(dir)
	if err != nil {
		return nil, err
	}
	w := &walker{root: root, tracked: make(map[string]bool), dirs: make(map[string]bool), skip: make(map[string]bool)}
	if err := w.readBase(repo, base, rel); err != nil {
		return nil, err
	}
	if err := w.readIgnores(rel); err != nil {
		return nil, err
	}
	if err := filepath.WalkDir(filepath.Join(root, filepath.FromSlash(rel)), w.visit); err != nil {
		return nil, err
	}
	for p := range w.base {
		w.changes = append(w.changes, Change{Path: p, Kind: Deleted})
	}
	sortChanges(w.changes)
	return w.changes, nil
}

// openWorkTree opens the repository that holds dir, with the root of its
// work tree and dir's slash path below that root.
func openWorkTree(dir string) (repo *git.Repository, root, rel string, err error) {
	if repo, err = Open(dir); err != nil {
		return nil, "", "", err
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, "", "", fmt.Errorf("work tree of %s: %w", dir, err)
	}
	root, rel, err = within(wt.Filesystem.Root(), dir)
	if err != nil {
		return nil, "", "", err
	}
	return repo, root, rel, nil
}

// within returns the work tree root with links resolved and dir relative to
// it, slash-separated; "." for the root itself.
func within(root, dir string) (string, string, error) {
	root, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", "", fmt.Errorf("work tree %s: %w", root, err)
	}
	abs, err := filepath.Abs(dir)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return "", "", fmt.Errorf("directory %s: %w", dir, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", "", fmt.Errorf("directory %s is not inside the work tree %s", dir, root)
	}
	return root, filepath.ToSlash(rel), nil
}

// walker compares the work tree to the base tree as it walks.
type walker struct {
	root    string
	base    map[string]blob // files of the base under dir, removed as found
	tracked map[string]bool // files in the base or the index
	dirs    map[string]bool // directories holding tracked files
	skip    map[string]bool // submodules
	ignore  []gitignore.Pattern
	changes []Change
}

type blob struct {
	mode filemode.FileMode
	hash plumbing.Hash
}

// readBase reads the files of base below rel and the paths of the index.
func (w *walker) readBase(repo *git.Repository, base plumbing.Hash, rel string) error {
	mu := lockOf(repo)
	mu.Lock()
	defer mu.Unlock()
	c, err := repo.CommitObject(base)
	if err != nil {
		return fmt.Errorf("read commit %s: %w", base, err)
	}
	ts := newTrees(repo.Storer)
	w.base = make(map[string]blob)
	h, ok := c.TreeHash, true
	if rel != "." {
		h, ok, err = subtree(ts, h, rel)
		if err != nil {
			return err
		}
	}
	if ok {
		if err := w.flatten(ts, rel, h); err != nil {
			return err
		}
	}
	idx, err := repo.Storer.Index()
	if err != nil {
		return fmt.Errorf("read index: %w", err)
	}
	for _, e := range idx.Entries {
		w.track(e.Name)
	}
	return nil
}

// subtree finds directory p below the tree h.
func subtree(ts *trees, h plumbing.Hash, p string) (plumbing.Hash, bool, error) {
	for part := range strings.SplitSeq(p, "/") {
		t, err := ts.get(h)
		if err != nil {
			return plumbing.ZeroHash, false, err
		}
		e, ok := t.find(part)
		if !ok || e.Mode != filemode.Dir {
			return plumbing.ZeroHash, false, nil
		}
		h = e.Hash
	}
	return h, true, nil
}

func (w *walker) flatten(ts *trees, dir string, h plumbing.Hash) error {
	t, err := ts.get(h)
	if err != nil {
		return err
	}
	for _, e := range t.entries {
		p := path.Join(dir, e.Name)
		switch e.Mode {
		case filemode.Dir:
			if err := w.flatten(ts, p, e.Hash); err != nil {
				return err
			}
		case filemode.Submodule:
			w.skip[p] = true
		default:
			w.base[p] = blob{mode: fileMode(e.Mode), hash: e.Hash}
			w.track(p)
		}
	}
	return nil
}

func (w *walker) track(p string) {
	w.tracked[p] = true
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		w.dirs[d] = true
	}
}

// readIgnores reads .git/info/exclude and the .gitignore files of the
// directories above rel; visit reads those at and below it.
func (w *walker) readIgnores(rel string) error {
	if err := w.readIgnore(filepath.Join(w.root, ".git", "info", "exclude"), nil); err != nil {
		return err
	}
	if rel == "." {
		return nil
	}
	parts := strings.Split(rel, "/")
	for i := range parts {
		domain := parts[:i]
		if err := w.readIgnore(filepath.Join(w.root, filepath.Join(domain...), ".gitignore"), domain); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) readIgnore(name string, domain []string) error {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#") {
			w.ignore = append(w.ignore, gitignore.ParsePattern(line, domain))
		}
	}
	if err := s.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

func (w *walker) ignored(p string, isDir bool) bool {
	return gitignore.NewMatcher(w.ignore).Match(strings.Split(p, "/"), isDir)
}

func (w *walker) visit(p string, d fs.DirEntry, err error) error {
	if err != nil {
		return fmt.Errorf("read work tree: %w", err)
	}
	rel, err := filepath.Rel(w.root, p)
	if err != nil {
		return fmt.Errorf("read work tree: %w", err)
	}
	rp := filepath.ToSlash(rel)
	switch {
	case d.Name() == ".git" && d.IsDir():
		return fs.SkipDir
	case d.Name() == ".git":
		return nil
	case d.IsDir():
		return w.enter(p, rp)
	}
	return w.file(p, rp, d)
}

// enter decides whether to walk a directory and reads its .gitignore.
func (w *walker) enter(p, rp string) error {
	var domain []string
	if rp != "." {
		if w.skip[rp] || !w.dirs[rp] && w.ignored(rp, true) {
			return fs.SkipDir
		}
		if _, err := os.Lstat(filepath.Join(p, ".git")); err == nil {
			return fs.SkipDir // a nested repository
		}
		domain = strings.Split(rp, "/")
	}
	return w.readIgnore(filepath.Join(p, ".gitignore"), domain)
}

func (w *walker) file(p, rp string, d fs.DirEntry) error {
	if !w.tracked[rp] && w.ignored(rp, false) {
		return nil
	}
	got, ok, err := hashFile(p, d)
	if err != nil || !ok {
		return err
	}
	want, inBase := w.base[rp]
	delete(w.base, rp)
	switch {
	case !inBase:
		w.changes = append(w.changes, Change{Path: rp, Kind: Added})
	case want != got:
		w.changes = append(w.changes, Change{Path: rp, Kind: Modified})
	}
	return nil
}

// hashFile computes the blob a file or link would be stored as; ok is false
// for anything else, such as a socket.
func hashFile(p string, d fs.DirEntry) (b blob, ok bool, err error) {
	if d.Type()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		if err != nil {
			return blob{}, false, fmt.Errorf("read work tree: %w", err)
		}
		return blob{mode: filemode.Symlink, hash: plumbing.ComputeHash(plumbing.BlobObject, []byte(filepath.ToSlash(target)))}, true, nil
	}
	if !d.Type().IsRegular() {
		return blob{}, false, nil
	}
	info, err := d.Info()
	if err != nil {
		return blob{}, false, fmt.Errorf("read work tree: %w", err)
	}
	b.mode = filemode.Regular
	if info.Mode()&0o111 != 0 {
		b.mode = filemode.Executable
	}
	f, err := os.Open(p)
	if err != nil {
		return blob{}, false, fmt.Errorf("read work tree: %w", err)
	}
	defer f.Close()
	h := plumbing.NewHasher(plumbing.BlobObject, info.Size())
	if _, err := io.CopyN(h, f, info.Size()); err != nil {
		return blob{}, false, fmt.Errorf("read %s: %w", p, err)
	}
	b.hash = h.Sum()
	return b, true, nil
}
