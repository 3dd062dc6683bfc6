package pipeline

import (
	"context"
	"fmt"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
)

// CheckRunNames are the check runs dip posts on a commit, in order.
var CheckRunNames = []string{checks.Validate, checks.Policy, checks.Scan, checks.Render}

// Publisher shows a check of one commit as the host's check runs: in
// progress as soon as the work starts, then completed with the result, or
// neutral with an explanation when dip itself could not check.
type Publisher struct {
	Provider vcs.Provider
	Repo     vcs.Repo
	SHA      string
	// ExternalID ties the runs to the job that made them, for re-runs.
	ExternalID string
	ids        map[string]int64
}

// Start creates the check runs, in progress. An error leaves the job to be
// retried.
func (p *Publisher) Start(ctx context.Context) error {
	p.ids = map[string]int64{}
	for _, name := range CheckRunNames {
		id, err := p.Provider.CreateCheckRun(ctx, p.Repo, p.SHA, vcs.CheckRun{
			Name: name, Status: vcs.StatusInProgress, ExternalID: p.ExternalID,
			Title: "Checking…", Summary: "dip is checking this commit.",
		})
		if err != nil {
			return fmt.Errorf("create check run %s on %s@%s: %w", name, p.Repo.FullName(), p.SHA, err)
		}
		p.ids[name] = id
	}
	return nil
}

// Finish completes each check run with its result from report.
func (p *Publisher) Finish(ctx context.Context, report *checks.Report) error {
	for _, name := range CheckRunNames {
		res := report.Get(name)
		if res == nil {
			return fmt.Errorf("report has no %s", name)
		}
		if err := p.complete(ctx, name, vcs.CheckRun{
			Name: name, Status: vcs.StatusCompleted, Conclusion: res.Conclusion,
			Title: res.Title, Summary: res.Summary, Annotations: res.Annotations, ExternalID: p.ExternalID,
		}); err != nil {
			return err
		}
	}
	return nil
}

// Fail completes every check run neutral: the failure is dip's, not the
// author's, and the work is retried.
func (p *Publisher) Fail(ctx context.Context, cause error) error {
	for _, name := range CheckRunNames {
		if err := p.complete(ctx, name, vcs.CheckRun{
			Name: name, Status: vcs.StatusCompleted, Conclusion: checks.Neutral, ExternalID: p.ExternalID,
			Title:   "dip could not check this commit",
			Summary: fmt.Sprintf("dip could not check this commit; this is not a problem with the change, and dip will try again.\n\n```\n%v\n```\n", cause),
		}); err != nil {
			return err
		}
	}
	return nil
}

func (p *Publisher) complete(ctx context.Context, name string, run vcs.CheckRun) error {
	id, ok := p.ids[name]
	if !ok {
		return fmt.Errorf("check run %s was not started", name)
	}
	if err := p.Provider.UpdateCheckRun(ctx, p.Repo, id, run); err != nil {
		return fmt.Errorf("complete check run %s on %s@%s: %w", name, p.Repo.FullName(), p.SHA, err)
	}
	return nil
}
