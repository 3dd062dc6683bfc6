package vcs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/vcstest"
)

func TestHostsDispatch(t *testing.T) {
	gh, gl := &vcstest.Fake{}, &vcstest.Fake{}
	h := vcs.Hosts{vcs.GitHub: gh, vcs.GitLab: gl}
	ghRepo := vcs.Repo{Host: vcs.GitHub, Owner: "acme", Name: "platform"}
	glRepo := vcs.Repo{Host: vcs.GitLab, Owner: "acme/infra", Name: "platform"}
	gh.SetRepositories(ghRepo)
	gl.SetRepositories(glRepo)
	ctx := t.Context()

	repos, err := h.Repositories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]vcs.Repo{ghRepo, glRepo}, repos); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	set, err := h.StartChecks(ctx, glRepo, vcs.CheckTarget{SHA: "abc", PullRequest: 2, Names: []string{checks.Validate}})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.FinishChecks(ctx, glRepo, set, []vcs.CheckRun{{Name: checks.Validate, Conclusion: checks.Success}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Approvers(ctx, ghRepo, 1); err != nil {
		t.Fatal(err)
	}
	if n := len(gl.CallsOf(vcstest.MethodStartChecks)) + len(gl.CallsOf(vcstest.MethodFinishChecks)); n != 2 {
		t.Errorf("gitlab got %d check calls, want 2", n)
	}
	if len(gh.CallsOf(vcstest.MethodStartChecks)) != 0 || len(gh.CallsOf(vcstest.MethodApprovers)) != 1 || len(gl.CallsOf(vcstest.MethodApprovers)) != 0 {
		t.Errorf("calls went to the wrong host: github %v, gitlab %v", gh.Calls(), gl.Calls())
	}
}

func TestHostsUnknownHost(t *testing.T) {
	h := vcs.Hosts{vcs.GitHub: &vcstest.Fake{}}
	gl := vcs.Repo{Host: vcs.GitLab, Owner: "a", Name: "b"}
	_, err := h.PullRequest(t.Context(), gl, 1)
	if !errors.Is(err, vcs.ErrNoHost) {
		t.Errorf("err = %v, want ErrNoHost", err)
	}
	if got := h.Committer(gl); got != (vcs.Signature{}) {
		t.Errorf("committer of a host not configured: %+v", got)
	}
}

// Each repository's commits are by its own host's identity for dip.
func TestHostsCommitter(t *testing.T) {
	gh, gl := &vcstest.Fake{}, &vcstest.Fake{}
	gl.SetCommitter(vcs.Signature{Name: "dip", Email: "dip@noreply.gitlab.example"})
	h := vcs.Hosts{vcs.GitHub: gh, vcs.GitLab: gl}
	if got := h.Committer(vcs.Repo{Host: vcs.GitLab}); got.Email != "dip@noreply.gitlab.example" {
		t.Errorf("gitlab: %+v", got)
	}
	if got := h.Committer(vcs.Repo{Host: vcs.GitHub}); got != vcstest.DefaultCommitter {
		t.Errorf("github: %+v", got)
	}
}

// One host failing to list its repositories does not hide the other's.
func TestHostsRepositoriesPartial(t *testing.T) {
	gh, gl := &vcstest.Fake{}, &vcstest.Fake{}
	gh.SetRepositories(vcs.Repo{Host: vcs.GitHub, Owner: "acme", Name: "platform"})
	gl.SetError(vcstest.MethodRepositories, errors.New("gitlab down"))
	repos, err := vcs.Hosts{vcs.GitHub: gh, vcs.GitLab: gl}.Repositories(context.Background())
	if len(repos) != 1 || err == nil {
		t.Errorf("repos %v, err %v; want the github one and an error", repos, err)
	}
}

func TestPullRequestRef(t *testing.T) {
	if got := vcs.GitHub.PullRequestRef(7); got != "refs/pull/7/head" {
		t.Errorf("github: %s", got)
	}
	if got := vcs.GitLab.PullRequestRef(7); got != "refs/merge-requests/7/head" {
		t.Errorf("gitlab: %s", got)
	}
}

func TestPullRequestWords(t *testing.T) {
	for h, want := range map[vcs.Host]string{vcs.GitHub: "pull request #7", vcs.GitLab: "merge request !7"} {
		if got := h.PullRequestTerm() + " " + h.PullRequestMention(7); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
}
