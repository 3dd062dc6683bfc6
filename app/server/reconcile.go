package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
	"github.com/dipdev/dip/webhook"
)

// DefaultReconcileInterval is how often the sweep runs.
const DefaultReconcileInterval = 5 * time.Minute

// Reconciler finds work a lost webhook left undone — neither GitHub nor
// GitLab redelivers a failed delivery by itself — and queues it: open
// pull requests whose head lacks one of dip's checks, and output branches
// behind their default branch, in every repository the hosts list (on
// GitLab, the projects whose webhook points at dip). Its deliveries have ids of their own, so sweeps of
// several replicas queue each piece of work once.
type Reconciler struct {
	Provider vcs.Provider
	Cache    *repocache.Cache
	Queue    webhook.Enqueuer
	Logger   *slog.Logger
}

// Run sweeps at once and then every interval until ctx ends.
func (r *Reconciler) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultReconcileInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := r.Sweep(ctx); err != nil && ctx.Err() == nil {
			r.logger().Warn("reconcile sweep incomplete", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Reconciler) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Sweep looks at every repository once. A repository that fails does not
// stop the others, nor does a host that lists only some; the errors are
// joined.
func (r *Reconciler) Sweep(ctx context.Context) error {
	repos, err := r.Provider.Repositories(ctx)
	var errs []error
	if err != nil {
		errs = append(errs, fmt.Errorf("reconcile: %w", err))
	}
	queued := 0
	for _, repo := range repos {
		n, err := r.sweepRepo(ctx, repo)
		queued += n
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s: %w", repo.FullName(), err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	r.logger().Info("reconcile sweep done", "repositories", len(repos), "queued", queued)
	return errors.Join(errs...)
}

func (r *Reconciler) sweepRepo(ctx context.Context, repo vcs.Repo) (int, error) {
	queued := 0
	prs, err := r.Provider.OpenPullRequests(ctx, repo)
	if err != nil {
		return 0, err
	}
	for _, pr := range prs {
		missing, err := r.unchecked(ctx, repo, pr.HeadSHA)
		if err != nil {
			return queued, err
		}
		if !missing {
			continue
		}
		pr := pr
		ev := vcs.Event{
			Host: repo.Host, Kind: vcs.EventCheck, Name: "reconcile",
			DeliveryID:  "reconcile-check-" + strconv.FormatInt(repo.ID, 10) + "-" + strconv.Itoa(pr.Number) + "-" + pr.HeadSHA,
			Repo:        repo,
			PullRequest: &pr, SHA: pr.HeadSHA, BaseSHA: pr.BaseSHA,
		}
		if ok, err := r.Queue.Enqueue(ctx, ev); err != nil {
			return queued, err
		} else if ok {
			queued++
			r.logger().Info("pull request had no checks; queued", eventAttrs(ev)...)
		}
	}
	ev, behind, err := r.outputBehind(ctx, repo)
	if err != nil || !behind {
		return queued, err
	}
	if ok, err := r.Queue.Enqueue(ctx, ev); err != nil {
		return queued, err
	} else if ok {
		queued++
		r.logger().Info("output branch behind the default branch; queued a render", eventAttrs(ev)...)
	}
	return queued, nil
}

// unchecked reports whether one of dip's check runs is missing on sha. A
// run in progress belongs to a job, which the queue retries or rescues.
func (r *Reconciler) unchecked(ctx context.Context, repo vcs.Repo, sha string) (bool, error) {
	runs, err := r.Provider.CheckStatuses(ctx, repo, sha)
	if err != nil {
		return false, err
	}
	have := map[string]bool{}
	for _, run := range runs {
		have[run.Name] = true
	}
	for _, name := range pipeline.CheckRunNames {
		if !have[name] {
			return true, nil
		}
	}
	return false, nil
}

// outputBehind reports whether the default branch's head is rendered on
// the output branch, and the push event that would render it.
func (r *Reconciler) outputBehind(ctx context.Context, repo vcs.Repo) (vcs.Event, bool, error) {
	if repo.DefaultBranch == "" {
		return vcs.Event{}, false, nil
	}
	co, err := r.Cache.Fetch(ctx, repo, []string{"refs/heads/" + repo.DefaultBranch})
	if err != nil {
		return vcs.Event{}, false, err
	}
	head, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+repo.DefaultBranch).String())
	if err != nil {
		co.Release()
		return vcs.Event{}, false, nil // an empty repository
	}
	branch, ok := outputBranch(co, head)
	co.Release()
	if !ok {
		return vcs.Event{}, false, nil // not a platform repo, or a broken one: pushes say why
	}
	co, err = r.Cache.Fetch(ctx, repo, []string{"refs/heads/" + branch})
	if err != nil {
		return vcs.Event{}, false, err
	}
	defer co.Release()
	if tip, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+branch).String()); err == nil {
		c, err := co.Repo.CommitObject(tip)
		if err != nil {
			return vcs.Event{}, false, err
		}
		if s := trailer(c.Message, "Dip-Source-Commit"); plumbing.IsHash(s) {
			rendered := plumbing.NewHash(s)
			if rendered == head || isAncestor(co.Repo, head, rendered) {
				return vcs.Event{}, false, nil
			}
		}
	}
	ev := vcs.Event{
		Host: repo.Host, Kind: vcs.EventPush, Name: "reconcile",
		DeliveryID: "reconcile-push-" + strconv.FormatInt(repo.ID, 10) + "-" + head.String(),
		Repo:       repo, SHA: head.String(), Ref: repo.DefaultBranch,
	}
	return ev, true, nil
}

// outputBranch reads the output branch from platform.yaml at commit.
func outputBranch(co *repocache.Checkout, commit plumbing.Hash) (string, bool) {
	tree, err := gitfs.New(co.Repo, commit)
	if err != nil {
		return "", false
	}
	data, err := fs.ReadFile(tree, "platform.yaml")
	if err != nil {
		return "", false
	}
	doc, err := platform.ParseYAML("platform.yaml", data)
	if err != nil {
		return "", false
	}
	p, err := platform.DecodePlatform(doc)
	if err != nil {
		return "", false
	}
	return p.Output.Branch, true
}
