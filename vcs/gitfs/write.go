package gitfs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// WriteTree writes into repo the tree of base (a tree's hash; zero for the
// empty tree) with files set, by slash-separated path: each file's content
// replaced, or added as a regular file; a nil content removes the file.
// Everything else of base is kept as it is, down to its modes, links and
// submodules, and subtrees no path goes through are not read. Directories
// left empty are removed. It returns the new tree's hash, which is base's
// when nothing changed.
func WriteTree(repo *git.Repository, base plumbing.Hash, files map[string][]byte) (plumbing.Hash, error) {
	root := &edit{dirs: map[string]*edit{}}
	for p, data := range files {
		parts, err := splitPath(p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		n := root
		for _, dir := range parts[:len(parts)-1] {
			next, ok := n.dirs[dir]
			if !ok {
				next = &edit{dirs: map[string]*edit{}}
				n.dirs[dir] = next
			}
			if next.file {
				return plumbing.ZeroHash, fmt.Errorf("write tree: %s is both a file and a directory", p)
			}
			n = next
		}
		name := parts[len(parts)-1]
		if _, ok := n.dirs[name]; ok {
			return plumbing.ZeroHash, fmt.Errorf("write tree: %s is both a file and a directory", p)
		}
		n.dirs[name] = &edit{file: true, data: data, remove: data == nil}
	}
	mu := lockOf(repo)
	mu.Lock()
	defer mu.Unlock()
	w := &treeWriter{st: repo.Storer}
	h, _, err := w.write("", base, root)
	return h, err
}

// WriteCommit writes c into repo and returns its hash.
func WriteCommit(repo *git.Repository, c *object.Commit) (plumbing.Hash, error) {
	mu := lockOf(repo)
	mu.Lock()
	defer mu.Unlock()
	h, err := WriteObject(repo.Storer, c)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write commit: %w", err)
	}
	return h, nil
}

// Encodable is a git object go-git can encode: a commit or a tree.
type Encodable interface {
	Encode(plumbing.EncodedObject) error
}

// WriteObject stores o in st and returns its hash. Unlike WriteTree and
// WriteCommit it takes no lock: st must be a store no one reads at the
// same time, or the caller must hold the repository's lock.
func WriteObject(st storer.EncodedObjectStorer, o Encodable) (plumbing.Hash, error) {
	obj := st.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return st.SetEncodedObject(obj)
}

// WriteBlob stores data as a blob in st, unless it is stored already, and
// returns its hash. It takes no lock, as WriteObject.
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

// edit is what WriteTree changes in one directory (dirs, by entry name) or
// one file.
type edit struct {
	dirs   map[string]*edit
	file   bool
	remove bool
	data   []byte
}

// splitPath checks that p names a file git can check out: relative, no
// empty, "." or ".." element, no .git.
func splitPath(p string) ([]string, error) {
	parts := strings.Split(p, "/")
	for _, s := range parts {
		if s == "" || s == "." || s == ".." || strings.EqualFold(s, ".git") || strings.ContainsRune(s, 0) {
			return nil, fmt.Errorf("write tree: bad path %q", p)
		}
	}
	return parts, nil
}

type treeWriter struct{ st storer.EncodedObjectStorer }

// write returns the hash of tree base with e applied and whether it has
// any entry left. The caller holds the repository's lock.
func (w *treeWriter) write(dir string, base plumbing.Hash, e *edit) (plumbing.Hash, bool, error) {
	var entries []object.TreeEntry
	if !base.IsZero() {
		t, err := object.GetTree(w.st, base)
		if err != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("read tree %s: %w", dir, err)
		}
		entries = slices.Clone(t.Entries)
	}
	byName := make(map[string]int, len(entries))
	for i, te := range entries {
		byName[te.Name] = i
	}
	changed := false
	for _, name := range sortedKeys(e.dirs) {
		c := e.dirs[name]
		i, exists := byName[name]
		var old object.TreeEntry
		if exists {
			old = entries[i]
		}
		switch {
		case c.file && c.remove:
			if exists && old.Mode != filemode.Dir {
				entries[i].Name = ""
				changed = true
			} else if exists {
				return plumbing.ZeroHash, false, fmt.Errorf("write tree: %s is a directory", joinDir(dir, name))
			}
		case c.file:
			if exists && old.Mode == filemode.Dir {
				return plumbing.ZeroHash, false, fmt.Errorf("write tree: %s is a directory", joinDir(dir, name))
			}
			h, err := WriteBlob(w.st, c.data)
			if err != nil {
				return plumbing.ZeroHash, false, fmt.Errorf("write %s: %w", joinDir(dir, name), err)
			}
			mode := filemode.Regular
			if exists && old.Mode == filemode.Executable {
				mode = filemode.Executable
			}
			te := object.TreeEntry{Name: name, Mode: mode, Hash: h}
			switch {
			case !exists:
				entries = append(entries, te)
				byName[name] = len(entries) - 1
				changed = true
			case old != te:
				entries[i] = te
				changed = true
			}
		default:
			var sub plumbing.Hash
			if exists {
				if old.Mode != filemode.Dir {
					return plumbing.ZeroHash, false, fmt.Errorf("write tree: %s is a file", joinDir(dir, name))
				}
				sub = old.Hash
			}
			h, any, err := w.write(joinDir(dir, name), sub, c)
			if err != nil {
				return plumbing.ZeroHash, false, err
			}
			switch {
			case !any && exists:
				entries[i].Name = ""
				changed = true
			case !any:
			case !exists:
				entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
				byName[name] = len(entries) - 1
				changed = true
			case h != old.Hash:
				entries[i].Hash = h
				changed = true
			}
		}
	}
	if !changed && !base.IsZero() {
		return base, len(entries) > 0, nil
	}
	entries = slices.DeleteFunc(entries, func(te object.TreeEntry) bool { return te.Name == "" })
	SortEntries(entries)
	h, err := WriteObject(w.st, &object.Tree{Entries: entries})
	return h, len(entries) > 0, err
}

func joinDir(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
