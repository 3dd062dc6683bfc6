package server_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The migration bot's end-to-end scenarios, each on GitHub and on GitLab,
// over a real repository served by git http-backend.

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

// botScenarios run on each forge; migrations ends platform.yaml's spec.
var botScenarios = []struct {
	name, migrations string
	test             func(t *testing.T, e *botEnv)
}{
	{"life", "{maxNewPullRequestsPerHour: 10}", botLife},
	{"closed-and-limits", "{maxOpenPullRequests: 3}", botClosedAndLimits},
	{"per-request", "{groupBy: request, maxNewPullRequestsPerHour: 10}", botPerRequest},
}

func TestMigrationBotOnEachForge(t *testing.T) {
	t.Parallel()
	for _, sc := range botScenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			onEachBotForge(t, sc.migrations, sc.test)
		})
	}
}

// reviewersOf are who each host asks to review a team's pull request,
// from the template's team files and CODEOWNERS: GitHub asks teams and
// users; GitLab, where groups cannot review, its members.
var reviewersOf = map[string]map[string]string{
	"github": {"payments": "@acme/payments", "catalog": "@acme/catalog @jdoe"},
	"gitlab": {"payments": "", "catalog": "@jdoe"},
}

// The first run opens a pull request per codemod and team, a second makes
// no write call at all, a new request updates its team's pull request
// with one force-push, a person's push stops updates with one comment,
// and a merge opens nothing again.
func botLife(t *testing.T, e *botEnv) {
	res, c := e.run()
	if got := strings.Join(res.Opened, " "); got != paymentsDB+" "+catalogSvc+" "+paymentsSvc {
		t.Fatalf("opened %q", got)
	}
	if c.pushes != 3 {
		t.Errorf("%d pushes, want 3", c.pushes)
	}
	db := e.pullFrom(paymentsDB)
	if db.title != "Migrate team payments to PostgresDatabase dip/v2" || db.base != "main" || db.author == "" || db.state != "open" {
		t.Errorf("pull request %+v", db)
	}
	if got := strings.Join(db.labels, ","); got != "dip-migration" {
		t.Errorf("labels %q", got)
	}
	for team, branch := range map[string]string{"payments": paymentsDB, "catalog": catalogSvc} {
		got := e.pullFrom(branch).reviewers
		slices.Sort(got)
		if want := reviewersOf[e.f.name()][team]; strings.Join(got, " ") != want {
			t.Errorf("%s: reviewers asked %q, want %q", team, got, want)
		}
	}
	if !strings.Contains(db.body, "`requests/payments/orders-db.yaml` | PostgresDatabase dip/v1 → dip/v2 | no change") {
		t.Errorf("body:\n%s", db.body)
	}
	// One commit on main, by the host's identity for dip.
	who := e.f.committer()
	msg := e.r.git(e.r.bare, "log", "-1", "--format=%an <%ae>%n%cn <%ce>%n%P%n%B", paymentsDB)
	if want := who + "\n" + who + "\n" + e.f.env().main + "\n"; !strings.HasPrefix(msg, want) || !strings.Contains(msg, "\nDip-Codemod: postgresdatabase-v1-to-v2") {
		t.Errorf("branch commit, want by %s on main:\n%s", who, msg)
	}
	issues := e.f.issues()
	if len(issues) != 1 || issues[0].title != "Blueprint migrations" || !slices.Contains(issues[0].labels, "dip-migration") {
		t.Fatalf("tracking issues %+v", issues)
	}
	if body := issues[0].body; !strings.Contains(body, e.f.ref(db.number)+" `"+paymentsDB+"`") {
		t.Errorf("the tracking issue does not name %s as the host does:\n%s", e.f.ref(db.number), body)
	}
	// In the host's words: no pull request on GitLab, no merge request
	// on GitHub.
	term := e.f.repo().Host.PullRequestTerm()
	other := map[string]string{"pull request": "merge request", "merge request": "pull request"}[term]
	if !strings.Contains(db.body, term) || strings.Contains(db.body+issues[0].body, other) {
		t.Errorf("the texts speak of a %s, not a %s:\n%s\n%s", other, term, db.body, issues[0].body)
	}

	// A second run, after a commit that migrates nothing: two reads, no
	// write, no push.
	e.commitMain("Unrelated", map[string]string{"README.md": "# acme\n"})
	_, c = e.run()
	if len(c.writes) > 0 || c.pushes > 0 {
		t.Fatalf("an idle run wrote: %s", c)
	}
	if len(c.reads) != 2 {
		t.Errorf("an idle run made %d API calls, want 2: %s", len(c.reads), c)
	}

	// A new request: its team's pull request gets one force-push, its
	// body the request; the tracking issue is edited in place.
	before := e.tip(paymentsDB)
	e.commitMain("Add the refunds database", map[string]string{"requests/payments/refunds-db.yaml": newDatabase("refunds-db")})
	_, c = e.run()
	if want := "edit pull " + itoa(db.number) + ", edit issue " + itoa(issues[0].number); c.pushes != 1 || c.writeList() != want {
		t.Errorf("after a new request: %s; want one push and %s", c, want)
	}
	if after := e.tip(paymentsDB); after == before || e.r.git(e.r.bare, "rev-parse", paymentsDB+"^") != e.tip("main") {
		t.Error("the branch is not one commit on the new head")
	}
	if got := e.r.git(e.r.bare, "diff", "--name-only", "main", paymentsDB); got != "requests/payments/orders-db.yaml\nrequests/payments/refunds-db.yaml" {
		t.Errorf("branch changes %q", got)
	}
	if body := e.pullFrom(paymentsDB).body; !strings.Contains(body, "refunds-db.yaml") {
		t.Errorf("body lacks the new request:\n%s", body)
	}

	// A person pushes to the branch: one comment, then silence.
	human := e.pushTo(paymentsDB, "Tune by hand", map[string]string{"requests/payments/refunds-db.yaml": strings.Replace(newDatabase("refunds-db"), "dip/v1", "dip/v2", 1) + "# tuned\n"})
	e.commitMain("Add another database", map[string]string{"requests/payments/audit-db.yaml": newDatabase("audit-db")})
	_, c = e.run()
	if want := "comment " + itoa(db.number) + ", edit pull " + itoa(db.number); c.pushes != 0 || !strings.HasPrefix(c.writeList(), want) {
		t.Errorf("after a person's push: %s; want %s first and no push", c, want)
	}
	if e.tip(paymentsDB) != human {
		t.Fatal("the bot pushed over a person's commit")
	}
	e.commitMain("Add a third database", map[string]string{"requests/payments/ledger-db.yaml": newDatabase("ledger-db")})
	if _, c = e.run(); c.pushes != 0 || strings.Contains(c.writeList(), "pull "+itoa(db.number)) || strings.Contains(c.writeList(), "comment") {
		t.Errorf("the left-alone pull request was written to: %s", c)
	}
	if comments := e.f.comments(db.number); len(comments) != 1 || !strings.Contains(comments[0], "leaves this "+term+" alone") {
		t.Errorf("comments %q", comments)
	}

	// Catalog's pull request is merged: re-running opens nothing.
	svc := e.pullFrom(catalogSvc)
	e.mergeBranch(catalogSvc, svc.number)
	res, c = e.run()
	if len(res.Opened) > 0 || c.pushes > 0 || strings.Contains(c.writeList(), "open pull") {
		t.Errorf("after a merge: opened %v, %s", res.Opened, c)
	}
	if _, c = e.run(); len(c.writes) > 0 || c.pushes > 0 {
		t.Errorf("re-run after a merge wrote: %s", c)
	}
	if n := len(e.f.issues()); n != 1 {
		t.Errorf("%d tracking issues, want 1", n)
	}
}

// A pull request a person closes unmerged is respected; the limits hold
// by the bot's clock, and what they hold back is listed.
func botClosedAndLimits(t *testing.T, e *botEnv) {
	res, _ := e.run()
	if len(res.Opened) != 2 || len(res.HeldBack) != 1 || res.HeldBack[0] != paymentsSvc {
		t.Fatalf("first run: opened %v, held back %v", res.Opened, res.HeldBack)
	}
	issue := e.f.issues()[0]
	term := e.f.repo().Host.PullRequestTerm()
	if !strings.Contains(issue.body, "## Held back\n\n- `"+paymentsSvc+"` (1 request): at most 2 migration "+term+"s are opened per hour") {
		t.Errorf("tracking issue:\n%s", issue.body)
	}
	// Within the hour, nothing more opens.
	e.clock.advance(30 * time.Minute)
	if res, c := e.run(); len(res.Opened) > 0 || len(c.writes) > 0 || c.pushes > 0 {
		t.Errorf("half an hour later: opened %v, %s", res.Opened, c)
	}

	// A person closes payments' database pull request without merging.
	db := e.pullFrom(paymentsDB)
	e.f.closePull(db.number)
	e.clock.advance(31 * time.Minute)
	res, c := e.run()
	if len(res.Opened) != 1 || res.Opened[0] != paymentsSvc {
		t.Fatalf("an hour later: opened %v, %s", res.Opened, c)
	}
	if got := e.pullFrom(paymentsDB); got.number != db.number || got.state != "closed" {
		t.Errorf("the closed pull request was reopened or made again: %+v", got)
	}
	issue = e.f.issues()[0]
	if !strings.Contains(issue.body, "## Ignored") || !strings.Contains(issue.body, "`requests/payments/orders-db.yaml` to dip/v2: "+e.f.ref(db.number)) {
		t.Errorf("tracking issue:\n%s", issue.body)
	}
	if _, c = e.run(); len(c.writes) > 0 || c.pushes > 0 {
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
	if body := e.f.issues()[0].body; !strings.Contains(body, "- `"+paymentsDB+"` (1 request): at most 3 migration "+term+"s are open at once") {
		t.Errorf("tracking issue:\n%s", body)
	}
	if fresh := e.pullFrom(paymentsDB); fresh.number != db.number {
		t.Errorf("the declined request's team got pull request %s", e.f.ref(fresh.number))
	}
	issues := e.f.issues()
	if len(issues) != 1 {
		t.Errorf("%d tracking issues, want 1", len(issues))
	}
	if issues[0].edits < 2 {
		t.Errorf("tracking issue edited %d times", issues[0].edits)
	}
}

// Grouped per request, each request has a pull request of its own, on a
// branch that cannot collide with a team's. One whose request a person
// migrates by hand is closed with a comment, and its branch deleted.
func botPerRequest(t *testing.T, e *botEnv) {
	res, _ := e.run()
	ordersDB := "dip/migrate-request/postgresdatabase-v1-to-v2/payments/orders-db"
	want := ordersDB + " dip/migrate-request/service-v1-to-v2/catalog/catalog-api dip/migrate-request/service-v1-to-v2/payments/orders-api"
	if got := strings.Join(res.Opened, " "); got != want {
		t.Fatalf("opened %q", got)
	}
	if p := e.pullFrom("dip/migrate-request/service-v1-to-v2/payments/orders-api"); p.title != "Migrate payments/orders-api to Service dip/v2" {
		t.Errorf("title %q", p.title)
	}
	if _, c := e.run(); len(c.writes) > 0 || c.pushes > 0 {
		t.Errorf("re-run wrote: %s", c)
	}

	// The database is migrated by hand, as the bot's branch has it.
	db := e.pullFrom(ordersDB)
	e.commitMain("Migrate orders-db by hand", map[string]string{
		"requests/payments/orders-db.yaml": e.r.git(e.r.bare, "show", ordersDB+":requests/payments/orders-db.yaml") + "\n",
	})
	res, c := e.run()
	if strings.Join(res.Closed, " ") != ordersDB || !strings.HasPrefix(c.writeList(), "comment "+itoa(db.number)+", edit pull "+itoa(db.number)) {
		t.Errorf("after the request was migrated by hand: closed %v, %s", res.Closed, c)
	}
	if got := e.pullFrom(ordersDB); got.state != "closed" {
		t.Errorf("pull request %s is %s, want closed", e.f.ref(db.number), got.state)
	}
	if comments := e.f.comments(db.number); len(comments) != 1 {
		t.Errorf("comments %q, want one", comments)
	}
	if e.tip(ordersDB) != "" {
		t.Error("the closed pull request's branch was not deleted")
	}
	if _, c := e.run(); len(c.writes) > 0 || c.pushes > 0 {
		t.Errorf("re-run wrote: %s", c)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// A merge request an owner of the project deletes, which only GitLab
// allows, is forgotten: its migrations get a merge request again, and the
// runs after it do not fail.
func TestMigrationBotAfterAMergeRequestIsDeleted(t *testing.T) {
	t.Parallel()
	e := newBotEnv(t, newGitLabBot, "{maxNewPullRequestsPerHour: 10}")
	e.run()
	db := e.pullFrom(paymentsDB)
	gl := e.f.(gitlabBot)
	gl.gl.DeleteMergeRequest(owner+"/"+repoName, db.number)
	res, c := e.run()
	if strings.Join(res.Opened, " ") != paymentsDB || !strings.Contains(c.writeList(), "open pull") {
		t.Fatalf("after a delete: opened %v, %s", res.Opened, c)
	}
	if fresh := e.pullFrom(paymentsDB); fresh.number == db.number || fresh.state != "open" {
		t.Errorf("merge request %+v", fresh)
	}
	if _, c = e.run(); len(c.writes) > 0 || c.pushes > 0 {
		t.Errorf("re-run wrote: %s", c)
	}
}
