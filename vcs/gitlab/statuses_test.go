package gitlab_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
)

var names = []string{checks.Validate, checks.Policy, checks.Scan, checks.Render}

func target(sha string, pr int) vcs.CheckTarget {
	return vcs.CheckTarget{SHA: sha, PullRequest: pr, Names: names, ExternalID: "dip:" + sha}
}

// runs are the four checks: policy fails with the findings given, the
// others pass.
func runs(findings ...checks.Annotation) []vcs.CheckRun {
	out := []vcs.CheckRun{
		{Name: checks.Validate, Conclusion: checks.Success, Title: "1 request valid", Summary: "**1 request valid**"},
		{Name: checks.Policy, Conclusion: checks.Success, Title: "No policy failures", Summary: "**No policy failures**"},
		{Name: checks.Scan, Conclusion: checks.Success, Title: "No secrets", Summary: "**No secrets**"},
		{Name: checks.Render, Conclusion: checks.Success, Title: "2 files", Summary: "**2 files**",
			Annotations: []checks.Annotation{{Pos: platform.Pos{File: "requests/a.yaml", Line: 1}, Level: checks.LevelNotice, Message: "renders 2 files"}}},
	}
	if len(findings) > 0 {
		out[1].Conclusion, out[1].Title, out[1].Summary = checks.Failure, fmt.Sprintf("%d policy failures", len(findings)), "**failures**"
		out[1].Annotations = findings
	}
	return out
}

func failure(file string, line int, rule, msg string) checks.Annotation {
	return checks.Annotation{Pos: platform.Pos{File: file, Line: line}, Level: checks.LevelFailure, Rule: rule, Message: msg}
}

func check(t *testing.T, e *env, sha string, pr int, rs []vcs.CheckRun) {
	t.Helper()
	set, err := e.c.StartChecks(t.Context(), e.repo, target(sha, pr))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.c.FinishChecks(t.Context(), e.repo, set, rs); err != nil {
		t.Fatal(err)
	}
}

func states(e *env, sha string) map[string]string {
	out := map[string]string{}
	for name, st := range e.srv.LatestStatuses(project, sha) {
		out[name] = st.State
	}
	return out
}

// dipThreads are the discussions that are not notes on their own.
func dipThreads(e *env) []gitlabtest.Discussion {
	var out []gitlabtest.Discussion
	for _, d := range e.srv.Discussions(project, 1) {
		if !d.IndividualNote {
			out = append(out, d)
		}
	}
	return out
}

func TestChecksOnMergeRequest(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	onDiff := failure("requests/a.yaml", 4, "terraform.enforce_encryption", "The queue must be encrypted.")
	offDiff := failure("requests/a.yaml", 12, "requests.tls", "Public endpoints need TLS.")
	set, err := e.c.StartChecks(t.Context(), e.repo, target(head, 1))
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range e.srv.LatestStatuses(project, head) {
		if st.State != "running" || st.Ref != "change" {
			t.Errorf("%s: %s on %q, want running on the source branch", name, st.State, st.Ref)
		}
	}
	if err := e.c.FinishChecks(t.Context(), e.repo, set, runs(onDiff, offDiff)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{checks.Validate: "success", checks.Policy: "failed", checks.Scan: "success", checks.Render: "success"}
	if diff := cmp.Diff(want, states(e, head)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	notes := e.srv.Notes(project, 1)
	var report []gitlabtest.Note
	for _, n := range notes {
		if strings.HasPrefix(n.Body, "<!-- dip:report -->") {
			report = append(report, n)
		}
	}
	if len(report) != 1 || !strings.Contains(report[0].Body, "❌ dip/policy") || !strings.Contains(report[0].Body, head) {
		t.Fatalf("report notes %+v", report)
	}
	st := e.srv.LatestStatuses(project, head)[checks.Policy]
	if !strings.HasSuffix(st.TargetURL, fmt.Sprintf("/-/merge_requests/1#note_%d", report[0].ID)) || st.Description != "2 policy failures" {
		t.Errorf("status links %q, says %q", st.TargetURL, st.Description)
	}
	threads := dipThreads(e)
	if len(threads) != 2 {
		t.Fatalf("%d threads, want 2 (the notice stays in the note): %+v", len(threads), threads)
	}
	placed, plain := threads[0].Notes[0], threads[1].Notes[0]
	if placed.Position == nil || placed.Position.NewLine != 4 || placed.Position.NewPath != "requests/a.yaml" || placed.Position.HeadSHA != head {
		t.Errorf("finding on a changed line is not a diff note on it: %+v", placed.Position)
	}
	if plain.Position != nil || !strings.Contains(plain.Body, "`requests/a.yaml` line 12") || !strings.Contains(plain.Body, "Public endpoints need TLS.") {
		t.Errorf("finding off the diff: %+v", plain)
	}

	// The same findings again, after a new push: nothing new.
	check(t, e, head, 1, runs(onDiff, offDiff))
	if n := len(e.srv.Notes(project, 1)); n != len(notes) {
		t.Errorf("%d notes after the second check, want %d", n, len(notes))
	}
	if got := len(dipThreads(e)); got != 2 {
		t.Errorf("%d threads after the same findings again, want 2", got)
	}
}

func TestThreadsFollowFindings(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	a := failure("requests/a.yaml", 4, "rule.a", "A is wrong.")
	b := failure("requests/b.yaml", 1, "rule.b", "B is wrong.")
	check(t, e, head, 1, runs(a, b))

	// b is fixed: its thread is resolved, with a word why.
	check(t, e, head, 1, runs(a))
	threads := dipThreads(e)
	if len(threads) != 2 || threads[0].Notes[0].Resolved || !threads[1].Notes[0].Resolved {
		t.Fatalf("threads %+v: want a open and b resolved", threads)
	}
	if last := threads[1].Notes[len(threads[1].Notes)-1]; !strings.Contains(last.Body, "gone") {
		t.Errorf("no word on why b's thread was resolved: %q", last.Body)
	}
	check(t, e, head, 1, runs(a))
	if n := len(dipThreads(e)[1].Notes); n != 2 {
		t.Errorf("b's thread has %d notes after another check without it, want 2", n)
	}

	// b is back: dip reopens its thread instead of starting another.
	check(t, e, head, 1, runs(a, b))
	threads = dipThreads(e)
	if len(threads) != 2 || threads[1].Notes[0].Resolved || !strings.Contains(threads[1].Notes[len(threads[1].Notes)-1].Body, "back") {
		t.Fatalf("threads %+v: want b's reopened", threads)
	}

	// A thread a person resolved stays resolved, the finding still there.
	e.srv.ResolveDiscussion(project, 1, threads[0].ID, "bob")
	check(t, e, head, 1, runs(a, b))
	if threads = dipThreads(e); !threads[0].Notes[0].Resolved || len(threads) != 2 {
		t.Errorf("a person's resolution undone: %+v", threads)
	}
}

func TestThreadsBounded(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	var many []checks.Annotation
	for i := range 30 {
		many = append(many, failure("requests/a.yaml", 1+i, fmt.Sprintf("rule.%02d", i), fmt.Sprintf("Finding %d.", i)))
	}
	check(t, e, head, 1, runs(many...))
	if n := len(dipThreads(e)); n != 25 {
		t.Errorf("%d threads, want 25", n)
	}
	var report string
	for _, n := range e.srv.Notes(project, 1) {
		if strings.HasPrefix(n.Body, "<!-- dip:report -->") {
			report = n.Body
		}
	}
	if !strings.Contains(report, "Findings without a thread (5)") {
		t.Errorf("the note does not list the 5 findings beyond the threads:\n%s", report)
	}
	// When some are fixed, the others take their places.
	check(t, e, head, 1, runs(many[10:]...))
	open := 0
	for _, d := range dipThreads(e) {
		if !d.Notes[0].Resolved {
			open++
		}
	}
	if open != 20 || len(dipThreads(e)) != 30 {
		t.Errorf("%d open of %d threads, want 20 of 30", open, len(dipThreads(e)))
	}
}

func TestChecksWithoutMergeRequest(t *testing.T) {
	e := setup(t)
	sha := strings.Repeat("d", 40)
	check(t, e, sha, 0, runs(failure("requests/a.yaml", 1, "r", "bad")))
	if got := states(e, sha)[checks.Policy]; got != "failed" {
		t.Errorf("policy %q", got)
	}
	if n := e.srv.CountRequests("", "/projects/"+fmt.Sprint(e.repo.ID)+"/merge_requests"); n != 0 {
		t.Errorf("%d merge request requests for a commit of none", n)
	}
}

func TestNeutralAndSkipped(t *testing.T) {
	e := setup(t)
	sha := strings.Repeat("e", 40)
	rs := runs()
	rs[2].Conclusion, rs[2].Title = checks.Neutral, "dip could not check this commit "+strings.Repeat("because ", 60)
	rs[3].Conclusion = checks.Skipped
	check(t, e, sha, 0, rs)
	got := e.srv.LatestStatuses(project, sha)
	if got[checks.Scan].State != "canceled" || got[checks.Render].State != "skipped" {
		t.Errorf("neutral is %s, skipped is %s; want canceled, skipped", got[checks.Scan].State, got[checks.Render].State)
	}
	if d := got[checks.Scan].Description; len([]rune(d)) != 255 || !strings.HasSuffix(d, "…") {
		t.Errorf("description of %d characters", len([]rune(d)))
	}
	statuses, err := e.c.CheckStatuses(t.Context(), e.repo, sha)
	if err != nil {
		t.Fatal(err)
	}
	conclusions := map[string]string{}
	for _, s := range statuses {
		conclusions[s.Name] = s.Status + "/" + s.Conclusion
	}
	want := map[string]string{checks.Validate: "completed/success", checks.Policy: "completed/success", checks.Scan: "completed/neutral", checks.Render: "completed/skipped"}
	if diff := cmp.Diff(want, conclusions); diff != "" {
		t.Errorf("check statuses (-want +got):\n%s", diff)
	}
}

// A job retried after it started its checks starts them again: GitLab
// refuses running twice, which changes nothing.
func TestStartTwice(t *testing.T) {
	e := setup(t)
	sha := strings.Repeat("f", 40)
	for range 2 {
		if _, err := e.c.StartChecks(t.Context(), e.repo, target(sha, 0)); err != nil {
			t.Fatal(err)
		}
	}
	statuses, _ := e.c.CheckStatuses(t.Context(), e.repo, sha)
	if len(statuses) != 4 || statuses[0].Status != vcs.StatusInProgress {
		t.Errorf("statuses %+v", statuses)
	}
}

// A merge request whose head moved on gets its statuses on the old
// commit, and its note and threads are left to the newer head's job.
func TestStaleHead(t *testing.T) {
	e := setup(t)
	r, old := e.served(t)
	set, err := e.c.StartChecks(t.Context(), e.repo, target(old, 1))
	if err != nil {
		t.Fatal(err)
	}
	r.Commit("change", "Newer", map[string]string{"requests/c.yaml": "c\n"})
	if err := e.c.FinishChecks(t.Context(), e.repo, set, runs(failure("requests/a.yaml", 4, "r", "bad"))); err != nil {
		t.Fatal(err)
	}
	if got := states(e, old)[checks.Policy]; got != "failed" {
		t.Errorf("policy on the old head %q", got)
	}
	if n := len(e.srv.Notes(project, 1)); n != 0 {
		t.Errorf("%d notes for a stale head", n)
	}
}

func TestReportAnswerLost(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	e.srv.FailNextAfterHandling(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests/1/notes", e.repo.ID), http.StatusBadGateway, 1)
	e.srv.FailNextAfterHandling(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests/1/discussions", e.repo.ID), http.StatusGatewayTimeout, 1)
	e.srv.FailNext(http.MethodPost, fmt.Sprintf("/projects/%d/statuses/", e.repo.ID), http.StatusBadGateway, 2)
	check(t, e, head, 1, runs(failure("requests/a.yaml", 4, "r", "bad"), failure("requests/b.yaml", 1, "s", "worse")))
	if n := len(e.srv.Notes(project, 1)); n != 3 {
		t.Errorf("%d notes, want the report and two threads, each once", n)
	}
	if got := states(e, head)[checks.Validate]; got != "success" {
		t.Errorf("validate %q after 502s on its status", got)
	}
}

func TestPositionRefused(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	e.srv.FailNext(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests/1/discussions", e.repo.ID), http.StatusBadRequest, 1)
	check(t, e, head, 1, runs(failure("requests/a.yaml", 4, "r", "bad")))
	threads := dipThreads(e)
	if len(threads) != 1 || threads[0].Notes[0].Position != nil || !strings.Contains(threads[0].Notes[0].Body, "line 4") {
		t.Errorf("threads %+v: want one that names the line", threads)
	}
}

func TestReportCut(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	var many []checks.Annotation
	for i := range 230 {
		many = append(many, failure("requests/a.yaml", 1, fmt.Sprintf("rule.%d", i), strings.Repeat("long ", 2000)))
	}
	rs := runs(many...)
	for i := range rs {
		rs[i].Summary = "```\n" + strings.Repeat("a long summary line\n", 20000)
	}
	check(t, e, head, 1, rs)
	for _, n := range e.srv.Notes(project, 1) {
		if len([]rune(n.Body)) > gitlabtest.MaxNote {
			t.Errorf("note of %d characters", len([]rune(n.Body)))
		}
		if strings.Count(n.Body, "```")%2 != 0 {
			t.Error("a code block is left open")
		}
	}
}

// GitLab refusing the note outright (a locked discussion answers 403)
// does not hold the statuses back.
func TestLockedDiscussion(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	e.srv.FailNext(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests/1/notes", e.repo.ID), http.StatusForbidden, 1)
	check(t, e, head, 1, runs(failure("requests/a.yaml", 4, "r", "bad")))
	if got := states(e, head)[checks.Policy]; got != "failed" {
		t.Errorf("policy %q", got)
	}
	if st := e.srv.LatestStatuses(project, head)[checks.Policy]; st.TargetURL != "" {
		t.Errorf("a status links to a note that is not there: %s", st.TargetURL)
	}
}

// A finding whose message carries dip's own marker does not pass for
// another finding's thread.
func TestMarkerInMessage(t *testing.T) {
	e := setup(t)
	_, head := e.served(t)
	a := failure("requests/a.yaml", 4, "r", "value <!-- dip:finding:0123456789abcdef --> is wrong")
	check(t, e, head, 1, runs(a))
	check(t, e, head, 1, runs(a))
	threads := dipThreads(e)
	if len(threads) != 1 || threads[0].Notes[0].Resolved || strings.Contains(threads[0].Notes[0].Body, "<!-- dip:finding:0123456789abcdef") {
		t.Errorf("threads %+v", threads)
	}
}
