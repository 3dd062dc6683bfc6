package migrationbot_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/vcstest"
)

const (
	dbBranch  = "dip/migrate/postgresdatabase-v1-to-v2/a"
	svcBranch = "dip/migrate/service-v1-to-v2/b"
)

func lifecycleFiles() map[string]string {
	return map[string]string{
		"platform.yaml":       platformYAML + "  migrations: {maxNewPullRequestsPerHour: 10}\n",
		"requests/a/db1.yaml": request("PostgresDatabase", "a", "db1"),
		"requests/a/db2.yaml": request("PostgresDatabase", "a", "db2") + "# renders differently\n",
		"requests/b/svc.yaml": request("Service", "b", "svc"),
		"requests/c/q.yaml":   request("Queue", "c", "q"),
		"requests/c/odd.yaml": request("Service", "c", "odd") + "# cannot migrate\n",
	}
}

// The whole life of a migration pull request against the fake host: the
// first run opens one per codemod and team, a second changes nothing, a
// new request updates the open one, a person's push stops updates, and
// merging or closing is respected.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lifecycleFiles())

	res, writes := e.run()
	if got := strings.Join(res.Opened, " "); got != dbBranch+" "+svcBranch {
		t.Fatalf("opened %q", got)
	}
	// The tracking issue first: the bot opens no pull request it could not
	// remember.
	if got := methods(writes); got != "CreateIssue CreatePullRequest RequestReviewers CreatePullRequest RequestReviewers EditIssue" {
		t.Errorf("first run's writes: %s", got)
	}
	db := e.pull(dbBranch)
	if db.Title != "Migrate team a to PostgresDatabase dip/v2" {
		t.Errorf("title %q", db.Title)
	}
	for _, want := range []string{"`requests/a/db1.yaml` | PostgresDatabase dip/v1 → dip/v2 | no change", "`requests/a/db2.yaml` | PostgresDatabase dip/v1 → dip/v2 | **changes: review**",
		"<details><summary>Rendered diff of <code>requests/a/db2.yaml</code></summary>", "instance_class", "<!-- dip:migration {"} {
		if !strings.Contains(db.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, db.Body)
		}
	}
	if got := strings.Join(e.fake.Reviewers(e.full, db.Number), " "); got != "@acme/a @alice" {
		t.Errorf("reviewers %q, want the team's owners and the code owner", got)
	}
	if got := strings.Join(e.fake.Reviewers(e.full, e.pull(svcBranch).Number), " "); got != "@acme/b @acme/platform" {
		t.Errorf("reviewers %q", got)
	}
	// One commit on main, by the host's identity for dip, with the
	// trailers.
	main := e.o.tip("main")
	commit := e.o.show(dbBranch)
	if !strings.HasPrefix(commit, "dip <dip@vcstest.invalid>|dip <dip@vcstest.invalid>|"+main+"|") ||
		!strings.Contains(commit, "\nDip-Codemod: postgresdatabase-v1-to-v2") {
		t.Errorf("branch commit:\n%s", commit)
	}
	if got := e.o.git(e.o.bare, "diff", "--name-only", "main", dbBranch); got != "requests/a/db1.yaml\nrequests/a/db2.yaml" {
		t.Errorf("branch changes %q", got)
	}
	issues := e.issues()
	if len(issues) != 1 {
		t.Fatalf("%d issues", len(issues))
	}
	for _, want := range []string{"3 requests are on deprecated blueprint versions", "| PostgresDatabase dip/v1 → dip/v2 | 2 |",
		fmt.Sprintf("#%d `%s`: 2 requests, 1 of them changing rendered infrastructure: review", db.Number, dbBranch),
		"## Cannot be migrated", "`requests/c/odd.yaml:3`: an alias into spec.size"} {
		if !strings.Contains(issues[0].Body, want) {
			t.Errorf("tracking issue lacks %q:\n%s", want, issues[0].Body)
		}
	}

	// Nothing new: no write at all, even with unrelated commits on main.
	e.o.commit("main", "Unrelated", map[string]string{"README.md": "hello\n"})
	if _, writes := e.run(); len(writes) > 0 {
		t.Errorf("an idle run wrote: %s", methods(writes))
	}
	if got := e.o.tip(dbBranch); !strings.HasPrefix(e.o.show(got), "dip <") {
		t.Errorf("branch moved")
	}

	// A new request of team a: one force-push, the body updated.
	before := e.o.tip(dbBranch)
	e.o.commit("main", "Add db3", map[string]string{"requests/a/db3.yaml": request("PostgresDatabase", "a", "db3")})
	res, writes = e.run()
	if got := methods(writes); got != "EditPullRequest EditIssue" {
		t.Errorf("writes after a new request: %s", got)
	}
	if len(res.Pushed) != 1 || res.Pushed[0] != dbBranch {
		t.Errorf("pushed %v", res.Pushed)
	}
	after := e.o.tip(dbBranch)
	if after == before || !strings.Contains(e.o.show(after), "|"+e.o.tip("main")+"|") {
		t.Errorf("branch not made again on main: %s", e.o.show(after))
	}
	if body := e.pull(dbBranch).Body; !strings.Contains(body, "requests/a/db3.yaml") {
		t.Errorf("body lacks the new request:\n%s", body)
	}

	// A person pushes to the branch: one comment, then silence.
	e.o.commit(dbBranch, "Tweak by hand", map[string]string{"requests/a/db1.yaml": request("PostgresDatabase", "a", "db1") + "# mine\n"})
	e.o.commit("main", "Add db4", map[string]string{"requests/a/db4.yaml": request("PostgresDatabase", "a", "db4")})
	human := e.o.tip(dbBranch)
	res, writes = e.run()
	if got := methods(writes); got != "Comment EditPullRequest EditIssue" {
		t.Errorf("writes after a person's push: %s", got)
	}
	if c := e.fake.Comments(e.full, db.Number); len(c) != 1 || !strings.Contains(c[0], "leaves this pull request alone") {
		t.Errorf("comments %q", c)
	}
	if e.o.tip(dbBranch) != human {
		t.Error("the bot pushed over a person's commit")
	}
	e.o.commit("main", "Add db5", map[string]string{"requests/a/db5.yaml": request("PostgresDatabase", "a", "db5")})
	// The new request is pending in the tracking issue; the pull request
	// is not touched.
	if _, writes = e.run(); methods(writes) != "EditIssue" {
		t.Errorf("a left-alone pull request was written to again: %s", methods(writes))
	}
	if _, writes = e.run(); len(writes) > 0 {
		t.Errorf("re-run wrote: %s", methods(writes))
	}

	// Team b's pull request is merged: nothing opens again.
	svc := e.pull(svcBranch)
	e.o.merge(svcBranch)
	e.fake.SetPullRequestState(e.full, svc.Number, vcs.StateMerged)
	res, writes = e.run()
	if len(res.Opened) > 0 || methods(writes) != "EditIssue" {
		t.Errorf("after a merge: opened %v, writes %s", res.Opened, methods(writes))
	}
	if _, writes = e.run(); len(writes) > 0 {
		t.Errorf("re-run after a merge wrote: %s", methods(writes))
	}
}

// Where the tracking issue cannot be opened (issues turned off), the bot
// opens no pull request: it could not remember what a person declines,
// nor what it opened this hour. Once the issue can be made, it goes on.
func TestNoPullRequestWithoutTrackingIssue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lifecycleFiles())
	off := errors.New("410 Issues are disabled for this repo")
	e.fake.SetError(vcstest.MethodCreateIssue, off)
	for range 2 {
		res, err := e.bot.Run(context.Background(), e.repo)
		if !errors.Is(err, off) {
			t.Fatalf("run: %v, want the host's refusal", err)
		}
		if res != nil && len(res.Opened) > 0 {
			t.Errorf("opened %v without a tracking issue", res.Opened)
		}
		if prs := e.fake.PullRequests(e.full); len(prs) > 0 {
			t.Fatalf("%d pull requests opened without a tracking issue", len(prs))
		}
	}
	e.fake.SetError(vcstest.MethodCreateIssue, nil)
	if res, _ := e.run(); len(res.Opened) != 2 || len(e.issues()) != 1 {
		t.Errorf("once issues work: opened %v, %d issues", res.Opened, len(e.issues()))
	}
}

// A pull request a person closes unmerged is not proposed again; a new
// request on the old version gets a new one.
func TestClosedUnmergedIsRespected(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lifecycleFiles())
	e.run()
	db := e.pull(dbBranch)
	e.fake.SetPullRequestState(e.full, db.Number, vcs.StateClosed)
	res, writes := e.run()
	if len(res.Opened) > 0 || methods(writes) != "EditIssue" {
		t.Fatalf("after a close: opened %v, writes %s", res.Opened, methods(writes))
	}
	body := e.issues()[0].Body
	for _, want := range []string{"## Ignored", fmt.Sprintf("`requests/a/db1.yaml` to dip/v2: #%d", db.Number), fmt.Sprintf("`requests/a/db2.yaml` to dip/v2: #%d", db.Number)} {
		if !strings.Contains(body, want) {
			t.Errorf("tracking issue lacks %q:\n%s", want, body)
		}
	}
	if _, writes = e.run(); len(writes) > 0 {
		t.Errorf("re-run wrote: %s", methods(writes))
	}

	e.o.commit("main", "Add db3", map[string]string{"requests/a/db3.yaml": request("PostgresDatabase", "a", "db3")})
	res, _ = e.run()
	if len(res.Opened) != 1 || res.Opened[0] != dbBranch {
		t.Fatalf("a new request did not get a pull request: %+v", res)
	}
	fresh := e.pull(dbBranch)
	if fresh.Number == db.Number || strings.Contains(fresh.Body, "db1.yaml") || !strings.Contains(fresh.Body, "db3.yaml") {
		t.Errorf("new pull request #%d:\n%s", fresh.Number, fresh.Body)
	}
	if got := e.o.git(e.o.bare, "diff", "--name-only", "main", dbBranch); got != "requests/a/db3.yaml" {
		t.Errorf("new branch changes %q", got)
	}
}

// A pull request deleted on the host (an owner may delete a GitLab merge
// request) is forgotten, not taken for declined nor for an outage: its
// migrations get a pull request again, and runs do not fail.
func TestDeletedPullRequestIsForgotten(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lifecycleFiles())
	e.run()
	db := e.pull(dbBranch)
	e.fake.DeletePullRequest(e.full, db.Number)
	res, writes := e.run()
	if len(res.Opened) != 1 || res.Opened[0] != dbBranch || !strings.HasPrefix(methods(writes), "CreatePullRequest") {
		t.Fatalf("after a delete: opened %v, writes %s", res.Opened, methods(writes))
	}
	if fresh := e.pull(dbBranch); fresh.Number == db.Number {
		t.Errorf("the deleted pull request #%d is still there", db.Number)
	}
	if body := e.issues()[0].Body; strings.Contains(body, "## Ignored") || strings.Contains(body, "#"+strconv.Itoa(db.Number)+" ") {
		t.Errorf("tracking issue:\n%s", body)
	}
	if _, writes := e.run(); len(writes) > 0 {
		t.Errorf("re-run wrote: %s", methods(writes))
	}
}

// Requests migrated by hand leave their pull request with nothing to do:
// it is closed with a comment and its branch deleted.
func TestNothingLeftCloses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lifecycleFiles())
	e.run()
	svc := e.pull(svcBranch)
	e.o.commit("main", "Migrate by hand", map[string]string{"requests/b/svc.yaml": strings.Replace(request("Service", "b", "svc"), "dip/v1", "dip/v2", 1)})
	res, writes := e.run()
	if got := methods(writes); got != "Comment EditPullRequest EditIssue" || len(res.Closed) != 1 {
		t.Fatalf("writes %s, closed %v", got, res.Closed)
	}
	if p := e.pull(svcBranch); p.State != vcs.StateClosed {
		t.Errorf("state %s", p.State)
	}
	if c := e.fake.Comments(e.full, svc.Number); len(c) != 1 || !strings.Contains(c[0], "none of its requests needs migrating") {
		t.Errorf("comments %q", c)
	}
	if e.o.tip(svcBranch) != "" {
		t.Error("branch of the closed pull request is still there")
	}
	// Closed by dip: not a person's decline.
	if _, writes := e.run(); len(writes) > 0 {
		t.Errorf("re-run wrote: %s", methods(writes))
	}
	if strings.Contains(e.issues()[0].Body, "## Ignored") {
		t.Errorf("a pull request dip closed is listed as ignored:\n%s", e.issues()[0].Body)
	}
}

// The limits hold: at most two new pull requests an hour by the test
// clock, at most three open; what is held back is listed.
func TestLimits(t *testing.T) {
	t.Parallel()
	files := map[string]string{"platform.yaml": platformYAML + "  migrations: {groupBy: request, maxOpenPullRequests: 3}\n"}
	for _, n := range []string{"d1", "d2", "d3", "d4", "d5"} {
		files["requests/a/"+n+".yaml"] = request("PostgresDatabase", "a", n)
	}
	e := newEnv(t, files)
	res, _ := e.run()
	if len(res.Opened) != 2 || len(res.HeldBack) != 3 {
		t.Fatalf("first hour: opened %v, held back %v", res.Opened, res.HeldBack)
	}
	if res.Opened[0] != "dip/migrate-request/postgresdatabase-v1-to-v2/a/d1" {
		t.Errorf("per-request branch %s", res.Opened[0])
	}
	body := e.issues()[0].Body
	if !strings.Contains(body, "## Held back") || !strings.Contains(body, "at most 2 migration pull requests are opened per hour") ||
		!strings.Contains(body, "the next after 2026-12-01 10:00 UTC") {
		t.Errorf("tracking issue:\n%s", body)
	}
	e.clock.advance(30 * time.Minute)
	if res, writes := e.run(); len(res.Opened) != 0 || len(writes) != 0 {
		t.Errorf("half an hour later: opened %v, writes %s", res.Opened, methods(writes))
	}
	e.clock.advance(31 * time.Minute)
	res, _ = e.run()
	if len(res.Opened) != 1 || len(res.HeldBack) != 2 {
		t.Fatalf("next hour: opened %v, held back %v", res.Opened, res.HeldBack)
	}
	if body := e.issues()[0].Body; !strings.Contains(body, "at most 3 migration pull requests are open at once") {
		t.Errorf("tracking issue:\n%s", body)
	}
	if n := len(e.fake.CallsOf(vcstest.MethodCreateIssue)); n != 1 {
		t.Errorf("%d tracking issues opened", n)
	}
}

// A host that gives a body back with other line endings, or without its
// surrounding space, does not make every run edit it again.
func TestHostNormalizedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lifecycleFiles())
	e.run()
	var open []vcs.PullRequest
	for _, p := range e.fake.PullRequests(e.full) {
		p.Body = "\n" + strings.ReplaceAll(p.Body, "\n", "\r\n") + "\r\n"
		open = append(open, p)
	}
	e.fake.SetOpenPullRequests(e.full, open...)
	if _, writes := e.run(); len(writes) > 0 {
		t.Errorf("re-run wrote: %s", methods(writes))
	}
}
