package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/github/githubtest"
)

func jsonLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

const validQueue = `apiVersion: dip/v1
kind: Queue
metadata:
  name: refunds
  team: payments
spec:
  environments: [staging, production]
`

const schemaError = `apiVersion: dip/v1
kind: Queue
metadata:
  name: refunds-bad
  team: payments
spec:
  environments: [staging]
  visibilityTimeoutSeconds: lots
`

const unencrypted = `apiVersion: dip/v1
kind: Queue
metadata:
  name: refunds-plain
  team: payments
spec:
  environments: [staging]
  encrypted: false
`

const leaked = `apiVersion: dip/v1
kind: Secret
metadata:
  name: leaky
  team: payments
spec:
  environments: [staging]
  namespace: payments
  rotationDays: 30
  description: "temporary key AKIAIOSFODNN7EXAMPLF with secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ"
`

// unrotated breaks acme's own policy, policies/secret-rotation.rego.
const unrotated = `apiVersion: dip/v1
kind: Secret
metadata:
  name: forever
  team: payments
spec:
  environments: [staging]
  namespace: payments
`

// annotationOn reports whether run has an annotation on path.
func annotationOn(run githubtest.CheckRun, path string) (githubtest.Annotation, bool) {
	for _, a := range run.Annotations {
		if a.Path == path {
			return a, true
		}
	}
	return githubtest.Annotation{}, false
}

func TestPullRequestChecks(t *testing.T) {
	e := newEnv(t)
	d := e.start(dipOptions{})
	cases := []struct {
		name, file, body string
		fork             bool
		want             map[string]string
		// annotated is the check whose annotation must sit on the file,
		// at line when not zero.
		annotated string
		line      int
	}{
		{name: "valid", file: "requests/payments/refunds.yaml", body: validQueue,
			want: map[string]string{"dip/validate": "success", "dip/policy": "success", "dip/scan": "success", "dip/render": "success"}},
		{name: "schema-error", file: "requests/payments/refunds-bad.yaml", body: schemaError,
			want:      map[string]string{"dip/validate": "failure"},
			annotated: "dip/validate", line: 8},
		{name: "policy-violation", file: "requests/payments/refunds-plain.yaml", body: unencrypted, fork: true,
			want:      map[string]string{"dip/validate": "success", "dip/policy": "failure"},
			annotated: "dip/policy", line: 8},
		{name: "leaked-secret", file: "requests/payments/leaky.yaml", body: leaked,
			want:      map[string]string{"dip/validate": "success", "dip/scan": "failure"},
			annotated: "dip/scan", line: 10},
	}
	shas := map[string]string{}
	for i, c := range cases {
		e.remote.checkout("main")
		sha := e.remote.commit("add-"+c.name, "Add "+c.file, map[string]string{c.file: c.body})
		shas[c.name] = sha
		if got := d.deliver(t, "pull_request", "delivery-"+c.name, e.pullRequest(10+i, "add-"+c.name, sha, "opened", c.fork)); got != http.StatusAccepted {
			t.Fatalf("%s: delivery answered %d, want 202", c.name, got)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runs := e.waitChecks(shas[c.name], time.Minute)
			for name, want := range c.want {
				if got := runs[name].Conclusion; got != want {
					t.Errorf("%s concluded %q, want %q; summary:\n%s", name, got, want, runs[name].Summary)
				}
			}
			if c.annotated != "" {
				a, ok := annotationOn(runs[c.annotated], c.file)
				if !ok {
					t.Fatalf("%s has no annotation on %s: %+v", c.annotated, c.file, runs[c.annotated].Annotations)
				}
				if a.StartLine != c.line {
					t.Errorf("%s annotation on line %d, want %d: %+v", c.annotated, a.StartLine, c.line, a)
				}
			}
			if s := runs["dip/render"].Summary; c.name == "valid" && !strings.Contains(s, "refunds") {
				t.Errorf("dip/render summary does not list the new files:\n%s", s)
			}
		})
	}
	// Nothing was pushed: checks never write to a pull request's branch,
	// a fork's least of all.
	if n := e.remote.pushes.Load(); n != 0 {
		t.Errorf("%d pushes during checks, want none", n)
	}
	for _, line := range strings.Split(strings.TrimSpace(d.logs.String()), "\n") {
		if strings.Contains(line, "ghs_") || strings.Contains(line, secret) || strings.Contains(line, "PRIVATE KEY") {
			t.Errorf("a log line carries a secret: %s", line)
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %s", line)
		}
		if rec["msg"] == "checks completed" && (rec["delivery_id"] == nil || rec["repo"] == nil || rec["pr"] == nil || rec["sha"] == nil) {
			t.Errorf("log line lacks delivery_id, repo, pr or sha: %s", line)
		}
	}
}

// A pull request cannot weaken the rules it is judged by: deleting the
// platform's policy in the same change still fails the violating request.
func TestDeletedPolicyStillJudges(t *testing.T) {
	e := newEnv(t)
	d := e.start(dipOptions{})
	sha := e.remote.commit("weaken", "Drop the rotation rule and add a secret", map[string]string{
		"policies/secret-rotation.rego":      "",
		"policies/secret-rotation_test.rego": "",
		"requests/payments/forever.yaml":     unrotated,
	})
	d.deliver(t, "pull_request", "weaken-1", e.pullRequest(7, "weaken", sha, "opened", false))
	runs := e.waitChecks(sha, time.Minute)
	pol := runs["dip/policy"]
	if pol.Conclusion != "failure" {
		t.Fatalf("dip/policy concluded %q, want failure:\n%s", pol.Conclusion, pol.Summary)
	}
	if _, ok := annotationOn(pol, "requests/payments/forever.yaml"); !ok {
		t.Errorf("no annotation on the request: %+v", pol.Annotations)
	}
	if !strings.Contains(strings.ToLower(pol.Summary), "impact") {
		t.Errorf("a change to policies/ has no policy impact report:\n%s", pol.Summary)
	}
}

func TestDuplicateDeliveryChecksOnce(t *testing.T) {
	e := newEnv(t)
	d := e.start(dipOptions{})
	sha := e.remote.commit("dup", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	payload := e.pullRequest(3, "dup", sha, "opened", false)
	if got := d.deliver(t, "pull_request", "same-id", payload); got != http.StatusAccepted {
		t.Fatalf("first delivery answered %d", got)
	}
	if got := d.deliver(t, "pull_request", "same-id", payload); got != http.StatusOK {
		t.Fatalf("redelivery answered %d, want 200", got)
	}
	e.waitChecks(sha, time.Minute)
	time.Sleep(500 * time.Millisecond)
	if n := e.gh.CountRequests(http.MethodPost, "/repos/acme/platform/check-runs"); n != 4 {
		t.Errorf("%d check runs created, want 4", n)
	}
}

// Injected 502s and a secondary rate limit slow the checks down but do not
// stop them.
func TestChecksCompleteThroughFaults(t *testing.T) {
	e := newEnv(t)
	d := e.start(dipOptions{})
	sha := e.remote.commit("faults", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	e.gh.FailNext(http.MethodPost, "/repos/acme/platform/check-runs", http.StatusBadGateway, 2)
	e.gh.FailNext(http.MethodPatch, "/repos/acme/platform/check-runs/", http.StatusBadGateway, 2)
	e.gh.SecondaryRateLimit(2, time.Second)
	d.deliver(t, "pull_request", "faults-1", e.pullRequest(4, "faults", sha, "opened", false))
	runs := e.waitChecks(sha, 2*time.Minute)
	for name, r := range runs {
		if r.Conclusion != "success" {
			t.Errorf("%s concluded %q, want success", name, r.Conclusion)
		}
	}
	if n := e.gh.CountRequests(http.MethodPost, "/repos/acme/platform/check-runs"); n > 4+2 {
		t.Errorf("%d check-run creations for 4 runs and 2 failures: runs were duplicated", n)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newEnv(t)
	d := e.start(dipOptions{})
	d.deliver(t, "ping", "ping-1", map[string]any{"zen": "Keep it logically awesome.", "hook_id": 1})
	if got := d.deliver(t, "watch", "watch-1", map[string]any{"action": "started"}); got/100 != 2 {
		t.Errorf("unhandled event answered %d, want 2xx", got)
	}
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
		"/metrics": "dip_webhook_deliveries_total",
	} {
		resp, err := http.Get(d.url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body lacks %q", path, resp.StatusCode, want)
		}
	}
	resp, err := http.Post(d.url+"/webhooks/github", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned delivery answered %d, want 401", resp.StatusCode)
	}
}
