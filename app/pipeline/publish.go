package pipeline

import (
	"context"
	"fmt"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
)

// CheckRunNames are the check runs dip posts on a commit, in order.
var CheckRunNames = []string{checks.Validate, checks.Policy, checks.Scan, checks.Render}

// Publisher shows a check of one commit on the host — check runs on
// GitHub, commit statuses and a merge request note on GitLab: in progress
// as soon as the work starts, then completed with the result, or neutral
// with an explanation when dip itself could not check.
type Publisher struct {
	Provider vcs.Checks
	Repo     vcs.Repo
	SHA      string
	// PullRequest is the number of the pull request whose head SHA is;
	// zero for a merge group's commit.
	PullRequest int
	// ExternalID ties the checks to the job that made them, for re-runs.
	ExternalID string
	set        *vcs.CheckSet
}

// Start shows the checks in progress. An error leaves the job to be
// retried.
func (p *Publisher) Start(ctx context.Context) error {
	set, err := p.Provider.StartChecks(ctx, p.Repo, vcs.CheckTarget{
		SHA: p.SHA, PullRequest: p.PullRequest, Names: CheckRunNames, ExternalID: p.ExternalID,
	})
	if err != nil {
		return fmt.Errorf("start checks on %s@%s: %w", p.Repo.FullName(), p.SHA, err)
	}
	p.set = &set
	return nil
}

// Finish completes each check with its result from report.
func (p *Publisher) Finish(ctx context.Context, report *checks.Report) error {
	runs := make([]vcs.CheckRun, 0, len(CheckRunNames))
	for _, name := range CheckRunNames {
		res := report.Get(name)
		if res == nil {
			return fmt.Errorf("report has no %s", name)
		}
		runs = append(runs, vcs.CheckRun{
			Name: name, Status: vcs.StatusCompleted, Conclusion: res.Conclusion,
			Title: res.Title, Summary: res.Summary, Annotations: res.Annotations, ExternalID: p.ExternalID,
		})
	}
	return p.complete(ctx, runs)
}

// Fail completes every check neutral: the failure is dip's, not the
// author's, and the work is retried.
func (p *Publisher) Fail(ctx context.Context, cause error) error {
	runs := make([]vcs.CheckRun, 0, len(CheckRunNames))
	for _, name := range CheckRunNames {
		runs = append(runs, vcs.CheckRun{
			Name: name, Status: vcs.StatusCompleted, Conclusion: checks.Neutral, ExternalID: p.ExternalID,
			Title:   "dip could not check this commit",
			Summary: fmt.Sprintf("dip could not check this commit; this is not a problem with the change, and dip will try again.\n\n```\n%v\n```\n", cause),
		})
	}
	return p.complete(ctx, runs)
}

func (p *Publisher) complete(ctx context.Context, runs []vcs.CheckRun) error {
	if p.set == nil {
		return fmt.Errorf("checks on %s@%s were not started", p.Repo.FullName(), p.SHA)
	}
	if err := p.Provider.FinishChecks(ctx, p.Repo, *p.set, runs); err != nil {
		return fmt.Errorf("complete checks on %s@%s: %w", p.Repo.FullName(), p.SHA, err)
	}
	return nil
}
