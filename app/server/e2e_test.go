package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
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
	t.Parallel()
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

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
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

// A merge renders the repo at the merge commit and commits it to the
// output branch with the audit trailers; a commit whose render changes
// nothing, or a repeated push, adds no commit.
func TestMergeCommitsRenderedOutput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.start(dipOptions{})
	full := owner + "/" + repoName

	// The first push renders the seeded repo.
	d.deliver(t, "push", "push-0", e.pushPayload("0000000000000000000000000000000000000000", e.main))
	waitFor(t, time.Minute, "the output branch", func() bool { return e.remote.hasBranch("rendered") })

	e.remote.checkout("main")
	sha := e.remote.commit("refunds", "Add the refunds queue", map[string]string{
		"requests/payments/refunds.yaml": validQueue,
		"requests/payments/orders-db.yaml": strings.Replace(readFile(t, e.remote.work+"/requests/payments/orders-db.yaml"),
			"  team: payments\n", "  team: payments\n  exceptions:\n    - {policy: terraform.restrict_instance_types, reason: benchmark, expires: \"2999-01-01\"}\n", 1),
	})
	merge := e.remote.merge("refunds", "Merge pull request #21 from acme/refunds")
	e.gh.AddPullRequest(full, vcsPull(21, "alice", sha))
	e.gh.MergePullRequest(full, 21)
	e.gh.MapCommitToPulls(full, merge, 21)
	e.gh.SetReviews(full, 21, githubtest.Review{User: "bob", State: "APPROVED"}, githubtest.Review{User: "carol", State: "COMMENTED"}, githubtest.Review{User: "dave", State: "APPROVED"})
	d.deliver(t, "push", "push-1", e.pushPayload(e.main, merge))
	waitFor(t, time.Minute, "a second rendered commit", func() bool {
		if strings.Contains(d.logs.String(), "does not validate") {
			t.Fatalf("the merge does not validate:\n%s", d.logs)
		}
		return len(e.remote.commits("rendered")) == 2
	})

	msg := e.remote.commits("rendered")[0]
	for _, want := range []string{
		"Dip-Source-Commit: " + merge,
		"Dip-Pull-Request: 21 ",
		"Dip-Requested-By: alice",
		"Dip-Approved-By: bob\nDip-Approved-By: dave\n",
		"Dip-Policy-Bundle: 1.1.0",
		"Dip-Request: requests/payments/orders-db.yaml\nDip-Request: requests/payments/refunds.yaml\n",
		"Dip-Exception: requests/payments/orders-db.yaml terraform.restrict_instance_types 2999-01-01",
	} {
		if !strings.Contains(msg+"\n", want) {
			t.Errorf("rendered commit message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "carol") {
		t.Errorf("a commenter is listed as approver:\n%s", msg)
	}
	tree := e.remote.git(e.remote.bare, "ls-tree", "-r", "--name-only", "rendered")
	for _, want := range []string{
		"rendered/staging/payments/refunds/terraform/main.tf",
		"rendered/production/payments/orders-db/terraform/main.tf",
	} {
		if !strings.Contains(tree, want) {
			t.Errorf("output branch lacks %s", want)
		}
	}
	if strings.Contains(tree, "requests/") || strings.Contains(tree, "platform.yaml") {
		t.Errorf("output branch carries source files:\n%s", tree)
	}

	// A README change renders nothing new: no commit. The older push
	// delivered again under a new id is superseded by the newer one.
	readme := e.remote.commit("main", "Explain more", map[string]string{"README.md": "# acme platform\n"})
	d.deliver(t, "push", "push-2", e.pushPayload(merge, readme))
	d.deliver(t, "push", "push-1-again", e.pushPayload(e.main, merge))
	waitFor(t, time.Minute, "the pushes to be worked", func() bool {
		logs := d.logs.String()
		return strings.Contains(logs, "rendered tree unchanged") && strings.Contains(logs, `"msg":"superseded"`)
	})
	if n := len(e.remote.commits("rendered")); n != 2 {
		t.Errorf("output branch has %d commits, want 2", n)
	}

	// Someone else moved the output branch: dip fetches and commits on top.
	e.remote.git(e.remote.work, "fetch", "-q", "origin", "rendered")
	e.remote.git(e.remote.work, "checkout", "-q", "-B", "rendered", "origin/rendered")
	e.remote.commit("rendered", "Hand-made note", map[string]string{"NOTE.md": "kept\n"})
	e.remote.checkout("main")
	third := e.remote.commit("main", "Add another queue", map[string]string{"requests/payments/returns.yaml": strings.ReplaceAll(validQueue, "refunds", "returns")})
	d.deliver(t, "push", "push-3", e.pushPayload(readme, third))
	waitFor(t, time.Minute, "a rendered commit on top of the hand-made one", func() bool { return len(e.remote.commits("rendered")) == 4 })
	if got := e.remote.git(e.remote.bare, "log", "-1", "--format=%P", "rendered"); got != e.remote.git(e.remote.bare, "rev-parse", "rendered~1") {
		t.Errorf("not a fast-forward: parents %s", got)
	}
	msg = e.remote.commits("rendered")[0]
	if !strings.Contains(msg, "Dip-Request: requests/payments/returns.yaml") || strings.Contains(msg, "Dip-Pull-Request") {
		t.Errorf("direct push's commit message:\n%s", msg)
	}
}

func vcsPull(n int, author, sha string) vcs.PullRequest {
	return vcs.PullRequest{Number: n, Author: author, HeadSHA: sha, HeadRef: "refunds", BaseRef: "main"}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The "Re-run" button of a check run sends check_run rerequested: dip
// checks the commit again and posts a new set of runs.
func TestRerunButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := e.start(dipOptions{})
	sha := e.remote.commit("rerun", "Add a queue", map[string]string{"requests/payments/refunds.yaml": validQueue})
	pr := e.pullRequest(6, "rerun", sha, "opened", false)
	d.deliver(t, "pull_request", "rerun-1", pr)
	runs := e.waitChecks(sha, time.Minute)
	payload := map[string]any{
		"action": "rerequested",
		"check_run": map[string]any{
			"id": runs["dip/policy"].ID, "head_sha": sha, "name": "dip/policy",
			"app":           map[string]any{"id": e.gh.AppID()},
			"pull_requests": []any{pr["pull_request"]},
		},
		"repository":   e.repoPayload(),
		"installation": map[string]any{"id": githubtest.DefaultInstallation},
		"sender":       map[string]any{"login": "reviewer"},
	}
	if got := d.deliver(t, "check_run", "rerun-2", payload); got != http.StatusAccepted {
		t.Fatalf("re-run answered %d, want 202", got)
	}
	waitFor(t, time.Minute, "a second set of completed runs", func() bool {
		done := 0
		for _, r := range e.gh.CheckRuns() {
			if r.HeadSHA == sha && r.Status == "completed" {
				done++
			}
		}
		return done == 8
	})
}
