package migrationbot_test

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/app/migrationbot"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/internal/gittest"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/vcstest"
)

const platformYAML = `apiVersion: dip/v1
kind: Platform
metadata:
  name: acme
spec:
  cloud: aws
  environments:
    - {name: staging, region: eu-west-1}
`

func teamYAML(name string) string {
	return fmt.Sprintf("apiVersion: dip/v1\nkind: Team\nmetadata:\n  name: %s\nspec:\n  owners: [\"@acme/%s\"]\n  costCenter: cc-1\n", name, name)
}

func request(kind, team, name string) string {
	return fmt.Sprintf("apiVersion: dip/v1\nkind: %s\nmetadata:\n  name: %s\n  team: %s\nspec:\n  environments: [staging]\n", kind, name, team)
}

// fakePlan migrates every PostgresDatabase and Service request on dip/v1
// to dip/v2 by rewriting its apiVersion line; a request with the comment
// "# renders differently" is not equivalent.
func fakePlan(fsys fs.FS) (*pipeline.Migration, error) {
	m := &pipeline.Migration{}
	kindRE := regexp.MustCompile(`(?m)^kind: (\w+)`)
	err := fs.WalkDir(fsys, "requests", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		k := kindRE.FindSubmatch(data)
		if k == nil || !bytes.Contains(data, []byte("apiVersion: dip/v1\n")) {
			return nil
		}
		kind := string(k[1])
		if kind != "PostgresDatabase" && kind != "Service" {
			return nil
		}
		if bytes.Contains(data, []byte("# cannot migrate")) {
			m.Diagnostics.Add(platform.Pos{File: p, Line: 3}, "codemod", "an alias into spec.size")
			return nil
		}
		f := pipeline.MigratedFile{
			Path: p, Team: path.Base(path.Dir(p)), Kind: kind, Name: strings.TrimSuffix(path.Base(p), ".yaml"),
			From: "dip/v1", To: "dip/v2", Codemods: []string{strings.ToLower(kind) + "-v1-to-v2"},
			Before: data, After: bytes.Replace(data, []byte("apiVersion: dip/v1\n"), []byte("apiVersion: dip/v2\n"), 1),
			Equivalent: !bytes.Contains(data, []byte("# renders differently")),
		}
		if !f.Equivalent {
			f.RenderDiff = "--- a/rendered/staging/" + f.Team + "/" + f.Name + "/terraform/main.tf\n+++ b/...\n-  instance_class = \"db.t3.micro\"\n+  instance_class = \"db.t3.small\"\n"
		}
		m.Files = append(m.Files, f)
		return nil
	})
	return m, err
}

// origin is a platform repository in a bare git repository, with a work
// tree that commits to it as a person would.
type origin struct {
	t    *testing.T
	bare string
	work string
}

func newOrigin(t *testing.T, files map[string]string) *origin {
	t.Helper()
	root := t.TempDir()
	o := &origin{t: t, bare: filepath.Join(root, "origin.git"), work: filepath.Join(root, "work")}
	o.git(root, "init", "-q", "--bare", "-b", "main", o.bare)
	o.git(root, "init", "-q", "-b", "main", o.work)
	o.git(o.work, "remote", "add", "origin", o.bare)
	base := map[string]string{
		"platform.yaml": platformYAML, "teams/a.yaml": teamYAML("a"), "teams/b.yaml": teamYAML("b"), "teams/c.yaml": teamYAML("c"),
		".github/CODEOWNERS": "* @acme/platform\n/requests/a/ @alice\n",
	}
	for k, v := range files {
		base[k] = v
	}
	o.commit("main", "Start", base)
	return o
}

func (o *origin) git(dir string, args ...string) string {
	o.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=Dev", "GIT_COMMITTER_EMAIL=dev@example.com", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		o.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (an empty body removes one) on branch, from its
// remote tip, and pushes.
func (o *origin) commit(branch, msg string, files map[string]string) string {
	o.t.Helper()
	if out := o.git(o.bare, "branch", "--list", branch); out != "" {
		o.git(o.work, "fetch", "-q", "origin", branch)
		o.git(o.work, "checkout", "-q", "-B", branch, "FETCH_HEAD")
	} else {
		o.git(o.work, "checkout", "-q", "-B", branch)
	}
	gittest.WriteFiles(o.t, o.work, files)
	o.git(o.work, "add", "-A")
	o.git(o.work, "commit", "-q", "--allow-empty", "-m", msg)
	o.git(o.work, "push", "-q", "origin", "HEAD:refs/heads/"+branch)
	return o.git(o.work, "rev-parse", "HEAD")
}

// merge merges branch into main as a pull request's merge would.
func (o *origin) merge(branch string) {
	o.t.Helper()
	o.git(o.work, "fetch", "-q", "origin", "main", branch)
	o.git(o.work, "checkout", "-q", "-B", "main", "origin/main")
	o.git(o.work, "merge", "-q", "--no-ff", "-m", "Merge "+branch, "origin/"+branch)
	o.git(o.work, "push", "-q", "origin", "main")
}

func (o *origin) tip(branch string) string {
	cmd := exec.Command("git", "-C", o.bare, "rev-parse", "-q", "--verify", "refs/heads/"+branch)
	out, _ := cmd.Output()
	return strings.TrimSpace(string(out))
}

func (o *origin) show(rev string) string {
	return o.git(o.bare, "show", "-s", "--format=%an <%ae>|%cn <%ce>|%P|%B", rev)
}

// clock is a test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }

// env is a bot over a fake host and a real repository.
type env struct {
	t     *testing.T
	o     *origin
	fake  *vcstest.Fake
	clock *clock
	bot   *migrationbot.Bot
	repo  vcs.Repo
	full  string
}

func newEnv(t *testing.T, files map[string]string) *env {
	t.Helper()
	o := newOrigin(t, files)
	cache, err := repocache.New(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, o: o, fake: &vcstest.Fake{}, clock: newClock(),
		repo: vcs.Repo{Host: vcs.GitHub, ID: 7, Owner: "acme", Name: "platform", CloneURL: o.bare, DefaultBranch: "main"}}
	e.full = e.repo.FullName()
	e.bot = &migrationbot.Bot{Forge: e.fake, Cache: cache, Plan: fakePlan, Now: e.clock.now}
	return e
}

// run runs the bot once and returns what it did and the write calls it
// made.
func (e *env) run() (*migrationbot.Result, []vcstest.Call) {
	e.t.Helper()
	before := len(e.fake.WriteCalls())
	res, err := e.bot.Run(context.Background(), e.repo)
	if err != nil {
		e.t.Fatalf("run: %v", err)
	}
	return res, e.fake.WriteCalls()[before:]
}

// pull returns the pull request from branch, the newest.
func (e *env) pull(branch string) vcs.PullRequest {
	e.t.Helper()
	var got vcs.PullRequest
	for _, p := range e.fake.PullRequests(e.full) {
		if p.HeadRef == branch {
			got = p
		}
	}
	if got.Number == 0 {
		e.t.Fatalf("no pull request from %s", branch)
	}
	return got
}

func (e *env) issues() []vcs.Issue { return e.fake.Issues(e.full) }

func methods(calls []vcstest.Call) string {
	var out []string
	for _, c := range calls {
		out = append(out, string(c.Method))
	}
	return strings.Join(out, " ")
}
