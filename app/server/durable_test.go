package server_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dipdev/dip/app/server"
	"github.com/dipdev/dip/internal/pgtest"
	policybundle "github.com/dipdev/dip/policy-bundle"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

// childEnv, set, makes the test binary run dip serve as the process that
// is killed: see runChild.
const childEnv = "DIP_SERVER_TEST_CHILD"

// TestAcceptedWorkSurvivesKill accepts a pull request's delivery, kills
// dip serve with SIGKILL while its job waits for a retry, and starts it
// again on the same database: the checks complete.
func TestAcceptedWorkSurvivesKill(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		runChild(t)
		return
	}
	if testing.Short() {
		t.Skip("starts dip serve twice as a separate process")
	}
	e := newEnv(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, e.gh.PrivateKey(), 0o600); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(dir, "dip.db")
	start := func() (*exec.Cmd, string) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptedWorkSurvivesKill$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"=1",
			"CHILD_LISTEN="+addr, "CHILD_APP_ID="+strconv.FormatInt(e.gh.AppID(), 10),
			"CHILD_KEY="+keyFile, "CHILD_API="+e.gh.URL()+"/", "CHILD_DB="+dbPath,
			"CHILD_CACHE="+filepath.Join(dir, "cache"))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		url := "http://" + addr
		waitFor(t, 30*time.Second, "the child dip serve", func() bool {
			resp, err := http.Get(url + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		return cmd, url
	}

	child, url := start()
	sha := e.remote.commit("survive", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	// The first attempt fails on GitHub's side, so that the job waits in
	// the queue for its retry when the process is killed.
	e.gh.FailNext(http.MethodPost, "/repos/acme/platform/check-runs", http.StatusUnprocessableEntity, 1)
	d := &dip{url: url}
	if got := d.deliver(t, "pull_request", "survive-1", e.pullRequest(5, "survive", sha, "opened", false)); got != http.StatusAccepted {
		t.Fatalf("delivery answered %d", got)
	}
	db, err := sql.Open("sqlite", dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waitFor(t, 30*time.Second, "the job to wait for its retry", func() bool {
		var state string
		var attempt int
		err := db.QueryRow(`SELECT state, attempt FROM river_job WHERE kind = 'dip_event'`).Scan(&state, &attempt)
		return err == nil && attempt == 1 && (state == "retryable" || state == "available")
	})
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = child.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed", err)
	}
	if n := len(e.runsOn(sha)); n != 0 {
		t.Fatalf("%d check runs before the restart, want none", n)
	}

	start()
	runs := e.waitChecks(sha, time.Minute)
	for name, r := range runs {
		if r.Conclusion != "success" {
			t.Errorf("%s concluded %q after the restart", name, r.Conclusion)
		}
	}
}

// runChild is dip serve in the child process, until it is killed.
func runChild(t *testing.T) {
	key, err := os.ReadFile(os.Getenv("CHILD_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	appID, _ := strconv.ParseInt(os.Getenv("CHILD_APP_ID"), 10, 64)
	err = server.Run(context.Background(), server.Config{
		Listen: os.Getenv("CHILD_LISTEN"), AppID: appID, PrivateKey: key,
		WebhookSecret: []byte(secret), APIURL: os.Getenv("CHILD_API"),
		DatabaseURL: os.Getenv("CHILD_DB"), CacheDir: os.Getenv("CHILD_CACHE"),
		ReconcileInterval: -1, Bundle: policybundle.FS,
	})
	t.Fatalf("dip serve returned: %v", err)
}

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
