package github_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

func pr(n int) vcs.PullRequest {
	return vcs.PullRequest{
		Number: n, Author: fmt.Sprintf("dev%d", n),
		HeadSHA: fmt.Sprintf("head%d", n), HeadRef: fmt.Sprintf("change-%d", n),
		BaseSHA: "base", BaseRef: "main",
	}
}

func TestOpenPullRequests(t *testing.T) {
	e := setup(t, githubtest.WithPageSize(2))
	var want []vcs.PullRequest
	for n := 1; n <= 5; n++ {
		p := pr(n)
		p.Fork = n == 2
		p.Draft = n == 3
		e.srv.AddPullRequest("acme/platform", p)
		p.URL = fmt.Sprintf("%s/acme/platform/pull/%d", e.srv.URL(), n)
		p.State = vcs.StateOpen
		p.Times = vcs.Timestamps{Created: e.clock.Now(), Updated: e.clock.Now()}
		want = append(want, p)
	}
	e.srv.AddPullRequest("acme/platform", pr(6))
	e.srv.ClosePullRequest("acme/platform", 6)

	got, err := e.c.OpenPullRequests(t.Context(), e.repo)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("open pull requests (-want +got):\n%s", diff)
	}
	if n := e.srv.CountRequests(http.MethodGet, "/repos/acme/platform/pulls"); n != 3 {
		t.Errorf("%d pages, want 3", n)
	}
}

func TestPullRequestsForCommit(t *testing.T) {
	e := setup(t, githubtest.WithPageSize(2))
	for n := 1; n <= 4; n++ {
		e.srv.AddPullRequest("acme/platform", pr(n))
	}
	e.srv.MergePullRequest("acme/platform", 1)
	e.srv.ClosePullRequest("acme/platform", 2)
	e.srv.MergePullRequest("acme/platform", 4)
	e.srv.MapCommitToPulls("acme/platform", "c0ffee", 1, 2, 3, 4)

	got, err := e.c.PullRequestsForCommit(t.Context(), e.repo, "c0ffee")
	if err != nil {
		t.Fatal(err)
	}
	var numbers []int
	for _, p := range got {
		numbers = append(numbers, p.Number)
	}
	if diff := cmp.Diff([]int{1, 4}, numbers); diff != "" {
		t.Errorf("merged pull requests (-want +got):\n%s", diff)
	}
	if got, err := e.c.PullRequestsForCommit(t.Context(), e.repo, "unknown"); err != nil || len(got) != 0 {
		t.Errorf("unknown commit: %v, %v", got, err)
	}
}

func TestApprovers(t *testing.T) {
	e := setup(t, githubtest.WithPageSize(2))
	e.srv.AddPullRequest("acme/platform", pr(7))
	e.srv.SetReviews("acme/platform", 7,
		githubtest.Review{User: "alice", State: "APPROVED"},
		githubtest.Review{User: "bob", State: "APPROVED"},
		githubtest.Review{User: "carol", State: "CHANGES_REQUESTED"},
		githubtest.Review{User: "bob", State: "CHANGES_REQUESTED"},
		githubtest.Review{User: "carol", State: "APPROVED"},
		githubtest.Review{User: "dave", State: "APPROVED"},
		githubtest.Review{User: "alice", State: "COMMENTED"},
		githubtest.Review{User: "dave", State: "DISMISSED"},
		githubtest.Review{User: "erin", State: "COMMENTED"},
	)
	got, err := e.c.Approvers(t.Context(), e.repo, 7)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"alice", "carol"}, got); diff != "" {
		t.Errorf("approvers (-want +got):\n%s", diff)
	}
	if n := e.srv.CountRequests(http.MethodGet, "/repos/acme/platform/pulls/7/reviews"); n != 5 {
		t.Errorf("%d pages, want 5", n)
	}
	if _, err := e.c.Approvers(t.Context(), e.repo, 99); err == nil {
		t.Error("unknown pull request: no error")
	}
}

func TestPullRequestLifecycle(t *testing.T) {
	branches := map[string]string{"main": "base1", "dip/migrate/x": "head1"}
	var opened []int
	e := setup(t,
		githubtest.WithRefs(func(repo, branch string) (string, bool) {
			sha, ok := branches[branch]
			return sha, ok && repo == "acme/platform"
		}),
		githubtest.OnPullRequest(func(repo string, n int, head string) { opened = append(opened, n) }))
	ctx := t.Context()
	e.srv.AddPullRequest("acme/platform", pr(1))

	if _, err := e.c.CreatePullRequest(ctx, e.repo, vcs.NewPullRequest{Title: "t", Head: "nowhere", Base: "main"}); err == nil {
		t.Error("a pull request from a missing branch: no error")
	}
	made, err := e.c.CreatePullRequest(ctx, e.repo, vcs.NewPullRequest{
		Title: "Migrate payments", Body: "body", Head: "dip/migrate/x", Base: "main", Labels: []string{"dip", "migration"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if made.Number != 2 || made.State != vcs.StateOpen || made.HeadSHA != "head1" || made.Title != "Migrate payments" ||
		!cmp.Equal(made.Labels, []string{"dip", "migration"}) || !cmp.Equal(opened, []int{2}) {
		t.Errorf("made = %+v, opened %v", made, opened)
	}
	if _, err := e.c.CreatePullRequest(ctx, e.repo, vcs.NewPullRequest{Title: "again", Head: "dip/migrate/x", Base: "main"}); err == nil {
		t.Error("a second pull request from one branch: no error")
	}
	branches["dip/migrate/x"] = "head2"
	got, err := e.c.PullRequest(ctx, e.repo, 2)
	if err != nil || got.HeadSHA != "head2" || got.Body != "body" || !cmp.Equal(got.Labels, []string{"dip", "migration"}) {
		t.Errorf("get = %+v, %v", got, err)
	}
	body, closed := "nothing left", vcs.StateClosed
	got, err = e.c.EditPullRequest(ctx, e.repo, 2, vcs.PullRequestEdit{Body: &body, State: &closed})
	if err != nil || got.State != vcs.StateClosed || got.Body != body || got.Title != "Migrate payments" || got.Times.Closed.IsZero() {
		t.Errorf("edit = %+v, %v", got, err)
	}
	e.srv.MergePullRequest("acme/platform", 1)
	if got, _ := e.c.PullRequest(ctx, e.repo, 1); got.State != vcs.StateMerged {
		t.Errorf("merged pull request has state %q", got.State)
	}
	open := vcs.StateOpen
	if _, err := e.c.EditPullRequest(ctx, e.repo, 1, vcs.PullRequestEdit{State: &open}); err == nil {
		t.Error("reopening a merged pull request: no error")
	}
	if err := e.c.Comment(ctx, e.repo, 2, "closed: nothing left to migrate"); err != nil {
		t.Fatal(err)
	}
	if c := e.srv.Comments("acme/platform", 2); len(c) != 1 || c[0].Body != "closed: nothing left to migrate" || c[0].Author != githubtest.BotLogin {
		t.Errorf("comments = %+v", c)
	}
	if _, err := e.c.PullRequest(ctx, e.repo, 99); err == nil {
		t.Error("unknown pull request: no error")
	}
}

func TestRequestReviewers(t *testing.T) {
	e := setup(t)
	e.srv.AddPullRequest("acme/platform", pr(3))
	e.srv.SetCollaborators("acme/platform", []string{"alice", "bob"}, []string{"payments"})
	skipped, err := e.c.RequestReviewers(t.Context(), e.repo, 3, []string{
		"@alice", "@acme/payments", "@stranger", "@other-org/team", "ops@example.com", "@acme/unknown", "@bob",
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"@other-org/team", "ops@example.com", "@stranger", "@acme/unknown"}, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	prs := e.srv.PullRequests("acme/platform")
	if diff := cmp.Diff([]string{"alice", "bob", "team:payments"}, prs[0].Requested); diff != "" {
		t.Errorf("requested (-want +got):\n%s", diff)
	}
	// One refused request, then each reviewer on their own.
	if n := e.srv.CountRequests(http.MethodPost, "/repos/acme/platform/pulls/3/requested_reviewers"); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
	if skipped, err := e.c.RequestReviewers(t.Context(), e.repo, 3, []string{"nobody@example.com"}); err != nil || len(skipped) != 1 {
		t.Errorf("only e-mail: %v, %v", skipped, err)
	}
}

func TestIssues(t *testing.T) {
	e := setup(t, githubtest.WithPageSize(1))
	ctx := t.Context()
	p := pr(1)
	e.srv.AddPullRequest("acme/platform", p)
	if _, err := e.c.CreatePullRequest(ctx, e.repo, vcs.NewPullRequest{Title: "labelled", Head: "b", Base: "main", Labels: []string{"dip-migrations"}}); err != nil {
		t.Fatal(err)
	}
	first, err := e.c.CreateIssue(ctx, e.repo, vcs.NewIssue{Title: "Migrations", Body: "v1", Labels: []string{"dip-migrations"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.CreateIssue(ctx, e.repo, vcs.NewIssue{Title: "Other", Labels: []string{"bug"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.EditIssue(ctx, e.repo, first.Number, "Migrations", "v2"); err != nil {
		t.Fatal(err)
	}
	found, err := e.c.FindIssues(ctx, e.repo, "dip-migrations")
	if err != nil {
		t.Fatal(err)
	}
	want := []vcs.Issue{{Number: 3, URL: fmt.Sprintf("%s/acme/platform/issues/3", e.srv.URL()), Title: "Migrations", Body: "v2", State: "open", Author: githubtest.BotLogin}}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("issues (-want +got):\n%s", diff)
	}
	if _, err := e.c.EditIssue(ctx, e.repo, 42, "x", "y"); err == nil {
		t.Error("unknown issue: no error")
	}
}

func TestIsMember(t *testing.T) {
	e := setup(t)
	ctx := t.Context()
	if ok, err := e.c.IsMember(ctx, e.repo, "anyone"); err != nil || !ok {
		t.Errorf("without collaborators set: %v, %v; want a member", ok, err)
	}
	e.srv.SetCollaborators("acme/platform", []string{"Alice"}, nil)
	for login, want := range map[string]bool{"alice": true, "mallory": false, "": false, "../x": false} {
		ok, err := e.c.IsMember(ctx, e.repo, login)
		if err != nil || ok != want {
			t.Errorf("IsMember(%q) = %v, %v; want %v", login, ok, err, want)
		}
	}
	if n := e.srv.CountRequests(http.MethodGet, "/repos/acme/platform/collaborators/"); n != 3 {
		t.Errorf("%d collaborator requests, want 3 (none for logins that cannot be one)", n)
	}
}

func TestPullRequestNotFound(t *testing.T) {
	e := setup(t)
	if _, err := e.c.PullRequest(t.Context(), e.repo, 9); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}
