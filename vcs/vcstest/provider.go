package vcstest

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/dipdev/dip/vcs"
)

// CloneAuth returns the credentials SetCloneAuth set.
func (f *Fake) CloneAuth(ctx context.Context, repo vcs.Repo) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodCloneAuth, Repo: repo}); err != nil {
		return "", "", err
	}
	return cmp.Or(f.user, "x-access-token"), cmp.Or(f.password, "fake-token"), nil
}

// CreateCheckRun makes a check run; ids count from 1.
func (f *Fake) CreateCheckRun(ctx context.Context, repo vcs.Repo, sha string, run vcs.CheckRun) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := Call{Method: MethodCreateCheckRun, Repo: repo, SHA: sha, Run: &run}
	if err := f.fail(c.Method); err != nil {
		c.Err = err
		f.calls = append(f.calls, withRun(c))
		return 0, err
	}
	id := int64(len(f.runs) + 1)
	c.ID = id
	f.calls = append(f.calls, withRun(c))
	r := cloneRun(run)
	r.Status = cmp.Or(r.Status, vcs.StatusQueued)
	f.runs = append(f.runs, &CheckRun{ID: id, Repo: repo, SHA: sha, Run: r, Requests: []vcs.CheckRun{cloneRun(run)}})
	return id, nil
}

// withRun gives c a copy of its run of its own.
func withRun(c Call) Call {
	r := cloneRun(*c.Run)
	c.Run = &r
	return c
}

// UpdateCheckRun updates check run id as the host does: fields set
// replace the last, annotations add to those the run has.
func (f *Fake) UpdateCheckRun(ctx context.Context, repo vcs.Repo, id int64, run vcs.CheckRun) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodUpdateCheckRun, Repo: repo, ID: id, Run: &run}); err != nil {
		return err
	}
	i := slices.IndexFunc(f.runs, func(r *CheckRun) bool { return r.ID == id && r.Repo.FullName() == repo.FullName() })
	if i < 0 {
		return fmt.Errorf("update check run %d on %s: not found", id, repo.FullName())
	}
	r := f.runs[i]
	r.Requests = append(r.Requests, cloneRun(run))
	cur := &r.Run
	cur.Name = cmp.Or(run.Name, cur.Name)
	cur.Status = cmp.Or(run.Status, cur.Status)
	cur.Conclusion = cmp.Or(run.Conclusion, cur.Conclusion)
	if run.Conclusion != "" {
		cur.Status = vcs.StatusCompleted
	}
	cur.Title = cmp.Or(run.Title, cur.Title)
	cur.Summary = cmp.Or(run.Summary, cur.Summary)
	cur.ExternalID = cmp.Or(run.ExternalID, cur.ExternalID)
	cur.Annotations = append(cur.Annotations, run.Annotations...)
	return nil
}

// CheckRuns lists the check runs made on sha of repo.
func (f *Fake) CheckRuns(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.CheckRunStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodCheckRuns, Repo: repo, SHA: sha}); err != nil {
		return nil, err
	}
	var out []vcs.CheckRunStatus
	for _, r := range f.runs {
		if r.Repo.FullName() == repo.FullName() && r.SHA == sha {
			out = append(out, vcs.CheckRunStatus{
				ID: r.ID, Name: r.Run.Name, Status: r.Run.Status,
				Conclusion: string(r.Run.Conclusion), ExternalID: r.Run.ExternalID,
			})
		}
	}
	return out, nil
}

// OpenPullRequests returns what SetOpenPullRequests set for repo.
func (f *Fake) OpenPullRequests(ctx context.Context, repo vcs.Repo) ([]vcs.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodOpenPullRequests, Repo: repo}); err != nil {
		return nil, err
	}
	return slices.Clone(f.open[repo.FullName()]), nil
}

// PullRequestsForCommit returns what MapCommit set for sha of repo.
func (f *Fake) PullRequestsForCommit(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodPullRequestsForCommit, Repo: repo, SHA: sha}); err != nil {
		return nil, err
	}
	return slices.Clone(f.commits[repo.FullName()+"@"+sha]), nil
}

// Approvers returns what SetApprovers set for pull request number.
func (f *Fake) Approvers(ctx context.Context, repo vcs.Repo, number int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodApprovers, Repo: repo, Number: number}); err != nil {
		return nil, err
	}
	return slices.Clone(f.approvers[fmt.Sprintf("%s#%d", repo.FullName(), number)]), nil
}

// Repositories returns what SetRepositories set.
func (f *Fake) Repositories(ctx context.Context) ([]vcs.Repo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodRepositories}); err != nil {
		return nil, err
	}
	return slices.Clone(f.repos), nil
}
