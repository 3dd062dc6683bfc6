package github

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v92/github"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/output"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// maxAnnotations is the most annotations GitHub takes in one request;
// further requests add more.
const maxAnnotations = 50

// maxTitle is the most characters of an annotation's title GitHub keeps.
const maxTitle = 255

// CreateCheckRun starts a check run on sha. Annotations beyond the first
// 50 are added by updates; when one of those fails, the run's id is
// returned with the error.
//
// A create answered by a gateway error (502, 503, 504) may still have
// made the run: before creating it again, CreateCheckRun looks for a run
// of the same name and ExternalID on sha and takes it. Without an
// ExternalID it creates again, and GitHub may then show two runs, of which
// the later counts.
func (c *Client) CreateCheckRun(ctx context.Context, repo vcs.Repo, sha string, run vcs.CheckRun) (int64, error) {
	if run.Name == "" {
		return 0, fmt.Errorf("create check run on %s: no name", repo.FullName())
	}
	in, err := c.repoClient(repo)
	if err != nil {
		return 0, err
	}
	batches := batch(annotations(run.Annotations))
	status := cmp.Or(run.Status, vcs.StatusQueued)
	opts := github.CreateCheckRunOptions{
		Name:       run.Name,
		HeadSHA:    sha,
		Status:     &status,
		ExternalID: optional(run.ExternalID),
		Output:     runOutput(run, batches[0]),
	}
	now := &github.Timestamp{Time: c.clock.Now()}
	switch status {
	case vcs.StatusInProgress:
		opts.StartedAt = now
	case vcs.StatusCompleted:
		opts.Conclusion = conclusion(run.Conclusion)
		opts.CompletedAt = now
	}
	id, err := c.create(ctx, in, repo, opts)
	if err != nil {
		return 0, fmt.Errorf("create check run %s on %s: %w", run.Name, repo.FullName(), err)
	}
	if err := c.addAnnotations(ctx, in, repo, id, run, batches[1:]); err != nil {
		return id, err
	}
	return id, nil
}

// create creates a check run, retrying a create answered by a gateway
// error once it is sure the run was not made.
func (c *Client) create(ctx context.Context, in *installation, repo vcs.Repo, opts github.CreateCheckRunOptions) (int64, error) {
	for attempt := 1; ; attempt++ {
		cr, _, err := in.gh.Checks.CreateCheckRun(ctx, repo.Owner, repo.Name, opts)
		if err == nil {
			return cr.GetID(), nil
		}
		if !gatewayError(err) || attempt == retry.MaxAttempts {
			return 0, err
		}
		if opts.ExternalID != nil {
			// When the listing fails, nothing is known: create again.
			if id, ok, lerr := c.findRun(ctx, in, repo, opts.HeadSHA, opts.Name, *opts.ExternalID); lerr == nil && ok {
				return id, nil
			}
		}
		c.log.WarnContext(ctx, "github check run create retried", "repo", repo.FullName(), "name", opts.Name, "attempt", attempt)
		if err := c.clock.Sleep(ctx, retry.Backoff(attempt)); err != nil {
			return 0, err
		}
	}
}

// findRun looks for this App's check run called name with externalID on
// sha.
func (c *Client) findRun(ctx context.Context, in *installation, repo vcs.Repo, sha, name, externalID string) (int64, bool, error) {
	runs, err := c.listRuns(ctx, in, repo, sha, name)
	if err != nil {
		return 0, false, err
	}
	for _, r := range runs {
		if r.ExternalID == externalID {
			return r.ID, true, nil
		}
	}
	return 0, false, nil
}

func gatewayError(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && retry.Gateway(er.Response.StatusCode)
}

// UpdateCheckRun sets check run id's status, conclusion and output. The
// first 50 annotations go with that update, the others follow 50 at a
// time, each with the same title and summary: GitHub adds annotations to
// those a run has.
func (c *Client) UpdateCheckRun(ctx context.Context, repo vcs.Repo, id int64, run vcs.CheckRun) error {
	if run.Name == "" {
		return fmt.Errorf("update check run %d on %s: no name", id, repo.FullName())
	}
	in, err := c.repoClient(repo)
	if err != nil {
		return err
	}
	batches := batch(annotations(run.Annotations))
	opts := github.UpdateCheckRunOptions{
		Name:       run.Name,
		Status:     optional(run.Status),
		ExternalID: optional(run.ExternalID),
		Output:     runOutput(run, batches[0]),
	}
	if run.Status == vcs.StatusCompleted {
		opts.Conclusion = conclusion(run.Conclusion)
		opts.CompletedAt = &github.Timestamp{Time: c.clock.Now()}
	}
	if _, _, err := in.gh.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, id, opts); err != nil {
		return fmt.Errorf("update check run %s (%d) on %s: %w", run.Name, id, repo.FullName(), err)
	}
	return c.addAnnotations(ctx, in, repo, id, run, batches[1:])
}

// addAnnotations sends batches of annotations to check run id, one update
// each.
func (c *Client) addAnnotations(ctx context.Context, in *installation, repo vcs.Repo, id int64, run vcs.CheckRun, batches [][]*github.CheckRunAnnotation) error {
	for i, b := range batches {
		opts := github.UpdateCheckRunOptions{Name: run.Name, Output: runOutput(run, b)}
		if _, _, err := in.gh.Checks.UpdateCheckRun(ctx, repo.Owner, repo.Name, id, opts); err != nil {
			return fmt.Errorf("add annotations %d-%d to check run %s (%d) on %s: %w",
				(i+1)*maxAnnotations+1, (i+1)*maxAnnotations+len(b), run.Name, id, repo.FullName(), err)
		}
	}
	return nil
}

// StartChecks creates one check run, in progress, for each name of t.
func (c *Client) StartChecks(ctx context.Context, repo vcs.Repo, t vcs.CheckTarget) (vcs.CheckSet, error) {
	set := vcs.CheckSet{CheckTarget: t, IDs: make(map[string]int64, len(t.Names))}
	for _, name := range t.Names {
		id, err := c.CreateCheckRun(ctx, repo, t.SHA, vcs.CheckRun{
			Name: name, Status: vcs.StatusInProgress, ExternalID: t.ExternalID,
			Title: "Checking…", Summary: "dip is checking this commit.",
		})
		if err != nil {
			return set, err
		}
		set.IDs[name] = id
	}
	return set, nil
}

// FinishChecks completes each check run of set with its run.
func (c *Client) FinishChecks(ctx context.Context, repo vcs.Repo, set vcs.CheckSet, runs []vcs.CheckRun) error {
	for _, run := range runs {
		id, ok := set.IDs[run.Name]
		if !ok {
			return fmt.Errorf("complete check run %s on %s@%s: not started", run.Name, repo.FullName(), set.SHA)
		}
		run.Status = vcs.StatusCompleted
		run.ExternalID = cmp.Or(run.ExternalID, set.ExternalID)
		if err := c.UpdateCheckRun(ctx, repo, id, run); err != nil {
			return err
		}
	}
	return nil
}

// CheckStatuses lists this App's check runs on sha, every one of them, not
// only the latest of each name.
func (c *Client) CheckStatuses(ctx context.Context, repo vcs.Repo, sha string) ([]vcs.CheckRunStatus, error) {
	in, err := c.repoClient(repo)
	if err != nil {
		return nil, err
	}
	runs, err := c.listRuns(ctx, in, repo, sha, "")
	if err != nil {
		return nil, fmt.Errorf("list check runs of %s on %s: %w", sha, repo.FullName(), err)
	}
	return runs, nil
}

// listRuns lists this App's check runs on sha, those called name when
// name is set.
func (c *Client) listRuns(ctx context.Context, in *installation, repo vcs.Repo, sha, name string) ([]vcs.CheckRunStatus, error) {
	opts := &github.ListCheckRunsOptions{
		CheckName:   optional(name),
		Filter:      github.Ptr("all"),
		AppID:       &c.appID,
		ListOptions: github.ListOptions{PerPage: 100},
	}
	var runs []vcs.CheckRunStatus
	for {
		page, resp, err := in.gh.Checks.ListCheckRunsForRef(ctx, repo.Owner, repo.Name, sha, opts)
		if err != nil {
			return nil, err
		}
		for _, r := range page.CheckRuns {
			runs = append(runs, vcs.CheckRunStatus{
				ID:         r.GetID(),
				Name:       r.GetName(),
				Status:     r.GetStatus(),
				Conclusion: r.GetConclusion(),
				ExternalID: r.GetExternalID(),
			})
		}
		if resp.NextPage == 0 {
			return runs, nil
		}
		opts.Page = resp.NextPage
	}
}

// runOutput is the output of run carrying the annotations as, or none when
// there is nothing to show. GitHub wants a title and a summary with every
// output.
func runOutput(run vcs.CheckRun, as []*github.CheckRunAnnotation) *github.CheckRunOutput {
	if run.Title == "" && run.Summary == "" && len(as) == 0 {
		return nil
	}
	title := cmp.Or(run.Title, run.Name)
	return &github.CheckRunOutput{
		Title:       &title,
		Summary:     github.Ptr(output.Truncate(cmp.Or(run.Summary, title), output.MaxSummary)),
		Annotations: as,
	}
}

// annotations maps dip's annotations to GitHub's. An annotation sits on
// one line (line 0 is the first), its column only when it has one; one
// about an environment says which. A title left empty is the rule.
func annotations(as []checks.Annotation) []*github.CheckRunAnnotation {
	out := make([]*github.CheckRunAnnotation, len(as))
	for i, a := range as {
		line := max(a.Line, 1)
		msg := a.Message
		if a.Env != "" {
			msg = "[" + a.Env + "] " + msg
		}
		ga := &github.CheckRunAnnotation{
			Path:            github.Ptr(cmp.Or(a.File, ".")),
			StartLine:       &line,
			EndLine:         &line,
			AnnotationLevel: github.Ptr(level(a.Level)),
			Message:         &msg,
			Title:           optional(cut(cmp.Or(a.Title, a.Rule), maxTitle)),
			RawDetails:      optional(rawDetails(a)),
		}
		if a.Column > 0 {
			ga.StartColumn = &a.Column
			ga.EndColumn = &a.Column
		}
		out[i] = ga
	}
	return out
}

// rawDetails names the rule and the input of a finding.
func rawDetails(a checks.Annotation) string {
	var b strings.Builder
	if a.Rule != "" {
		fmt.Fprintf(&b, "rule: %s\n", a.Rule)
	}
	if a.Source != "" {
		fmt.Fprintf(&b, "source: %s\n", a.Source)
	}
	return b.String()
}

// batch cuts as into requests' worth; there is always a first, maybe
// empty.
func batch(as []*github.CheckRunAnnotation) [][]*github.CheckRunAnnotation {
	out := [][]*github.CheckRunAnnotation{nil}
	for i := 0; i < len(as); i += maxAnnotations {
		b := as[i:min(i+maxAnnotations, len(as))]
		if i == 0 {
			out[0] = b
		} else {
			out = append(out, b)
		}
	}
	return out
}

func level(l checks.Level) string {
	switch l {
	case checks.LevelFailure, checks.LevelWarning, checks.LevelNotice:
		return string(l)
	}
	return string(checks.LevelNotice)
}

// conclusion is c in GitHub's terms: a completed run without a known
// conclusion is neutral, never a silent success.
func conclusion(c checks.Conclusion) *string {
	switch c {
	case checks.Success, checks.Failure, checks.Neutral, checks.Skipped:
		return github.Ptr(string(c))
	}
	return github.Ptr(string(checks.Neutral))
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
