package pipeline

import (
	"maps"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Facts are what a check needs to know of a request file it does not
// read: whether it parses, what it is called, and what it refers to. They
// depend only on the file's bytes, so a FactIndex keeps them by content.
type Facts struct {
	// Parsed is false for a file that is not a single valid YAML document;
	// the other fields are then empty.
	Parsed bool
	// APIVersion, Kind, Name and Team (metadata.team) are as written,
	// when they are strings.
	APIVersion, Kind, Name, Team string
	// Uses are the requests the spec or any environment's overrides name
	// in uses.
	Uses []Ref
	// Namespaces are the namespaces the spec or any environment's
	// overrides land in (namespace, serviceAccount.namespace).
	Namespaces []string
	// claims are the file's claimKeys, computed once: they are not
	// saved, but computed again when the facts are loaded or added.
	claims []Ref
}

// Ref names a request by kind and name.
type Ref struct{ Kind, Name string }

// FactsOf returns the facts of a parsed request file.
func FactsOf(doc *platform.Document) Facts {
	f := Facts{Parsed: true}
	top, _ := doc.Value.(map[string]any)
	meta, _ := top["metadata"].(map[string]any)
	f.APIVersion, _ = top["apiVersion"].(string)
	f.Kind, _ = top["kind"].(string)
	f.Name, _ = meta["name"].(string)
	f.Team, _ = meta["team"].(string)
	f.Uses = uses(doc)
	for _, sp := range specs(doc) {
		if ns, ok := sp["namespace"].(string); ok {
			f.Namespaces = append(f.Namespaces, ns)
		}
		sa, _ := sp["serviceAccount"].(map[string]any)
		if ns, ok := sa["namespace"].(string); ok {
			f.Namespaces = append(f.Namespaces, ns)
		}
	}
	slices.Sort(f.Namespaces)
	f.Namespaces = slices.Compact(f.Namespaces)
	f.claims = claimKeys(&f)
	return f
}

// FactIndex holds the Facts of request files by an id of their content,
// such as their git blob hash. It is safe for concurrent use: a server may
// keep one for all its checks, and the command line keeps one in the git
// directory between runs (LoadFactIndex, Save).
type FactIndex struct {
	mu    sync.Mutex
	facts map[string]*factEntry
	dirty bool
	// sides are the indexes of the trees checked last (see keepSide).
	sides []*sideIndex
}

// keptSides is how many side indexes a FactIndex keeps: the base of the
// pull requests being checked, and a head checked again.
const keptSides = 2

type factEntry struct {
	Facts
	// used is set when the entry is looked up or added; Save keeps only
	// those.
	used bool
}

// NewFactIndex returns an empty index.
func NewFactIndex() *FactIndex { return &FactIndex{facts: map[string]*factEntry{}} }

// Lookup returns the facts of the file whose content has id.
func (x *FactIndex) Lookup(id string) (Facts, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e, ok := x.facts[id]
	if !ok {
		return Facts{}, false
	}
	e.used = true
	return e.Facts, true
}

// lookupAll looks up many ids at once; the facts returned are not to be
// changed.
func (x *FactIndex) lookupAll(ids []string) []*Facts {
	out := make([]*Facts, len(ids))
	x.mu.Lock()
	defer x.mu.Unlock()
	for i, id := range ids {
		if e, ok := x.facts[id]; ok {
			e.used = true
			out[i] = &e.Facts
		}
	}
	return out
}

// Add records the facts of the file whose content has id.
func (x *FactIndex) Add(id string, f Facts) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if _, ok := x.facts[id]; !ok {
		x.dirty = true
	}
	if f.claims == nil {
		f.claims = claimKeys(&f)
	}
	x.facts[id] = &factEntry{Facts: f, used: true}
}

// Prune forgets the facts not looked up or added since the last Prune (or
// since the index was made or loaded), so that an index a server keeps
// holds the files of recent checks rather than every file it ever saw.
func (x *FactIndex) Prune() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for id, e := range x.facts {
		if !e.used {
			delete(x.facts, id)
			continue
		}
		x.facts[id] = &factEntry{Facts: e.Facts}
	}
}

// Len returns how many files the index knows.
func (x *FactIndex) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.facts)
}

// RepoFiles are the files and directories of a platform repo whose blobs
// an incremental check needs (CheckOptions.HeadBlobs and BaseBlobs).
var RepoFiles = []string{platform.PlatformFile, platform.TeamsDir, platform.RequestsDir}

// TreeBlobs returns the blobs of tree's RepoFiles, their ids taken from
// the commit's git trees: no file is read or hashed.
func TreeBlobs(tree *gitfs.FS) (Blobs, error) {
	hashes, err := tree.Blobs(RepoFiles...)
	if err != nil {
		return nil, err
	}
	return HashBlobs(hashes), nil
}

// HashBlobs turns git blob hashes by path into Blobs.
func HashBlobs(hashes map[string]plumbing.Hash) Blobs {
	out := make(Blobs, len(hashes))
	for p, h := range hashes {
		out[p] = string(h[:])
	}
	return out
}

// keepSide keeps ix for later checks of a tree with the same blobs.
func (x *FactIndex) keepSide(ix *sideIndex) {
	ix.blobs = maps.Clone(ix.blobs) // the caller's map may change
	x.mu.Lock()
	defer x.mu.Unlock()
	x.sides = append([]*sideIndex{ix}, x.sides[:min(len(x.sides), keptSides-1)]...)
}

// cachedSide returns the kept index of a tree whose blobs are exactly
// blobs, and marks its facts used, as learning them again would.
func (x *FactIndex) cachedSide(blobs Blobs, digest uint64) *sideIndex {
	x.mu.Lock()
	var ix *sideIndex
	for _, s := range x.sides {
		if s.digest == digest && len(s.blobs) == len(blobs) {
			ix = s
			break
		}
	}
	x.mu.Unlock()
	if ix == nil || !maps.Equal(ix.blobs, blobs) {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for p, f := range ix.facts {
		id := ix.blobs[p]
		if e, ok := x.facts[id]; ok {
			e.used = true
			continue
		}
		x.facts[id] = &factEntry{Facts: *f, used: true} // pruned meanwhile
		x.dirty = true
	}
	return ix
}

// digest sums a hash of each path and id: equal blobs have equal digests,
// whatever the order of the map.
func (b Blobs) digest() uint64 {
	var sum uint64
	for p, id := range b {
		h := fnvAdd(fnvAdd(fnvOffset, p)^0xff, id) // FNV-1a, 0xff between the two
		sum += h
	}
	return sum
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvAdd adds s to FNV-1a hash h.
func fnvAdd(h uint64, s string) uint64 {
	for i := range len(s) {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}
