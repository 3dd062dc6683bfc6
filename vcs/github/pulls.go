package github

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/go-github/v92/github"

	"github.com/dipdev/dip/vcs"
)

// OpenPullRequests lists repo's open pull requests, oldest first.
func (c *Client) OpenPullRequests(ctx context.Context, repo vcs.Repo) ([]vcs.PullRequest, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.PullRequestListOptions{State: "open", Sort: "created", Direction: "asc", ListOptions: github.ListOptions{PerPage: 100}}
	var prs []vcs.PullRequest
	for {
		page, resp, err := in.gh.PullRequests.List(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("list open pull requests of %s: %w", repo.FullName(), err)
		}
		for _, p := range page {
			prs = append(prs, pullRequest(p))
		}
		if resp.NextPage == 0 {
			return prs, nil
		}
		opts.Page = resp.NextPage
	}
}

// PullRequestsForCommit lists the merged pull requests that sha belongs
// to.
func (c *Client) PullRequestsForCommit(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.PullRequest, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.ListOptions{PerPage: 100}
	var prs []vcs.PullRequest
	for {
		page, resp, err := in.gh.PullRequests.ListPullRequestsWithCommit(ctx, repo.Owner, repo.Name, sha, opts)
		if err != nil {
			return nil, fmt.Errorf("list pull requests of commit %s in %s: %w", sha, repo.FullName(), err)
		}
		for _, p := range page {
			if p.MergedAt != nil && !p.MergedAt.IsZero() {
				prs = append(prs, pullRequest(p))
			}
		}
		if resp.NextPage == 0 {
			return prs, nil
		}
		opts.Page = resp.NextPage
	}
}

// Approvers lists, sorted, who approved pull request number: each
// reviewer's latest review that is an approval, a change request or a
// dismissal decides; comments change nothing.
func (c *Client) Approvers(ctx context.Context, repo vcs.Repo, number int) ([]string, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.ListOptions{PerPage: 100}
	approved := map[string]bool{}
	for {
		// GitHub lists reviews oldest first.
		page, resp, err := in.gh.PullRequests.ListReviews(ctx, repo.Owner, repo.Name, number, opts)
		if err != nil {
			return nil, fmt.Errorf("list reviews of %s#%d: %w", repo.FullName(), number, err)
		}
		for _, r := range page {
			login := r.GetUser().GetLogin()
			switch r.GetState() {
			case "APPROVED":
				approved[login] = true
			case "CHANGES_REQUESTED", "DISMISSED":
				approved[login] = false
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var logins []string
	for login, ok := range approved {
		if ok && login != "" {
			logins = append(logins, login)
		}
	}
	slices.Sort(logins)
	return logins, nil
}

// pullRequest is p in dip's terms. A head whose repository is gone was a
// fork.
func pullRequest(p *github.PullRequest) vcs.PullRequest {
	head, base := p.GetHead(), p.GetBase()
	return vcs.PullRequest{
		Number:  p.GetNumber(),
		URL:     p.GetHTMLURL(),
		Author:  p.GetUser().GetLogin(),
		HeadSHA: head.GetSHA(),
		HeadRef: head.GetRef(),
		BaseSHA: base.GetSHA(),
		BaseRef: base.GetRef(),
		Fork:    head.GetRepo().GetID() != base.GetRepo().GetID(),
		Draft:   p.GetDraft(),
	}
}
