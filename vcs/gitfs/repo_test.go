package gitfs_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"

	"github.com/dipdev/dip/vcs/gitfs"
)

func TestResolve(t *testing.T) {
	dir, first, second := history(t)
	run(t, dir, "tag", "-a", "-m", "annotated", "v2")
	clone := filepath.Join(t.TempDir(), "clone")
	run(t, dir, "clone", "-q", dir, clone)
	run(t, clone, "checkout", "-q", "-b", "work", "HEAD~1")
	r, err := gitfs.Open(filepath.Join(clone, "teams"))
	if err != nil {
		t.Fatalf("open from a subdirectory: %v", err)
	}
	for rev, want := range map[string]string{
		"main":        second,
		"origin/main": second,
		"HEAD":        first,
		"work":        first,
		"main~1":      first,
		"main^":       first,
		"v1":          first,
		"v2":          second,
		first[:8]:     first,
		second:        second,
	} {
		h, err := gitfs.Resolve(r, rev)
		if err != nil || h.String() != want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", rev, h, err, want)
		}
	}
	for _, rev := range []string{"nope", strings.Repeat("0", 40), "main~9"} {
		_, err := gitfs.Resolve(r, rev)
		if err == nil || !strings.HasPrefix(err.Error(), `resolve "`+rev+`": `) {
			t.Errorf("Resolve(%q) = %v, want an error naming the revision", rev, err)
		}
	}
	if _, err := gitfs.Resolve(r, "nope"); err == nil || err.Error() != `resolve "nope": reference not found` {
		t.Errorf("Resolve of a missing branch: %v", err)
	}
}

func TestOpenOutsideARepository(t *testing.T) {
	dir := t.TempDir()
	_, err := gitfs.Open(dir)
	if err == nil || !strings.Contains(err.Error(), "not inside a git repository") || !strings.Contains(err.Error(), dir) {
		t.Errorf("Open of a plain directory = %v", err)
	}
}

func TestLinkedWorkTree(t *testing.T) {
	dir, first, _ := history(t)
	linked := filepath.Join(t.TempDir(), "linked")
	run(t, dir, "worktree", "add", "-q", linked, first)
	data, err := fs.ReadFile(open(t, linked, "HEAD"), "platform.yaml")
	if err != nil || string(data) != "name: v1\n" {
		t.Errorf("platform.yaml at HEAD of a linked work tree = %q, %v", data, err)
	}
}

// TestRepositoriesOfGoGit reads repositories written by go-git, on disk and
// in memory.
func TestRepositoriesOfGoGit(t *testing.T) {
	dir := t.TempDir()
	disk, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := git.Init(memory.NewStorage(), memfs.New())
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*git.Repository{"disk": disk, "memory": mem} {
		t.Run(name, func(t *testing.T) {
			wt, err := r.Worktree()
			if err != nil {
				t.Fatal(err)
			}
			if err := wt.Filesystem.MkdirAll("teams", 0o755); err != nil {
				t.Fatal(err)
			}
			for p, body := range map[string]string{"platform.yaml": "name: gogit\n", "teams/a.yaml": "team: a\n"} {
				f, err := wt.Filesystem.Create(p)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := f.Write([]byte(body)); err != nil {
					t.Fatal(err)
				}
				if err := f.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if err := wt.AddGlob("."); err != nil {
				t.Fatal(err)
			}
			sig := &object.Signature{Name: "t", Email: "t@example.invalid", When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			h, err := wt.Commit("first", &git.CommitOptions{Author: sig, Committer: sig})
			if err != nil {
				t.Fatal(err)
			}
			f, err := gitfs.New(r, h)
			if err != nil {
				t.Fatal(err)
			}
			data, err := fs.ReadFile(f, "teams/a.yaml")
			if err != nil || string(data) != "team: a\n" {
				t.Errorf("teams/a.yaml = %q, %v", data, err)
			}
			info, err := fs.Stat(f, "platform.yaml")
			if err != nil || !info.ModTime().Equal(sig.When) {
				t.Errorf("platform.yaml = %v, %v; want the commit time", info, err)
			}
		})
	}
	reopened, err := gitfs.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := gitfs.Resolve(reopened, "master")
	if err != nil {
		t.Fatal(err)
	}
	f, err := gitfs.New(reopened, h)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(f, "platform.yaml"); err != nil || string(data) != "name: gogit\n" {
		t.Errorf("reopened platform.yaml = %q, %v", data, err)
	}
}

// TestSharedClone reads a clone whose objects are in the repository it was
// cloned from.
func TestSharedClone(t *testing.T) {
	dir, first, _ := history(t)
	clone := filepath.Join(t.TempDir(), "clone")
	run(t, dir, "clone", "-q", "--shared", dir, clone)
	f := open(t, clone, first)
	if info, err := fs.Stat(f, "platform.yaml"); err != nil || info.Size() != int64(len("name: v1\n")) {
		t.Errorf("Stat in a shared clone = %v, %v", info, err)
	}
	if data, err := fs.ReadFile(f, "platform.yaml"); err != nil || string(data) != "name: v1\n" {
		t.Errorf("ReadFile in a shared clone = %q, %v", data, err)
	}
}
