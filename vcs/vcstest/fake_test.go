package vcstest_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/vcstest"
)

func testRepo() vcs.Repo {
	return vcs.Repo{Host: vcs.GitHub, Owner: "acme", Name: "platform", Installation: 1}
}

func TestChecks(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	ctx := t.Context()
	target := vcs.CheckTarget{SHA: "abc", PullRequest: 3, Names: []string{checks.Validate, checks.Policy}, ExternalID: "j1"}
	set, err := f.StartChecks(ctx, repo, target)
	if err != nil || set.IDs[checks.Validate] != 1 || set.IDs[checks.Policy] != 2 {
		t.Fatalf("start = %+v, %v", set, err)
	}
	a := checks.Annotation{Pos: platform.Pos{File: "a.yaml", Line: 2}, Level: checks.LevelFailure, Message: "bad"}
	done := []vcs.CheckRun{
		{Name: checks.Validate, Conclusion: checks.Failure, Title: "1 problem", Summary: "s", Annotations: []checks.Annotation{a}},
		{Name: checks.Policy, Conclusion: checks.Success, Title: "ok", Summary: "fine"},
	}
	if err := f.FinishChecks(ctx, repo, set, done); err != nil {
		t.Fatal(err)
	}
	done[0].Annotations[0].Message = "changed by the caller"
	run, ok := f.LatestCheckRun("acme/platform", "abc", checks.Validate)
	if !ok {
		t.Fatal("no run")
	}
	want := vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusCompleted, Conclusion: checks.Failure, Title: "1 problem", Summary: "s", ExternalID: "j1", Annotations: []checks.Annotation{a}}
	if diff := cmp.Diff(want, run.Run); diff != "" {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	if len(run.Requests) != 2 {
		t.Errorf("%d requests, want 2", len(run.Requests))
	}
	got, _ := f.CheckStatuses(ctx, repo, "abc")
	wantStatus := []vcs.CheckRunStatus{
		{ID: 1, Name: checks.Validate, Status: "completed", Conclusion: "failure", ExternalID: "j1"},
		{ID: 2, Name: checks.Policy, Status: "completed", Conclusion: "success", ExternalID: "j1"},
	}
	if diff := cmp.Diff(wantStatus, got); diff != "" {
		t.Errorf("check statuses (-want +got):\n%s", diff)
	}
	if err := f.FinishChecks(ctx, repo, set, []vcs.CheckRun{{Name: checks.Scan}}); err == nil {
		t.Error("a run that was not started: no error")
	}
	var methods []vcstest.Method
	for _, c := range f.Calls() {
		methods = append(methods, c.Method)
	}
	wantMethods := []vcstest.Method{vcstest.MethodStartChecks, vcstest.MethodFinishChecks, vcstest.MethodCheckStatuses, vcstest.MethodFinishChecks}
	if diff := cmp.Diff(wantMethods, methods); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if c := f.CallsOf(vcstest.MethodStartChecks); c[0].Number != 3 || len(c[0].Runs) != 2 {
		t.Errorf("start call = %+v", c[0])
	}
}

func TestPullRequestsAndIssues(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	ctx := t.Context()
	f.SetOpenPullRequests("acme/platform", vcs.PullRequest{Number: 4, HeadRef: "feature", BaseRef: "main"})
	pr, err := f.CreatePullRequest(ctx, repo, vcs.NewPullRequest{Title: "Migrate", Body: "b", Head: "dip/migrate/x", Base: "main", Labels: []string{"dip"}})
	if err != nil || pr.Number != 5 || pr.State != vcs.StateOpen {
		t.Fatalf("create = %+v, %v", pr, err)
	}
	if _, err := f.CreatePullRequest(ctx, repo, vcs.NewPullRequest{Head: "dip/migrate/x", Base: "main"}); err == nil {
		t.Error("a second open pull request from one branch: no error")
	}
	title, closed := "Migrate again", vcs.StateClosed
	if got, err := f.EditPullRequest(ctx, repo, 5, vcs.PullRequestEdit{Title: &title, State: &closed}); err != nil || got.Title != title || got.State != closed || got.Body != "b" {
		t.Errorf("edit = %+v, %v", got, err)
	}
	if open, _ := f.OpenPullRequests(ctx, repo); len(open) != 1 || open[0].Number != 4 {
		t.Errorf("open = %+v", open)
	}
	f.SetPullRequestState("acme/platform", 4, vcs.StateMerged)
	if got, _ := f.PullRequest(ctx, repo, 4); got.State != vcs.StateMerged {
		t.Errorf("#4 = %+v", got)
	}
	skipped, err := f.RequestReviewers(ctx, repo, 5, []string{"@acme/payments", "ops@example.com", "@alice"})
	if err != nil || !cmp.Equal(skipped, []string{"ops@example.com"}) || !cmp.Equal(f.Reviewers("acme/platform", 5), []string{"@acme/payments", "@alice"}) {
		t.Errorf("reviewers: skipped %v, %v; requested %v", skipped, err, f.Reviewers("acme/platform", 5))
	}
	if err := f.Comment(ctx, repo, 5, "hello"); err != nil || !cmp.Equal(f.Comments("acme/platform", 5), []string{"hello"}) {
		t.Errorf("comments = %v, %v", f.Comments("acme/platform", 5), err)
	}
	is, err := f.CreateIssue(ctx, repo, vcs.NewIssue{Title: "Migrations", Body: "x", Labels: []string{"dip-migrations"}})
	if err != nil || is.Number != 6 {
		t.Fatalf("create issue = %+v, %v", is, err)
	}
	if _, err := f.EditIssue(ctx, repo, 6, "Migrations", "y"); err != nil {
		t.Fatal(err)
	}
	if found, _ := f.FindIssues(ctx, repo, "dip-migrations"); len(found) != 1 || found[0].Body != "y" {
		t.Errorf("found = %+v", found)
	}
	if found, _ := f.FindIssues(ctx, repo, "other"); len(found) != 0 {
		t.Errorf("found by another label = %+v", found)
	}
	var writes []vcstest.Method
	for _, c := range f.WriteCalls() {
		writes = append(writes, c.Method)
	}
	want := []vcstest.Method{vcstest.MethodCreatePullRequest, vcstest.MethodCreatePullRequest, vcstest.MethodEditPullRequest,
		vcstest.MethodRequestReviewers, vcstest.MethodComment, vcstest.MethodCreateIssue, vcstest.MethodEditIssue}
	if diff := cmp.Diff(want, writes); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

func TestPresets(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	ctx := t.Context()
	pr := vcs.PullRequest{Number: 4, HeadSHA: "h"}
	f.SetOpenPullRequests("acme/platform", pr)
	f.MapCommit("acme/platform", "m", pr)
	f.SetApprovers("acme/platform", 4, "alice")
	f.SetRepositories(repo)
	f.SetCloneAuth("u", "p")

	open := pr
	open.State = vcs.StateOpen
	if got, _ := f.OpenPullRequests(ctx, repo); !cmp.Equal(got, []vcs.PullRequest{open}) {
		t.Errorf("open = %v", got)
	}
	if got, _ := f.PullRequestsForCommit(ctx, repo, "m"); !cmp.Equal(got, []vcs.PullRequest{pr}) {
		t.Errorf("for commit = %v", got)
	}
	if got, _ := f.Approvers(ctx, repo, 4); !cmp.Equal(got, []string{"alice"}) {
		t.Errorf("approvers = %v", got)
	}
	if got, _ := f.Repositories(ctx); !cmp.Equal(got, []vcs.Repo{repo}) {
		t.Errorf("repositories = %v", got)
	}
	if u, p, _ := f.CloneAuth(ctx, repo); u != "u" || p != "p" {
		t.Errorf("clone auth = %q, %q", u, p)
	}
	if c := f.CallsOf(vcstest.MethodApprovers); len(c) != 1 || c[0].Number != 4 {
		t.Errorf("approvers calls = %+v", c)
	}
}

func TestErrors(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	ctx := t.Context()
	once, always := errors.New("once"), errors.New("always")
	f.FailNext(vcstest.MethodStartChecks, once)
	f.SetError(vcstest.MethodApprovers, always)
	target := vcs.CheckTarget{SHA: "a", Names: []string{"n"}}
	if _, err := f.StartChecks(ctx, repo, target); err != once {
		t.Errorf("first start: %v", err)
	}
	if _, err := f.StartChecks(ctx, repo, target); err != nil {
		t.Errorf("second start: %v", err)
	}
	for range 2 {
		if _, err := f.Approvers(ctx, repo, 1); err != always {
			t.Errorf("approvers: %v", err)
		}
	}
	f.SetError(vcstest.MethodApprovers, nil)
	if _, err := f.Approvers(ctx, repo, 1); err != nil {
		t.Errorf("approvers after clearing: %v", err)
	}
	if runs := f.CheckRunsMade(); len(runs) != 1 {
		t.Errorf("%d runs, want 1: the failed create makes none", len(runs))
	}
	if c := f.CallsOf(vcstest.MethodStartChecks); len(c) != 2 || c[0].Err != once || c[1].Err != nil {
		t.Errorf("start calls = %+v", c)
	}
}

func TestConcurrent(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			set, _ := f.StartChecks(t.Context(), repo, vcs.CheckTarget{SHA: "a", Names: []string{"n"}})
			f.FinishChecks(t.Context(), repo, set, []vcs.CheckRun{{Name: "n", Conclusion: checks.Success}})
			f.CheckRunsMade()
		})
	}
	wg.Wait()
	if n := len(f.CallsOf(vcstest.MethodFinishChecks)); n != 10 {
		t.Errorf("%d finishes", n)
	}
}

func TestIsMember(t *testing.T) {
	var f vcstest.Fake
	f.SetMembers("acme/platform", "alice")
	for login, want := range map[string]bool{"alice": true, "bob": false} {
		if ok, err := f.IsMember(t.Context(), testRepo(), login); err != nil || ok != want {
			t.Errorf("IsMember(%q) = %v, %v; want %v", login, ok, err, want)
		}
	}
	if calls := f.CallsOf(vcstest.MethodIsMember); len(calls) != 2 || calls[0].Text == "" {
		t.Errorf("calls = %+v", calls)
	}
}
