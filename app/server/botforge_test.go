package server_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dipdev/dip/app/migrationbot"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
)

// botForge is a code host as the migration bot's end-to-end tests drive
// it: the forge of the check scenarios, serving a platform repo on old
// blueprint versions, whose pull requests follow their branches as the
// host's do, with what the bot asks of it counted in dip's terms.
type botForge interface {
	forge
	// provider is dip's provider for the host, as dip serve makes it.
	provider() vcs.Provider
	repo() vcs.Repo
	// mark notes how much was asked so far; asked is what was asked of
	// the host since.
	mark() botMark
	asked(since botMark) calls
	// pulls lists every pull or merge request, by number.
	pulls() []botPull
	// closePull closes pull request n unmerged, as a person does.
	closePull(n int)
	// markMerged records pull request n merged by commit sha, once git
	// has it.
	markMerged(n int, sha string)
	// issues lists the repository's issues, by number.
	issues() []botIssue
	// comments lists the bodies of the comments on pull request n, oldest
	// first.
	comments(n int) []string
	// push delivers the webhook of a push of after (from before) to main.
	push(d *dip, before, after, delivery string) int
	// closed delivers the webhook of pull request p closed unmerged, its
	// branch at sha.
	closed(d *dip, p botPull, sha, delivery string) int
	// ref is how the host's Markdown names pull request n: #n, !n.
	ref(n int) string
}

// botMark is how much a forge had been asked at some point.
type botMark struct {
	requests int
	pushes   int64
}

// calls is what the bot asked of a forge: reads as the host got them,
// writes in dip's terms ("open pull", "edit pull 3", "ask reviewers 3",
// "label 3", "comment 3", "open issue", "edit issue 4"), and git pushes.
type calls struct {
	reads, writes []string
	pushes        int64
}

func (c calls) String() string {
	return strings.Join(append(append([]string(nil), c.reads...), c.writes...), ", ") + " and " + strconv.FormatInt(c.pushes, 10) + " pushes"
}

// writeList is the writes, joined.
func (c calls) writeList() string { return strings.Join(c.writes, ", ") }

// botPull is a pull or merge request in dip's terms.
type botPull struct {
	number                    int
	title, body, head, author string
	base                      string
	// state is vcs.StateOpen, StateClosed or StateMerged.
	state  string
	labels []string
	// reviewers are those asked to review, as team and CODEOWNERS files
	// write them: "@login", "@org/team".
	reviewers []string
}

// botIssue is an issue in dip's terms.
type botIssue struct {
	number      int
	title, body string
	labels      []string
	// edits counts the changes made to it.
	edits int
}

// botForgeKinds are the code hosts every bot scenario runs against; new
// sets one up, its platform repo's platform.yaml spec ending in
// migrations, with the hosts' timestamps by clock.
var botForgeKinds = []struct {
	name string
	new  func(t testing.TB, clock *testClock, migrations string) botForge
}{{"github", newGitHubBot}, {"gitlab", newGitLabBot}}

// botEnv is the migration bot over a forge's provider, and the platform
// repo as people change it.
type botEnv struct {
	f     botForge
	t     testing.TB
	r     *remote
	clock *testClock
	bot   *migrationbot.Bot
}

// newBotEnv sets up forge kind make with the bot over it.
func newBotEnv(t testing.TB, newForge func(testing.TB, *testClock, string) botForge, migrations string) *botEnv {
	t.Helper()
	clock := newTestClock()
	f := newForge(t, clock, migrations)
	p := f.provider()
	cache, err := repocache.New(t.TempDir(), p.CloneAuth)
	if err != nil {
		t.Fatal(err)
	}
	return &botEnv{f: f, t: t, r: f.env().remote, clock: clock,
		bot: &migrationbot.Bot{Forge: p, Cache: cache, Plan: migrateAll, Now: clock.now}}
}

// onEachBotForge runs test on each forge, in parallel, each on the
// platform repo template on dip/v1 with migrations.
func onEachBotForge(t *testing.T, migrations string, test func(t *testing.T, e *botEnv)) {
	for _, k := range botForgeKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			test(t, newBotEnv(t, k.new, migrations))
		})
	}
}

// run runs the bot once and returns what it did and asked.
func (e *botEnv) run() (*migrationbot.Result, calls) {
	e.t.Helper()
	m := e.f.mark()
	res, err := e.bot.Run(context.Background(), e.f.repo())
	if err != nil {
		e.t.Fatalf("migration bot: %v", err)
	}
	return res, e.f.asked(m)
}

// pullFrom returns the newest pull request from branch.
func (e *botEnv) pullFrom(branch string) botPull {
	e.t.Helper()
	var got botPull
	for _, p := range e.f.pulls() {
		if p.head == branch {
			got = p
		}
	}
	if got.number == 0 {
		e.t.Fatalf("no pull request from %s", branch)
	}
	return got
}

// tip is branch's commit on the remote, or "".
func (e *botEnv) tip(branch string) string {
	if !e.r.hasBranch(branch) {
		return ""
	}
	return e.r.git(e.r.bare, "rev-parse", "refs/heads/"+branch)
}

// commitMain commits files on main as a person would.
func (e *botEnv) commitMain(msg string, files map[string]string) string {
	e.t.Helper()
	e.r.git(e.r.work, "fetch", "-q", "origin", "main")
	e.r.git(e.r.work, "checkout", "-q", "-B", "main", "origin/main")
	return e.r.commit("main", msg, files)
}

// pushTo commits files on top of branch as a person would.
func (e *botEnv) pushTo(branch, msg string, files map[string]string) string {
	e.t.Helper()
	e.r.git(e.r.work, "fetch", "-q", "origin", branch)
	e.r.git(e.r.work, "checkout", "-q", "-B", branch, "FETCH_HEAD")
	return e.r.commit(branch, msg, files)
}

// mergeBranch merges branch into main with a merge commit and marks pull
// request n merged.
func (e *botEnv) mergeBranch(branch string, n int) {
	e.t.Helper()
	e.r.git(e.r.work, "fetch", "-q", "origin", "main", branch)
	e.r.git(e.r.work, "checkout", "-q", "-B", "main", "origin/main")
	e.r.git(e.r.work, "merge", "-q", "--no-ff", "-m", "Merge "+e.f.ref(n), "origin/"+branch)
	e.r.git(e.r.work, "push", "-q", "origin", "main")
	e.f.markMerged(n, e.r.git(e.r.work, "rev-parse", "HEAD"))
}

// templateV1 holds the requests of the platform repo template that dip/v2
// changed, as they were on dip/v1.
const templateV1 = "../pipeline/testdata/template-v1"

// seedV1 puts the template's requests back on dip/v1 in r's work tree,
// ends platform.yaml's spec with migrations, and commits it all on main.
func seedV1(t testing.TB, r *remote, migrations string) string {
	t.Helper()
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
	if migrations != "" {
		plat := readText(t, filepath.Join(r.work, "platform.yaml"))
		v1["platform.yaml"] = strings.Replace(plat, "  output:\n", "  migrations: "+migrations+"\n  output:\n", 1)
	}
	return r.commit("main", "Start the platform repo on dip/v1", v1)
}

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

// writeOp names a write request in dip's terms, given the request's
// path below the repository: what is made, and the number of what is
// changed. Paths it does not know are kept as they are.
func writeOp(method, below string, ops map[string]string) string {
	parts := strings.Split(strings.Trim(below, "/"), "/")
	var n string
	for i, p := range parts {
		if _, err := strconv.Atoi(p); err == nil {
			n, parts[i] = p, "N"
		}
	}
	op, ok := ops[method+" "+strings.Join(parts, "/")]
	if !ok {
		return method + " " + below
	}
	if n != "" {
		op += " " + n
	}
	return op
}

func readText(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
