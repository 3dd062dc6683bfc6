package gitlab

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// maxThreads bounds the open threads dip keeps on a merge request, one
// per finding; the note lists the findings beyond.
const maxThreads = 25

// maxThreadBody bounds a thread's message.
const maxThreadBody = 10_000

// Hidden markers in dip's notes: a finding's fingerprint in the first note
// of its thread, and the reply that says the finding is gone.
const (
	findingMarker = "<!-- dip:finding:"
	goneMarker    = "<!-- dip:gone -->"
)

var fingerprintRE = regexp.MustCompile(`<!-- dip:finding:([0-9a-f]{16}) -->`)

// finding is a failure or a warning of one check, as a thread shows it.
type finding struct {
	check string
	a     checks.Annotation
	// fp identifies the finding across pushes: its check, rule, file,
	// message and environment, and which of several alike it is, but not
	// its line, which moves when lines are added above it.
	fp string
}

func (f finding) message() string {
	if f.a.Env != "" {
		return "[" + f.a.Env + "] " + f.a.Message
	}
	return f.a.Message
}

// findings are the failures and warnings of runs, failures first, then
// by file and line. Notices stay in the note.
func findings(runs []vcs.CheckRun) []finding {
	var out []finding
	seen := map[string]int{}
	for _, run := range runs {
		as := slices.Clone(run.Annotations)
		slices.SortStableFunc(as, func(x, y checks.Annotation) int {
			return cmp.Or(cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line), cmp.Compare(x.Column, y.Column))
		})
		for _, a := range as {
			if a.Level != checks.LevelFailure && a.Level != checks.LevelWarning {
				continue
			}
			sum := sha256.Sum256([]byte(strings.Join([]string{run.Name, a.Rule, a.File, a.Message, a.Env}, "\x00")))
			base := hex.EncodeToString(sum[:8])
			n := seen[base]
			seen[base] = n + 1
			fp := base
			if n > 0 {
				again := sha256.Sum256([]byte(base + "\x00" + strconv.Itoa(n)))
				fp = hex.EncodeToString(again[:8])
			}
			out = append(out, finding{check: run.Name, a: a, fp: fp})
		}
	}
	slices.SortStableFunc(out, func(x, y finding) int {
		return cmp.Or(cmp.Compare(rank(x.a.Level), rank(y.a.Level)), cmp.Compare(x.a.File, y.a.File), cmp.Compare(x.a.Line, y.a.Line))
	})
	return out
}

func rank(l checks.Level) int {
	if l == checks.LevelFailure {
		return 0
	}
	return 1
}

// thread is one of dip's finding threads on a merge request.
type thread struct {
	id       string
	fp       string
	resolved bool
	// byDip is set when dip resolved it; a thread a person resolved stays
	// resolved.
	byDip bool
	// gone is set when its last note is dip's reply that the finding is
	// gone.
	gone bool
}

// threadPlan is what to do with the threads of a merge request.
type threadPlan struct {
	create     []finding
	reopen     []thread
	resolve    []thread
	unthreaded []finding
}

// planThreads compares runs' findings with dip's threads on mr: threads
// of findings that are gone are resolved, those dip resolved whose finding
// is back are reopened, and new findings get threads, as long as fewer
// than maxThreads are open.
func (c *Client) planThreads(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, sha string, runs []vcs.CheckRun) (*threadPlan, error) {
	existing, err := c.threads(ctx, repo, mr)
	if err != nil {
		return nil, err
	}
	current := findings(runs)
	byFP := map[string]thread{}
	for _, t := range existing {
		if _, ok := byFP[t.fp]; !ok {
			byFP[t.fp] = t
		}
	}
	plan := &threadPlan{}
	present := map[string]bool{}
	open := 0
	for _, f := range current {
		present[f.fp] = true
		if t, ok := byFP[f.fp]; ok && !t.resolved {
			open++
		}
	}
	for _, f := range current {
		t, ok := byFP[f.fp]
		switch {
		case ok && (!t.resolved || !t.byDip):
			// Open, or resolved by a person: left as it is.
		case open >= maxThreads:
			plan.unthreaded = append(plan.unthreaded, f)
		case ok:
			plan.reopen = append(plan.reopen, t)
			open++
		default:
			plan.create = append(plan.create, f)
			open++
		}
	}
	for _, t := range existing {
		if !present[t.fp] && !t.resolved {
			plan.resolve = append(plan.resolve, t)
		}
	}
	return plan, nil
}

// threads lists dip's finding threads on mr, in the order made.
func (c *Client) threads(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest) ([]thread, error) {
	me, err := c.me(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gitlab.ListMergeRequestDiscussionsOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	var out []thread
	for d, err := range gitlab.Scan2(func(p gitlab.PaginationOptionFunc) ([]*gitlab.Discussion, *gitlab.Response, error) {
		return c.gl.Discussions.ListMergeRequestDiscussions(pid(repo), mr.IID, opts, p, gitlab.WithContext(ctx))
	}) {
		if err != nil {
			return nil, fmt.Errorf("list threads of %s!%d: %w", repo.FullName(), mr.IID, err)
		}
		if len(d.Notes) == 0 || d.IndividualNote {
			continue
		}
		first, last := d.Notes[0], d.Notes[len(d.Notes)-1]
		// The marker dip wrote ends the note; a message cannot bring
		// another (see plain), but the last is taken all the same.
		ms := fingerprintRE.FindAllStringSubmatch(first.Body, -1)
		if first.Author.ID != me.ID || ms == nil {
			continue
		}
		out = append(out, thread{
			id: d.ID, fp: ms[len(ms)-1][1], resolved: first.Resolved, byDip: first.ResolvedBy.ID == me.ID,
			gone: last.Author.ID == me.ID && strings.Contains(last.Body, goneMarker),
		})
	}
	return out, nil
}

// applyThreads carries out plan on mr, whose head is sha.
func (c *Client) applyThreads(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, sha string, plan *threadPlan) error {
	short := sha[:min(len(sha), 8)]
	for _, t := range plan.resolve {
		if !t.gone {
			if err := c.reply(ctx, repo, mr, t.id, fmt.Sprintf("This finding is gone as of %s; dip resolved this thread.\n\n%s", short, goneMarker)); err != nil {
				return err
			}
		}
		if err := c.setResolved(ctx, repo, mr, t.id, true); err != nil {
			return err
		}
	}
	for _, t := range plan.reopen {
		if err := c.setResolved(ctx, repo, mr, t.id, false); err != nil {
			return err
		}
		if err := c.reply(ctx, repo, mr, t.id, fmt.Sprintf("This finding is back as of %s.", short)); err != nil {
			return err
		}
	}
	if len(plan.create) == 0 {
		return nil
	}
	lines, err := c.diffLines(ctx, repo, mr)
	if err != nil {
		return err
	}
	for _, f := range plan.create {
		if err := c.createThread(ctx, repo, mr, f, lines); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) reply(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, id, body string) error {
	_, _, err := c.gl.Discussions.AddMergeRequestDiscussionNote(pid(repo), mr.IID, id,
		&gitlab.AddMergeRequestDiscussionNoteOptions{Body: &body}, gitlab.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("reply to thread %s of %s!%d: %w", id, repo.FullName(), mr.IID, err)
	}
	return nil
}

func (c *Client) setResolved(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, id string, resolved bool) error {
	_, _, err := c.gl.Discussions.ResolveMergeRequestDiscussion(pid(repo), mr.IID, id,
		&gitlab.ResolveMergeRequestDiscussionOptions{Resolved: &resolved}, gitlab.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("set thread %s of %s!%d resolved=%v: %w", id, repo.FullName(), mr.IID, resolved, err)
	}
	return nil
}

// createThread starts f's thread: a diff note on its line when the line
// is in mr's diff, otherwise a thread that names file and line. A thread
// whose answer was lost is looked for before it is made again.
func (c *Client) createThread(ctx context.Context, repo vcs.Repo, mr *gitlab.MergeRequest, f finding, lines diffLines) error {
	pos := lines.position(mr, f.a.File, f.a.Line)
	for attempt := 1; ; attempt++ {
		opts := &gitlab.CreateMergeRequestDiscussionOptions{Body: gitlab.Ptr(threadBody(f, pos != nil)), Position: pos}
		_, _, err := c.gl.Discussions.CreateMergeRequestDiscussion(pid(repo), mr.IID, opts, gitlab.WithContext(ctx))
		switch {
		case err == nil:
			return nil
		case pos != nil && status(err) == http.StatusBadRequest:
			// GitLab would not place it on the line: name the line
			// instead.
			c.log.InfoContext(ctx, "gitlab refused a diff note's position; the thread names the line", "repo", repo.FullName(),
				"pr", mr.IID, "file", f.a.File, "line", f.a.Line, "error", err)
			pos = nil
			continue
		case !lost(ctx, err) || attempt == retry.MaxAttempts:
			return fmt.Errorf("start thread on %s!%d for %s:%d: %w", repo.FullName(), mr.IID, f.a.File, f.a.Line, err)
		}
		if existing, lerr := c.threads(ctx, repo, mr); lerr == nil && slices.ContainsFunc(existing, func(t thread) bool { return t.fp == f.fp }) {
			return nil
		}
		c.log.WarnContext(ctx, "gitlab thread create retried", "repo", repo.FullName(), "pr", mr.IID, "attempt", attempt)
		if err := c.clock.Sleep(ctx, retry.Backoff(attempt)); err != nil {
			return err
		}
	}
}

// plain keeps text that may carry a request's values from being taken as
// HTML, dip's hidden markers among it: < is written as an entity, which
// Markdown shows as <.
func plain(s string) string { return strings.ReplaceAll(s, "<", "&lt;") }

// threadBody is the first note of f's thread; placed says whether it sits
// on f's line.
func threadBody(f finding, placed bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s **%s**", levelIcon(f.a.Level), f.check)
	if title := cmp.Or(f.a.Title, f.a.Rule); title != "" {
		fmt.Fprintf(&b, " · `%s`", strings.ReplaceAll(oneLine(title), "`", "'"))
	}
	fmt.Fprintf(&b, "\n\n%s\n\n", plain(cut(f.message(), maxThreadBody)))
	where := fmt.Sprintf("`%s`", f.a.File)
	if f.a.Line > 0 {
		where += fmt.Sprintf(" line %d", f.a.Line)
	}
	if !placed {
		fmt.Fprintf(&b, "On %s.", where)
		if f.a.Source != "" {
			fmt.Fprintf(&b, " Found in `%s`.", f.a.Source)
		}
		b.WriteString("\n\n")
	} else if f.a.Source != "" {
		fmt.Fprintf(&b, "<sub>Found in `%s`.</sub>\n\n", f.a.Source)
	}
	fmt.Fprintf(&b, "%s%s -->", findingMarker, f.fp)
	return b.String()
}
