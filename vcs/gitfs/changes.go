package gitfs

import (
	"cmp"
	"fmt"
	"path"
	"slices"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Kind is what a change did to a file.
type Kind int

// Kinds of change. A rename is a Deleted and an Added.
const (
	Added Kind = iota + 1
	Modified
	Deleted
)

func (k Kind) String() string {
	switch k {
	case Added:
		return "added"
	case Modified:
		return "modified"
	case Deleted:
		return "deleted"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Change is a file added, modified or deleted. Path is slash-separated and
// relative to the root of the repository.
type Change struct {
	Path string
	Kind Kind
}

// ChangedFiles returns the files that differ between the trees of commits
// from and to, sorted by path. A file whose content, executable bit or kind
// (file or symbolic link) differs is Modified; a file that became a
// directory, or the reverse, is Deleted and its replacement Added.
// Submodules are left out.
func ChangedFiles(repo *git.Repository, from, to plumbing.Hash) ([]Change, error) {
	mu := lockOf(repo)
	mu.Lock()
	defer mu.Unlock()
	var roots [2]plumbing.Hash
	for i, h := range []plumbing.Hash{from, to} {
		c, err := repo.CommitObject(h)
		if err != nil {
			return nil, fmt.Errorf("read commit %s: %w", h, err)
		}
		roots[i] = c.TreeHash
	}
	d := &differ{trees: newTrees(repo.Storer)}
	if err := d.diff("", roots[0], roots[1]); err != nil {
		return nil, err
	}
	sortChanges(d.changes)
	return d.changes, nil
}

// differ compares two trees, skipping subtrees with the same hash.
type differ struct {
	trees   *trees
	changes []Change
}

func (d *differ) diff(dir string, a, b plumbing.Hash) error {
	if a == b {
		return nil
	}
	ta, err := d.trees.get(a)
	if err != nil {
		return err
	}
	tb, err := d.trees.get(b)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ta.entries)+len(tb.entries))
	for _, e := range ta.entries {
		names = append(names, e.Name)
	}
	for _, e := range tb.entries {
		if _, ok := ta.byName[e.Name]; !ok {
			names = append(names, e.Name)
		}
	}
	for _, name := range names {
		ea, inA := ta.find(name)
		eb, inB := tb.find(name)
		p := path.Join(dir, name)
		ka, kb := kindOf(ea.Mode, inA), kindOf(eb.Mode, inB)
		switch {
		case ka == isFile && kb == isFile:
			if ea.Hash != eb.Hash || fileMode(ea.Mode) != fileMode(eb.Mode) {
				d.changes = append(d.changes, Change{Path: p, Kind: Modified})
			}
		case ka == isDir && kb == isDir:
			if err := d.diff(p, ea.Hash, eb.Hash); err != nil {
				return err
			}
		default:
			if err := d.all(p, ka, ea.Hash, Deleted); err != nil {
				return err
			}
			if err := d.all(p, kb, eb.Hash, Added); err != nil {
				return err
			}
		}
	}
	return nil
}

// all records every file at or below p as kind.
func (d *differ) all(p string, k entryKind, h plumbing.Hash, kind Kind) error {
	switch k {
	case isFile:
		d.changes = append(d.changes, Change{Path: p, Kind: kind})
	case isDir:
		t, err := d.trees.get(h)
		if err != nil {
			return err
		}
		for _, e := range t.entries {
			if err := d.all(path.Join(p, e.Name), kindOf(e.Mode, true), e.Hash, kind); err != nil {
				return err
			}
		}
	}
	return nil
}

type entryKind int

const (
	absent entryKind = iota
	isFile
	isDir
)

// kindOf sorts tree entries for comparison; a submodule counts as absent.
func kindOf(m filemode.FileMode, present bool) entryKind {
	switch {
	case !present || m == filemode.Submodule:
		return absent
	case m == filemode.Dir:
		return isDir
	}
	return isFile
}

// fileMode folds the old group-writable mode into the regular one, as git
// does.
func fileMode(m filemode.FileMode) filemode.FileMode {
	if m == filemode.Deprecated {
		return filemode.Regular
	}
	return m
}

func sortChanges(cs []Change) {
	slices.SortFunc(cs, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind))
	})
}
