package pipeline_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/vcs/gitfs"
)

// gitRepo is a real git repository that test cases commit trees to.
type gitRepo struct {
	t    *testing.T
	work string
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	g := &gitRepo{t: t, work: t.TempDir()}
	g.git("init", "-q", "-b", "main")
	return g
}

func (g *gitRepo) git(args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = g.work
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_NOSYSTEM=1", "HOME="+g.work)
	out, err := cmd.CombinedOutput()
	if err != nil {
		g.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit makes the work tree m, which differs from the tree of parent
// (empty for none) by the files of m that changed, and commits it.
func (g *gitRepo) commit(parent string, prev, m fstest.MapFS) string {
	g.t.Helper()
	if parent != "" {
		g.git("checkout", "-q", "-f", "--detach", parent)
		g.git("clean", "-q", "-fdx")
	}
	for p := range prev {
		if _, ok := m[p]; !ok {
			if err := os.Remove(filepath.Join(g.work, filepath.FromSlash(p))); err != nil {
				g.t.Fatal(err)
			}
		}
	}
	for p, f := range m {
		if old, ok := prev[p]; ok && string(old.Data) == string(f.Data) {
			continue
		}
		full := filepath.Join(g.work, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			g.t.Fatal(err)
		}
	}
	g.git("add", "-A")
	g.git("commit", "-q", "--allow-empty", "-m", "change")
	return g.git("rev-parse", "HEAD")
}

// TestTreeBlobsGiveTheSameReport commits changes of every sort to a real
// git repository and checks each head against the base as dip serve does,
// with blob ids from the git trees and one fact index for all checks
// (cold for the first, warm after): the report is that of the full path.
func TestTreeBlobsGiveTheSameReport(t *testing.T) {
	base, tests := changes(t)
	g := newGitRepo(t)
	baseSHA := g.commit("", nil, base)
	repo, err := gitfs.Open(filepath.Join(g.work, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	tree := func(sha string) *gitfs.FS {
		f, err := gitfs.New(repo, plumbing.NewHash(sha))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	facts := pipeline.NewFactIndex()
	for _, tt := range tests {
		head := clone(base)
		tt.change(t, head)
		headSHA := g.commit(baseSHA, base, head)
		t.Run(tt.name, func(t *testing.T) {
			headFS, baseFS := tree(headSHA), tree(baseSHA)
			want := checkFS(t, pipeline.CheckOptions{Head: headFS, Base: baseFS})
			headBlobs, err := pipeline.TreeBlobs(headFS)
			if err != nil {
				t.Fatal(err)
			}
			baseBlobs, err := pipeline.TreeBlobs(baseFS)
			if err != nil {
				t.Fatal(err)
			}
			got := checkFS(t, pipeline.CheckOptions{Head: headFS, Base: baseFS, Facts: facts, HeadBlobs: headBlobs, BaseBlobs: baseBlobs})
			if diff := cmp.Diff(want.Report, got.Report); diff != "" {
				t.Errorf("report differs (-full +facts):\n%s", diff)
			}
			if diff := cmp.Diff(want.Scope, got.Scope); diff != "" {
				t.Errorf("scope differs (-full +facts):\n%s", diff)
			}
			if read := len(got.Head.Source.Requests); (read < len(want.Head.Source.Requests)) == tt.full {
				t.Errorf("read %d of %d requests", read, len(want.Head.Source.Requests))
			}
		})
	}
}
