package gitfs

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

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
	if t, ok := decoded.get(h); ok {
		ts.byID[h] = t
		return t, nil
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
	decoded.put(h, t)
	return t, nil
}

// maxDecoded bounds how many decoded trees the process keeps between
// file systems.
const maxDecoded = 8192

// decoded keeps decoded trees for every FS of the process: a tree's hash
// names its entries, whatever repository holds it, so the trees that
// commits share (all but the directories a change touches) are decoded
// once, not once per commit. Trees are never changed once decoded.
var decoded = &treeCache{byID: map[plumbing.Hash]*tree{}}

// treeCache is a bounded map of decoded trees, the oldest put out first.
type treeCache struct {
	mu    sync.Mutex
	byID  map[plumbing.Hash]*tree
	order []plumbing.Hash
	next  int
}

func (c *treeCache) get(h plumbing.Hash) (*tree, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.byID[h]
	return t, ok
}

func (c *treeCache) put(h plumbing.Hash, t *tree) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byID[h]; ok {
		return
	}
	if len(c.order) < maxDecoded {
		c.order = append(c.order, h)
	} else {
		delete(c.byID, c.order[c.next])
		c.order[c.next] = h
		c.next = (c.next + 1) % maxDecoded
	}
	c.byID[h] = t
}
