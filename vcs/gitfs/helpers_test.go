package gitfs_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dipdev/dip/vcs/gitfs"
)

// run runs the git binary in dir, with no user or system configuration.
func run(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, dir, target, name string) {
	t.Helper()
	if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(name))); err != nil {
		t.Fatal(err)
	}
}

// history makes a repository with two commits: the first has v1 of the
// files and a link, the second changes, adds and removes some.
func history(t *testing.T) (dir, first, second string) {
	t.Helper()
	dir = t.TempDir()
	run(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "platform.yaml", "name: v1\n")
	write(t, dir, "teams/payments.yaml", "team: payments\n")
	write(t, dir, "requests/payments/db.yaml", "size: small\n")
	write(t, dir, "requests/payments/gone.yaml", "x: 1\n")
	symlink(t, dir, "../../platform.yaml", "requests/payments/link.yaml")
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "first")
	run(t, dir, "tag", "v1")
	first = run(t, dir, "rev-parse", "HEAD")
	write(t, dir, "platform.yaml", "name: v2\n")
	write(t, dir, "requests/payments/new.yaml", "y: 2\n")
	run(t, dir, "rm", "-q", "requests/payments/gone.yaml")
	run(t, dir, "add", "-A")
	run(t, dir, "commit", "-q", "-m", "second")
	second = run(t, dir, "rev-parse", "HEAD")
	return dir, first, second
}

// open returns the tree of rev in the repository holding dir.
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
