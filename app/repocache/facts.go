package repocache

import (
	"path/filepath"
	"sync"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/vcs"
)

// factsFile is where a clone keeps its fact index, below its directory,
// as dip check --base keeps its own below .git.
const factsFile = "dip/facts"

// pruneEvery is how many checks of a repository use its fact index
// between two prunes: an index keeps the files of the checks since the
// last prune but one, not every file it ever saw.
const pruneEvery = 64

// facts is the fact index of one repository.
type facts struct {
	once  sync.Once
	index *pipeline.FactIndex
	file  string
	// mu serializes saves, and uses counts the checks since the last prune.
	mu   sync.Mutex
	uses int
}

// Facts returns the fact index of repo's requests (see
// pipeline.CheckOptions.Facts): one per repository, shared by all the
// jobs of this process, which may use it at once. It is loaded from the
// clone's directory the first time, and empty when there is nothing to
// load or it was saved by another dip build. Each replica of a server
// has its own cache directory, and so its own index.
func (c *Cache) Facts(repo vcs.Repo) *pipeline.FactIndex {
	f := c.loadFacts(repo)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.uses++; f.uses >= pruneEvery {
		f.index.Prune()
		f.uses = 0
	}
	return f.index
}

// SaveFacts writes repo's fact index to the clone's directory when it
// learnt something since it was loaded or last saved, so that a restarted
// server starts warm. Concurrent saves of one repository are serialized.
func (c *Cache) SaveFacts(repo vcs.Repo) error {
	f := c.loadFacts(repo)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.index.Changed() {
		return nil
	}
	return f.index.Save(f.file, c.factsVersion())
}

// loadFacts returns the fact index of repo, loaded.
func (c *Cache) loadFacts(repo vcs.Repo) *facts {
	c.mu.Lock()
	dir := c.repoDir(repo)
	f, ok := c.facts[dir]
	if !ok {
		f = &facts{file: filepath.Join(dir, filepath.FromSlash(factsFile))}
		c.facts[dir] = f
	}
	c.mu.Unlock()
	f.once.Do(func() { f.index = pipeline.LoadFactIndex(f.file, c.factsVersion()) })
	return f
}

func (c *Cache) factsVersion() string {
	c.versionOnce.Do(func() { c.version = pipeline.FactsVersion() })
	return c.version
}
