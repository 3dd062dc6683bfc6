package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/dipdev/dip/app/audit"
	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
)

// errBranchMoved is a default branch that moved between the fetch of the
// commit rendered and the fetch of the output branch.
var errBranchMoved = errors.New("branch moved")

// maxPushAttempts bounds the retries of a push that lost a race with
// another writer of the output branch.
const maxPushAttempts = 5

// push renders the default branch at the pushed commit and commits the
// result to the platform's output branch: one commit per source commit,
// only when the rendered tree changes, fast-forward only, with the audit
// trailers. A default branch that does not validate gets no commit. Then
// it queues the migration bot, unless the render is to be tried again.
func (h *Handler) push(ctx context.Context, log *slog.Logger, ev vcs.Event) error {
	if ev.SHA == "" || ev.Ref == "" {
		return fmt.Errorf("render %s: %w: no commit or branch", ev.Repo.FullName(), queue.ErrPermanent)
	}
	for attempt := 1; ; attempt++ {
		err := h.renderAndCommit(ctx, log, ev)
		retry := errors.Is(err, repocache.ErrRejected) || errors.Is(err, errBranchMoved)
		if attempt < maxPushAttempts && errors.Is(err, repocache.ErrRejected) {
			log.Info("output branch moved while committing; fetching and trying again", "attempt", attempt)
			continue
		}
		if attempt < maxPushAttempts && errors.Is(err, errBranchMoved) {
			log.Info("default branch moved while rendering; rendering its new head", "attempt", attempt)
			continue
		}
		if !retry && (err == nil || errors.Is(err, queue.ErrPermanent)) {
			err = errors.Join(err, h.queueMigration(ctx, log, ev))
		}
		return err
	}
}

// renderAndCommit renders the default branch's head, which is the pushed
// commit or one after it: the queue may have skipped the job of a newer
// push for a redelivered older one, and a render of the head is never
// worse than one of an older commit.
func (h *Handler) renderAndCommit(ctx context.Context, log *slog.Logger, ev vcs.Event) error {
	co, err := h.Cache.Fetch(ctx, ev.Repo, []string{qualify(ev.Ref)})
	if err != nil {
		return err
	}
	head, err := gitfs.Resolve(co.Repo, repocache.RemoteRef(qualify(ev.Ref)).String())
	if err != nil {
		co.Release()
		return fmt.Errorf("render %s: %w: branch %s is gone: %w", ev.Repo.FullName(), queue.ErrPermanent, ev.Ref, err)
	}
	if head.String() != ev.SHA {
		log.Info("the branch moved on since the push; rendering its head", "head", head.String())
	}
	src, err := gitfs.New(co.Repo, head)
	if err != nil {
		co.Release()
		return err
	}
	b, err := pipeline.Render(src)
	co.Release()
	if err != nil {
		return fmt.Errorf("render %s@%s: %w: %w", ev.Repo.FullName(), head, queue.ErrPermanent, err)
	}
	if errs := b.Diagnostics.Errors(); b.Repo == nil || len(errs) > 0 {
		first := "platform.yaml is invalid"
		if len(errs) > 0 {
			first = errs[0].Error()
		}
		log.Error("default branch does not validate; nothing committed to the output branch",
			"head", head.String(), "problems", len(errs), "first", first)
		return nil
	}
	out := b.Repo.Platform.Output
	if out.Branch == ev.Ref {
		return fmt.Errorf("render %s: %w: output branch %s is the default branch", ev.Repo.FullName(), queue.ErrPermanent, out.Branch)
	}

	// The default branch is fetched again with the output branch, so that
	// the last rendered source commit is in the clone whenever it is still
	// on the branch, and its ancestry decides (see commitRender): a render
	// of an older commit never lands on a newer one's.
	co, err = h.Cache.Fetch(ctx, ev.Repo, []string{"refs/heads/" + out.Branch, qualify(ev.Ref)})
	if err != nil {
		return err
	}
	if now, err := gitfs.Resolve(co.Repo, repocache.RemoteRef(qualify(ev.Ref)).String()); err == nil && now != head {
		co.Release()
		return fmt.Errorf("render %s: %w: %s moved to %s while rendering", ev.Repo.FullName(), errBranchMoved, ev.Ref, now)
	}
	commit, err := h.commitRender(ctx, log, co, ev.Repo, head, b, out)
	co.Release()
	if err != nil || commit.IsZero() {
		return err
	}
	if err := h.Cache.Push(ctx, ev.Repo, commit, out.Branch); err != nil {
		return err
	}
	log.Info("rendered output committed", "branch", out.Branch, "commit", commit.String(), "source", head.String(), "files", len(b.Files))
	return nil
}

// commitRender writes the rendered tree and its commit into the clone and
// returns the commit, or the zero hash when there is nothing to commit.
func (h *Handler) commitRender(ctx context.Context, log *slog.Logger, co *repocache.Checkout, repo vcs.Repo, source plumbing.Hash, b *pipeline.Build, out platform.Output) (plumbing.Hash, error) {
	tipHash, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+out.Branch).String())
	var tip *object.Commit
	var prevSource plumbing.Hash
	if err == nil {
		if tip, err = co.Repo.CommitObject(tipHash); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("output branch %s: %w", out.Branch, err)
		}
		prevSource, _ = audit.SourceOf(tip.Message)
	}
	if prevSource == source {
		log.Info("commit already rendered", "branch", out.Branch)
		return plumbing.ZeroHash, nil
	}
	if !prevSource.IsZero() && isAncestor(co.Repo, source, prevSource) {
		log.Info("a newer commit is already rendered", "branch", out.Branch, "rendered", prevSource.String())
		return plumbing.ZeroHash, nil
	}

	tree, err := audit.WriteTree(co.Repo, out.Path, b.Files)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	from := prevSource
	if from.IsZero() || !isAncestor(co.Repo, from, source) {
		from = firstParent(co.Repo, source)
	}
	paths, err := audit.ChangedRequests(co.Repo, from, source, b.Source.Requests)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	// A change of a request that renders the same bytes (an exception
	// added) is still committed: the audit trail records every change of
	// a request.
	if tip != nil && tip.TreeHash == tree && len(paths) == 0 {
		log.Info("rendered tree unchanged; nothing to commit", "branch", out.Branch)
		return plumbing.ZeroHash, nil
	}
	a, err := h.audit(ctx, co, repo, from, source, b, paths)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var parent plumbing.Hash
	if tip != nil {
		parent = tip.Hash
	}
	sourceCommit, err := co.Repo.CommitObject(source)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	who := h.committer(repo)
	sig := object.Signature{Name: who.Name, Email: who.Email, When: h.now()}
	return audit.WriteCommit(co.Repo, tree, parent, a, sourceCommit.Message, sig)
}

// isAncestor reports whether commit a is b or an ancestor of b. A commit
// missing from the clone is no one's ancestor.
func isAncestor(r *git.Repository, a, b plumbing.Hash) bool {
	ca, err := r.CommitObject(a)
	if err != nil {
		return false
	}
	cb, err := r.CommitObject(b)
	if err != nil {
		return false
	}
	ok, err := ca.IsAncestor(cb)
	return err == nil && ok
}

func firstParent(r *git.Repository, h plumbing.Hash) plumbing.Hash {
	c, err := r.CommitObject(h)
	if err != nil || len(c.ParentHashes) == 0 {
		return plumbing.ZeroHash
	}
	return c.ParentHashes[0]
}
