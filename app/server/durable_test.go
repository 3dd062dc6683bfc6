package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/internal/pgtest"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

// TestReplicasShareTheWork runs two dip serve replicas on one PostgreSQL
// database and sends them 100 deliveries (20 under the race detector),
// each to one of them, and half of them again to the other: every pull
// request gets its four check runs exactly once.
func TestReplicasShareTheWork(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	url := pgtest.URL(t)
	e := newEnvFrom(t, "testdata/small")
	sha := e.remote.commit("shared", "Add a queue", map[string]string{
		"requests/payments/refunds.yaml": strings.Replace(validQueue, "[staging, production]", "[staging]", 1),
	})
	replicas := []*dip{
		e.start(dipOptions{databaseURL: url, workers: 2}),
		e.start(dipOptions{databaseURL: url, workers: 2}),
	}
	n := 100
	if raceEnabled {
		n = 20
	}
	for i := range n {
		pr := 100 + i
		d := replicas[i%2]
		if got := d.deliver(t, "pull_request", fmt.Sprintf("replica-%d", i), e.pullRequest(pr, "shared", sha, "opened", false)); got != http.StatusAccepted {
			t.Fatalf("delivery %d answered %d", i, got)
		}
	}
	// Half of the deliveries again, to the other replica.
	for i := 0; i < n; i += 2 {
		if got := replicas[1].deliver(t, "pull_request", fmt.Sprintf("replica-%d", i), e.pullRequest(100+i, "shared", sha, "opened", false)); got != http.StatusOK {
			t.Fatalf("redelivery %d answered %d, want 200", i, got)
		}
	}
	waitFor(t, 5*time.Minute, "400 completed check runs", func() bool {
		done := 0
		for _, r := range e.gh.CheckRuns() {
			if r.Status == "completed" {
				done++
			}
		}
		return done >= 4*n
	})
	time.Sleep(time.Second)
	perPR := map[string]int{}
	for _, r := range e.gh.CheckRuns() {
		perPR[r.ExternalID]++
		if r.Conclusion != "success" {
			t.Errorf("%s of %s concluded %q", r.Name, r.ExternalID, r.Conclusion)
		}
	}
	if len(perPR) != n {
		t.Errorf("check runs for %d pull requests, want %d", len(perPR), n)
	}
	for id, c := range perPR {
		if c != 4 {
			t.Errorf("%s has %d check runs, want 4: a job ran more than once", id, c)
		}
	}
	worked := [2]int{}
	for i, d := range replicas {
		worked[i] = countLines(d.logs.String(), `"msg":"checks completed"`)
	}
	if worked[0]+worked[1] != n {
		t.Errorf("replicas completed %d + %d checks, want %d in all", worked[0], worked[1], n)
	}
	t.Logf("replica 1 completed %d checks, replica 2 %d", worked[0], worked[1])
}

// TestReconcileFindsLostWork starts dip serve after a pull request was
// opened and a merge pushed without their webhooks reaching it: the sweep
// at start-up checks the pull request, leaves alone one already checked,
// and renders the default branch.
func TestReconcileFindsLostWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	full := owner + "/" + repoName
	lost := e.remote.commit("lost", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	e.pullRequest(8, "lost", lost, "opened", false)
	e.remote.checkout("main")
	done := e.remote.commit("done", "Add another queue", map[string]string{"requests/payments/returns.yaml": replaceName(validQueue, "returns")})
	e.pullRequest(9, "done", done, "opened", false)
	for _, name := range []string{"dip/validate", "dip/policy", "dip/scan", "dip/render"} {
		e.gh.AddCheckRun(githubtest.CheckRun{Repo: full, HeadSHA: done, Name: name, Status: "completed", Conclusion: "success"})
	}
	e.start(dipOptions{reconcile: time.Hour})
	runs := e.waitChecks(lost, time.Minute)
	if runs["dip/validate"].Conclusion != "success" {
		t.Errorf("dip/validate concluded %q", runs["dip/validate"].Conclusion)
	}
	waitFor(t, time.Minute, "the output branch", func() bool { return e.remote.hasBranch("rendered") })
	if n := e.gh.CountRequests(http.MethodPost, "/repos/acme/platform/check-runs"); n != 4 {
		t.Errorf("%d check runs created, want 4: the checked pull request was checked again", n)
	}
}

// TestReconcileAsksOnceAboutACheckedHead sweeps again and again over an
// open pull request whose head has dip's four runs: the host is asked
// about that head's check runs once, not on every sweep; a new head is
// asked about (and checked) when the pull request moves on.
func TestReconcileAsksOnceAboutACheckedHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	full := owner + "/" + repoName
	done := e.remote.commit("done", "Add a queue", map[string]string{"requests/payments/returns.yaml": replaceName(validQueue, "returns")})
	e.pullRequest(9, "done", done, "opened", false)
	for _, name := range pipeline.CheckRunNames {
		e.gh.AddCheckRun(githubtest.CheckRun{Repo: full, HeadSHA: done, Name: name, Status: "completed", Conclusion: "success"})
	}
	d := e.start(dipOptions{reconcile: 100 * time.Millisecond})
	waitFor(t, time.Minute, "four sweeps", func() bool { return countLines(d.logs.String(), "reconcile sweep done") >= 4 })
	if n := e.gh.CountRequests(http.MethodGet, "/repos/acme/platform/commits/"+done+"/check-runs"); n != 1 {
		t.Errorf("the checked head's runs were listed %d times over the sweeps, want 1", n)
	}
	if n := e.gh.CountRequests(http.MethodPost, "/repos/acme/platform/check-runs"); n != 0 {
		t.Errorf("%d check runs created for a checked head", n)
	}

	e.remote.checkout("done")
	moved := e.remote.commit("done", "Rename it", map[string]string{"requests/payments/returns.yaml": replaceName(validQueue, "returns") + "# moved\n"})
	e.pullRequest(9, "done", moved, "synchronize", false) // no webhook: the next sweep finds the new head
	runs := e.waitChecks(moved, time.Minute)
	if runs["dip/validate"].Conclusion != "success" {
		t.Errorf("the new head's dip/validate concluded %q", runs["dip/validate"].Conclusion)
	}
}

func TestReconcileLeavesAnOutputBranchThatNothingRenderedChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.start(dipOptions{reconcile: time.Hour})
	waitFor(t, time.Minute, "the output branch", func() bool { return e.remote.hasBranch("rendered") })
	first.stop(t)

	e.remote.checkout("main")
	e.remote.commit("main", "Say more in the README", map[string]string{"README.md": "# acme platform\n\nMore words.\n"})
	second := e.start(dipOptions{reconcile: time.Hour})
	waitFor(t, time.Minute, "the sweep", func() bool { return strings.Contains(second.logs.String(), "reconcile sweep done") })
	if n := countLines(second.logs.String(), "queued a render"); n != 0 {
		t.Errorf("%d renders queued for a README change:\n%s", n, second.logs.String())
	}

	e.remote.commit("main", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	third := e.start(dipOptions{reconcile: time.Hour})
	waitFor(t, time.Minute, "the render of the new queue", func() bool { return len(e.remote.commits("rendered")) == 2 })
	if n := countLines(third.logs.String(), "queued a render"); n != 1 {
		t.Errorf("%d renders queued for a new request, want 1", n)
	}
}
