package repocache_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// origin makes a bare repository with main and two branches under dip/,
// and returns it with a work tree that pushes to it.
func origin(t *testing.T) (bare, work string) {
	t.Helper()
	root := t.TempDir()
	bare, work = filepath.Join(root, "origin.git"), filepath.Join(root, "work")
	git(t, root, "init", "-q", "--bare", "-b", "main", bare)
	git(t, root, "init", "-q", "-b", "main", work)
	git(t, work, "remote", "add", "origin", bare)
	if err := os.WriteFile(filepath.Join(work, "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, work, "add", "-A")
	git(t, work, "commit", "-q", "-m", "first")
	git(t, work, "push", "-q", "origin", "main", "main:dip/migrate/x/a", "main:dip/migrate/x/b")
	return bare, work
}

func resolve(t *testing.T, co *repocache.Checkout, ref string) (plumbing.Hash, bool) {
	t.Helper()
	h, err := gitfs.Resolve(co.Repo, repocache.RemoteRef(ref).String())
	return h, err == nil
}

func TestFetchGlobPrunes(t *testing.T) {
	t.Parallel()
	bare, _ := origin(t)
	c, err := repocache.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	repo := vcs.Repo{Host: vcs.GitHub, ID: 1, Owner: "acme", Name: "platform", CloneURL: bare}
	refs := []string{"refs/heads/main", "refs/heads/dip/migrate/*"}
	co, err := c.Fetch(context.Background(), repo, refs)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"refs/heads/main", "refs/heads/dip/migrate/x/a", "refs/heads/dip/migrate/x/b"} {
		if _, ok := resolve(t, co, ref); !ok {
			t.Errorf("%s not fetched", ref)
		}
	}
	co.Release()

	git(t, bare, "update-ref", "-d", "refs/heads/dip/migrate/x/b")
	co, err = c.Fetch(context.Background(), repo, refs)
	if err != nil {
		t.Fatal(err)
	}
	defer co.Release()
	if _, ok := resolve(t, co, "refs/heads/dip/migrate/x/b"); ok {
		t.Error("a branch gone from the remote is still in the cache")
	}
	if _, ok := resolve(t, co, "refs/heads/dip/migrate/x/a"); !ok {
		t.Error("a branch still on the remote was pruned")
	}
}

func TestPushLease(t *testing.T) {
	t.Parallel()
	bare, work := origin(t)
	c, err := repocache.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	repo := vcs.Repo{Host: vcs.GitHub, ID: 1, Owner: "acme", Name: "platform", CloneURL: bare}
	// Two commits the cache will push: the second on top of main.
	main := git(t, work, "rev-parse", "main")
	if err := os.WriteFile(filepath.Join(work, "b.txt"), []byte("b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, work, "add", "-A")
	git(t, work, "commit", "-q", "-m", "second")
	second := git(t, work, "rev-parse", "HEAD")
	git(t, work, "push", "-q", "origin", "HEAD:refs/heads/scratch")
	co, err := c.Fetch(ctx, repo, []string{"refs/heads/main", "refs/heads/scratch"})
	if err != nil {
		t.Fatal(err)
	}
	co.Release()
	remoteAt := func(branch string) string {
		out, err := exec.Command("git", "-C", bare, "rev-parse", "-q", "--verify", "refs/heads/"+branch).Output()
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(out))
	}

	// A new branch.
	if err := c.PushLease(ctx, repo, plumbing.NewHash(second), "dip/migrate/y/new", plumbing.ZeroHash); err != nil {
		t.Fatal(err)
	}
	if got := remoteAt("dip/migrate/y/new"); got != second {
		t.Errorf("new branch at %q, want %s", got, second)
	}
	// A force-push back to main's commit with the right lease.
	if err := c.PushLease(ctx, repo, plumbing.NewHash(main), "dip/migrate/y/new", plumbing.NewHash(second)); err != nil {
		t.Fatal(err)
	}
	if got := remoteAt("dip/migrate/y/new"); got != main {
		t.Errorf("force-pushed branch at %q, want %s", got, main)
	}
	// A stale lease is refused and changes nothing.
	err = c.PushLease(ctx, repo, plumbing.NewHash(second), "dip/migrate/y/new", plumbing.NewHash(second))
	if !errors.Is(err, repocache.ErrRejected) {
		t.Errorf("stale lease: %v, want ErrRejected", err)
	}
	if got := remoteAt("dip/migrate/y/new"); got != main {
		t.Errorf("after a refused push the branch is at %q, want %s", got, main)
	}
	// A zero lease on an existing branch is fast-forward only.
	if err := c.PushLease(ctx, repo, plumbing.NewHash(main), "scratch", plumbing.ZeroHash); !errors.Is(err, repocache.ErrRejected) {
		t.Errorf("non-fast-forward without a lease: %v, want ErrRejected", err)
	}
	// A delete needs the right lease.
	if err := c.PushLease(ctx, repo, plumbing.ZeroHash, "dip/migrate/y/new", plumbing.NewHash(second)); !errors.Is(err, repocache.ErrRejected) {
		t.Errorf("delete with a stale lease: %v, want ErrRejected", err)
	}
	if err := c.PushLease(ctx, repo, plumbing.ZeroHash, "dip/migrate/y/new", plumbing.NewHash(main)); err != nil {
		t.Fatal(err)
	}
	if got := remoteAt("dip/migrate/y/new"); got != "" {
		t.Errorf("deleted branch still at %s", got)
	}
}
