package github

import (
	"context"
	"fmt"

	"github.com/google/go-github/v92/github"

	"github.com/dipdev/dip/vcs"
)

// FindIssues lists repo's issues, open and closed, that carry label,
// oldest first. Pull requests, which GitHub lists among issues, are left
// out.
func (c *Client) FindIssues(ctx context.Context, repo vcs.Repo, label string) ([]vcs.Issue, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.IssueListByRepoOptions{
		State: "all", Labels: []string{label}, Sort: "created", Direction: "asc",
		ListOptions: github.ListOptions{PerPage: 100},
	}
	var out []vcs.Issue
	for {
		page, resp, err := in.gh.Issues.ListByRepo(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, fmt.Errorf("list issues labelled %s in %s: %w", label, repo.FullName(), err)
		}
		for _, is := range page {
			if !is.IsPullRequest() {
				out = append(out, issue(is))
			}
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.ListOptions.Page = resp.NextPage
	}
}

// CreateIssue opens an issue.
func (c *Client) CreateIssue(ctx context.Context, repo vcs.Repo, is vcs.NewIssue) (vcs.Issue, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return vcs.Issue{}, err
	}
	made, _, err := in.gh.Issues.Create(ctx, repo.Owner, repo.Name, github.CreateIssueRequest{
		Title: is.Title, Body: &is.Body, Labels: is.Labels,
	})
	if err != nil {
		return vcs.Issue{}, fmt.Errorf("open issue in %s: %w", repo.FullName(), err)
	}
	return issue(made), nil
}

// EditIssue sets the title and body of issue number.
func (c *Client) EditIssue(ctx context.Context, repo vcs.Repo, number int, title, body string) (vcs.Issue, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return vcs.Issue{}, err
	}
	is, _, err := in.gh.Issues.Update(ctx, repo.Owner, repo.Name, number, github.UpdateIssueRequest{Title: &title, Body: &body})
	if err != nil {
		return vcs.Issue{}, fmt.Errorf("edit issue %s#%d: %w", repo.FullName(), number, err)
	}
	return issue(is), nil
}

func issue(is *github.Issue) vcs.Issue {
	return vcs.Issue{
		Number: is.GetNumber(),
		URL:    is.GetHTMLURL(),
		Title:  is.GetTitle(),
		Body:   is.GetBody(),
		State:  is.GetState(),
		Author: is.GetUser().GetLogin(),
	}
}
