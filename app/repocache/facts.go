package repocache

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/vcs"
)

// factsFile is where a clone keeps its fact index, below its directory,
// as dip check --base keeps its own below .git.
const factsFile = "dip/facts"

// saveEvery is how often at most a repository's fact index is saved: a
// save writes the whole index, which costs more than a check of a large
// repo reads from it. A server that stops loses what it learnt since.
const saveEvery = 30 * time.Second

// pruneEvery is how many checks of a repository use its fact index
// between two prunes: an index keeps the files of the checks since the
// last prune but one, not every file it ever saw.
const pruneEvery = 64

// facts is the fact index of one repository.
type facts struct {
	once  sync.Once
	index *pipeline.FactIndex
	file  string
	// mu serializes saves; uses counts the checks since the last prune,
	// and saved is when the index was last saved.
	mu    sync.Mutex
	uses  int
	saved time.Time
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
// learnt something since it was loaded or last saved, at most every
// saveEvery, so that a restarted server starts warm. Concurrent saves of
// one repository are serialized.
func (c *Cache) SaveFacts(repo vcs.Repo) error {
	return c.loadFacts(repo).save(c.factsVersion(), false)
}

// FlushFacts saves every fact index that learnt something since it was
// last saved, now: for a server that stops.
func (c *Cache) FlushFacts() error {
	c.mu.Lock()
	all := slices.Collect(maps.Values(c.facts))
	c.mu.Unlock()
	var errs []error
	for _, f := range all {
		f.load(c.factsVersion())
		errs = append(errs, f.save(c.factsVersion(), true))
	}
	return errors.Join(errs...)
}

// save writes the index when it changed and, unless now, saveEvery has
// passed since the last save.
func (f *facts) save(version string, now bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.index.Changed() || (!now && time.Since(f.saved) < saveEvery) {
		return nil
	}
	if err := f.index.Save(f.file, version); err != nil {
		return err
	}
	f.saved = time.Now()
	return nil
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
	f.load(c.factsVersion())
	return f
}

// load reads the index from its file the first time.
func (f *facts) load(version string) {
	f.once.Do(func() { f.index = pipeline.LoadFactIndex(f.file, version) })
}

func (c *Cache) factsVersion() string {
	c.versionOnce.Do(func() { c.version = pipeline.FactsVersion() })
	return c.version
}
