package github_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/output"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

func findings(n int) []checks.Annotation {
	as := make([]checks.Annotation, n)
	for i := range as {
		as[i] = checks.Annotation{
			Pos:     platform.Pos{File: fmt.Sprintf("requests/r%03d.yaml", i), Line: i + 1},
			Level:   checks.LevelWarning,
			Rule:    "rule-" + fmt.Sprint(i),
			Title:   fmt.Sprintf("finding %d", i),
			Message: fmt.Sprintf("message %d", i),
		}
	}
	return as
}

func TestCheckRunManyAnnotations(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	id, err := e.c.CreateCheckRun(ctx, e.repo, "abc123", vcs.CheckRun{Name: checks.Policy, Status: vcs.StatusInProgress, ExternalID: "job-1"})
	if err != nil {
		t.Fatal(err)
	}
	run := vcs.CheckRun{
		Name: checks.Policy, Status: vcs.StatusCompleted, Conclusion: checks.Failure,
		Title: "120 findings", Summary: "Policies failed.", Annotations: findings(120),
	}
	if err := e.c.UpdateCheckRun(ctx, e.repo, id, run); err != nil {
		t.Fatal(err)
	}

	var sizes []int
	for _, b := range e.srv.AnnotationBatches() {
		if b.CheckRunID != id || b.Method != http.MethodPatch {
			t.Errorf("batch for run %d by %s, want run %d by PATCH", b.CheckRunID, b.Method, id)
		}
		sizes = append(sizes, len(b.Annotations))
	}
	if diff := cmp.Diff([]int{50, 50, 20}, sizes); diff != "" {
		t.Errorf("annotation batches (-want +got):\n%s", diff)
	}
	if n := e.srv.CountRequests(http.MethodPatch, "/repos/acme/platform/check-runs/"); n != 3 {
		t.Errorf("%d updates, want 3", n)
	}
	got, ok := e.srv.CheckRun(id)
	if !ok {
		t.Fatalf("no check run %d", id)
	}
	if got.Status != "completed" || got.Conclusion != "failure" || got.Title != "120 findings" ||
		got.Summary != "Policies failed." || got.ExternalID != "job-1" || got.HeadSHA != "abc123" || got.Name != checks.Policy {
		t.Errorf("check run = %+v", got)
	}
	if len(got.Annotations) != 120 {
		t.Fatalf("%d annotations, want 120", len(got.Annotations))
	}
	want := githubtest.Annotation{
		Path: "requests/r073.yaml", StartLine: 74, EndLine: 74, Level: "warning",
		Title: "finding 73", Message: "message 73", RawDetails: "rule: rule-73\n",
	}
	if diff := cmp.Diff(want, got.Annotations[73]); diff != "" {
		t.Errorf("annotation 73 (-want +got):\n%s", diff)
	}
}

func TestAnnotationMapping(t *testing.T) {
	e := setup(t)
	as := []checks.Annotation{
		{Pos: platform.Pos{File: "a.yaml", Line: 3, Column: 7}, Level: checks.LevelFailure, Rule: "r1", Message: "bad", Env: "production", Source: "rendered/a.yaml"},
		{Pos: platform.Pos{File: "b.tf"}, Level: checks.LevelNotice, Title: "note", Message: "fyi"},
		{Pos: platform.Pos{File: "c.yaml", Line: 9}, Level: "odd", Title: strings.Repeat("t", 300), Message: "m"},
	}
	id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{
		Name: checks.Validate, Status: vcs.StatusCompleted, Conclusion: checks.Failure, Title: "3 problems", Annotations: as,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.srv.CheckRun(id)
	want := []githubtest.Annotation{
		{Path: "a.yaml", StartLine: 3, EndLine: 3, StartColumn: 7, EndColumn: 7, Level: "failure", Title: "r1",
			Message: "[production] bad", RawDetails: "rule: r1\nsource: rendered/a.yaml\n"},
		{Path: "b.tf", StartLine: 1, EndLine: 1, Level: "notice", Title: "note", Message: "fyi"},
		{Path: "c.yaml", StartLine: 9, EndLine: 9, Level: "notice", Title: strings.Repeat("t", 254) + "…", Message: "m"},
	}
	if diff := cmp.Diff(want, got.Annotations); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
	if got.Summary != "3 problems" || got.Conclusion != "failure" {
		t.Errorf("summary %q, conclusion %q", got.Summary, got.Conclusion)
	}
}

func TestCheckRunLongSummary(t *testing.T) {
	e := setup(t)
	summary := strings.Repeat("a line of the summary ✅\n", 5000)
	id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{
		Name: checks.Render, Status: vcs.StatusCompleted, Conclusion: checks.Success, Title: "diff", Summary: summary,
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.srv.CheckRun(id)
	if n := utf8.RuneCountInString(got.Summary); n > output.MaxSummary || n < output.MaxSummary-1000 {
		t.Errorf("summary of %d characters", n)
	}
	if got.Summary != output.Truncate(summary, output.MaxSummary) {
		t.Error("summary not cut by output.Truncate")
	}
}

func TestCheckRunConclusions(t *testing.T) {
	e := setup(t)
	for c, want := range map[checks.Conclusion]string{
		checks.Success: "success", checks.Failure: "failure", checks.Neutral: "neutral", checks.Skipped: "skipped", "": "neutral",
	} {
		id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: "dip/x", Status: vcs.StatusCompleted, Conclusion: c})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.srv.CheckRun(id); got.Conclusion != want || got.Status != "completed" {
			t.Errorf("conclusion %q: got %s/%s, want completed/%s", c, got.Status, got.Conclusion, want)
		}
	}
}

func TestCreateCheckRunWithManyAnnotations(t *testing.T) {
	e := setup(t)
	id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{
		Name: checks.Scan, Status: vcs.StatusCompleted, Conclusion: checks.Failure, Title: "t", Summary: "s", Annotations: findings(51),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range e.srv.AnnotationBatches() {
		got = append(got, fmt.Sprintf("%s %d", b.Method, len(b.Annotations)))
	}
	if diff := cmp.Diff([]string{"POST 50", "PATCH 1"}, got); diff != "" {
		t.Errorf("batches (-want +got):\n%s", diff)
	}
	if run, _ := e.srv.CheckRun(id); run.Title != "t" || run.Summary != "s" || run.Conclusion != "failure" {
		t.Errorf("run = %+v", run)
	}
}

func TestCheckRunsOfApp(t *testing.T) {
	e := setup(t, githubtest.WithPageSize(2))
	e.srv.AddCheckRun(githubtest.CheckRun{Repo: "acme/platform", AppID: 99, HeadSHA: "abc", Name: "ci", Status: "completed", Conclusion: "success"})
	var want []vcs.CheckRunStatus
	for i := range 5 {
		name := fmt.Sprintf("dip/%d", i)
		id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: name, Status: vcs.StatusQueued, ExternalID: "j" + fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, vcs.CheckRunStatus{ID: id, Name: name, Status: "queued", ExternalID: "j" + fmt.Sprint(i)})
	}
	if _, err := e.c.CreateCheckRun(t.Context(), e.repo, "other", vcs.CheckRun{Name: "dip/9"}); err != nil {
		t.Fatal(err)
	}
	got, err := e.c.CheckStatuses(t.Context(), e.repo, "abc")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("check runs (-want +got):\n%s", diff)
	}
	if n := e.srv.CountRequests(http.MethodGet, "/repos/acme/platform/commits/abc/check-runs"); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}

func TestCreateCheckRunAnswerLost(t *testing.T) {
	e := setup(t)
	// The run is made but the client sees 502: it finds the run by its
	// external id rather than making a second.
	e.srv.FailNextAfterHandling(http.MethodPost, "/repos/acme/platform/check-runs", http.StatusBadGateway, 1)
	id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusInProgress, ExternalID: "job-7"})
	if err != nil {
		t.Fatal(err)
	}
	runs := e.srv.CheckRuns()
	if len(runs) != 1 || runs[0].ID != id {
		t.Errorf("runs = %+v, want one with id %d", runs, id)
	}

	// Refused before it was made: the client creates it again.
	e.srv.FailNext(http.MethodPost, "/repos/acme/platform/check-runs", http.StatusServiceUnavailable, 1)
	id2, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Policy, ExternalID: "job-8"})
	if err != nil {
		t.Fatal(err)
	}
	if runs := e.srv.CheckRuns(); len(runs) != 2 || runs[1].ID != id2 || runs[1].ExternalID != "job-8" {
		t.Errorf("runs = %+v", runs)
	}
	if n := e.srv.CountRequests(http.MethodPost, "/repos/"); n != 3 {
		t.Errorf("%d creates, want 3", n)
	}
}

func TestCreateCheckRunNotRetriedOn500(t *testing.T) {
	e := setup(t)
	e.srv.FailNext(http.MethodPost, "/repos/", http.StatusInternalServerError, 1)
	if _, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate}); err == nil {
		t.Fatal("no error")
	}
	if n := e.srv.CountRequests(http.MethodPost, "/repos/"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

func TestCheckRunNeedsName(t *testing.T) {
	e := setup(t)
	if err := e.c.UpdateCheckRun(t.Context(), e.repo, 1, vcs.CheckRun{Status: vcs.StatusCompleted}); err == nil {
		t.Error("update without name: no error")
	}
	if _, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{}); err == nil {
		t.Error("create without name: no error")
	}
	if _, err := e.c.CreateCheckRun(t.Context(), vcs.Repo{Owner: "acme", Name: "x"}, "abc", vcs.CheckRun{Name: "n"}); err == nil {
		t.Error("repository without installation: no error")
	}
}

func TestStartAndFinishChecks(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	target := vcs.CheckTarget{SHA: "abc", PullRequest: 4, Names: []string{checks.Validate, checks.Policy}, ExternalID: "dip:abc:pr4"}
	set, err := e.c.StartChecks(ctx, e.repo, target)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range target.Names {
		r, ok := e.srv.CheckRun(set.IDs[name])
		if !ok || r.Name != name || r.Status != "in_progress" || r.ExternalID != "dip:abc:pr4" || r.HeadSHA != "abc" {
			t.Errorf("%s started as %+v", name, r)
		}
	}
	a := checks.Annotation{Pos: platform.Pos{File: "requests/p/q.yaml", Line: 7}, Level: checks.LevelFailure, Rule: "schema", Message: "bad"}
	err = e.c.FinishChecks(ctx, e.repo, set, []vcs.CheckRun{
		{Name: checks.Validate, Conclusion: checks.Failure, Title: "1 problem", Summary: "s", Annotations: []checks.Annotation{a}},
		{Name: checks.Policy, Conclusion: checks.Success, Title: "ok", Summary: "fine"},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := e.srv.CheckRun(set.IDs[checks.Validate])
	if v.Status != "completed" || v.Conclusion != "failure" || len(v.Annotations) != 1 || v.Annotations[0].StartLine != 7 || v.ExternalID != "dip:abc:pr4" {
		t.Errorf("dip/validate = %+v", v)
	}
	if err := e.c.FinishChecks(ctx, e.repo, set, []vcs.CheckRun{{Name: checks.Scan, Conclusion: checks.Success}}); err == nil {
		t.Error("finishing a check that was not started: no error")
	}
}
