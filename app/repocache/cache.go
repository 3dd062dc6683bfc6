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
// error: resolving what it should have brought fails instead. Commits
// named in want must be present afterwards.
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
	specs := make([]config.RefSpec, 0, len(refs))
	for _, ref := range refs {
		specs = append(specs, config.RefSpec("+"+ref+":"+RemoteRef(ref).String()))
	}
	if len(specs) > 0 {
		if err := fetchRefs(ctx, r, auth, specs); err != nil {
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

// fetchRefs fetches specs, leaving out those whose source the remote does
// not have, since go-git fails the whole fetch for one.
func fetchRefs(ctx context.Context, r *git.Repository, auth transport.AuthMethod, specs []config.RefSpec) error {
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
	for _, s := range specs {
		if names[plumbing.ReferenceName(s.Src())] {
			present = append(present, s)
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
	local := plumbing.ReferenceName("refs/dip/push/" + branch)
	if err := r.Storer.SetReference(plumbing.NewHashReference(local, commit)); err != nil {
		return fmt.Errorf("push to %s: %w", repo.FullName(), err)
	}
	spec := config.RefSpec(local.String() + ":refs/heads/" + branch)
	err = r.PushContext(ctx, &git.PushOptions{RemoteName: "origin", RefSpecs: []config.RefSpec{spec}, Auth: auth})
	switch {
	case err == nil, errors.Is(err, git.NoErrAlreadyUpToDate):
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
	for _, m := range []string{"non-fast-forward", "fetch first", "failed to update ref", "stale info"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}
