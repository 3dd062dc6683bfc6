package gitfs_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/vcs/gitfs"
)

const (
	added    = gitfs.Added
	modified = gitfs.Modified
	deleted  = gitfs.Deleted
)

func changedFiles(t *testing.T, dir, from, to string) []gitfs.Change {
	t.Helper()
	r, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, err := gitfs.Resolve(r, from)
	if err != nil {
		t.Fatal(err)
	}
	b, err := gitfs.Resolve(r, to)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := gitfs.ChangedFiles(r, a, b)
	if err != nil {
		t.Fatal(err)
	}
	return changes
}

func TestChangedFiles(t *testing.T) {
	dir, _, _ := history(t)
	want := []gitfs.Change{
		{"platform.yaml", modified},
		{"requests/payments/gone.yaml", deleted},
		{"requests/payments/new.yaml", added},
	}
	if diff := cmp.Diff(want, changedFiles(t, dir, "v1", "main")); diff != "" {
		t.Errorf("v1..main (-want +got):\n%s", diff)
	}
	reverse := []gitfs.Change{
		{"platform.yaml", modified},
		{"requests/payments/gone.yaml", added},
		{"requests/payments/new.yaml", deleted},
	}
	if diff := cmp.Diff(reverse, changedFiles(t, dir, "main", "v1")); diff != "" {
		t.Errorf("main..v1 (-want +got):\n%s", diff)
	}
	if got := changedFiles(t, dir, "main", "main"); len(got) != 0 {
		t.Errorf("main..main = %v, want none", got)
	}

	run(t, dir, "mv", "teams/payments.yaml", "teams/billing.yaml")
	if err := os.Chmod(filepath.Join(dir, "requests/payments/db.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "rm", "-q", "requests/payments/link.yaml")
	write(t, dir, "requests/payments/link.yaml", "now a file\n")
	run(t, dir, "rm", "-q", "platform.yaml")
	write(t, dir, "platform.yaml/inside.yaml", "file became a directory\n")
	run(t, dir, "add", "-A")
	run(t, dir, "update-index", "--add", "--cacheinfo", "160000,"+strings.Repeat("ab", 20)+",vendor/module")
	run(t, dir, "commit", "-q", "-m", "third")
	want = []gitfs.Change{
		{"platform.yaml", deleted},
		{"platform.yaml/inside.yaml", added},
		{"requests/payments/db.yaml", modified},
		{"requests/payments/link.yaml", modified},
		{"teams/billing.yaml", added},
		{"teams/payments.yaml", deleted},
	}
	if diff := cmp.Diff(want, changedFiles(t, dir, "HEAD~1", "HEAD")); diff != "" {
		t.Errorf("HEAD~1..HEAD (-want +got):\n%s", diff)
	}
}

func TestWorkTreeChanges(t *testing.T) {
	dir, first, second := history(t)
	write(t, dir, ".gitignore", "*.tmp\nbuild/\nteams/payments.yaml\n")
	write(t, dir, "requests/.gitignore", "*.bak\n")
	write(t, dir, ".git/info/exclude", "local.txt\n")
	write(t, dir, "teams/payments.yaml", "team: payments\nedited: true\n")
	if err := os.Remove(filepath.Join(dir, "requests/payments/db.yaml")); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "requests/payments/untracked.yaml", "z: 3\n")
	write(t, dir, "requests/payments/scratch.tmp", "ignored\n")
	write(t, dir, "requests/payments/old.bak", "ignored\n")
	write(t, dir, "build/out.txt", "ignored\n")
	write(t, dir, "local.txt", "ignored\n")
	nested := filepath.Join(dir, "requests/nested")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, nested, "init", "-q")
	write(t, nested, "inside.yaml", "another repository\n")
	write(t, dir, "staged.tmp", "ignored, but added to the index\n")
	run(t, dir, "add", "-f", "staged.tmp")

	changes := func(dir, base string) []gitfs.Change {
		t.Helper()
		got, err := gitfs.WorkTreeChanges(dir, plumbing.NewHash(base))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := []gitfs.Change{
		{".gitignore", added},
		{"requests/.gitignore", added},
		{"requests/payments/db.yaml", deleted},
		{"requests/payments/untracked.yaml", added},
		{"staged.tmp", added},
		{"teams/payments.yaml", modified},
	}
	if diff := cmp.Diff(want, changes(dir, second)); diff != "" {
		t.Errorf("work tree against HEAD (-want +got):\n%s", diff)
	}
	want = []gitfs.Change{
		{"requests/.gitignore", added},
		{"requests/payments/db.yaml", deleted},
		{"requests/payments/gone.yaml", deleted},
		{"requests/payments/new.yaml", added},
		{"requests/payments/untracked.yaml", added},
	}
	if diff := cmp.Diff(want, changes(filepath.Join(dir, "requests"), first)); diff != "" {
		t.Errorf("requests/ against the first commit (-want +got):\n%s", diff)
	}
	if _, err := gitfs.WorkTreeChanges(t.TempDir(), plumbing.NewHash(second)); err == nil {
		t.Error("WorkTreeChanges outside a repository succeeded")
	}
}
