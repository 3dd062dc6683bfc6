package gitfs

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Encodable is a git object go-git can encode: a commit or a tree.
type Encodable interface {
	Encode(plumbing.EncodedObject) error
}

// WriteObject stores o and returns its hash.
func WriteObject(st storer.EncodedObjectStorer, o Encodable) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// WriteBlob stores data as a blob, unless it is stored already, and returns
// its hash.
func WriteBlob(st storer.EncodedObjectStorer, data []byte) (plumbing.Hash, error) {
	h := plumbing.ComputeHash(plumbing.BlobObject, data)
	if st.HasEncodedObject(h) == nil {
		return h, nil
	}
	obj := st.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// WriteTree writes files, by slash-separated path, as a git tree of
// regular files and returns its hash. The same files always give the same
// tree.
func WriteTree(st storer.EncodedObjectStorer, files map[string][]byte) (plumbing.Hash, error) {
	type node struct {
		blob plumbing.Hash
		dirs map[string]*node
	}
	root := &node{dirs: map[string]*node{}}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		h, err := WriteBlob(st, files[p])
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("%s: %w", p, err)
		}
		parts := strings.Split(p, "/")
		n := root
		for _, dir := range parts[:len(parts)-1] {
			next, ok := n.dirs[dir]
			if !ok {
				next = &node{dirs: map[string]*node{}}
				n.dirs[dir] = next
			}
			n = next
		}
		n.dirs[parts[len(parts)-1]] = &node{blob: h}
	}
	var write func(n *node) (plumbing.Hash, error)
	write = func(n *node) (plumbing.Hash, error) {
		t := &object.Tree{}
		for name, c := range n.dirs {
			if c.dirs == nil {
				t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: c.blob})
				continue
			}
			h, err := write(c)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			t.Entries = append(t.Entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
		}
		SortEntries(t.Entries)
		return WriteObject(st, t)
	}
	return write(root)
}

// SortEntries puts a tree's entries in git's order: by name, a directory's
// name taken with a trailing slash.
func SortEntries(es []object.TreeEntry) {
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	slices.SortFunc(es, func(x, y object.TreeEntry) int { return cmp.Compare(key(x), key(y)) })
}
