// Package gittest makes real git repositories for tests: a bare
// repository for a fake host to serve, and a work tree beside it that
// tests commit in and push from, with the git binary.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a bare repository and its work tree.
type Repo struct {
	t testing.TB
	// Root is the temporary directory that holds both, and git's HOME.
	Root string
	// Bare is the bare repository; Work the work tree.
	Bare, Work string
}

// New makes an empty repository whose default branch is main: the bare
// one at bare (a slash-separated path below Root, such as repo.git or
// acme/platform.git), the work tree at Root/work with the bare one as
// its origin.
func New(t testing.TB, bare string) *Repo {
	t.Helper()
	root := t.TempDir()
	r := &Repo{t: t, Root: root, Bare: filepath.Join(root, filepath.FromSlash(bare)), Work: filepath.Join(root, "work")}
	r.Git(root, "init", "-q", "--bare", "-b", "main", r.Bare)
	r.Git(root, "init", "-q", "-b", "main", r.Work)
	r.Git(r.Work, "remote", "add", "origin", r.Bare)
	return r
}

// Git runs git in dir and returns its trimmed output; the test fails when
// git does. Commits are by Dev <dev@example.com>; no system or user
// configuration is read.
func (r *Repo) Git(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+r.Root)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Write sets files of the work tree, by slash-separated path; an empty
// content removes the file.
func (r *Repo) Write(files map[string]string) {
	r.t.Helper()
	WriteFiles(r.t, r.Work, files)
}

// WriteFiles sets files below dir, by slash-separated path, making the
// directories they need; an empty content removes the file.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if body == "" {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Commit writes files, commits everything in the work tree on branch
// (made from the current commit when new), force-pushes the branch and
// returns the commit.
func (r *Repo) Commit(branch, msg string, files map[string]string) string {
	r.t.Helper()
	r.Git(r.Work, "checkout", "-q", "-B", branch)
	r.Write(files)
	r.Git(r.Work, "add", "-A")
	r.Git(r.Work, "commit", "-q", "--allow-empty", "-m", msg)
	r.Git(r.Work, "push", "-q", "-f", "origin", "HEAD:refs/heads/"+branch)
	return r.Git(r.Work, "rev-parse", "HEAD")
}

// Checkout moves the work tree to branch.
func (r *Repo) Checkout(branch string) { r.Git(r.Work, "checkout", "-q", branch) }
