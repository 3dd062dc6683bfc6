package gitlab

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/checks/output"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// maxNote is the most characters GitLab takes in a note.
const maxNote = 1_000_000

// reportMarker finds dip's report note among a merge request's notes.
const reportMarker = "<!-- dip:report -->"

// maxUnthreaded bounds the findings the note lists that have no thread.
const maxUnthreaded = 200

// reportBody is the report note of runs on sha: what each check found,
// and the findings that have no thread of their own.
func reportBody(sha string, runs []vcs.CheckRun, plan *threadPlan) string {
	var b strings.Builder
	b.WriteString(reportMarker + "\n")
	failed := 0
	report := &checks.Report{}
	for _, run := range runs {
		if run.Conclusion == checks.Failure {
			failed++
		}
		report.Results = append(report.Results, checks.Result{Name: run.Name, Conclusion: run.Conclusion, Title: run.Title, Summary: run.Summary})
	}
	verdict := "every check passed"
	switch {
	case failed == 1:
		verdict = "1 check failed"
	case failed > 1:
		verdict = strconv.Itoa(failed) + " checks failed"
	}
	fmt.Fprintf(&b, "**dip** checked %s: %s.\n\n", sha, verdict)
	_ = output.Markdown(&b, report)
	if len(plan.unthreaded) > 0 {
		fmt.Fprintf(&b, "\n### Findings without a thread (%d)\n\nAt most %d findings are threads on their lines at once; these are the others.\n\n", len(plan.unthreaded), maxThreads)
		for i, f := range plan.unthreaded {
			if i == maxUnthreaded {
				fmt.Fprintf(&b, "- … %d more; `dip check` prints them all.\n", len(plan.unthreaded)-maxUnthreaded)
				break
			}
			fmt.Fprintf(&b, "- %s `%s:%d` %s: %s\n", levelIcon(f.a.Level), f.a.File, f.a.Line, f.check, plain(oneLine(f.message())))
		}
	}
	b.WriteString("\n<sub>dip keeps this note up to date on every push; each finding is a thread on its line, resolved when it is gone.</sub>\n")
	return output.Cut(b.String(), maxNote, "\n\n_This report was cut to fit a GitLab note; `dip check` prints it all._\n")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// upsertReport writes body into dip's report note on mr, made the first
// time and edited in place after, and returns the note's URL.
func (c *Client) upsertReport(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, body string) (string, error) {
	for attempt := 1; ; attempt++ {
		note, err := c.findReport(ctx, repo, mr)
		if err != nil {
			return "", err
		}
		if note != nil {
			if note.Body != body {
				if _, _, err := c.gl.Notes.UpdateMergeRequestNote(pid(repo), mr.IID, note.ID,
					&gitlab.UpdateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx)); err != nil {
					return "", fmt.Errorf("update report note of %s!%d: %w", repo.FullName(), mr.IID, err)
				}
			}
			return noteURL(mr, note.ID), nil
		}
		made, _, err := c.gl.Notes.CreateMergeRequestNote(pid(repo), mr.IID,
			&gitlab.CreateMergeRequestNoteOptions{Body: &body}, gitlab.WithContext(ctx))
		if err == nil {
			return noteURL(mr, made.ID), nil
		}
		// The note may have been made though the answer was lost: look
		// for it before making it again.
		if !lost(ctx, err) || attempt == retry.MaxAttempts {
			return "", fmt.Errorf("create report note on %s!%d: %w", repo.FullName(), mr.IID, err)
		}
		c.log.WarnContext(ctx, "gitlab report note create retried", "repo", repo.FullName(), "pr", mr.IID, "attempt", attempt)
		if err := c.clock.Sleep(ctx, retry.Backoff(attempt)); err != nil {
			return "", err
		}
	}
}

// findReport finds dip's report note on mr: the first note of the token's
// user that carries the marker.
func (c *Client) findReport(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest) (*gitlab.Note, error) {
	me, err := c.me(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gitlab.ListMergeRequestNotesOptions{
		ListOptions: gitlab.ListOptions{PerPage: 100}, OrderBy: gitlab.Ptr("created_at"), Sort: gitlab.Ptr("asc"),
	}
	for n, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Note, *gitlab.Response, error) {
		return c.gl.Notes.ListMergeRequestNotes(pid(repo), mr.IID, opts, p, gitlab.WithContext(ctx))
	}) {
		if err != nil {
			return nil, fmt.Errorf("list notes of %s!%d: %w", repo.FullName(), mr.IID, err)
		}
		if !n.System && n.Author.ID == me.ID && strings.HasPrefix(n.Body, reportMarker) {
			return n, nil
		}
	}
	return nil, nil
}

func noteURL(mr *gitlab.MergeRequest, id int64) string {
	if mr.WebURL == "" {
		return ""
	}
	return mr.WebURL + "#note_" + strconv.FormatInt(id, 10)
}

func levelIcon(l checks.Level) string {
	if l == checks.LevelFailure {
		return "❌"
	}
	return "⚠️"
}
