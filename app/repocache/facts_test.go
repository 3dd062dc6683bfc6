package repocache_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
)

// Jobs of one process share a repository's fact index, use and save it at
// once; a cache opened again on the directory, as after a restart, has
// what was saved when the first stopped. Another repository has an index of its own. An index
// forgets the facts no check used for a while.
func TestFactsSharedAndSaved(t *testing.T) {
	dir := t.TempDir()
	c, err := repocache.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	repo := vcs.Repo{Host: vcs.GitHub, ID: 7, Owner: "acme", Name: "platform"}
	other := vcs.Repo{Host: vcs.GitHub, ID: 8, Owner: "acme", Name: "other"}
	var wg sync.WaitGroup
	for job := range 8 {
		wg.Go(func() {
			// One check: it takes the index, learns, saves.
			x := c.Facts(repo)
			for i := range 50 {
				x.Add(fmt.Sprintf("blob-%d-%d", job, i), pipeline.Facts{Parsed: true, Kind: "Queue", Name: "q"})
				if i%10 == 0 {
					if err := c.SaveFacts(repo); err != nil {
						t.Error(err)
					}
				}
			}
			if err := c.SaveFacts(repo); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := c.FlushFacts(); err != nil {
		t.Fatal(err)
	}
	if n := c.Facts(other).Len(); n != 0 {
		t.Errorf("another repository's index holds %d facts", n)
	}
	again, err := repocache.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := again.Facts(repo)
	if x.Len() != 400 {
		t.Fatalf("reopened index holds %d facts, want 400", x.Len())
	}
	if f, ok := x.Lookup("blob-3-49"); !ok || f.Kind != "Queue" {
		t.Errorf("reopened index: %+v, %v", f, ok)
	}
}

func TestFactsPruned(t *testing.T) {
	c, err := repocache.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	repo := vcs.Repo{Host: vcs.GitHub, ID: 7, Owner: "acme", Name: "platform"}
	c.Facts(repo).Add("old", pipeline.Facts{Parsed: true})
	for i := range 200 {
		// Every check uses "current"; none uses "old" again.
		x := c.Facts(repo)
		if _, ok := x.Lookup("current"); !ok {
			x.Add("current", pipeline.Facts{Parsed: true})
		}
		if i == 0 {
			if _, ok := x.Lookup("old"); !ok {
				t.Fatal("old forgotten at once")
			}
		}
	}
	x := c.Facts(repo)
	if _, ok := x.Lookup("old"); ok {
		t.Error("a fact no check used in 200 checks is still kept")
	}
	if _, ok := x.Lookup("current"); !ok {
		t.Error("a fact every check uses was forgotten")
	}
}
