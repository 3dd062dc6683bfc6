package vcs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Hosts is a Provider that serves several code hosts at once: each call
// goes to the provider of the repository's Host, and Repositories joins
// the repositories of all of them. dip serve configured for GitHub and
// GitLab hands one Hosts to everything that needs a Provider, which then
// never asks which host it serves.
type Hosts map[Host]Provider

var _ Provider = Hosts(nil)

// ErrNoHost is a repository of a host dip is not configured for.
var ErrNoHost = errors.New("code host not configured")

func (h Hosts) of(repo Repo) (Provider, error) {
	p, ok := h[repo.Host]
	if !ok || p == nil {
		return nil, fmt.Errorf("repository %s: %w: %q", repo.FullName(), ErrNoHost, repo.Host)
	}
	return p, nil
}

// Repositories lists the repositories of every host, hosts in name order.
// A host that fails does not hide the others': their repositories are
// returned with the joined errors.
func (h Hosts) Repositories(ctx context.Context) ([]Repo, error) {
	var repos []Repo
	var errs []error
	for _, host := range slices.Sorted(maps.Keys(h)) {
		rs, err := h[host].Repositories(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", host, err))
		}
		repos = append(repos, rs...)
	}
	return repos, errors.Join(errs...)
}

func (h Hosts) CloneAuth(ctx context.Context, repo Repo) (string, string, error) {
	p, err := h.of(repo)
	if err != nil {
		return "", "", err
	}
	return p.CloneAuth(ctx, repo)
}

func (h Hosts) IsMember(ctx context.Context, repo Repo, login string) (bool, error) {
	p, err := h.of(repo)
	if err != nil {
		return false, err
	}
	return p.IsMember(ctx, repo, login)
}

// Committer is the identity of repo's host; the zero Signature when h has
// no provider for it.
func (h Hosts) Committer(repo Repo) Signature {
	p, err := h.of(repo)
	if err != nil {
		return Signature{}
	}
	return p.Committer(repo)
}

func (h Hosts) StartChecks(ctx context.Context, repo Repo, t CheckTarget) (CheckSet, error) {
	p, err := h.of(repo)
	if err != nil {
		return CheckSet{CheckTarget: t}, err
	}
	return p.StartChecks(ctx, repo, t)
}

func (h Hosts) FinishChecks(ctx context.Context, repo Repo, set CheckSet, runs []CheckRun) error {
	p, err := h.of(repo)
	if err != nil {
		return err
	}
	return p.FinishChecks(ctx, repo, set, runs)
}

func (h Hosts) CheckStatuses(ctx context.Context, repo Repo, sha string) ([]CheckRunStatus, error) {
	p, err := h.of(repo)
	if err != nil {
		return nil, err
	}
	return p.CheckStatuses(ctx, repo, sha)
}

func (h Hosts) OpenPullRequests(ctx context.Context, repo Repo) ([]PullRequest, error) {
	p, err := h.of(repo)
	if err != nil {
		return nil, err
	}
	return p.OpenPullRequests(ctx, repo)
}

func (h Hosts) PullRequest(ctx context.Context, repo Repo, number int) (PullRequest, error) {
	p, err := h.of(repo)
	if err != nil {
		return PullRequest{}, err
	}
	return p.PullRequest(ctx, repo, number)
}

func (h Hosts) PullRequestsForCommit(ctx context.Context, repo Repo, sha string) ([]PullRequest, error) {
	p, err := h.of(repo)
	if err != nil {
		return nil, err
	}
	return p.PullRequestsForCommit(ctx, repo, sha)
}

func (h Hosts) Approvers(ctx context.Context, repo Repo, number int) ([]string, error) {
	p, err := h.of(repo)
	if err != nil {
		return nil, err
	}
	return p.Approvers(ctx, repo, number)
}

func (h Hosts) CreatePullRequest(ctx context.Context, repo Repo, pr NewPullRequest) (PullRequest, error) {
	p, err := h.of(repo)
	if err != nil {
		return PullRequest{}, err
	}
	return p.CreatePullRequest(ctx, repo, pr)
}

func (h Hosts) EditPullRequest(ctx context.Context, repo Repo, number int, edit PullRequestEdit) (PullRequest, error) {
	p, err := h.of(repo)
	if err != nil {
		return PullRequest{}, err
	}
	return p.EditPullRequest(ctx, repo, number, edit)
}

func (h Hosts) RequestReviewers(ctx context.Context, repo Repo, number int, reviewers []string) ([]string, error) {
	p, err := h.of(repo)
	if err != nil {
		return nil, err
	}
	return p.RequestReviewers(ctx, repo, number, reviewers)
}

func (h Hosts) Comment(ctx context.Context, repo Repo, number int, body string) error {
	p, err := h.of(repo)
	if err != nil {
		return err
	}
	return p.Comment(ctx, repo, number, body)
}

func (h Hosts) FindIssues(ctx context.Context, repo Repo, label string) ([]Issue, error) {
	p, err := h.of(repo)
	if err != nil {
		return nil, err
	}
	return p.FindIssues(ctx, repo, label)
}

func (h Hosts) CreateIssue(ctx context.Context, repo Repo, issue NewIssue) (Issue, error) {
	p, err := h.of(repo)
	if err != nil {
		return Issue{}, err
	}
	return p.CreateIssue(ctx, repo, issue)
}

func (h Hosts) EditIssue(ctx context.Context, repo Repo, number int, title, body string) (Issue, error) {
	p, err := h.of(repo)
	if err != nil {
		return Issue{}, err
	}
	return p.EditIssue(ctx, repo, number, title, body)
}
