// Package gitfs reads the tree of one git commit as an io/fs.FS, without a
// checkout: dip reads the base of a change, or a pull request's head, this
// way. Symbolic links are reported as such and never followed; submodules
// are empty directories. ChangedFiles and WorkTreeChanges list the files a
// change touches. WriteTree and WriteCommit write new trees and commits
// into a repository: a base tree with some paths changed, as the output
// branch's renders and the migration bot's commits need.
//
// go-git's object storage is not safe for concurrent use, so every function
// here serializes its reads of a repository's objects on one lock per
// repository. Other use of the same *git.Repository at the same time, outside
// this package, is not covered by that lock.
package gitfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"weak"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// streamAbove is the size above which a blob is streamed from its pack or
// loose object file instead of being decoded into memory whole: a file dip
// rejects for its size is then never read past the limit.
const streamAbove = 1 << 20

// Open opens the git repository that holds dir, which may be the work tree,
// any directory below it, or a linked work tree. Pack files stay open
// between reads, since reading a tree of thousands of files would otherwise
// open the pack again for every object; they are closed when the repository
// is no longer referenced.
func Open(dir string) (*git.Repository, error) {
	var repo *git.Repository
	var err error
	if isGitDir(dir) {
		// A bare repository inside another's work tree is itself, not the
		// work tree around it.
		repo, err = git.PlainOpen(dir)
	} else {
		repo, err = git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	}
	if errors.Is(err, git.ErrRepositoryNotExists) {
		// A bare repository, such as the server's clones, has no .git to
		// detect.
		repo, err = git.PlainOpen(dir)
	}
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, fmt.Errorf("open git repository at %s: not inside a git repository", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return repo, nil
	}
	var worktree billy.Filesystem
	if wt, err := repo.Worktree(); err == nil {
		worktree = wt.Filesystem
	}
	// Alternates (clones made with --shared or --reference) name object
	// stores by absolute path, outside the repository.
	opts := filesystem.Options{KeepDescriptors: true, LargeObjectThreshold: streamAbove, AlternatesFS: osfs.New("/")}
	kept, err := git.Open(filesystem.NewStorageWithOptions(st.Filesystem(), cache.NewObjectLRUDefault(), opts), worktree)
	if err != nil {
		return nil, fmt.Errorf("open git repository at %s: %w", dir, err)
	}
	return kept, nil
}

// isGitDir reports whether dir is a git directory: a bare repository.
func isGitDir(dir string) bool {
	head, err := os.Stat(filepath.Join(dir, "HEAD"))
	if err != nil || !head.Mode().IsRegular() {
		return false
	}
	objects, err := os.Stat(filepath.Join(dir, "objects"))
	return err == nil && objects.IsDir()
}

// Resolve turns a revision (branch, tag, remote branch, full or short SHA,
// HEAD~1, main^, ...) into the commit it names.
func Resolve(repo *git.Repository, rev string) (plumbing.Hash, error) {
	mu := lockOf(repo)
	mu.Lock()
	defer mu.Unlock()
	h, err := repo.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: %w", rev, err)
	}
	if _, err := repo.CommitObject(*h); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("resolve %q: not a commit: %w", rev, err)
	}
	return *h, nil
}

// locks holds the lock of each repository in use, keyed by a weak pointer
// so that a repository no longer referenced takes its entry with it.
var locks sync.Map // weak.Pointer[git.Repository] -> *sync.Mutex

func lockOf(repo *git.Repository) *sync.Mutex {
	key := weak.Make(repo)
	if mu, ok := locks.Load(key); ok {
		return mu.(*sync.Mutex)
	}
	mu, loaded := locks.LoadOrStore(key, &sync.Mutex{})
	if !loaded {
		runtime.AddCleanup(repo, func(k weak.Pointer[git.Repository]) { locks.Delete(k) }, key)
	}
	return mu.(*sync.Mutex)
}

// GitDir returns the git directory of the repository that holds dir, where
// a tool may keep files of its own (under a directory of its name).
func GitDir(dir string) (string, error) {
	repo, err := Open(dir)
	if err != nil {
		return "", err
	}
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return "", fmt.Errorf("git repository at %s is not stored on disk", dir)
	}
	return st.Filesystem().Root(), nil
}
