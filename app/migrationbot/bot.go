// Package migrationbot is dip's migration bot. For the head of a platform
// repo's default branch it finds the requests on deprecated blueprint
// versions that codemods migrate, groups them (per codemod and team, or
// per request, as platform.yaml says), and keeps one pull request open per
// group, as a careful dependency bot does:
//
//   - a group's branch is one commit on the default branch's head, by the
//     bot, with a Dip-Codemod trailer per codemod; it is made again and
//     force-pushed (with a lease: never over a push in between) only when
//     the change itself differs — other files, other content, or a base
//     whose copy of a migrated file changed — never for unrelated commits;
//   - an open pull request is updated, never duplicated; one whose branch
//     someone else pushed to is left alone, said once in a comment; one
//     with nothing left to migrate is closed with a comment;
//   - one closed unmerged by a person is not proposed again for the same
//     requests (a new request on an old version gets a new pull request);
//     after a merge, nothing is reopened;
//   - new pull requests are opened within platform.yaml's limits (open at
//     once, opened per hour); what is held back is listed;
//   - one tracking issue per repository, found by Label and a hidden
//     marker, lists pending, open, held-back and ignored migrations and the
//     requests that cannot be migrated, and holds the bot's memory; it is
//     edited only when its text changes.
//
// A run with nothing new makes no write call. The bot talks to the code
// host only through vcs.PullRequests, vcs.Issues and the host's identity
// for dip (vcs.Provider's Committer), so it runs alike on every host, reads git through the repository cache, and keeps no clock
// of its own.
package migrationbot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/app/repocache"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitfs"
)

// Forge is what the bot asks of the code host.
type Forge interface {
	vcs.PullRequests
	vcs.Issues
	// Committer is the host's identity for dip: who the bot commits as.
	Committer(repo vcs.Repo) vcs.Signature
}

// Planner computes the migrations pending in the tree of a platform repo:
// pipeline.Migrate over every kind and team.
type Planner func(fsys fs.FS) (*pipeline.Migration, error)

// Bot is the migration bot. Runs of one repository are serialized within
// the process; dip serve's queue also leases each repository's runs to
// one replica at a time (app/queue). It is safe for concurrent use.
type Bot struct {
	Forge Forge
	Cache *repocache.Cache
	Plan  Planner
	// Now is the bot's clock: commits are dated, and new pull requests
	// counted against the hourly limit, by it.
	Now func() time.Time
	// Committer, when set, authors and commits the bot's commits instead
	// of the host's identity for dip (Forge.Committer). A branch whose
	// tip is not such a commit is someone else's.
	Committer vcs.Signature
	Logger    *slog.Logger

	mu    sync.Mutex
	locks map[string]*sync.Mutex
	plans map[string]cachedPlan
}

type cachedPlan struct {
	head      plumbing.Hash
	migration *pipeline.Migration
}

// ErrPlan wraps an error of the planner: the same tree gives it again.
var ErrPlan = errors.New("migrations could not be computed")

// Result is what a run did, by branch.
type Result struct {
	Opened, Pushed, Edited, Closed, LeftAlone, HeldBack []string
	// Skipped says why nothing was done, when it was not.
	Skipped string
	// TrackingIssue is the tracking issue's number; zero when there is
	// none.
	TrackingIssue int
}

// Run brings the migration pull requests of repo in line with the head of
// its default branch. Errors of single pull requests do not stop the
// others; they are joined, and the tracking issue is written all the
// same. A repository that is not a platform repo, or whose platform.yaml
// does not validate, is skipped.
func (b *Bot) Run(ctx context.Context, repo vcs.Repo) (*Result, error) {
	lock := b.lock(repo)
	lock.Lock()
	defer lock.Unlock()
	if b.Now == nil || b.Plan == nil || b.Forge == nil || b.Cache == nil {
		return nil, errors.New("migration bot: Forge, Cache, Plan and Now must be set")
	}
	sig := b.Committer
	if sig.Email == "" {
		sig = b.Forge.Committer(repo)
	}
	if sig.Email == "" {
		return nil, fmt.Errorf("migration bot: no committer for %s", repo.FullName())
	}
	log := b.logger().With("repo", repo.FullName())
	res := &Result{}
	if repo.DefaultBranch == "" {
		res.Skipped = "no default branch"
		return res, nil
	}

	// The host first, git second: a pull request merged after the list
	// was read is then on the fetched default branch, and its requests
	// are not proposed again.
	prs, err := b.Forge.OpenPullRequests(ctx, repo)
	if err != nil {
		return nil, err
	}
	issues, err := b.Forge.FindIssues(ctx, repo, Label)
	if err != nil {
		return nil, err
	}
	tr := pickTracking(issues)
	mem := tr.mem
	pulls := migrationPulls(prs, repo.DefaultBranch)
	lost, errs := b.observe(ctx, repo, &mem, pulls)

	co, err := b.Cache.Fetch(ctx, repo, append([]string{"refs/heads/" + repo.DefaultBranch}, fetchRefs...))
	if err != nil {
		return nil, err
	}
	ds, rep, commits, skip, err := b.prepare(co, repo, sig, &mem, pulls, lost)
	co.Release()
	if err != nil {
		return nil, err
	}
	if skip != "" {
		log.Info("migration bot skipped the repository", "reason", skip)
		res.Skipped = skip
		return res, errors.Join(errs...)
	}

	// The tracking issue is the bot's memory: without it a later run would
	// not know what a person declined, nor what this hour opened. So it is
	// made before the first pull request, and a run that cannot make it
	// (issues turned off, say) opens none.
	if tr.issue == nil && slices.ContainsFunc(ds, func(d decision) bool { return d.action == open }) {
		rep.open = openReports(ds)
		is, err := b.openTracking(ctx, log, repo, rep.body(mem.pruned(b.now())))
		if err != nil {
			return nil, errors.Join(append(errs, fmt.Errorf("no migration pull request without a tracking issue: %w", err))...)
		}
		tr.issue = is
	}
	for i := range ds {
		if err := b.act(ctx, log, repo, &ds[i], commits[i], &mem, res); err != nil {
			errs = append(errs, err)
		}
	}
	rep.open = openReports(ds)
	if err := b.track(ctx, log, repo, tr, mem, rep, res); err != nil {
		errs = append(errs, err)
	}
	return res, errors.Join(errs...)
}

// migrationPulls picks the bot's pull requests from prs: from a bot
// branch of the repository itself into the default branch.
func migrationPulls(prs []vcs.PullRequest, base string) map[string]*openPull {
	out := map[string]*openPull{}
	for _, pr := range prs {
		if pr.Fork || pr.BaseRef != base || !vcs.IsMigrationBranch(pr.HeadRef) {
			continue
		}
		if have, ok := out[pr.HeadRef]; ok && have.Number < pr.Number {
			continue
		}
		p := &openPull{PullRequest: pr}
		decodeMeta(pr.Body, pullMarker, &p.meta)
		p.meta.Version, p.meta.Branch = metaVersion, pr.HeadRef
		out[pr.HeadRef] = p
	}
	return out
}

// observe brings mem in line with the open pull requests: those it does
// not know are taken up, and those no longer open are looked up once: a
// merged one is forgotten, one a person closed unmerged has its
// migrations declined. It returns the branches of pull requests closed
// without metadata, whose groups are declined once known.
func (b *Bot) observe(ctx context.Context, repo vcs.Repo, mem *memory, pulls map[string]*openPull) (map[string]int, []error) {
	open := map[int]bool{}
	for _, branch := range sortedKeys(pulls) {
		p := pulls[branch]
		open[p.Number] = true
		if mem.tracked(p.Number) {
			continue
		}
		opened := p.Times.Created
		if opened.IsZero() {
			opened = b.now()
		}
		mem.Pulls = append(mem.Pulls, trackedPull{Number: p.Number, Branch: branch, Opened: opened.UTC()})
		// A pull request reopened by a person is proposed again.
		mem.Declined = deleteFunc(mem.Declined, func(d declined) bool { return d.Pull == p.Number })
	}
	var errs []error
	lost := map[string]int{}
	for _, t := range append([]trackedPull(nil), mem.Pulls...) {
		if open[t.Number] {
			continue
		}
		pr, err := b.Forge.PullRequest(ctx, repo, t.Number)
		if errors.Is(err, vcs.ErrNotFound) {
			// Deleted: nothing says a person declined its migrations.
			b.logger().Info("migration pull request no longer exists; forgotten", "repo", repo.FullName(), "pr", t.Number)
			mem.forget(t.Number)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("migration pull request #%d: %w", t.Number, err))
			continue
		}
		var meta pullMeta
		hasMeta := decodeMeta(pr.Body, pullMarker, &meta)
		switch {
		case pr.State == vcs.StateOpen && (pr.Fork || pr.BaseRef != repo.DefaultBranch || !vcs.IsMigrationBranch(pr.HeadRef)):
			// Retargeted by a person: no longer the bot's to update.
		case pr.State == vcs.StateOpen:
			// The list was read before it was opened again.
			p := &openPull{PullRequest: pr, meta: meta}
			p.meta.Version, p.meta.Branch = metaVersion, pr.HeadRef
			pulls[pr.HeadRef] = p
			continue
		case pr.State == vcs.StateMerged, meta.ClosedBy == "dip":
		case hasMeta:
			mem.decline(t.Number, meta.Requests)
		default:
			lost[t.Branch] = t.Number
		}
		mem.forget(t.Number)
	}
	return lost, errs
}

// prepare reads the default branch's head and the bot's branches, decides
// what to do, and writes the commits that pushes need, all under the
// clone's read lock, as sig. skip is set when there is nothing to do.
func (b *Bot) prepare(co *repocache.Checkout, repo vcs.Repo, sig vcs.Signature, mem *memory, pulls map[string]*openPull, lost map[string]int) (ds []decision, rep *report, commits []plumbing.Hash, skip string, err error) {
	head, err := gitfs.Resolve(co.Repo, repocache.RemoteRef("refs/heads/"+repo.DefaultBranch).String())
	if err != nil {
		return nil, nil, nil, "the default branch has no commit", nil
	}
	tree, err := gitfs.New(co.Repo, head)
	if err != nil {
		return nil, nil, nil, "", err
	}
	set, err := readSettings(tree, repo.Host)
	if errors.Is(err, errInvalidPlatform) {
		return nil, nil, nil, err.Error(), nil
	}
	if err != nil {
		return nil, nil, nil, "", err
	}
	mig, err := b.migration(repo, head, tree)
	if err != nil {
		return nil, nil, nil, "", err
	}

	// Pull requests closed without their metadata decline what their
	// branch would migrate now.
	for _, g := range groupFiles(mig.Files, set.platform.Migrations.GroupBy, func(migrationKey) bool { return false }) {
		if n, ok := lost[g.branch]; ok {
			mem.decline(n, g.keys())
		}
	}
	pending := map[migrationKey]bool{}
	for _, f := range mig.Files {
		pending[migrationKey{Path: f.Path, To: f.To}] = true
	}
	// What is no longer pending (migrated by hand, removed) is no longer
	// declined.
	mem.Declined = deleteFunc(mem.Declined, func(d declined) bool { return !pending[d.migrationKey] })
	groups := groupFiles(mig.Files, set.platform.Migrations.GroupBy, mem.isDeclined)

	tips, err := botBranches(co)
	if err != nil {
		return nil, nil, nil, "", err
	}
	states := map[string]branchState{}
	for _, g := range groups {
		if states[g.branch], err = stateOf(co, sig, tips[g.branch], g); err != nil {
			return nil, nil, nil, "", err
		}
	}
	for branch := range pulls {
		if _, ok := states[branch]; !ok {
			if states[branch], err = stateOf(co, sig, tips[branch], nil); err != nil {
				return nil, nil, nil, "", err
			}
		}
	}
	blocked := map[string]bool{}
	for _, d := range mig.Diagnostics {
		blocked[d.File] = true
	}
	ds = decide(situation{now: b.now(), limits: set.platform.Migrations, groups: groups, pulls: pulls, branches: states, mem: mem, blocked: blocked,
		term: repo.Host.PullRequestTerm()})
	commits = make([]plumbing.Hash, len(ds))
	for i, d := range ds {
		if d.action == push || d.action == open {
			if commits[i], err = b.writeCommit(co, sig, head, d.g); err != nil {
				return nil, nil, nil, "", err
			}
		}
		if d.g != nil {
			ds[i].reviewers = set.reviewers(d.g)
		}
	}
	rep = &report{files: mig.Files, declined: mem.Declined, diagnostics: mig.Diagnostics, host: repo.Host}
	for _, d := range ds {
		if d.action == hold {
			rep.held = append(rep.held, d)
		}
	}
	return ds, rep, commits, "", nil
}

// migration returns the migrations of head, computed once per head.
func (b *Bot) migration(repo vcs.Repo, head plumbing.Hash, tree fs.FS) (*pipeline.Migration, error) {
	key := string(repo.Host) + ":" + strconv.FormatInt(repo.ID, 10) + ":" + repo.FullName()
	b.mu.Lock()
	c, ok := b.plans[key]
	b.mu.Unlock()
	if ok && c.head == head {
		return c.migration, nil
	}
	m, err := b.Plan(tree)
	if err != nil {
		return nil, fmt.Errorf("%w: %s@%s: %w", ErrPlan, repo.FullName(), head, err)
	}
	b.mu.Lock()
	if b.plans == nil {
		b.plans = map[string]cachedPlan{}
	}
	b.plans[key] = cachedPlan{head: head, migration: m}
	b.mu.Unlock()
	return m, nil
}

func (b *Bot) lock(repo vcs.Repo) *sync.Mutex {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.locks == nil {
		b.locks = map[string]*sync.Mutex{}
	}
	key := string(repo.Host) + ":" + repo.FullName()
	l, ok := b.locks[key]
	if !ok {
		l = &sync.Mutex{}
		b.locks[key] = l
	}
	return l
}

func (b *Bot) now() time.Time { return b.Now().UTC() }

func (b *Bot) logger() *slog.Logger {
	if b.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.Logger
}

func deleteFunc[T any](s []T, del func(T) bool) []T {
	var out []T
	for _, v := range s {
		if !del(v) {
			out = append(out, v)
		}
	}
	return out
}
