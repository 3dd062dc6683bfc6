package gitfs

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// tree is a decoded tree object with its entries sorted by name, as
// fs.ReadDir wants them, rather than in git's order.
type tree struct {
	entries []object.TreeEntry
	byName  map[string]int
}

func (t *tree) find(name string) (object.TreeEntry, bool) {
	i, ok := t.byName[name]
	if !ok {
		return object.TreeEntry{}, false
	}
	return t.entries[i], true
}

// trees caches decoded trees by hash. The caller holds the repository's
// lock.
type trees struct {
	store storer.EncodedObjectStorer
	byID  map[plumbing.Hash]*tree
}

func newTrees(store storer.EncodedObjectStorer) *trees {
	return &trees{store: store, byID: make(map[plumbing.Hash]*tree)}
}

func (ts *trees) get(h plumbing.Hash) (*tree, error) {
	if t, ok := ts.byID[h]; ok {
		return t, nil
	}
	if h.IsZero() {
		return &tree{}, nil
	}
	obj, err := object.GetTree(ts.store, h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	t := &tree{entries: slices.Clone(obj.Entries), byName: make(map[string]int, len(obj.Entries))}
	slices.SortFunc(t.entries, func(a, b object.TreeEntry) int { return cmp.Compare(a.Name, b.Name) })
	for i, e := range t.entries {
		t.byName[e.Name] = i
	}
	ts.byID[h] = t
	return t, nil
}
