package webhook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dipdev/dip/vcs"
)

// handled reports whether dip acts on some deliveries of event name;
// others are ignored without being decoded.
func handled(name string) bool {
	switch name {
	case "pull_request", "check_suite", "check_run", "merge_group", "push",
		"installation", "installation_repositories", "ping":
		return true
	}
	return false
}

// translate turns a decoded delivery into dip's event. act is false for an
// action dip ignores; the event then still names what was ignored, for the
// log.
func (h *GitHub) translate(name string, payload any) (ev vcs.Event, act bool) {
	if p, ok := payload.(*slimPullRequestEvent); ok {
		ev, act = pullRequestEvent(p)
		ev.Host, ev.Name = vcs.GitHub, name
		return ev, act
	}
	p, _ := payload.(*slimEvent)
	if p == nil {
		p = &slimEvent{}
	}
	switch name {
	case "check_suite":
		ev, act = h.checkEvent(p, p.CheckSuite, "requested", "rerequested")
	case "check_run":
		ev, act = h.checkEvent(p, p.CheckRun, "rerequested")
		if p.CheckRun != nil {
			ev.CheckRunID = val(p.CheckRun.ID)
		}
	case "merge_group":
		ev, act = mergeGroupEvent(p)
	case "push":
		ev, act = pushEvent(p)
	case "installation":
		ev, act = installationEvent(p, "created", p.Repositories)
	case "installation_repositories":
		ev, act = installationEvent(p, "added", p.RepositoriesAdded)
	case "ping":
		ev, act = vcs.Event{Kind: vcs.EventPing}, true
	}
	ev.Host, ev.Name = vcs.GitHub, name
	return ev, act
}

func pullRequestEvent(p *slimPullRequestEvent) (vcs.Event, bool) {
	ev := vcs.Event{
		Action: val(p.Action),
		Repo:   repo(p.Repo, p.Installation.id()),
		Sender: p.Sender.login(),
	}
	if pr := p.PullRequest; pr != nil {
		ev.PullRequest = pullRequest(pr)
		ev.PullRequest.URL = val(pr.HTMLURL)
		ev.PullRequest.Author = pr.User.login()
		ev.PullRequest.Draft = val(pr.Draft)
		ev.SHA, ev.BaseSHA = ev.PullRequest.HeadSHA, ev.PullRequest.BaseSHA
	}
	switch ev.Action {
	case "opened", "synchronize", "reopened", "ready_for_review":
	case "closed":
		// One of the migration bot's pull requests, closed or merged: the
		// bot takes note at once (a decline, a slot under the limits)
		// instead of at the next sweep.
		if ev.PullRequest == nil || ev.PullRequest.Fork || !vcs.IsMigrationBranch(ev.PullRequest.HeadRef) {
			return ev, false
		}
		ev.Kind = vcs.EventMigrate
		return ev, true
	case "edited":
		// Only a new base changes what the checks judge.
		if p.Changes == nil || p.Changes.Base == nil {
			return ev, false
		}
	default:
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

// checkEvent is a check suite's or a check run's event: acted on for the
// given actions, when the suite or run is this App's.
func (h *GitHub) checkEvent(p *slimEvent, c *slimCheck, actions ...string) (vcs.Event, bool) {
	if c == nil {
		c = &slimCheck{}
	}
	ev := vcs.Event{
		Action: val(p.Action),
		Repo:   repo(p.Repo, p.Installation.id()),
		Sender: p.Sender.login(),
		SHA:    val(c.HeadSHA),
	}
	if len(c.PullRequests) > 0 && c.PullRequests[0] != nil {
		ev.PullRequest = pullRequest(c.PullRequests[0])
		ev.BaseSHA = ev.PullRequest.BaseSHA
	}
	if !slices.Contains(actions, ev.Action) || !h.ours(c.App) {
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

// ours reports whether app is this App, when its id was configured.
func (h *GitHub) ours(app *slimApp) bool {
	return h.appID == 0 || (app != nil && val(app.ID) == h.appID)
}

func mergeGroupEvent(p *slimEvent) (vcs.Event, bool) {
	mg := p.MergeGroup
	if mg == nil {
		mg = &slimMergeGroup{}
	}
	ev := vcs.Event{
		Action:  val(p.Action),
		Repo:    repo(p.Repo, p.Installation.id()),
		Sender:  p.Sender.login(),
		SHA:     val(mg.HeadSHA),
		Ref:     val(mg.HeadRef),
		BaseSHA: val(mg.BaseSHA),
		BaseRef: strings.TrimPrefix(val(mg.BaseRef), "refs/heads/"),
	}
	if ev.Action != "checks_requested" {
		return ev, false
	}
	ev.Kind = vcs.EventMergeGroup
	return ev, true
}

func pushEvent(p *slimEvent) (vcs.Event, bool) {
	ev := vcs.Event{
		Repo:   repo(p.Repo, p.Installation.id()),
		Sender: p.Sender.login(),
		SHA:    val(p.After),
		Ref:    strings.TrimPrefix(val(p.Ref), "refs/heads/"),
	}
	// A push that deletes the branch has an after of zeros.
	deleted := val(p.Deleted) || (ev.SHA != "" && strings.Trim(ev.SHA, "0") == "")
	branch := ev.Repo.DefaultBranch
	if branch == "" || val(p.Ref) != "refs/heads/"+branch || deleted {
		return ev, false
	}
	ev.Kind = vcs.EventPush
	return ev, true
}

// installationEvent is an installation's event; the repositories of the
// action listed are those it adds.
func installationEvent(p *slimEvent, adds string, repos []*slimRepo) (vcs.Event, bool) {
	ev := vcs.Event{
		Kind:   vcs.EventInstallation,
		Action: val(p.Action),
		Repo:   vcs.Repo{Host: vcs.GitHub, Installation: p.Installation.id()},
		Sender: p.Sender.login(),
	}
	if ev.Action == adds {
		ev.Repos = installedRepos(repos, p.Installation)
	}
	return ev, true
}

// installedRepos are the repositories of an installation event. GitHub
// sends only their id and names there; the owner is the account the App
// is installed on.
func installedRepos(rs []*slimRepo, in *slimAppInstallation) []vcs.Repo {
	var repos []vcs.Repo
	for _, r := range rs {
		if r == nil {
			continue
		}
		owner, name, ok := strings.Cut(val(r.FullName), "/")
		if !ok && in != nil {
			owner, name = in.Account.login(), val(r.Name)
		}
		repos = append(repos, vcs.Repo{
			Host:          vcs.GitHub,
			ID:            val(r.ID),
			Owner:         owner,
			Name:          name,
			CloneURL:      val(r.CloneURL),
			DefaultBranch: val(r.DefaultBranch),
			Installation:  in.id(),
		})
	}
	return repos
}

func repo(r *slimRepo, installation int64) vcs.Repo {
	if r == nil {
		r = &slimRepo{}
	}
	return vcs.Repo{
		Host:          vcs.GitHub,
		ID:            val(r.ID),
		Owner:         r.Owner.login(),
		Name:          val(r.Name),
		CloneURL:      val(r.CloneURL),
		DefaultBranch: val(r.DefaultBranch),
		Installation:  installation,
	}
}

// pullRequest is p's number and branches. The pull requests of check
// suites and runs carry no more; their repositories only an id and name.
func pullRequest(p *slimPullRequest) *vcs.PullRequest {
	head, base := p.Head, p.Base
	if head == nil {
		head = &slimBranch{}
	}
	if base == nil {
		base = &slimBranch{}
	}
	return &vcs.PullRequest{
		Number:  val(p.Number),
		HeadSHA: val(head.SHA),
		HeadRef: val(head.Ref),
		BaseSHA: val(base.SHA),
		BaseRef: val(base.Ref),
		Fork:    fork(head.Repo, base.Repo),
	}
}

// fork reports whether the head lives in another repository than the
// base. A head whose repository is gone was a fork.
func fork(head, base *slimRepo) bool {
	if head == nil {
		return true
	}
	if base == nil {
		base = &slimRepo{}
	}
	if head.ID != nil && val(base.ID) != 0 {
		return val(head.ID) != val(base.ID)
	}
	return val(head.FullName) != val(base.FullName)
}

// unusable is an event dip would act on but cannot, for the delivery
// lacks something it needs: GitHub sends such deliveries (to a repository
// or organization webhook pointed at dip, there is no installation), so
// they are answered 2xx, counted and logged with the reason.
type unusable struct{ reason string }

func (u *unusable) Error() string { return u.reason }

func missing(format string, args ...any) error { return &unusable{fmt.Sprintf(format, args...)} }

// validate refuses an event the workers could not act on: one that lacks
// what they need is unusable; one whose values are not what GitHub sends
// is an error. Commit ids go to git, so they must be commit ids.
func validate(ev vcs.Event) error {
	if ev.Repo.Installation == 0 {
		return missing("no installation: the delivery is not to an installation of the App " +
			"(a repository or organization webhook pointed at dip?)")
	}
	if ev.Repo.Installation < 0 {
		return fmt.Errorf("installation id %d", ev.Repo.Installation)
	}
	if ev.Kind == vcs.EventInstallation {
		for _, r := range ev.Repos {
			if r.ID <= 0 || r.Owner == "" || r.Name == "" {
				return missing("installation repository %q: no id or name", cut(r.FullName(), 200))
			}
		}
		return nil
	}
	if ev.Repo.ID == 0 || ev.Repo.Owner == "" || ev.Repo.Name == "" {
		return missing("no repository id, owner or name")
	}
	if ev.Repo.ID < 0 {
		return fmt.Errorf("repository id %d", ev.Repo.ID)
	}
	if err := checkSHA("sha", ev.SHA); err != nil {
		return err
	}
	if ev.Kind == vcs.EventMergeGroup {
		if ev.Ref == "" {
			return missing("merge group: no head ref")
		}
		if err := checkSHA("base sha", ev.BaseSHA); err != nil {
			return err
		}
	}
	if pr := ev.PullRequest; pr != nil {
		if pr.Number == 0 {
			return missing("pull request: no number")
		}
		if pr.Number < 0 {
			return fmt.Errorf("pull request number %d", pr.Number)
		}
		if err := checkSHA("pull request head sha", pr.HeadSHA); err != nil {
			return err
		}
		if pr.BaseSHA != "" {
			if err := checkSHA("pull request base sha", pr.BaseSHA); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSHA accepts a SHA-1 or SHA-256 commit id in lowercase hex.
func checkSHA(what, sha string) error {
	if sha == "" {
		return missing("no %s", what)
	}
	if len(sha) != 40 && len(sha) != 64 {
		return fmt.Errorf("%s %q: not a commit id", what, cut(sha, 80))
	}
	for _, c := range sha {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%s %q: not a commit id", what, cut(sha, 80))
		}
	}
	return nil
}
