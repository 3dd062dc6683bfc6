package vcstest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

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

// Committer is what SetCommitter set, DefaultCommitter unless it was.
func (f *Fake) Committer(vcs.Repo) vcs.Signature {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.committer.Email == "" {
		return DefaultCommitter
	}
	return f.committer
}

// StartChecks makes a check run in progress for each name of t; ids count
// from 1.
func (f *Fake) StartChecks(ctx context.Context, repo vcs.Repo, t vcs.CheckTarget) (vcs.CheckSet, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	set := vcs.CheckSet{CheckTarget: t, IDs: map[string]int64{}}
	var runs []vcs.CheckRun
	for _, name := range t.Names {
		runs = append(runs, vcs.CheckRun{Name: name, Status: vcs.StatusInProgress, ExternalID: t.ExternalID,
			Title: "Checking…", Summary: "dip is checking this commit."})
	}
	c := Call{Method: MethodStartChecks, Repo: repo, SHA: t.SHA, Number: t.PullRequest, Runs: runs}
	if err := f.record(c); err != nil {
		return set, err
	}
	for _, run := range runs {
		id := int64(len(f.runs) + 1)
		set.IDs[run.Name] = id
		f.runs = append(f.runs, &CheckRun{ID: id, Repo: repo, SHA: t.SHA, Run: cloneRun(run), Requests: []vcs.CheckRun{cloneRun(run)}})
	}
	return set, nil
}

// FinishChecks completes the runs of set as the host does: fields set
// replace the last, annotations add to those the run has.
func (f *Fake) FinishChecks(ctx context.Context, repo vcs.Repo, set vcs.CheckSet, runs []vcs.CheckRun) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodFinishChecks, Repo: repo, SHA: set.SHA, Number: set.PullRequest, Runs: runs}); err != nil {
		return err
	}
	for _, run := range runs {
		id, ok := set.IDs[run.Name]
		i := slices.IndexFunc(f.runs, func(r *CheckRun) bool { return r.ID == id && r.Repo.FullName() == repo.FullName() })
		if !ok || i < 0 {
			return fmt.Errorf("finish check run %s on %s: not started", run.Name, repo.FullName())
		}
		r := f.runs[i]
		r.Requests = append(r.Requests, cloneRun(run))
		cur := &r.Run
		cur.Status = vcs.StatusCompleted
		cur.Conclusion = cmp.Or(run.Conclusion, cur.Conclusion)
		cur.Title = cmp.Or(run.Title, cur.Title)
		cur.Summary = cmp.Or(run.Summary, cur.Summary)
		cur.ExternalID = cmp.Or(run.ExternalID, cur.ExternalID)
		cur.Annotations = append(cur.Annotations, run.Annotations...)
	}
	return nil
}

// CheckStatuses lists the check runs made on sha of repo.
func (f *Fake) CheckStatuses(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.CheckRunStatus, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodCheckStatuses, Repo: repo, SHA: sha}); err != nil {
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

// OpenPullRequests lists repo's open pull requests by number.
func (f *Fake) OpenPullRequests(ctx context.Context, repo vcs.Repo) ([]vcs.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodOpenPullRequests, Repo: repo}); err != nil {
		return nil, err
	}
	var out []vcs.PullRequest
	for _, p := range f.pulls[repo.FullName()] {
		if isOpen(*p) {
			out = append(out, *clonePull(*p))
		}
	}
	slices.SortFunc(out, func(a, b vcs.PullRequest) int { return cmp.Compare(a.Number, b.Number) })
	return out, nil
}

// PullRequest returns pull request number of repo.
func (f *Fake) PullRequest(ctx context.Context, repo vcs.Repo, number int) (vcs.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodPullRequest, Repo: repo, Number: number}); err != nil {
		return vcs.PullRequest{}, err
	}
	p := f.pull(repo.FullName(), number)
	if p == nil {
		return vcs.PullRequest{}, fmt.Errorf("pull request %s#%d: %w", repo.FullName(), number, vcs.ErrNotFound)
	}
	return *clonePull(*p), nil
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

// nextNumber is the number of repo's next pull request or issue. f.mu is
// held.
func (f *Fake) nextNumber(repo string) int {
	n := 0
	for _, p := range f.pulls[repo] {
		n = max(n, p.Number)
	}
	for _, is := range f.issues[repo] {
		n = max(n, is.Number)
	}
	return n + 1
}

// CreatePullRequest opens a pull request. Like GitHub, it refuses a
// second open pull request from the same head to the same base.
func (f *Fake) CreatePullRequest(ctx context.Context, repo vcs.Repo, pr vcs.NewPullRequest) (vcs.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodCreatePullRequest, Repo: repo, Text: pr.Head}); err != nil {
		return vcs.PullRequest{}, err
	}
	for _, p := range f.pulls[repo.FullName()] {
		if isOpen(*p) && p.HeadRef == pr.Head && p.BaseRef == pr.Base {
			return vcs.PullRequest{}, fmt.Errorf("open pull request from %s in %s: one is open already (#%d)", pr.Head, repo.FullName(), p.Number)
		}
	}
	n := f.nextNumber(repo.FullName())
	made := vcs.PullRequest{
		Number: n, URL: fmt.Sprintf("https://vcs.example/%s/pull/%d", repo.FullName(), n), Author: "dip[bot]",
		HeadRef: pr.Head, BaseRef: pr.Base, Title: pr.Title, Body: pr.Body, State: vcs.StateOpen, Labels: slices.Clone(pr.Labels),
	}
	f.pulls = set(f.pulls, repo.FullName(), append(f.pulls[repo.FullName()], clonePull(made)))
	return made, nil
}

// EditPullRequest changes what edit sets.
func (f *Fake) EditPullRequest(ctx context.Context, repo vcs.Repo, number int, edit vcs.PullRequestEdit) (vcs.PullRequest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodEditPullRequest, Repo: repo, Number: number}); err != nil {
		return vcs.PullRequest{}, err
	}
	p := f.pull(repo.FullName(), number)
	if p == nil {
		return vcs.PullRequest{}, fmt.Errorf("edit %s#%d: not found", repo.FullName(), number)
	}
	if edit.Title != nil {
		p.Title = *edit.Title
	}
	if edit.Body != nil {
		p.Body = *edit.Body
	}
	if edit.State != nil {
		if p.State == vcs.StateMerged {
			return vcs.PullRequest{}, fmt.Errorf("edit %s#%d: merged", repo.FullName(), number)
		}
		p.State = *edit.State
	}
	return *clonePull(*p), nil
}

// RequestReviewers records reviewers; any that do not start with @ are
// skipped.
func (f *Fake) RequestReviewers(ctx context.Context, repo vcs.Repo, number int, reviewers []string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodRequestReviewers, Repo: repo, Number: number, Reviewers: reviewers}); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s#%d", repo.FullName(), number)
	var skipped []string
	for _, r := range reviewers {
		if !strings.HasPrefix(r, "@") {
			skipped = append(skipped, r)
			continue
		}
		if !slices.Contains(f.reviewers[key], r) {
			f.reviewers = set(f.reviewers, key, append(f.reviewers[key], r))
		}
	}
	return skipped, nil
}

// Comment records a comment.
func (f *Fake) Comment(ctx context.Context, repo vcs.Repo, number int, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodComment, Repo: repo, Number: number, Text: body}); err != nil {
		return err
	}
	key := fmt.Sprintf("%s#%d", repo.FullName(), number)
	f.comments = set(f.comments, key, append(f.comments[key], body))
	return nil
}

// FindIssues lists repo's issues carrying label, by number.
func (f *Fake) FindIssues(ctx context.Context, repo vcs.Repo, label string) ([]vcs.Issue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodFindIssues, Repo: repo, Text: label}); err != nil {
		return nil, err
	}
	var out []vcs.Issue
	for _, is := range f.issues[repo.FullName()] {
		if slices.Contains(is.labels, label) {
			out = append(out, is.Issue)
		}
	}
	return out, nil
}

// CreateIssue opens an issue.
func (f *Fake) CreateIssue(ctx context.Context, repo vcs.Repo, is vcs.NewIssue) (vcs.Issue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodCreateIssue, Repo: repo, Text: is.Title}); err != nil {
		return vcs.Issue{}, err
	}
	n := f.nextNumber(repo.FullName())
	made := &issue{Issue: vcs.Issue{
		Number: n, URL: fmt.Sprintf("https://vcs.example/%s/issues/%d", repo.FullName(), n),
		Title: is.Title, Body: is.Body, State: vcs.StateOpen, Author: "dip[bot]",
	}, labels: slices.Clone(is.Labels)}
	f.issues = set(f.issues, repo.FullName(), append(f.issues[repo.FullName()], made))
	return made.Issue, nil
}

// EditIssue sets an issue's title and body.
func (f *Fake) EditIssue(ctx context.Context, repo vcs.Repo, number int, title, body string) (vcs.Issue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodEditIssue, Repo: repo, Number: number, Text: title}); err != nil {
		return vcs.Issue{}, err
	}
	for _, is := range f.issues[repo.FullName()] {
		if is.Number == number {
			is.Title, is.Body = title, body
			return is.Issue, nil
		}
	}
	return vcs.Issue{}, fmt.Errorf("edit issue %s#%d: not found", repo.FullName(), number)
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

// IsMember reports whether SetMembers made login a member of repo.
func (f *Fake) IsMember(ctx context.Context, repo vcs.Repo, login string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record(Call{Method: MethodIsMember, Repo: repo, Text: login}); err != nil {
		return false, err
	}
	return slices.Contains(f.members[repo.FullName()], login), nil
}
