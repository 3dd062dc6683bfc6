package server_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dipdev/dip/app/migrationbot"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/app/server"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

// postReceive moves refs/pull/<n>/head with its branch, as GitHub does:
// dip-pulls/<n> names pull request n's branch.
const postReceive = `#!/bin/sh
while read old new ref; do
  case "$new" in 0000000000000000000000000000000000000000) continue;; esac
  for f in dip-pulls/*; do
    [ -f "$f" ] || continue
    if [ "refs/heads/$(cat "$f")" = "$ref" ]; then
      git update-ref "refs/pull/${f##*/}/head" "$new"
    fi
  done
done
`

// templateV1 holds the requests of the platform repo template that dip/v2
// changed, as they were on dip/v1.
const templateV1 = "../pipeline/testdata/template-v1"

// migrateAll is dip serve's planner.
func migrateAll(fsys fs.FS) (*pipeline.Migration, error) {
	return pipeline.Migrate(fsys, pipeline.MigrateOptions{})
}

// testClock is a clock tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// botEnv is a platform repository served by git http-backend and a fake
// GitHub that knows its branches, with the migration bot over both.
type botEnv struct {
	*env
	clock *testClock
	bot   *migrationbot.Bot
	full  string
}

// newBotEnv seeds the repository with the platform repo template,
// platform.yaml's spec ending in migrations.
func newBotEnv(t testing.TB, migrations string) *botEnv {
	t.Helper()
	r := newRemote(t)
	hook := filepath.Join(r.bare, "hooks", "post-receive")
	if err := os.WriteFile(hook, []byte(postReceive), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(r.bare, "dip-pulls"), 0o755); err != nil {
		t.Fatal(err)
	}
	clock := newTestClock()
	full := owner + "/" + repoName
	var gh *githubtest.Server
	gh = githubtest.New(t,
		githubtest.WithHandler("/"+owner+"/"+repoName+".git/", r.handler()),
		githubtest.WithClock(clock.now),
		githubtest.WithRefs(func(_, branch string) (string, bool) {
			out, err := exec.Command("git", "-C", r.bare, "rev-parse", "-q", "--verify", "refs/heads/"+branch).Output()
			return strings.TrimSpace(string(out)), err == nil
		}),
		githubtest.OnPullRequest(func(_ string, n int, head string) {
			for _, p := range gh.PullRequests(full) {
				if p.Number == n {
					os.WriteFile(filepath.Join(r.bare, "dip-pulls", strconv.Itoa(n)), []byte(p.HeadRef), 0o644)
				}
			}
			r.pull(n, head)
		}),
	)
	repo := gh.AddRepo(vcs.Repo{Owner: owner, Name: repoName})
	r.seed("../../platform-repo-template")
	// The template's requests as they were on dip/v1.
	v1 := map[string]string{}
	err := fs.WalkDir(os.DirFS(templateV1), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			v1[p] = readText(t, filepath.Join(templateV1, p))
		}
		return err
	})
	if err != nil || len(v1) == 0 {
		t.Fatalf("read %s: %v", templateV1, err)
	}
	r.write(v1)
	if migrations != "" {
		plat := readText(t, filepath.Join(r.work, "platform.yaml"))
		r.write(map[string]string{"platform.yaml": strings.Replace(plat, "  output:\n", "  migrations: "+migrations+"\n  output:\n", 1)})
	}
	main := r.commit("main", "Start the platform repo", nil)
	e := &botEnv{env: &env{t: t, gh: gh, remote: r, repo: repo, main: main}, clock: clock, full: full}
	client, err := github.New(github.Config{AppID: gh.AppID(), PrivateKey: gh.PrivateKey(), APIURL: gh.URL() + "/", HTTPClient: gh.Client()})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := repocache.New(t.TempDir(), client.CloneAuth)
	if err != nil {
		t.Fatal(err)
	}
	e.bot = &migrationbot.Bot{Forge: client, Cache: cache, Plan: migrateAll, Now: clock.now,
		Committer: migrationbot.Signature(server.DefaultCommitter)}
	return e
}

// calls is what one run asked of the fake GitHub.
type calls struct {
	reads, writes []githubtest.Request
	pushes        int64
}

func (c calls) String() string {
	var out []string
	for _, r := range append(append([]githubtest.Request(nil), c.reads...), c.writes...) {
		out = append(out, r.Method+" "+r.Path)
	}
	return strings.Join(out, ", ") + " and " + strconv.FormatInt(c.pushes, 10) + " pushes"
}

// writes lists the write requests as "METHOD path-suffix", path after the
// repository.
func (c calls) writeList() string {
	var out []string
	for _, r := range c.writes {
		out = append(out, r.Method+" "+strings.TrimPrefix(r.Path, "/repos/"+owner+"/"+repoName))
	}
	return strings.Join(out, ", ")
}

// run runs the bot once and returns what it did and asked.
func (e *botEnv) run() (*migrationbot.Result, calls) {
	e.t.Helper()
	before, pushes := len(e.gh.Requests()), e.remote.pushes.Load()
	res, err := e.bot.Run(context.Background(), e.repo)
	if err != nil {
		e.t.Fatalf("migration bot: %v", err)
	}
	var c calls
	for _, r := range e.gh.Requests()[before:] {
		if r.Auth == "app" || strings.HasSuffix(r.Path, "/access_tokens") {
			continue // the App's token, not the bot's work
		}
		if r.Method == "GET" {
			c.reads = append(c.reads, r)
		} else {
			c.writes = append(c.writes, r)
		}
	}
	c.pushes = e.remote.pushes.Load() - pushes
	return res, c
}

// pullFrom returns the newest pull request from branch.
func (e *botEnv) pullFrom(branch string) githubtest.PullRequest {
	e.t.Helper()
	var got githubtest.PullRequest
	for _, p := range e.gh.PullRequests(e.full) {
		if p.HeadRef == branch {
			got = p
		}
	}
	if got.Number == 0 {
		e.t.Fatalf("no pull request from %s", branch)
	}
	return got
}

// tip is branch's commit on the remote, or "".
func (e *botEnv) tip(branch string) string {
	out, err := exec.Command("git", "-C", e.remote.bare, "rev-parse", "-q", "--verify", "refs/heads/"+branch).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// commitMain commits files on main as a person would.
func (e *botEnv) commitMain(msg string, files map[string]string) string {
	e.t.Helper()
	e.remote.git(e.remote.work, "fetch", "-q", "origin", "main")
	e.remote.git(e.remote.work, "checkout", "-q", "-B", "main", "origin/main")
	return e.remote.commit("main", msg, files)
}

// pushTo commits files on top of branch as a person would.
func (e *botEnv) pushTo(branch, msg string, files map[string]string) string {
	e.t.Helper()
	e.remote.git(e.remote.work, "fetch", "-q", "origin", branch)
	e.remote.git(e.remote.work, "checkout", "-q", "-B", branch, "FETCH_HEAD")
	return e.remote.commit(branch, msg, files)
}

// mergeBranch merges branch into main and marks pull request n merged.
func (e *botEnv) mergeBranch(branch string, n int) {
	e.t.Helper()
	e.remote.git(e.remote.work, "fetch", "-q", "origin", "main", branch)
	e.remote.git(e.remote.work, "checkout", "-q", "-B", "main", "origin/main")
	e.remote.git(e.remote.work, "merge", "-q", "--no-ff", "-m", "Merge pull request #"+strconv.Itoa(n), "origin/"+branch)
	e.remote.git(e.remote.work, "push", "-q", "origin", "main")
	e.gh.MergePullRequest(e.full, n)
}

func readText(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
