package gitlab

import (
	"context"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/vcs"
)

// FindIssues lists repo's issues, open and closed, that carry label,
// oldest first.
func (c *Client) FindIssues(ctx context.Context, repo vcs.Repo, label string) ([]vcs.Issue, error) {
	opts := &gitlab.ListProjectIssuesOptions{
		ListOptions: gitlab.ListOptions{PerPage: 100},
		Labels:      gitlab.Ptr(gitlab.LabelOptions{label}), OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc"),
	}
	list, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Issue, *gitlab.Response, error) {
		return c.gl.Issues.ListProjectIssues(pid(repo), opts, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("list issues labelled %s in %s: %w", label, repo.FullName(), err)
	}
	out := make([]vcs.Issue, len(list))
	for i, is := range list {
		out[i] = issue(is)
	}
	return out, nil
}

// CreateIssue opens an issue. It is not retried after a lost answer: the
// migration bot finds its tracking issue by label before making one.
func (c *Client) CreateIssue(ctx context.Context, repo vcs.Repo, is vcs.NewIssue) (vcs.Issue, error) {
	opts := &gitlab.CreateIssueOptions{Title: &is.Title, Description: &is.Body}
	if len(is.Labels) > 0 {
		opts.Labels = gitlab.Ptr(gitlab.LabelOptions(is.Labels))
	}
	made, _, err := c.gl.Issues.CreateIssue(pid(repo), opts, gitlab.WithContext(ctx))
	if err != nil {
		return vcs.Issue{}, fmt.Errorf("open issue in %s: %w", repo.FullName(), err)
	}
	return issue(made), nil
}

// EditIssue sets the title and description of issue number.
func (c *Client) EditIssue(ctx context.Context, repo vcs.Repo, number int, title, body string) (vcs.Issue, error) {
	is, _, err := c.gl.Issues.UpdateIssue(pid(repo), int64(number),
		&gitlab.UpdateIssueOptions{Title: &title, Description: &body}, gitlab.WithContext(ctx))
	if err != nil {
		return vcs.Issue{}, fmt.Errorf("edit issue %s#%d: %w", repo.FullName(), number, err)
	}
	return issue(is), nil
}

func issue(is *gitlab.Issue) vcs.Issue {
	out := vcs.Issue{Number: int(is.IID), URL: is.WebURL, Title: is.Title, Body: is.Description, State: state(is.State)}
	if is.Author != nil {
		out.Author = is.Author.Username
	}
	return out
}
