// Package repocache keeps one bare git clone per repository the server
// works on: cloned once from the host with a short-lived token, then
// fetched incrementally. Jobs read commits from it through vcs/gitfs, never
// from a checkout, so nothing of a pull request is ever executed.
//
// Fetches of one repository are serialized; a job reads under a shared
// lock, so that a fetch never changes the object store under a reader.
package repocache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Auth returns the credentials that fetch and push a repository.
type Auth func(ctx context.Context, repo vcs.Repo) (username, password string, err error)

// Cache is a directory of bare clones, one per repository. It is safe for
// concurrent use by the jobs of one process; two processes must not share
// a directory.
type Cache struct {
	dir  string
	auth Auth

	mu    sync.Mutex
	locks map[string]*sync.RWMutex
	facts map[string]*facts
	// version identifies this build for saved fact indexes.
	versionOnce sync.Once
	version     string
}

// New returns a cache in dir, created when missing.
func New(dir string, auth Auth) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("repository cache: %w", err)
	}
	return &Cache{dir: dir, auth: auth, locks: map[string]*sync.RWMutex{}, facts: map[string]*facts{}}, nil
}

// Checkout is a cached repository, read-locked until Release.
type Checkout struct {
	// Repo reads the clone's objects; use it through vcs/gitfs.
	Repo *git.Repository
	// Dir is the bare clone.
	Dir     string
	release func()
}

// Release lets fetches of the repository go on. It may be called twice.
func (c *Checkout) Release() {
	if c.release != nil {
		c.release()
		c.release = nil
	}
}

// RemoteRef is where Fetch keeps a fetched branch or ref: refs/heads/main
// becomes refs/dip/heads/main.
func RemoteRef(ref string) plumbing.ReferenceName {
	return plumbing.ReferenceName("refs/dip/" + trimRefs(ref))
}

func trimRefs(ref string) string {
	if len(ref) > 5 && ref[:5] == "refs/" {
		return ref[5:]
	}
	return ref
}

// Fetch brings refs (full names such as refs/heads/main or
// refs/pull/7/head) of repo into the cache, cloning it first when needed,
// and returns the clone read-locked. A ref missing on the remote is not an
// error: resolving what it should have brought fails instead. A ref ending
// in /* brings every ref below it, and drops from the cache those below it
// that the remote no longer has. Commits named in want must be present
// afterwards.
func (c *Cache) Fetch(ctx context.Context, repo vcs.Repo, refs []string, want ...string) (*Checkout, error) {
	lock := c.lock(repo)
	lock.Lock()
	dir := c.repoDir(repo)
	err := c.fetch(ctx, repo, dir, refs, want)
	lock.Unlock()
	if err != nil {
		return nil, err
	}
	lock.RLock()
	r, err := gitfs.Open(dir)
	if err != nil {
		lock.RUnlock()
		return nil, err
	}
	return &Checkout{Repo: r, Dir: dir, release: lock.RUnlock}, nil
}

func (c *Cache) lock(repo vcs.Repo) *sync.RWMutex {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := c.repoDir(repo)
	l, ok := c.locks[key]
	if !ok {
		l = &sync.RWMutex{}
		c.locks[key] = l
	}
	return l
}

// repoDir names the clone by host and the host's repository id, which
// survives renames, or by owner and name when there is no id.
func (c *Cache) repoDir(repo vcs.Repo) string {
	name := strconv.FormatInt(repo.ID, 10)
	if repo.ID == 0 {
		name = repo.Owner + "_" + repo.Name
	}
	return filepath.Join(c.dir, string(repo.Host), name+".git")
}

func (c *Cache) transportAuth(ctx context.Context, repo vcs.Repo) (transport.AuthMethod, error) {
	if c.auth == nil {
		return nil, nil
	}
	user, pass, err := c.auth(ctx, repo)
	if err != nil {
		return nil, err
	}
	return &githttp.BasicAuth{Username: user, Password: pass}, nil
}

func (c *Cache) fetch(ctx context.Context, repo vcs.Repo, dir string, refs, want []string) error {
	if repo.CloneURL == "" {
		return fmt.Errorf("fetch %s: no clone URL", repo.FullName())
	}
	auth, err := c.transportAuth(ctx, repo)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", repo.FullName(), err)
	}
	r, err := git.PlainOpen(dir)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		r, err = git.PlainInit(dir, true)
	}
	if err != nil {
		return fmt.Errorf("open clone of %s: %w", repo.FullName(), err)
	}
	if err := setOrigin(r, repo.CloneURL); err != nil {
		return fmt.Errorf("clone of %s: %w", repo.FullName(), err)
	}
	if len(refs) > 0 {
		if err := fetchRefs(ctx, r, auth, refs); err != nil {
			return fmt.Errorf("fetch %s: %w", repo.FullName(), err)
		}
	}
	for _, w := range want {
		if _, err := r.CommitObject(plumbing.NewHash(w)); err != nil {
			return fmt.Errorf("fetch %s: commit %s: %w (fetched %v)", repo.FullName(), w, ErrMissingCommit, refs)
		}
	}
	return nil
}

// fetchRefs fetches refs, leaving out those the remote does not have,
// since go-git fails the whole fetch for one, and expanding those ending in
// /* to the remote's refs below them.
func fetchRefs(ctx context.Context, r *git.Repository, auth transport.AuthMethod, refs []string) error {
	remote, err := r.Remote("origin")
	if err != nil {
		return err
	}
	have, err := remote.ListContext(ctx, &git.ListOptions{Auth: auth})
	if err != nil && !errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return err
	}
	names := map[plumbing.ReferenceName]bool{}
	for _, ref := range have {
		names[ref.Name()] = true
	}
	var present []config.RefSpec
	add := func(ref string) {
		present = append(present, config.RefSpec("+"+ref+":"+RemoteRef(ref).String()))
	}
	for _, ref := range refs {
		prefix, glob := strings.CutSuffix(ref, "*")
		if !glob {
			if names[plumbing.ReferenceName(ref)] {
				add(ref)
			}
			continue
		}
		for _, h := range have {
			if n := h.Name().String(); strings.HasPrefix(n, prefix) && h.Type() == plumbing.HashReference {
				add(n)
			}
		}
		if err := prune(r, prefix, names); err != nil {
			return err
		}
	}
	if len(present) == 0 {
		return nil
	}
	err = r.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", RefSpecs: present, Auth: auth, Tags: git.NoTags, Force: true})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}

// prune drops the cache's copies of refs below prefix that the remote,
// whose refs are names, no longer has.
func prune(r *git.Repository, prefix string, names map[plumbing.ReferenceName]bool) error {
	local := RemoteRef(prefix).String()
	iter, err := r.References()
	if err != nil {
		return err
	}
	var gone []plumbing.ReferenceName
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		n := ref.Name().String()
		if rest, ok := strings.CutPrefix(n, local); ok && !names[plumbing.ReferenceName(prefix+rest)] {
			gone = append(gone, ref.Name())
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, n := range gone {
		if err := r.Storer.RemoveReference(n); err != nil {
			return err
		}
	}
	return nil
}

func setOrigin(r *git.Repository, url string) error {
	remote, err := r.Remote("origin")
	if err == nil && len(remote.Config().URLs) == 1 && remote.Config().URLs[0] == url {
		return nil
	}
	if err == nil {
		if err := r.DeleteRemote("origin"); err != nil {
			return err
		}
	}
	_, err = r.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}})
	return err
}

// ErrMissingCommit is a wanted commit that none of the fetched refs
// brought: a force-push replaced it.
var ErrMissingCommit = errors.New("commit not on the remote")

// ErrRejected is a push the remote refused because the branch moved on.
var ErrRejected = errors.New("push rejected: the branch moved")

// Push updates branch on the remote to commit, which must be in the
// clone, fast-forward only. It takes the repository's write lock, so the
// checkout's read lock must be released first.
func (c *Cache) Push(ctx context.Context, repo vcs.Repo, commit plumbing.Hash, branch string) error {
	return c.PushLease(ctx, repo, commit, branch, plumbing.ZeroHash)
}

// PushLease sets branch on the remote to commit, whichever commit it is
// at now, provided that is old: a force-push that never overwrites what
// someone else pushed since old was fetched. A zero old means the branch
// must not exist (or be an ancestor of commit); a zero commit deletes the
// branch. A branch that moved gets ErrRejected. The remote checks old
// again as it updates the branch, so a push between the check and the
// update is refused too. The checkout's read lock must be released first.
func (c *Cache) PushLease(ctx context.Context, repo vcs.Repo, commit plumbing.Hash, branch string, old plumbing.Hash) error {
	lock := c.lock(repo)
	lock.Lock()
	defer lock.Unlock()
	r, err := git.PlainOpen(c.repoDir(repo))
	if err != nil {
		return fmt.Errorf("open clone of %s: %w", repo.FullName(), err)
	}
	auth, err := c.transportAuth(ctx, repo)
	if err != nil {
		return fmt.Errorf("push to %s: %w", repo.FullName(), err)
	}
	if commit.IsZero() && old.IsZero() {
		return fmt.Errorf("push to %s: deleting %s needs the commit it is at", repo.FullName(), branch)
	}
	dst := "refs/heads/" + branch
	opts := &git.PushOptions{RemoteName: "origin", Auth: auth}
	if !old.IsZero() {
		// go-git's ForceWithLease compares with a remote-tracking branch,
		// which the cache does not keep; RequireRemoteRefs is the same
		// check against the hash given.
		opts.RequireRemoteRefs = []config.RefSpec{config.RefSpec(old.String() + ":" + dst)}
	}
	switch {
	case commit.IsZero():
		opts.RefSpecs = []config.RefSpec{config.RefSpec(":" + dst)}
	default:
		local := plumbing.ReferenceName("refs/dip/push/" + branch)
		if err := r.Storer.SetReference(plumbing.NewHashReference(local, commit)); err != nil {
			return fmt.Errorf("push to %s: %w", repo.FullName(), err)
		}
		force := ""
		if !old.IsZero() {
			force = "+"
		}
		opts.RefSpecs = []config.RefSpec{config.RefSpec(force + local.String() + ":" + dst)}
	}
	err = r.PushContext(ctx, opts)
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
		// The clone's copy of the branch is what the remote now has, for
		// readers that do not fetch (GET /audit).
		if err := r.Storer.SetReference(plumbing.NewHashReference(RemoteRef("refs/heads/"+branch), commit)); err != nil {
			return fmt.Errorf("push to %s: %w", repo.FullName(), err)
		}
		return nil
	case errors.Is(err, git.ErrNonFastForwardUpdate), isRejected(err):
		return fmt.Errorf("push %s to %s: %w (%v)", branch, repo.FullName(), ErrRejected, err)
	default:
		return fmt.Errorf("push %s to %s: %w", branch, repo.FullName(), err)
	}
}

// isRejected recognises a remote's refusal of a non-fast-forward update,
// which go-git reports as a plain error carrying the server's reason.
func isRejected(err error) bool {
	s := err.Error()
	for _, m := range []string{"non-fast-forward", "fetch first", "failed to update ref", "stale info", "required to be", "cannot lock ref"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// ErrNotCached is a repository the cache has no clone of yet.
var ErrNotCached = errors.New("no clone of the repository yet")

// Open returns the clone of repo as it was last fetched, read-locked,
// without asking the host: ErrNotCached when there is none.
func (c *Cache) Open(repo vcs.Repo) (*Checkout, error) {
	lock := c.lock(repo)
	lock.RLock()
	dir := c.repoDir(repo)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		lock.RUnlock()
		return nil, fmt.Errorf("open clone of %s: %w", repo.FullName(), ErrNotCached)
	}
	r, err := gitfs.Open(dir)
	if err != nil {
		lock.RUnlock()
		return nil, err
	}
	return &Checkout{Repo: r, Dir: dir, release: lock.RUnlock}, nil
}
