package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/audit"
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
// GitLab, the projects whose webhook points at dip). It also queues a run
// of the migration bot for every platform repo, which picks up what no
// webhook announces: pull requests closed, limits that allow more. Its
// deliveries have ids of their own, so sweeps of several replicas queue
// each piece of work once (the bot's once per interval).
type Reconciler struct {
	Provider vcs.Provider
	Cache    *repocache.Cache
	Queue    webhook.Enqueuer
	Logger   *slog.Logger
	// Migrations turns on the migration bot's runs.
	Migrations bool
	// Now is the clock sweeps are numbered by; nil is time.Now.
	Now func() time.Time

	interval time.Duration

	// checked holds, per repository, the open pull requests' heads found
	// with all of dip's checks. A check run or commit status is never
	// taken away again, so a later sweep need not ask the host about
	// them; heads of pull requests no longer open are forgotten.
	mu      sync.Mutex
	checked map[repoKey]map[string]bool
}

// repoKey names a repository across hosts.
type repoKey struct {
	host vcs.Host
	id   int64
}

// Run sweeps at once and then every interval until ctx ends.
func (r *Reconciler) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultReconcileInterval
	}
	r.interval = interval
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
	known := r.checkedHeads(repo, prs)
	for _, pr := range prs {
		if known[pr.HeadSHA] {
			continue
		}
		missing, err := r.unchecked(ctx, repo, pr.HeadSHA)
		if err != nil {
			return queued, err
		}
		if !missing {
			r.markChecked(repo, pr.HeadSHA)
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
	if err != nil || ev.SHA == "" {
		return queued, err
	}
	if behind {
		if ok, err := r.Queue.Enqueue(ctx, ev); err != nil {
			return queued, err
		} else if ok {
			queued++
			r.logger().Info("output branch behind the default branch; queued a render", eventAttrs(ev)...)
		}
	}
	if !r.Migrations {
		return queued, nil
	}
	// One run per interval, whichever replica sweeps first.
	every := cmp.Or(r.interval, DefaultReconcileInterval)
	slot := r.now().Truncate(every).Unix()
	m := migrateEvent(repo, ev.SHA, "reconcile-migrate-"+strconv.FormatInt(repo.ID, 10)+"-"+ev.SHA+"-"+strconv.FormatInt(slot, 10))
	if ok, err := r.Queue.Enqueue(ctx, m); err != nil {
		return queued, err
	} else if ok {
		queued++
	}
	return queued, nil
}

func (r *Reconciler) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// checkedHeads returns the heads of prs known to have all of dip's
// checks, and forgets every other head of repo.
func (r *Reconciler) checkedHeads(repo vcs.Repo, prs []vcs.PullRequest) map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := repoKey{repo.Host, repo.ID}
	kept := map[string]bool{}
	for _, pr := range prs {
		if r.checked[k][pr.HeadSHA] {
			kept[pr.HeadSHA] = true
		}
	}
	if r.checked == nil {
		r.checked = map[repoKey]map[string]bool{}
	}
	r.checked[k] = kept
	return maps.Clone(kept)
}

func (r *Reconciler) markChecked(repo vcs.Repo, sha string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checked[repoKey{repo.Host, repo.ID}][sha] = true
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
// the output branch, and the push event that would render it; the event
// is set, and names the head, whenever the repository is a platform repo.
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
	ev := vcs.Event{
		Host: repo.Host, Kind: vcs.EventPush, Name: "reconcile",
		DeliveryID: "reconcile-push-" + strconv.FormatInt(repo.ID, 10) + "-" + head.String(),
		Repo:       repo, SHA: head.String(), Ref: repo.DefaultBranch,
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
		if rendered, ok := audit.SourceOf(c.Message); ok {
			if rendered == head || isAncestor(co.Repo, head, rendered) || rendersAlike(co, rendered, head) {
				return ev, false, nil
			}
		}
	}
	return ev, true, nil
}

// rendersAlike reports whether head descends from rendered through
// commits that change no file a render reads or records — a README, a
// policy, CI settings — so that its render would commit nothing.
func rendersAlike(co *repocache.Checkout, rendered, head plumbing.Hash) bool {
	if !isAncestor(co.Repo, rendered, head) {
		return false
	}
	changes, err := gitfs.ChangedFiles(co.Repo, rendered, head)
	if err != nil {
		return false
	}
	for _, c := range changes {
		if c.Path == platform.PlatformFile || strings.HasPrefix(c.Path, platform.TeamsDir+"/") || strings.HasPrefix(c.Path, platform.RequestsDir+"/") {
			return false
		}
	}
	return true
}

// outputBranch reads the output branch from platform.yaml at commit.
func outputBranch(co *repocache.Checkout, commit plumbing.Hash) (string, bool) {
	b, err := audit.OutputBranch(co.Repo, commit)
	return b, err == nil
}
