package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
)

// errGone is a commit to check that the host no longer has: a force-push
// replaced it, and the newer head has its own event.
var errGone = errors.New("commit no longer on the host")

// check posts the four check runs of a pull request's head commit (or a
// merge group's): in progress, then completed with what dip check finds,
// judged with the base branch's policies and settings. When dip itself
// fails, the runs are completed neutral and the job is retried.
//
// The commit checked is the pull request's head on the host, as fetched,
// which need not be the event's (see target): the queue orders jobs by
// delivery, and a delivery may be late.
func (h *Handler) check(ctx context.Context, log *slog.Logger, ev vcs.Event) error {
	if ev.SHA == "" {
		return fmt.Errorf("check %s: %w: no commit", ev.Repo.FullName(), queue.ErrPermanent)
	}
	co, err := h.fetchForCheck(ctx, ev)
	if err != nil {
		return h.failChecks(ctx, log, ev, err)
	}
	defer co.Release()
	sha, err := h.target(ctx, co, ev)
	switch {
	case err != nil:
		return h.failChecks(ctx, log, ev, err)
	case sha == "":
		log.Info("superseded: the pull request's head moved on and has dip's checks", "head", h.prHead(co, ev))
		return nil
	case sha != ev.SHA:
		log.Info("the pull request's head moved on; checking its head instead", "head", sha)
		ev = onHead(ev, sha)
	}
	pub := publisher(h.Provider, ev)
	if err := pub.Start(ctx); err != nil {
		return err
	}
	run, err := h.runCheck(ctx, co, ev)
	if err != nil {
		if ferr := pub.Fail(ctx, err); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	}
	if err := pub.Finish(ctx, &run.Report); err != nil {
		return err
	}
	if err := h.Cache.SaveFacts(ev.Repo); err != nil {
		log.Warn("fact index not saved; the next start reads more", "error", err)
	}
	read, total := run.Head.RequestsRead()
	log.Info("checks completed", "conclusions", conclusions(run), "requests_read", read, "requests", total)
	return nil
}

// failChecks shows err, which happened before a check could start, on the
// event's commit as neutral runs, and returns it for the queue: retried,
// or not when the commit is gone.
func (h *Handler) failChecks(ctx context.Context, log *slog.Logger, ev vcs.Event, err error) error {
	pub := publisher(h.Provider, ev)
	if serr := pub.Start(ctx); serr != nil {
		return errors.Join(err, serr)
	}
	if ferr := pub.Fail(ctx, err); ferr != nil {
		return errors.Join(err, ferr)
	}
	if errors.Is(err, errGone) {
		log.Info("commit is gone from the host; its checks are left to the newer head", "error", err)
		return fmt.Errorf("%w: %w", queue.ErrPermanent, err)
	}
	return err
}

// fetchForCheck brings what a check of ev reads into the cache: the base
// branch, the pull request's head ref, a merge group's ref and base.
func (h *Handler) fetchForCheck(ctx context.Context, ev vcs.Event) (*repocache.Checkout, error) {
	refs := []string{"refs/heads/" + baseBranch(ev)}
	if ref := pullRef(ev); ref != "" {
		refs = append(refs, ref)
	}
	if ev.Ref != "" {
		refs = append(refs, qualify(ev.Ref))
	}
	var want []string
	if ev.Kind == vcs.EventMergeGroup {
		want = append(want, ev.SHA)
		if ev.BaseSHA != "" {
			want = append(want, ev.BaseSHA)
		}
	}
	co, err := h.Cache.Fetch(ctx, ev.Repo, refs, want...)
	if errors.Is(err, repocache.ErrMissingCommit) {
		return nil, fmt.Errorf("%w: %w", errGone, err)
	}
	return co, err
}

// target is the commit a check of ev judges, or "" when there is nothing
// to do. Git and the host decide, not the order in which deliveries came:
//
//   - the event's commit, when it is the pull request's head on the host
//     (or the event is of no pull request: a merge group, a check suite
//     of a branch);
//   - otherwise the pull request moved on (a newer push, or a force-push
//     that rewrote its history): its head on the host, when that head has
//     none of dip's check runs yet; nothing when it has, for its own job
//     posted them. A late or redelivered event of an older head thus never
//     posts checks on it, and never leaves the newer head unchecked, even
//     when the queue skipped the newer head's job for the older one.
func (h *Handler) target(ctx context.Context, co *repocache.Checkout, ev vcs.Event) (string, error) {
	head := h.prHead(co, ev)
	if head == "" || head == ev.SHA {
		if _, err := co.Repo.CommitObject(plumbing.NewHash(ev.SHA)); err != nil {
			return "", fmt.Errorf("%w: commit %s: %w", errGone, ev.SHA, err)
		}
		return ev.SHA, nil
	}
	runs, err := h.Provider.CheckStatuses(ctx, ev.Repo, head)
	if err != nil {
		return "", fmt.Errorf("check runs of %s: %w", head, err)
	}
	if len(runs) > 0 {
		return "", nil
	}
	return head, nil
}

// prHead is the head of ev's pull request as fetched, "" when ev is of no
// pull request or the host has no head ref for it.
func (h *Handler) prHead(co *repocache.Checkout, ev vcs.Event) string {
	ref := pullRef(ev)
	if ref == "" {
		return ""
	}
	hash, err := gitfs.Resolve(co.Repo, repocache.RemoteRef(ref).String())
	if err != nil {
		return ""
	}
	return hash.String()
}

// pullRef is the host's ref of ev's pull request head, "" for none.
func pullRef(ev vcs.Event) string {
	if ev.Kind != vcs.EventCheck || ev.PullRequest == nil || ev.PullRequest.Number <= 0 {
		return ""
	}
	return ev.Host.PullRequestRef(ev.PullRequest.Number)
}

// onHead is ev about the pull request's head sha.
func onHead(ev vcs.Event, sha string) vcs.Event {
	pr := *ev.PullRequest
	pr.HeadSHA = sha
	ev.PullRequest, ev.SHA, ev.CheckRunID = &pr, sha, 0
	return ev
}

func (h *Handler) runCheck(ctx context.Context, co *repocache.Checkout, ev vcs.Event) (*pipeline.CheckRun, error) {
	baseRef := baseBranch(ev)
	head, err := gitfs.New(co.Repo, plumbing.NewHash(ev.SHA))
	if err != nil {
		return nil, err
	}
	opt := pipeline.CheckOptions{
		Head:          head,
		Bundle:        h.Bundle,
		Today:         h.now().UTC().Format("2006-01-02"),
		PolicyTimeout: h.PolicyTimeout,
		Scan:          h.Scan,
	}
	base, err := baseTree(co, ev, baseRef)
	if err != nil {
		return nil, err
	}
	opt.Base = base
	// The incremental path of dip check --base: blob ids from the trees,
	// facts of the files not read from the repository's fact index.
	if opt.HeadBlobs, err = pipeline.TreeBlobs(head); err != nil {
		return nil, err
	}
	if opt.BaseBlobs, err = pipeline.TreeBlobs(base); err != nil {
		return nil, err
	}
	opt.Facts = h.Cache.Facts(ev.Repo)
	run, err := pipeline.Check(ctx, opt)
	if err != nil {
		return nil, fmt.Errorf("check %s@%s: %w", ev.Repo.FullName(), ev.SHA, err)
	}
	return run, nil
}

// baseTree is the tree whose policies judge the change. For a pull
// request it is the base branch as it is now (the event's base commit may
// be long gone by), or the commit the event names when the branch is not
// there. A merge group is a commit built on its base commit: it is judged
// against that commit, whatever its branch did since.
func baseTree(co *repocache.Checkout, ev vcs.Event, branch string) (*gitfs.FS, error) {
	if ev.Kind == vcs.EventMergeGroup && ev.BaseSHA != "" {
		return gitfs.New(co.Repo, plumbing.NewHash(ev.BaseSHA))
	}
	hash, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+branch).String())
	if err != nil {
		if ev.BaseSHA == "" {
			return nil, fmt.Errorf("base branch %s: %w", branch, err)
		}
		hash = plumbing.NewHash(ev.BaseSHA)
	}
	return gitfs.New(co.Repo, hash)
}

// baseBranch is the branch a change is judged against: a pull request's
// base, a merge group's, or the default branch.
func baseBranch(ev vcs.Event) string {
	if ev.PullRequest != nil && ev.PullRequest.BaseRef != "" {
		return ev.PullRequest.BaseRef
	}
	if ev.BaseRef != "" {
		return ev.BaseRef
	}
	if ev.Repo.DefaultBranch != "" {
		return ev.Repo.DefaultBranch
	}
	return "main"
}

func qualify(ref string) string {
	if strings.HasPrefix(ref, "refs/") {
		return ref
	}
	return "refs/heads/" + ref
}

// publisher shows the checks of ev's commit.
func publisher(p vcs.Checks, ev vcs.Event) *pipeline.Publisher {
	pub := &pipeline.Publisher{Provider: p, Repo: ev.Repo, SHA: ev.SHA, ExternalID: externalID(ev)}
	if ev.PullRequest != nil {
		pub.PullRequest = ev.PullRequest.Number
	}
	return pub
}

// externalID ties check runs to the commit and pull request they judge.
func externalID(ev vcs.Event) string {
	id := "dip:" + ev.SHA
	if ev.PullRequest != nil && ev.PullRequest.Number > 0 {
		id += ":pr" + strconv.Itoa(ev.PullRequest.Number)
	}
	return id
}

func conclusions(run *pipeline.CheckRun) string {
	var b strings.Builder
	for i, r := range run.Report.Results {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.Name + "=" + string(r.Conclusion))
	}
	return b.String()
}
