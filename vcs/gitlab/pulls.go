package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// mergeRequest reads merge request iid, with its diff refs.
func (c *Client) mergeRequest(ctx context.Context, repo vcs.Repo, iid int) (*gitlab.MergeRequest, error) {
	mr, _, err := c.gl.MergeRequests.GetMergeRequest(pid(repo), int64(iid), nil, gitlab.WithContext(ctx))
	if status(err) == http.StatusNotFound {
		// Deleted by an owner of the project, or never made.
		return nil, fmt.Errorf("get %s!%d: %w: %w", repo.FullName(), iid, vcs.ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s!%d: %w", repo.FullName(), iid, err)
	}
	return mr, nil
}

// OpenPullRequests lists repo's open merge requests, oldest first.
func (c *Client) OpenPullRequests(ctx context.Context, repo vcs.Repo) ([]vcs.PullRequest, error) {
	opts := &gitlab.ListProjectMergeRequestsOptions{
		ListOptions: gitlab.ListOptions{PerPage: 100},
		State:       gitlab.Ptr("opened"), OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc"),
	}
	mrs, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.BasicMergeRequest, *gitlab.Response, error) {
		return c.gl.MergeRequests.ListProjectMergeRequests(pid(repo), opts, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("list open merge requests of %s: %w", repo.FullName(), err)
	}
	out := make([]vcs.PullRequest, len(mrs))
	for i, mr := range mrs {
		out[i] = pullRequest(mr)
	}
	return out, nil
}

// PullRequest returns merge request number, open or not.
func (c *Client) PullRequest(ctx context.Context, repo vcs.Repo, number int) (vcs.PullRequest, error) {
	mr, err := c.mergeRequest(ctx, repo, number)
	if err != nil {
		return vcs.PullRequest{}, err
	}
	return fullPullRequest(mr), nil
}

// PullRequestsForCommit lists the merged merge requests sha belongs to:
// those that brought it, and the one whose merge commit it is.
func (c *Client) PullRequestsForCommit(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.PullRequest, error) {
	mrs, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.BasicMergeRequest, *gitlab.Response, error) {
		return c.gl.Commits.ListMergeRequestsByCommit(pid(repo), sha, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("list merge requests of commit %s in %s: %w", sha, repo.FullName(), err)
	}
	var out []vcs.PullRequest
	for _, mr := range mrs {
		if mr.State == "merged" {
			out = append(out, pullRequest(mr))
		}
	}
	return out, nil
}

// Approvers lists, sorted, who approves merge request number now: GitLab
// keeps the approvals that stand, an approval withdrawn is gone.
func (c *Client) Approvers(ctx context.Context, repo vcs.Repo, number int) ([]string, error) {
	a, _, err := c.gl.MergeRequestApprovals.GetConfiguration(pid(repo), int64(number), gitlab.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("approvals of %s!%d: %w", repo.FullName(), number, err)
	}
	var out []string
	for _, who := range a.ApprovedBy {
		if who != nil && who.User != nil && who.User.Username != "" && !slices.Contains(out, who.User.Username) {
			out = append(out, who.User.Username)
		}
	}
	slices.Sort(out)
	return out, nil
}

// CreatePullRequest opens a merge request from branch pr.Head of repo,
// labelled. GitLab refuses a second open one of the same branches; a
// create whose answer was lost is looked for before it is made again.
func (c *Client) CreatePullRequest(ctx context.Context, repo vcs.Repo, pr vcs.NewPullRequest) (vcs.PullRequest, error) {
	opts := &gitlab.CreateMergeRequestOptions{
		Title: &pr.Title, Description: &pr.Body, SourceBranch: &pr.Head, TargetBranch: &pr.Base,
	}
	if len(pr.Labels) > 0 {
		opts.Labels = gitlab.Ptr(gitlab.LabelOptions(pr.Labels))
	}
	for attempt := 1; ; attempt++ {
		mr, _, err := c.gl.MergeRequests.CreateMergeRequest(pid(repo), opts, gitlab.WithContext(ctx))
		if err == nil {
			return fullPullRequest(mr), nil
		}
		if !lost(ctx, err) || attempt == retry.MaxAttempts {
			return vcs.PullRequest{}, fmt.Errorf("open merge request from %s in %s: %w", pr.Head, repo.FullName(), err)
		}
		if made, ok, lerr := c.openFrom(ctx, repo, pr.Head, pr.Base); lerr == nil && ok {
			return made, nil
		}
		c.log.WarnContext(ctx, "gitlab merge request create retried", "repo", repo.FullName(), "branch", pr.Head, "attempt", attempt)
		if err := c.clock.Sleep(ctx, retry.Backoff(attempt)); err != nil {
			return vcs.PullRequest{}, err
		}
	}
}

// openFrom finds the open merge request from head into base.
func (c *Client) openFrom(ctx context.Context, repo vcs.Repo, head, base string) (vcs.PullRequest, bool, error) {
	mrs, _, err := c.gl.MergeRequests.ListProjectMergeRequests(pid(repo), &gitlab.ListProjectMergeRequestsOptions{
		State: gitlab.Ptr("opened"), SourceBranch: &head, TargetBranch: &base,
	}, gitlab.WithContext(ctx))
	if err != nil || len(mrs) == 0 {
		return vcs.PullRequest{}, false, err
	}
	return pullRequest(mrs[0]), true, nil
}

// EditPullRequest changes the title, description or state of merge
// request number.
func (c *Client) EditPullRequest(ctx context.Context, repo vcs.Repo, number int, edit vcs.PullRequestEdit) (vcs.PullRequest, error) {
	opts := &gitlab.UpdateMergeRequestOptions{Title: edit.Title, Description: edit.Body}
	if edit.State != nil {
		switch *edit.State {
		case vcs.StateOpen:
			opts.StateEvent = gitlab.Ptr("reopen")
		case vcs.StateClosed:
			opts.StateEvent = gitlab.Ptr("close")
		default:
			return vcs.PullRequest{}, fmt.Errorf("edit %s!%d: state %q is not open or closed", repo.FullName(), number, *edit.State)
		}
	}
	mr, _, err := c.gl.MergeRequests.UpdateMergeRequest(pid(repo), int64(number), opts, gitlab.WithContext(ctx))
	if err != nil {
		return vcs.PullRequest{}, fmt.Errorf("edit %s!%d: %w", repo.FullName(), number, err)
	}
	return fullPullRequest(mr), nil
}

// RequestReviewers adds users ("@username") as reviewers of merge
// request number, beside those it has. Groups ("@group/subgroup") cannot
// review on GitLab, nor can anyone who is no user or whom GitLab drops
// (not a member): they are skipped. A name without @ is skipped.
func (c *Client) RequestReviewers(ctx context.Context, repo vcs.Repo, number int, reviewers []string) ([]string, error) {
	var skipped, asked []string
	ids := map[int64]string{}
	for _, r := range reviewers {
		name, ok := strings.CutPrefix(r, "@")
		if !ok || name == "" || strings.Contains(name, "/") {
			skipped = append(skipped, r)
			continue
		}
		id, found, err := c.userID(ctx, name)
		if err != nil {
			return skipped, err
		}
		if !found {
			skipped = append(skipped, r)
			continue
		}
		ids[id] = r
		asked = append(asked, r)
	}
	if len(ids) == 0 {
		return skipped, nil
	}
	mr, err := c.mergeRequest(ctx, repo, number)
	if err != nil {
		return skipped, err
	}
	var all []int64
	for _, u := range mr.Reviewers {
		all = append(all, u.ID)
	}
	for id := range ids {
		if !slices.Contains(all, id) {
			all = append(all, id)
		}
	}
	slices.Sort(all)
	mr, _, err = c.gl.MergeRequests.UpdateMergeRequest(pid(repo), int64(number),
		&gitlab.UpdateMergeRequestOptions{ReviewerIDs: &all}, gitlab.WithContext(ctx))
	if err != nil {
		return skipped, fmt.Errorf("request reviewers of %s!%d: %w", repo.FullName(), number, err)
	}
	for _, r := range asked {
		if !slices.ContainsFunc(mr.Reviewers, func(u *gitlab.BasicUser) bool { return strings.EqualFold("@"+u.Username, r) }) {
			skipped = append(skipped, r)
		}
	}
	return skipped, nil
}

// Comment adds a note to merge request number. A note whose answer was
// lost is looked for among the newest before it is made again.
func (c *Client) Comment(ctx context.Context, repo vcs.Repo, number int, body string) error {
	for attempt := 1; ; attempt++ {
		_, _, err := c.gl.Notes.CreateMergeRequestNote(pid(repo), int64(number),
			&gitlab.CreateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx))
		if err == nil {
			return nil
		}
		if !lost(ctx, err) || attempt == retry.MaxAttempts {
			return fmt.Errorf("comment on %s!%d: %w", repo.FullName(), number, err)
		}
		if ok, lerr := c.commented(ctx, repo, number, body); lerr == nil && ok {
			return nil
		}
		if err := c.clock.Sleep(ctx, retry.Backoff(attempt)); err != nil {
			return err
		}
	}
}

// commented reports whether one of the 20 newest notes of merge request
// number is the token user's with body.
func (c *Client) commented(ctx context.Context, repo vcs.Repo, number int, body string) (bool, error) {
	me, err := c.me(ctx)
	if err != nil {
		return false, err
	}
	notes, _, err := c.gl.Notes.ListMergeRequestNotes(pid(repo), int64(number), &gitlab.ListMergeRequestNotesOptions{
		ListOptions: gitlab.ListOptions{PerPage: 20}, OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("desc"),
	}, gitlab.WithContext(ctx))
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(notes, func(n *gitlab.Note) bool { return n.Author.ID == me.ID && n.Body == body }), nil
}

// pullRequest is mr in dip's terms. A merge request from another project
// is a fork's.
func pullRequest(mr *gitlab.BasicMergeRequest) vcs.PullRequest {
	out := vcs.PullRequest{
		Number:  int(mr.IID),
		URL:     mr.WebURL,
		HeadSHA: mr.SHA,
		HeadRef: mr.SourceBranch,
		BaseRef: mr.TargetBranch,
		Fork:    mr.SourceProjectID != 0 && mr.SourceProjectID != mr.TargetProjectID,
		Draft:   mr.Draft,
		Title:   mr.Title,
		Body:    mr.Description,
		State:   state(mr.State),
		Labels:  slices.Clone([]string(mr.Labels)),
		Times: vcs.Timestamps{
			Created: at(mr.CreatedAt), Updated: at(mr.UpdatedAt), Closed: at(mr.ClosedAt), Merged: at(mr.MergedAt),
		},
	}
	if mr.Author != nil {
		out.Author = mr.Author.Username
	}
	return out
}

// fullPullRequest is pullRequest with the base commit, which only a
// single merge request carries.
func fullPullRequest(mr *gitlab.MergeRequest) vcs.PullRequest {
	out := pullRequest(&mr.BasicMergeRequest)
	out.BaseSHA = mr.DiffRefs.BaseSha
	return out
}

// state is a GitLab state in dip's terms: opened and locked are open.
func state(s string) string {
	switch s {
	case "merged":
		return vcs.StateMerged
	case "closed":
		return vcs.StateClosed
	}
	return vcs.StateOpen
}

func at(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
