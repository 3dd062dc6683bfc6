package migrationbot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/vcs"
)

// act does what d says. commit is the branch's new commit, for a push or
// an open.
func (b *Bot) act(ctx context.Context, log *slog.Logger, repo vcs.Repo, d *decision, commit plumbing.Hash, mem *memory, res *Result) error {
	switch d.action {
	case hold:
		res.HeldBack = append(res.HeldBack, d.g.branch)
		return nil
	case wait:
		log.Info("migration pull request waits: its requests cannot be migrated now", "pr", d.pr.Number, "branch", d.pr.HeadRef)
		return nil
	case leaveAlone:
		return b.leaveAlone(ctx, log, repo, d, res)
	case closePull:
		return b.close(ctx, log, repo, d, mem, res)
	case open:
		return b.open(ctx, log, repo, d, commit, mem, res)
	default:
		return b.update(ctx, log, repo, d, commit, res)
	}
}

// update regenerates the branch of an open pull request when its change
// differs, asks new reviewers, and brings the title and body in line.
func (b *Bot) update(ctx context.Context, log *slog.Logger, repo vcs.Repo, d *decision, commit plumbing.Hash, res *Result) error {
	pr, branch := d.pr, d.g.branch
	if d.action == push {
		if err := b.Cache.PushLease(ctx, repo, commit, branch, d.branch.tip); err != nil {
			return fmt.Errorf("update migration branch %s: %w", branch, err)
		}
		res.Pushed = append(res.Pushed, branch)
		log.Info("migration branch made again on the default branch", "pr", pr.Number, "branch", branch, "commit", commit.String(), "requests", len(d.g.files))
	}
	meta := pr.meta
	meta.Requests = d.g.keys()
	if ask := missing(d.reviewers, meta.Reviewers); len(ask) > 0 {
		skipped, err := b.Forge.RequestReviewers(ctx, repo, pr.Number, ask)
		if err != nil {
			return fmt.Errorf("ask reviewers of migration pull request #%d: %w", pr.Number, err)
		}
		meta.Reviewers = append(meta.Reviewers, ask...)
		logSkipped(log, pr.Number, skipped)
	}
	title, body := d.g.title(), d.g.pullBody(repo, meta)
	if sameText(title, pr.Title) && sameText(body, pr.Body) {
		return nil
	}
	if _, err := b.Forge.EditPullRequest(ctx, repo, pr.Number, vcs.PullRequestEdit{Title: &title, Body: &body}); err != nil {
		return fmt.Errorf("update migration pull request #%d: %w", pr.Number, err)
	}
	res.Edited = append(res.Edited, branch)
	log.Info("migration pull request updated", "pr", pr.Number, "branch", branch)
	return nil
}

// open pushes a new branch and opens its pull request.
func (b *Bot) open(ctx context.Context, log *slog.Logger, repo vcs.Repo, d *decision, commit plumbing.Hash, mem *memory, res *Result) error {
	branch := d.g.branch
	if err := b.Cache.PushLease(ctx, repo, commit, branch, d.branch.tip); err != nil {
		return fmt.Errorf("push migration branch %s: %w", branch, err)
	}
	meta := pullMeta{Version: metaVersion, Branch: branch, Requests: d.g.keys(), Reviewers: d.reviewers}
	pr, err := b.Forge.CreatePullRequest(ctx, repo, vcs.NewPullRequest{
		Title: d.g.title(), Body: d.g.pullBody(repo, meta),
		Head: branch, Base: repo.DefaultBranch, Labels: []string{Label},
	})
	if pr.Number == 0 {
		return fmt.Errorf("open migration pull request from %s: %w", branch, err)
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	mem.Pulls = append(mem.Pulls, trackedPull{Number: pr.Number, Branch: branch, Opened: b.now()})
	d.pr = &openPull{PullRequest: pr, meta: meta}
	res.Opened = append(res.Opened, branch)
	log.Info("migration pull request opened", "pr", pr.Number, "branch", branch, "commit", commit.String(), "requests", len(d.g.files))
	if len(d.reviewers) > 0 {
		skipped, err := b.Forge.RequestReviewers(ctx, repo, pr.Number, d.reviewers)
		if err != nil {
			// The body says they were asked: say they were not, so that
			// the next run asks them.
			meta.Reviewers = nil
			body := d.g.pullBody(repo, meta)
			_, eerr := b.Forge.EditPullRequest(ctx, repo, pr.Number, vcs.PullRequestEdit{Body: &body})
			errs = append(errs, fmt.Errorf("ask reviewers of migration pull request #%d: %w", pr.Number, err), eerr)
		}
		logSkipped(log, pr.Number, skipped)
	}
	return errors.Join(errs...)
}

// leaveAlone says once, in a comment and in the pull request's metadata,
// that the bot no longer updates a pull request someone else pushed to.
func (b *Bot) leaveAlone(ctx context.Context, log *slog.Logger, repo vcs.Repo, d *decision, res *Result) error {
	pr := d.pr
	res.LeftAlone = append(res.LeftAlone, pr.HeadRef)
	if pr.meta.LeftAlone != "" {
		return nil
	}
	tip := d.branch.tip.String()
	term := repo.Host.PullRequestTerm()
	if err := b.Forge.Comment(ctx, repo, pr.Number, leftAloneComment(term, pr.HeadRef, tip)); err != nil {
		return fmt.Errorf("comment on migration pull request #%d: %w", pr.Number, err)
	}
	meta := pr.meta
	meta.LeftAlone = tip
	body := leftAloneBody(pr.Body, term, tip, meta)
	if _, err := b.Forge.EditPullRequest(ctx, repo, pr.Number, vcs.PullRequestEdit{Body: &body}); err != nil {
		return fmt.Errorf("update migration pull request #%d: %w", pr.Number, err)
	}
	log.Info("migration pull request left alone: someone else pushed to its branch", "pr", pr.Number, "branch", pr.HeadRef, "commit", tip)
	return nil
}

// close closes a pull request with nothing left to migrate, with a
// comment, and deletes its branch.
func (b *Bot) close(ctx context.Context, log *slog.Logger, repo vcs.Repo, d *decision, mem *memory, res *Result) error {
	pr := d.pr
	if err := b.Forge.Comment(ctx, repo, pr.Number, closeComment(repo.Host.PullRequestTerm())); err != nil {
		return fmt.Errorf("comment on migration pull request #%d: %w", pr.Number, err)
	}
	meta := pr.meta
	meta.ClosedBy = "dip"
	body, closed := closedBody(pr.Body, meta), vcs.StateClosed
	if _, err := b.Forge.EditPullRequest(ctx, repo, pr.Number, vcs.PullRequestEdit{Body: &body, State: &closed}); err != nil {
		return fmt.Errorf("close migration pull request #%d: %w", pr.Number, err)
	}
	mem.forget(pr.Number)
	res.Closed = append(res.Closed, pr.HeadRef)
	log.Info("migration pull request closed: nothing left to migrate", "pr", pr.Number, "branch", pr.HeadRef)
	if d.branch.ours {
		if err := b.Cache.PushLease(ctx, repo, plumbing.ZeroHash, pr.HeadRef, d.branch.tip); err != nil {
			log.Warn("migration branch of a closed pull request not deleted", "branch", pr.HeadRef, "error", err)
		}
	}
	return nil
}

// track writes the tracking issue when its text changes: opening it when
// there is something to say, editing it in place after that.
func (b *Bot) track(ctx context.Context, log *slog.Logger, repo vcs.Repo, tr tracking, mem memory, rep *report, res *Result) error {
	pruned := mem.pruned(b.now())
	if tr.issue == nil {
		if rep.empty() {
			return nil
		}
		is, err := b.openTracking(ctx, log, repo, rep.body(pruned))
		if err != nil {
			return err
		}
		res.TrackingIssue = is.Number
		return nil
	}
	res.TrackingIssue = tr.issue.Number
	if sameText(tr.issue.Title, issueTitle) && (sameText(tr.issue.Body, rep.body(mem)) || sameText(tr.issue.Body, rep.body(pruned))) {
		return nil
	}
	if _, err := b.Forge.EditIssue(ctx, repo, tr.issue.Number, issueTitle, rep.body(pruned)); err != nil {
		return fmt.Errorf("update the migrations tracking issue #%d: %w", tr.issue.Number, err)
	}
	log.Info("migrations tracking issue updated", "issue", tr.issue.Number)
	return nil
}

// openTracking opens the migrations tracking issue with body.
func (b *Bot) openTracking(ctx context.Context, log *slog.Logger, repo vcs.Repo, body string) (*vcs.Issue, error) {
	is, err := b.Forge.CreateIssue(ctx, repo, vcs.NewIssue{Title: issueTitle, Body: body, Labels: []string{Label}})
	if err != nil {
		return nil, fmt.Errorf("open the migrations tracking issue: %w", err)
	}
	log.Info("migrations tracking issue opened", "issue", is.Number)
	return &is, nil
}

// openReports lists the pull requests open after the run's decisions.
func openReports(ds []decision) []openReport {
	var out []openReport
	for _, d := range ds {
		if d.pr == nil || d.action == closePull {
			continue
		}
		o := openReport{number: d.pr.Number, branch: d.pr.HeadRef, requests: len(d.pr.meta.Requests), leftAlone: d.action == leaveAlone}
		if o.branch == "" && d.g != nil {
			o.branch = d.g.branch
		}
		if d.g != nil && !o.leftAlone {
			o.requests, o.changed = len(d.g.files), d.g.changed()
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b openReport) int { return a.number - b.number })
	return out
}

// sameText compares a text dip wrote with the host's copy of it, which
// may have other line endings or lose surrounding space.
func sameText(a, b string) bool {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return norm(a) == norm(b)
}

// missing returns the reviewers of want that asked does not hold.
func missing(want, asked []string) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(asked, func(a string) bool { return strings.EqualFold(a, w) }) {
			out = append(out, w)
		}
	}
	return out
}

func logSkipped(log *slog.Logger, pr int, skipped []string) {
	if len(skipped) > 0 {
		log.Info("reviewers the host cannot ask were left out", "pr", pr, "reviewers", strings.Join(skipped, " "))
	}
}
