package gitlab

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
)

// maxDescription is the most characters GitLab keeps of a commit status's
// description.
const maxDescription = 255

// StartChecks sets each check of t running on t.SHA. The statuses of a
// merge request's head go on its source branch, or on
// refs/merge-requests/<iid>/head for a fork's, so that the merge request
// shows them.
func (c *Client) StartChecks(ctx context.Context, repo vcs.Repo, t vcs.CheckTarget) (vcs.CheckSet, error) {
	set := vcs.CheckSet{CheckTarget: t}
	ref := ""
	if t.PullRequest > 0 {
		mr, err := c.mergeRequest(ctx, repo, t.PullRequest)
		if err != nil {
			return set, err
		}
		ref = statusRef(mr)
	}
	for _, name := range t.Names {
		if err := c.setStatus(ctx, repo, t.SHA, ref, name, gitlab.Running, "dip is checking this commit", ""); err != nil {
			return set, err
		}
	}
	return set, nil
}

// FinishChecks completes each check of set with its run. On a merge
// request whose head is still set.SHA it first brings the report note and
// the finding threads in line with runs, so that a completed status means
// they are there, and each status links to the note; on a merge request
// that moved on, a newer job reports, and only the statuses of set.SHA
// are set. GitLab refusing the note or threads outright (a locked
// discussion, say) is logged and does not hold the statuses back; any
// other failure is returned for the job to retry.
func (c *Client) FinishChecks(ctx context.Context, repo vcs.Repo, set vcs.CheckSet, runs []vcs.CheckRun) error {
	ref, target := "", ""
	if set.PullRequest > 0 {
		mr, err := c.mergeRequest(ctx, repo, set.PullRequest)
		if err != nil {
			return err
		}
		ref = statusRef(mr)
		if mr.State == "opened" && mr.SHA == set.SHA {
			if target, err = c.report(ctx, repo, mr, set.SHA, runs); refused(err) {
				c.log.WarnContext(ctx, "gitlab refused dip's report on the merge request; statuses only",
					"repo", repo.FullName(), "pr", set.PullRequest, "sha", set.SHA, "error", err)
			} else if err != nil {
				return err
			}
		} else {
			c.log.InfoContext(ctx, "merge request moved on; its note and threads are left to the newer head",
				"repo", repo.FullName(), "pr", set.PullRequest, "sha", set.SHA, "head", mr.SHA)
		}
	}
	for _, run := range runs {
		state, desc := statusOf(run)
		if err := c.setStatus(ctx, repo, set.SHA, ref, run.Name, state, desc, target); err != nil {
			return err
		}
	}
	return nil
}

// report writes the report note and brings the threads in line with
// runs, and returns the note's URL.
func (c *Client) report(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, sha string, runs []vcs.CheckRun) (string, error) {
	plan, err := c.planThreads(ctx, repo, mr, sha, runs)
	if err != nil {
		return "", err
	}
	target, err := c.upsertReport(ctx, repo, mr, reportBody(sha, runs, plan))
	if err != nil {
		return "", err
	}
	return target, c.applyThreads(ctx, repo, mr, sha, plan)
}

// refused reports whether GitLab refused a request for good: a 4xx other
// than a rate limit.
func refused(err error) bool {
	code := status(err)
	return code >= 400 && code < 500 && code != http.StatusTooManyRequests
}

// statusOf is run's commit status. dip's own failures and checks that
// reached no verdict are canceled: not a pass, and not the author's
// failure.
func statusOf(run vcs.CheckRun) (gitlab.BuildStateValue, string) {
	desc := cut(strings.Join(strings.Fields(run.Title), " "), maxDescription)
	switch run.Conclusion {
	case checks.Success:
		return gitlab.Success, desc
	case checks.Failure:
		return gitlab.Failed, desc
	case checks.Skipped:
		return gitlab.Skipped, desc
	}
	return gitlab.Canceled, desc
}

// statusRef is the ref the statuses of mr's head go on.
func statusRef(mr *gitlab.MergeRequest) string {
	if mr.SourceProjectID != 0 && mr.SourceProjectID != mr.TargetProjectID {
		return vcs.GitLab.PullRequestRef(int(mr.IID))
	}
	return mr.SourceBranch
}

// setStatus sets status name of sha. A status already in that state is
// left as it is: GitLab refuses the repeat, as it does when a job retried
// after a lost answer sets running again.
func (c *Client) setStatus(ctx context.Context, repo vcs.Repo, sha, ref, name string, state gitlab.BuildStateValue, desc, target string) error {
	opts := &gitlab.SetCommitStatusOptions{State: state, Name: &name, Description: &desc}
	if ref != "" {
		opts.Ref = &ref
	}
	if target != "" && utf8.RuneCountInString(target) <= maxDescription {
		opts.TargetURL = &target
	}
	_, _, err := c.gl.Commits.SetCommitStatus(pid(repo), sha, opts, gitlab.WithContext(repeatable(ctx)))
	if err != nil && status(err) == http.StatusBadRequest && strings.Contains(err.Error(), "Cannot transition status via :") &&
		strings.Contains(err.Error(), "from :"+string(state)) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("set status %s of %s on %s to %s: %w", name, sha, repo.FullName(), state, err)
	}
	return nil
}

// CheckStatuses lists the latest status of each of dip's checks (named
// dip/…) on sha.
func (c *Client) CheckStatuses(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.CheckRunStatus, error) {
	opts := &gitlab.GetCommitStatusesOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	all, err := gitlab.ScanAndCollect(func(p gitlab.PaginationOptionFunc) ([]*gitlab.CommitStatus, *gitlab.Response, error) {
		return c.gl.Commits.GetCommitStatuses(pid(repo), sha, opts, p, gitlab.WithContext(ctx))
	})
	if err != nil {
		return nil, fmt.Errorf("list statuses of %s on %s: %w", sha, repo.FullName(), err)
	}
	latest := map[string]*gitlab.CommitStatus{}
	var names []string
	for _, st := range all {
		if !strings.HasPrefix(st.Name, "dip/") {
			continue
		}
		if prev, ok := latest[st.Name]; !ok {
			names = append(names, st.Name)
		} else if prev.ID > st.ID {
			continue
		}
		latest[st.Name] = st
	}
	out := make([]vcs.CheckRunStatus, 0, len(names))
	for _, name := range names {
		st := latest[name]
		run := vcs.CheckRunStatus{ID: st.ID, Name: name, Status: vcs.StatusCompleted}
		switch gitlab.BuildStateValue(st.Status) {
		case gitlab.Pending, gitlab.Running, gitlab.Created:
			run.Status = vcs.StatusInProgress
		case gitlab.Success:
			run.Conclusion = string(checks.Success)
		case gitlab.Failed:
			run.Conclusion = string(checks.Failure)
		case gitlab.Skipped:
			run.Conclusion = string(checks.Skipped)
		default:
			run.Conclusion = string(checks.Neutral)
		}
		out = append(out, run)
	}
	return out, nil
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
