package gitfs_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dipdev/dip/vcs/gitfs"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// repo makes a repository with two commits: the first has v1 of the files,
// the second changes, adds and removes some.
func repo(t *testing.T) (dir, first, second string) {
	t.Helper()
	dir = t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "platform.yaml", "name: v1\n")
	write(t, dir, "teams/payments.yaml", "team: payments\n")
	write(t, dir, "requests/payments/db.yaml", "size: small\n")
	write(t, dir, "requests/payments/gone.yaml", "x: 1\n")
	if err := os.Symlink("../../platform.yaml", filepath.Join(dir, "requests/payments/link.yaml")); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "first")
	git(t, dir, "tag", "v1")
	first = git(t, dir, "rev-parse", "HEAD")
	write(t, dir, "platform.yaml", "name: v2\n")
	write(t, dir, "requests/payments/new.yaml", "y: 2\n")
	git(t, dir, "rm", "-q", "requests/payments/gone.yaml")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "second")
	second = git(t, dir, "rev-parse", "HEAD")
	return dir, first, second
}

func open(t *testing.T, dir, rev string) *gitfs.FS {
	t.Helper()
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := gitfs.Resolve(r, rev)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gitfs.New(r, h)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestReadsTheCommitNotTheWorkTree(t *testing.T) {
	dir, first, _ := repo(t)
	write(t, dir, "platform.yaml", "name: uncommitted\n")
	old := open(t, dir, first)
	data, err := fs.ReadFile(old, "platform.yaml")
	if err != nil || string(data) != "name: v1\n" {
		t.Fatalf("platform.yaml at the first commit = %q, %v", data, err)
	}
	if _, err := fs.Stat(old, "requests/payments/new.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file added later exists at the first commit: %v", err)
	}
	head := open(t, dir, "HEAD")
	if data, _ := fs.ReadFile(head, "platform.yaml"); string(data) != "name: v2\n" {
		t.Errorf("platform.yaml at HEAD = %q", data)
	}
	if _, err := fs.Stat(head, "requests/payments/gone.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a removed file exists at HEAD: %v", err)
	}
}

// TestFSContract checks the io/fs contracts on a tree without links:
// fstest expects every entry to open, and links deliberately do not.
func TestFSContract(t *testing.T) {
	dir, _, _ := repo(t)
	git(t, dir, "rm", "-q", "requests/payments/link.yaml")
	write(t, dir, "bin/run.sh", "#!/bin/sh\n")
	if err := os.Chmod(filepath.Join(dir, "bin/run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "no links")
	if err := fstest.TestFS(open(t, dir, "HEAD"), "platform.yaml", "teams/payments.yaml", "requests/payments/db.yaml", "requests/payments/new.yaml", "bin/run.sh"); err != nil {
		t.Fatal(err)
	}
}

func TestSymlinksAreNotFollowed(t *testing.T) {
	dir, _, _ := repo(t)
	f := open(t, dir, "HEAD")
	info, err := fs.Lstat(f, "requests/payments/link.yaml")
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("Lstat of a link = %v, %v", info, err)
	}
	entries, err := fs.ReadDir(f, "requests/payments")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "link.yaml" && e.Type()&fs.ModeSymlink == 0 {
			t.Error("directory entry of a link is not a link")
		}
	}
	if _, err := f.Open("requests/payments/link.yaml"); err == nil {
		t.Error("opening a link followed it")
	}
}

func TestBadPaths(t *testing.T) {
	dir, _, _ := repo(t)
	f := open(t, dir, "HEAD")
	for _, p := range []string{"../etc/passwd", "/platform.yaml", "a//b", "teams/"} {
		if _, err := f.Open(p); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", p, err)
		}
	}
	if _, err := f.Open("nope.yaml"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestResolve(t *testing.T) {
	dir, first, second := repo(t)
	r, err := gitfs.Open(filepath.Join(dir, "teams"))
	if err != nil {
		t.Fatalf("open from a subdirectory: %v", err)
	}
	for rev, want := range map[string]string{"main": second, "HEAD": second, "HEAD~1": first, "v1": first, first[:8]: first, second: second} {
		h, err := gitfs.Resolve(r, rev)
		if err != nil || h.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", rev, h, err, want)
		}
	}
	if _, err := gitfs.Resolve(r, "no-such-branch"); err == nil || !strings.Contains(err.Error(), `"no-such-branch"`) {
		t.Errorf("bad revision: %v", err)
	}
	if _, err := gitfs.Open(t.TempDir()); err == nil {
		t.Error("a directory outside any repository opened")
	}
}

func TestSubdirectory(t *testing.T) {
	dir, _, _ := repo(t)
	sub, err := fs.Sub(open(t, dir, "HEAD"), "requests")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(sub, "payments/db.yaml"); err != nil || string(data) != "size: small\n" {
		t.Errorf("read through fs.Sub = %q, %v", data, err)
	}
}

func TestConcurrentReads(t *testing.T) {
	dir, _, _ := repo(t)
	f := open(t, dir, "HEAD")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if data, err := fs.ReadFile(f, "requests/payments/db.yaml"); err != nil || string(data) != "size: small\n" {
					t.Errorf("concurrent read = %q, %v", data, err)
					return
				}
				if _, err := fs.ReadDir(f, "requests/payments"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
