package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

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

// PullRequest returns pull request number, open or not.
func (c *Client) PullRequest(ctx context.Context, repo vcs.Repo, number int) (vcs.PullRequest, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return vcs.PullRequest{}, err
	}
	p, _, err := in.gh.PullRequests.Get(ctx, repo.Owner, repo.Name, number)
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound {
		return vcs.PullRequest{}, fmt.Errorf("get %s#%d: %w: %w", repo.FullName(), number, vcs.ErrNotFound, err)
	}
	if err != nil {
		return vcs.PullRequest{}, fmt.Errorf("get %s#%d: %w", repo.FullName(), number, err)
	}
	return pullRequest(p), nil
}

// CreatePullRequest opens a pull request from branch pr.Head of repo and
// labels it. A pull request made but not labelled is returned with the
// error.
func (c *Client) CreatePullRequest(ctx context.Context, repo vcs.Repo, pr vcs.NewPullRequest) (vcs.PullRequest, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return vcs.PullRequest{}, err
	}
	p, _, err := in.gh.PullRequests.Create(ctx, repo.Owner, repo.Name, github.CreatePullRequest{
		Title: &pr.Title, Head: pr.Head, Base: pr.Base, Body: &pr.Body,
		MaintainerCanModify: github.Ptr(true),
	})
	if err != nil {
		return vcs.PullRequest{}, fmt.Errorf("open pull request from %s in %s: %w", pr.Head, repo.FullName(), err)
	}
	out := pullRequest(p)
	if len(pr.Labels) > 0 {
		if _, _, err := in.gh.Issues.AddLabelsToIssue(ctx, repo.Owner, repo.Name, out.Number, pr.Labels); err != nil {
			return out, fmt.Errorf("label %s#%d: %w", repo.FullName(), out.Number, err)
		}
		out.Labels = slices.Clone(pr.Labels)
	}
	return out, nil
}

// EditPullRequest changes the title, body or state of pull request
// number.
func (c *Client) EditPullRequest(ctx context.Context, repo vcs.Repo, number int, edit vcs.PullRequestEdit) (vcs.PullRequest, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return vcs.PullRequest{}, err
	}
	p, _, err := in.gh.PullRequests.Edit(ctx, repo.Owner, repo.Name, number, &github.PullRequest{
		Title: edit.Title, Body: edit.Body, State: edit.State,
	})
	if err != nil {
		return vcs.PullRequest{}, fmt.Errorf("edit %s#%d: %w", repo.FullName(), number, err)
	}
	return pullRequest(p), nil
}

// RequestReviewers asks users ("@login") and teams of the repository's
// organisation ("@org/team") to review pull request number. E-mail
// addresses, teams of other organisations and anyone GitHub refuses (not
// a collaborator, the pull request's author) are skipped.
func (c *Client) RequestReviewers(ctx context.Context, repo vcs.Repo, number int, reviewers []string) ([]string, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return nil, err
	}
	var req github.ReviewersRequest
	var skipped []string
	who := map[string]string{}
	for _, r := range reviewers {
		name, ok := strings.CutPrefix(r, "@")
		org, team, isTeam := strings.Cut(name, "/")
		switch {
		case !ok || name == "" || (isTeam && (!strings.EqualFold(org, repo.Owner) || team == "" || strings.Contains(team, "/"))):
			skipped = append(skipped, r)
		case isTeam:
			req.TeamReviewers = append(req.TeamReviewers, team)
			who["team:"+team] = r
		default:
			req.Reviewers = append(req.Reviewers, name)
			who["user:"+name] = r
		}
	}
	if len(req.Reviewers)+len(req.TeamReviewers) == 0 {
		return skipped, nil
	}
	_, _, err = in.gh.PullRequests.RequestReviewers(ctx, repo.Owner, repo.Name, number, req)
	if !unprocessable(err) {
		if err != nil {
			return skipped, fmt.Errorf("request reviewers of %s#%d: %w", repo.FullName(), number, err)
		}
		return skipped, nil
	}
	// GitHub refuses the whole request for one reviewer it cannot ask:
	// ask each on their own.
	one := func(kind, name string, r github.ReviewersRequest) error {
		_, _, err := in.gh.PullRequests.RequestReviewers(ctx, repo.Owner, repo.Name, number, r)
		if unprocessable(err) {
			skipped = append(skipped, who[kind+":"+name])
			return nil
		}
		return err
	}
	for _, u := range req.Reviewers {
		if err := one("user", u, github.ReviewersRequest{Reviewers: []string{u}}); err != nil {
			return skipped, fmt.Errorf("request review of %s#%d from %s: %w", repo.FullName(), number, u, err)
		}
	}
	for _, t := range req.TeamReviewers {
		if err := one("team", t, github.ReviewersRequest{TeamReviewers: []string{t}}); err != nil {
			return skipped, fmt.Errorf("request review of %s#%d from team %s: %w", repo.FullName(), number, t, err)
		}
	}
	return skipped, nil
}

// Comment adds a comment to pull request number.
func (c *Client) Comment(ctx context.Context, repo vcs.Repo, number int, body string) error {
	in, err := c.repoClient(repo)
	if err != nil {
		return err
	}
	if _, _, err := in.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, number, github.IssueCommentRequest{Body: body}); err != nil {
		return fmt.Errorf("comment on %s#%d: %w", repo.FullName(), number, err)
	}
	return nil
}

// IsMember reports whether login is a collaborator of repo: an outside
// collaborator, an organisation member with access, or a member of a team
// with access. A login that is no user on GitHub is not a member.
func (c *Client) IsMember(ctx context.Context, repo vcs.Repo, login string) (bool, error) {
	if login == "" || strings.ContainsAny(login, "/?#%") {
		return false, nil
	}
	in, err := c.repoClient(repo)
	if err != nil {
		return false, err
	}
	ok, _, err := in.gh.Repositories.IsCollaborator(ctx, repo.Owner, repo.Name, login)
	if err != nil {
		return false, fmt.Errorf("is %s a collaborator of %s: %w", login, repo.FullName(), err)
	}
	return ok, nil
}

// unprocessable reports whether GitHub answered 422.
func unprocessable(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnprocessableEntity
}

// pullRequest is p in dip's terms. A head whose repository is gone was a
// fork.
func pullRequest(p *github.PullRequest) vcs.PullRequest {
	head, base := p.GetHead(), p.GetBase()
	out := vcs.PullRequest{
		Number:  p.GetNumber(),
		URL:     p.GetHTMLURL(),
		Author:  p.GetUser().GetLogin(),
		HeadSHA: head.GetSHA(),
		HeadRef: head.GetRef(),
		BaseSHA: base.GetSHA(),
		BaseRef: base.GetRef(),
		Fork:    head.GetRepo().GetID() != base.GetRepo().GetID(),
		Draft:   p.GetDraft(),
		Title:   p.GetTitle(),
		Body:    p.GetBody(),
		State:   p.GetState(),
		Times: vcs.Timestamps{
			Created: p.GetCreatedAt().Time, Updated: p.GetUpdatedAt().Time,
			Closed: p.GetClosedAt().Time, Merged: p.GetMergedAt().Time,
		},
	}
	if p.GetMerged() || !out.Times.Merged.IsZero() {
		out.State = vcs.StateMerged
	}
	for _, l := range p.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	return out
}
