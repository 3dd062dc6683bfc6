package server_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/github/githubtest"
)

const (
	paymentsDB  = "dip/migrate/postgresdatabase-v1-to-v2/payments"
	paymentsSvc = "dip/migrate/service-v1-to-v2/payments"
	catalogSvc  = "dip/migrate/service-v1-to-v2/catalog"
)

// newDatabase is a PostgresDatabase request of team payments on dip/v1.
func newDatabase(name string) string {
	return `apiVersion: dip/v1
kind: PostgresDatabase
metadata:
  name: ` + name + `
  team: payments
spec:
  environments: [staging]
  size: small
`
}

// The migration bot on the fake GitHub over a real repository: the first
// run opens a pull request per codemod and team, a second makes no write
// call at all, a new request updates its team's pull request with one
// force-push, a person's push stops updates with one comment, and a merge
// opens nothing again.
func TestMigrationBotOnGitHub(t *testing.T) {
	t.Parallel()
	e := newBotEnv(t, "{maxNewPullRequestsPerHour: 10}")

	res, c := e.run()
	if got := strings.Join(res.Opened, " "); got != paymentsDB+" "+catalogSvc+" "+paymentsSvc {
		t.Fatalf("opened %q", got)
	}
	if c.pushes != 3 {
		t.Errorf("%d pushes, want 3", c.pushes)
	}
	db := e.pullFrom(paymentsDB)
	if db.Title != "Migrate team payments to PostgresDatabase dip/v2" || db.BaseRef != "main" || db.Author == "" {
		t.Errorf("pull request %+v", db.PullRequest)
	}
	if got := strings.Join(db.Labels, ","); got != "dip-migration" {
		t.Errorf("labels %q", got)
	}
	if got := strings.Join(db.Requested, ","); got != "team:payments" {
		t.Errorf("reviewers asked %q, want the payments team (owner and code owner)", got)
	}
	if !strings.Contains(db.Body, "`requests/payments/orders-db.yaml` | PostgresDatabase dip/v1 → dip/v2 | no change") {
		t.Errorf("body:\n%s", db.Body)
	}
	msg := e.remote.git(e.remote.bare, "log", "-1", "--format=%an <%ae>%n%cn <%ce>%n%P%n%B", paymentsDB)
	want := "dip <dip[bot]@users.noreply.github.com>\ndip <dip[bot]@users.noreply.github.com>\n" + e.main + "\n"
	if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "\nDip-Codemod: postgresdatabase-v1-to-v2") {
		t.Errorf("branch commit:\n%s", msg)
	}
	issues := e.gh.Issues(e.full)
	if len(issues) != 1 || issues[0].Title != "Blueprint migrations" || !strings.Contains(strings.Join(issues[0].Labels, ","), "dip-migration") {
		t.Fatalf("tracking issues %+v", issues)
	}

	// A second run: reads only, and few of them.
	e.commitMain("Unrelated", map[string]string{"README.md": "# acme\n"})
	_, c = e.run()
	if len(c.writes) > 0 || c.pushes > 0 {
		t.Fatalf("an idle run wrote: %s", c)
	}
	if len(c.reads) > 3 {
		t.Errorf("an idle run made %d API calls: %s", len(c.reads), c)
	}
	t.Logf("idle run: %s", c)

	// A new request: its team's pull request gets one force-push, its
	// body the request; the tracking issue is edited in place.
	before := e.tip(paymentsDB)
	e.commitMain("Add the refunds database", map[string]string{"requests/payments/refunds-db.yaml": newDatabase("refunds-db")})
	_, c = e.run()
	if c.pushes != 1 || c.writeList() != "PATCH /pulls/"+itoa(db.Number)+", PATCH /issues/"+itoa(issues[0].Number) {
		t.Errorf("after a new request: %s", c)
	}
	if after := e.tip(paymentsDB); after == before || e.remote.git(e.remote.bare, "rev-parse", paymentsDB+"^") != e.tip("main") {
		t.Error("the branch is not one commit on the new head")
	}
	if got := e.remote.git(e.remote.bare, "diff", "--name-only", "main", paymentsDB); got != "requests/payments/orders-db.yaml\nrequests/payments/refunds-db.yaml" {
		t.Errorf("branch changes %q", got)
	}
	if body := e.pullFrom(paymentsDB).Body; !strings.Contains(body, "refunds-db.yaml") {
		t.Errorf("body lacks the new request:\n%s", body)
	}

	// A person pushes to the branch: one comment, then silence.
	human := e.pushTo(paymentsDB, "Tune by hand", map[string]string{"requests/payments/refunds-db.yaml": strings.Replace(newDatabase("refunds-db"), "dip/v1", "dip/v2", 1) + "# tuned\n"})
	e.commitMain("Add another database", map[string]string{"requests/payments/audit-db.yaml": newDatabase("audit-db")})
	_, c = e.run()
	if c.pushes != 0 || !strings.HasPrefix(c.writeList(), "POST /issues/"+itoa(db.Number)+"/comments, PATCH /pulls/"+itoa(db.Number)) {
		t.Errorf("after a person's push: %s", c)
	}
	if e.tip(paymentsDB) != human {
		t.Fatal("the bot pushed over a person's commit")
	}
	e.commitMain("Add a third database", map[string]string{"requests/payments/ledger-db.yaml": newDatabase("ledger-db")})
	e.run()
	if comments := e.gh.Comments(e.full, db.Number); len(comments) != 1 || !strings.Contains(comments[0].Body, "leaves this pull request alone") {
		t.Errorf("comments %+v", comments)
	}

	// Catalog's pull request is merged: re-running opens nothing.
	svc := e.pullFrom(catalogSvc)
	e.mergeBranch(catalogSvc, svc.Number)
	res, c = e.run()
	if len(res.Opened) > 0 || c.pushes > 0 || strings.Contains(c.writeList(), "POST /pulls") {
		t.Errorf("after a merge: opened %v, %s", res.Opened, c)
	}
	if _, c = e.run(); len(c.writes) > 0 {
		t.Errorf("re-run after a merge wrote: %s", c)
	}
	if n := len(e.gh.Issues(e.full)); n != 1 {
		t.Errorf("%d tracking issues, want 1", n)
	}
}

// A pull request a person closes unmerged is respected; the limits hold
// by the bot's clock, and what they hold back is listed.
func TestMigrationBotClosedAndLimits(t *testing.T) {
	t.Parallel()
	e := newBotEnv(t, "{maxOpenPullRequests: 3}")

	res, _ := e.run()
	if len(res.Opened) != 2 || len(res.HeldBack) != 1 || res.HeldBack[0] != paymentsSvc {
		t.Fatalf("first run: opened %v, held back %v", res.Opened, res.HeldBack)
	}
	issue := e.gh.Issues(e.full)[0]
	if !strings.Contains(issue.Body, "## Held back\n\n- `"+paymentsSvc+"` (1 request): at most 2 migration pull requests are opened per hour") {
		t.Errorf("tracking issue:\n%s", issue.Body)
	}

	// A person closes payments' database pull request without merging.
	db := e.pullFrom(paymentsDB)
	e.gh.ClosePullRequest(e.full, db.Number)
	e.clock.advance(61 * time.Minute)
	res, c := e.run()
	if len(res.Opened) != 1 || res.Opened[0] != paymentsSvc {
		t.Fatalf("an hour later: opened %v, %s", res.Opened, c)
	}
	issue = e.gh.Issues(e.full)[0]
	if !strings.Contains(issue.Body, "## Ignored") || !strings.Contains(issue.Body, "`requests/payments/orders-db.yaml` to dip/v2: #"+itoa(db.Number)) {
		t.Errorf("tracking issue:\n%s", issue.Body)
	}
	if _, c = e.run(); len(c.writes) > 0 {
		t.Errorf("re-run wrote: %s", c)
	}

	// The open limit: two more teams' requests, three open already.
	e.commitMain("More databases", map[string]string{
		"requests/payments/refunds-db.yaml": newDatabase("refunds-db"),
		"requests/catalog/search-db.yaml":   strings.ReplaceAll(newDatabase("search-db"), "payments", "catalog"),
	})
	e.clock.advance(2 * time.Hour)
	res, _ = e.run()
	if got := strings.Join(res.Opened, " "); got != "dip/migrate/postgresdatabase-v1-to-v2/catalog" {
		t.Errorf("opened %q", got)
	}
	if got := strings.Join(res.HeldBack, " "); got != paymentsDB {
		t.Errorf("held back %q", got)
	}
	if body := e.gh.Issues(e.full)[0].Body; !strings.Contains(body, "- `"+paymentsDB+"` (1 request): at most 3 migration pull requests are open at once") {
		t.Errorf("tracking issue:\n%s", body)
	}
	fresh := e.pullFrom(paymentsDB)
	if fresh.Number != db.Number {
		t.Errorf("the declined request's team got pull request #%d", fresh.Number)
	}
	if n := len(e.gh.Issues(e.full)); n != 1 {
		t.Errorf("%d tracking issues, want 1", n)
	}
	if edits := e.gh.Issues(e.full)[0].Edits; edits < 2 {
		t.Errorf("tracking issue edited %d times", edits)
	}
}

// Grouped per request, each request has a pull request of its own, on a
// branch that cannot collide with a team's.
func TestMigrationBotPerRequest(t *testing.T) {
	t.Parallel()
	e := newBotEnv(t, "{groupBy: request, maxNewPullRequestsPerHour: 10}")
	res, _ := e.run()
	want := "dip/migrate-request/postgresdatabase-v1-to-v2/payments/orders-db dip/migrate-request/service-v1-to-v2/catalog/catalog-api dip/migrate-request/service-v1-to-v2/payments/orders-api"
	if got := strings.Join(res.Opened, " "); got != want {
		t.Fatalf("opened %q", got)
	}
	p := e.pullFrom("dip/migrate-request/service-v1-to-v2/payments/orders-api")
	if p.Title != "Migrate payments/orders-api to Service dip/v2" {
		t.Errorf("title %q", p.Title)
	}
	if _, c := e.run(); len(c.writes) > 0 {
		t.Errorf("re-run wrote: %s", c)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// In dip serve, the bot runs on the reconcile sweep and after each push's
// render, and its pull requests get the four check runs of any other:
// the sweep finds them unchecked, as it would after a lost webhook.
func TestMigrationPullRequestsAreChecked(t *testing.T) {
	t.Parallel()
	e := newBotEnv(t, "{maxNewPullRequestsPerHour: 10}")
	d := e.start(dipOptions{reconcile: 300 * time.Millisecond, now: e.clock.now})

	var prs []githubtest.PullRequest
	waitFor(t, time.Minute, "three migration pull requests", func() bool {
		prs = e.gh.PullRequests(e.full)
		return len(prs) == 3
	})
	for _, p := range prs {
		runs := e.waitChecks(p.HeadSHA, 2*time.Minute)
		for name, r := range runs {
			if r.Conclusion != "success" {
				t.Errorf("#%d %s concluded %q:\n%s", p.Number, name, r.Conclusion, r.Summary)
			}
		}
	}

	// A push to main: rendered, then the bot updates the team's pull
	// request, whose new head is checked in turn.
	before := e.tip(paymentsDB)
	sha := e.commitMain("Add the refunds database", map[string]string{"requests/payments/refunds-db.yaml": newDatabase("refunds-db")})
	d.deliver(t, "push", "push-refunds", e.pushPayload(e.main, sha))
	var head string
	waitFor(t, time.Minute, "the database pull request to move", func() bool {
		head = e.tip(paymentsDB)
		return head != before
	})
	if got := e.remote.git(e.remote.bare, "rev-parse", head+"^"); got != sha {
		t.Errorf("the new head's parent is %s, want the pushed commit %s", got, sha)
	}
	for name, r := range e.waitChecks(head, 2*time.Minute) {
		if r.Conclusion != "success" {
			t.Errorf("%s concluded %q:\n%s", name, r.Conclusion, r.Summary)
		}
	}
	waitFor(t, time.Minute, "the render of the push", func() bool { return strings.Contains(d.logs.String(), "rendered output committed") })
	if !strings.Contains(d.logs.String(), `"msg":"migration bot done"`) {
		t.Errorf("no migration bot run in the logs")
	}
}
