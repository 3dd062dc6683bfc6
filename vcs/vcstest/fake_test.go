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

func TestCheckRuns(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	ctx := t.Context()
	id, err := f.CreateCheckRun(ctx, repo, "abc", vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusInProgress, ExternalID: "j1"})
	if err != nil || id != 1 {
		t.Fatalf("create = %d, %v", id, err)
	}
	a := checks.Annotation{Pos: platform.Pos{File: "a.yaml", Line: 2}, Level: checks.LevelFailure, Message: "bad"}
	b := checks.Annotation{Pos: platform.Pos{File: "b.yaml", Line: 3}, Level: checks.LevelWarning, Message: "meh"}
	done := vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusCompleted, Conclusion: checks.Failure, Title: "2 problems", Summary: "s", Annotations: []checks.Annotation{a}}
	if err := f.UpdateCheckRun(ctx, repo, id, done); err != nil {
		t.Fatal(err)
	}
	done.Annotations[0].Message = "changed by the caller"
	if err := f.UpdateCheckRun(ctx, repo, id, vcs.CheckRun{Name: checks.Validate, Annotations: []checks.Annotation{b}}); err != nil {
		t.Fatal(err)
	}
	run, ok := f.LatestCheckRun("acme/platform", "abc", checks.Validate)
	if !ok {
		t.Fatal("no run")
	}
	want := vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusCompleted, Conclusion: checks.Failure, Title: "2 problems", Summary: "s", ExternalID: "j1", Annotations: []checks.Annotation{a, b}}
	if diff := cmp.Diff(want, run.Run); diff != "" {
		t.Errorf("run (-want +got):\n%s", diff)
	}
	if len(run.Requests) != 3 {
		t.Errorf("%d requests, want 3", len(run.Requests))
	}
	got, _ := f.CheckRuns(ctx, repo, "abc")
	if diff := cmp.Diff([]vcs.CheckRunStatus{{ID: 1, Name: checks.Validate, Status: "completed", Conclusion: "failure", ExternalID: "j1"}}, got); diff != "" {
		t.Errorf("check runs (-want +got):\n%s", diff)
	}
	if err := f.UpdateCheckRun(ctx, repo, 9, done); err == nil {
		t.Error("unknown run: no error")
	}
	var methods []vcstest.Method
	for _, c := range f.Calls() {
		methods = append(methods, c.Method)
	}
	wantMethods := []vcstest.Method{vcstest.MethodCreateCheckRun, vcstest.MethodUpdateCheckRun, vcstest.MethodUpdateCheckRun, vcstest.MethodCheckRuns, vcstest.MethodUpdateCheckRun}
	if diff := cmp.Diff(wantMethods, methods); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
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

	if got, _ := f.OpenPullRequests(ctx, repo); !cmp.Equal(got, []vcs.PullRequest{pr}) {
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
	f.FailNext(vcstest.MethodCreateCheckRun, once)
	f.SetError(vcstest.MethodApprovers, always)
	if _, err := f.CreateCheckRun(ctx, repo, "a", vcs.CheckRun{Name: "n"}); err != once {
		t.Errorf("first create: %v", err)
	}
	if _, err := f.CreateCheckRun(ctx, repo, "a", vcs.CheckRun{Name: "n"}); err != nil {
		t.Errorf("second create: %v", err)
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
	if c := f.CallsOf(vcstest.MethodCreateCheckRun); len(c) != 2 || c[0].Err != once || c[1].ID != 1 {
		t.Errorf("create calls = %+v", c)
	}
}

func TestConcurrent(t *testing.T) {
	var f vcstest.Fake
	repo := testRepo()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			id, _ := f.CreateCheckRun(t.Context(), repo, "a", vcs.CheckRun{Name: "n"})
			f.UpdateCheckRun(t.Context(), repo, id, vcs.CheckRun{Name: "n", Status: vcs.StatusCompleted})
			f.CheckRunsMade()
		})
	}
	wg.Wait()
	if n := len(f.CallsOf(vcstest.MethodUpdateCheckRun)); n != 10 {
		t.Errorf("%d updates", n)
	}
}
