package main

import (
	"path/filepath"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/vcs/gitfs"
)

// factCache is the FactIndex `dip check --base` keeps in the git
// directory, so that a check reads only what a change touches.
type factCache struct {
	index   *pipeline.FactIndex
	file    string
	version string
}

// factsFile is where the cache lives below the git directory.
const factsFile = "dip/facts"

// openFactCache loads the cache of the git repository holding dir and
// sets opt up to use it with the blobs of dir's files and of base. Without
// a usable cache or blobs the check reads everything, as it would anyway:
// it returns nil then.
func openFactCache(dir string, base *gitfs.FS, opt *pipeline.CheckOptions) *factCache {
	gitDir, err := gitfs.GitDir(dir)
	if err != nil {
		return nil
	}
	c := &factCache{file: filepath.Join(gitDir, filepath.FromSlash(factsFile)), version: pipeline.FactsVersion()}
	// The three are independent: the base's trees, the cache file and the
	// work tree's files are read at the same time.
	var baseBlobs map[string]plumbing.Hash
	var baseErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		baseBlobs, baseErr = base.Blobs(pipeline.RepoFiles...)
		c.index = pipeline.LoadFactIndex(c.file, c.version)
	})
	headBlobs, err := gitfs.WorkTreeBlobs(dir, pipeline.RepoFiles...)
	wg.Wait()
	if err != nil || baseErr != nil {
		return nil
	}
	opt.Facts, opt.HeadBlobs, opt.BaseBlobs = c.index, pipeline.HashBlobs(headBlobs), pipeline.HashBlobs(baseBlobs)
	return c
}

// save writes the cache when the check learnt something.
func (c *factCache) save() error {
	if c == nil || !c.index.Changed() {
		return nil
	}
	return c.index.Save(c.file, c.version)
}
