package audit

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// MaxCommits bounds the commits of one history read: far more than a
// platform's output branch gathers in decades.
const MaxCommits = 5_000_000

// Commit is one commit of the output branch.
type Commit struct {
	Hash    plumbing.Hash
	Parents []plumbing.Hash
	Tree    plumbing.Hash
	// When is the committer's time.
	When time.Time
	// Author and Committer are "Name <email>".
	Author, Committer string
	// Trail is the commit's audit trail; nil for a commit without one.
	Trail *Trail
	// Err is why a commit with Dip- trailers has no Trail.
	Err error
}

// Rendered reports whether dip's trailers are on the commit, readable or
// not.
func (c *Commit) Rendered() bool { return c.Trail != nil || c.Err != nil }

// History is the output branch's commits, parents before children: a
// commit's first parent's line first, then the commits its other parents
// bring, as git log --topo-order --reverse lists them.
type History struct {
	Branch  string
	Tip     plumbing.Hash
	Commits []*Commit
	// Partial says why the history stops before its first commit: a
	// shallow clone, or objects missing from the repository. Empty when it
	// is whole.
	Partial string
}

// ReadHistory reads every commit reachable from tip.
func ReadHistory(r *git.Repository, branch string, tip plumbing.Hash) (*History, error) {
	h := &History{Branch: branch, Tip: tip}
	shallow := map[plumbing.Hash]bool{}
	if hs, err := r.Storer.Shallow(); err == nil {
		for _, s := range hs {
			shallow[s] = true
		}
	}
	// An iterative depth-first walk, emitting a commit once its parents
	// are: parents before children, and no recursion for long histories.
	type frame struct {
		c    *Commit
		next int // the next parent to visit
	}
	seen := map[plumbing.Hash]bool{tip: true}
	first, err := readCommit(r, tip)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", branch, tip, err)
	}
	stack := []frame{{c: first}}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.next == len(top.c.Parents) {
			h.Commits = append(h.Commits, top.c)
			stack = stack[:len(stack)-1]
			continue
		}
		p := top.c.Parents[top.next]
		top.next++
		if seen[p] {
			continue
		}
		seen[p] = true
		if len(seen) > MaxCommits {
			return nil, fmt.Errorf("read %s: more than %d commits", branch, MaxCommits)
		}
		pc, err := readCommit(r, p)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			if h.Partial == "" {
				if shallow[top.c.Hash] {
					h.Partial = fmt.Sprintf("the clone is shallow: history before %s (%s) is not in it; run git fetch --unshallow", short(top.c.Hash), top.c.When.UTC().Format(time.DateOnly))
				} else {
					h.Partial = fmt.Sprintf("commit %s, a parent of %s, is missing from the repository", short(p), short(top.c.Hash))
				}
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: commit %s: %w", branch, p, err)
		}
		stack = append(stack, frame{c: pc})
	}
	return h, nil
}

func readCommit(r *git.Repository, h plumbing.Hash) (*Commit, error) {
	oc, err := r.CommitObject(h)
	if err != nil {
		return nil, err
	}
	c := &Commit{
		Hash: h, Parents: oc.ParentHashes, Tree: oc.TreeHash, When: oc.Committer.When,
		Author: person(oc.Author), Committer: person(oc.Committer),
	}
	c.Trail, c.Err = Parse(oc.Message)
	if errors.Is(c.Err, ErrNoTrail) {
		c.Err = nil
	}
	return c, nil
}

func person(s object.Signature) string { return s.Name + " <" + s.Email + ">" }

func short(h plumbing.Hash) string { return h.String()[:12] }

// window is the index of the first of the last n commits; all when n <= 0.
func (h *History) window(n int) int {
	if n > 0 && n < len(h.Commits) {
		return len(h.Commits) - n
	}
	return 0
}
