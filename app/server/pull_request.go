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
// merge group's): in progress at once, then completed with what dip check
// finds, judged with the base branch's policies and settings. When dip
// itself fails, the runs are completed neutral and the job is retried.
func (h *Handler) check(ctx context.Context, log *slog.Logger, ev vcs.Event) error {
	if ev.SHA == "" {
		return fmt.Errorf("check %s: %w: no commit", ev.Repo.FullName(), queue.ErrPermanent)
	}
	pub := &pipeline.Publisher{Provider: h.Provider, Repo: ev.Repo, SHA: ev.SHA, ExternalID: externalID(ev)}
	if err := pub.Start(ctx); err != nil {
		return err
	}
	run, err := h.runCheck(ctx, ev)
	if errors.Is(err, errGone) {
		log.Info("commit is gone from the host; its checks are left to the newer head", "error", err)
		if ferr := pub.Fail(ctx, err); ferr != nil {
			return ferr
		}
		return fmt.Errorf("%w: %w", queue.ErrPermanent, err)
	}
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

func (h *Handler) runCheck(ctx context.Context, ev vcs.Event) (*pipeline.CheckRun, error) {
	baseRef := baseBranch(ev)
	refs := []string{"refs/heads/" + baseRef}
	if ev.PullRequest != nil && ev.PullRequest.Number > 0 {
		refs = append(refs, "refs/pull/"+strconv.Itoa(ev.PullRequest.Number)+"/head")
	}
	if ev.Ref != "" {
		refs = append(refs, qualify(ev.Ref))
	}
	want := []string{ev.SHA}
	if ev.Kind == vcs.EventMergeGroup && ev.BaseSHA != "" {
		want = append(want, ev.BaseSHA)
	}
	co, err := h.Cache.Fetch(ctx, ev.Repo, refs, want...)
	if err != nil {
		if errors.Is(err, repocache.ErrMissingCommit) {
			return nil, fmt.Errorf("%w: %w", errGone, err)
		}
		return nil, err
	}
	defer co.Release()
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
