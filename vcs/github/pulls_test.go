package github_test

import (
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
