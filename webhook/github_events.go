package webhook

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-github/v92/github"

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
// log. An error means a payload that lacks what dip needs.
func (h *GitHub) translate(name string, payload any) (ev vcs.Event, act bool, err error) {
	switch p := payload.(type) {
	case *github.PullRequestEvent:
		ev, act = pullRequestEvent(p)
	case *github.CheckSuiteEvent:
		ev, act = h.checkSuiteEvent(p)
	case *github.CheckRunEvent:
		ev, act = h.checkRunEvent(p)
	case *github.MergeGroupEvent:
		ev, act = mergeGroupEvent(p)
	case *github.PushEvent:
		ev, act = pushEvent(p)
	case *github.InstallationEvent:
		ev, act = installationEvent(p)
	case *github.InstallationRepositoriesEvent:
		ev, act = installationRepositoriesEvent(p)
	case *github.PingEvent:
		return vcs.Event{Host: vcs.GitHub, Name: name, Kind: vcs.EventPing}, true, nil
	default:
		return vcs.Event{Host: vcs.GitHub, Name: name}, false, nil
	}
	ev.Host, ev.Name = vcs.GitHub, name
	if act {
		err = validate(ev)
	}
	return ev, act, err
}

func pullRequestEvent(p *github.PullRequestEvent) (vcs.Event, bool) {
	pr := p.GetPullRequest()
	ev := vcs.Event{
		Action: p.GetAction(),
		Repo:   repo(p.GetRepo(), p.GetInstallation().GetID()),
		Sender: p.GetSender().GetLogin(),
	}
	if pr != nil {
		ev.PullRequest = pullRequest(pr)
		ev.PullRequest.URL = pr.GetHTMLURL()
		ev.PullRequest.Author = pr.GetUser().GetLogin()
		ev.PullRequest.Draft = pr.GetDraft()
		ev.SHA, ev.BaseSHA = ev.PullRequest.HeadSHA, ev.PullRequest.BaseSHA
	}
	switch ev.Action {
	case "opened", "synchronize", "reopened", "ready_for_review":
	case "edited":
		// Only a new base changes what the checks judge.
		if p.GetChanges().GetBase() == nil {
			return ev, false
		}
	default:
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

func (h *GitHub) checkSuiteEvent(p *github.CheckSuiteEvent) (vcs.Event, bool) {
	cs := p.GetCheckSuite()
	if cs == nil {
		cs = &github.CheckSuite{}
	}
	ev := vcs.Event{
		Action: p.GetAction(),
		Repo:   repo(p.GetRepo(), p.GetInstallation().GetID()),
		Sender: p.GetSender().GetLogin(),
		SHA:    cs.GetHeadSHA(),
	}
	if pr := first(cs.PullRequests); pr != nil {
		ev.PullRequest = pullRequest(pr)
		ev.BaseSHA = ev.PullRequest.BaseSHA
	}
	if (ev.Action != "requested" && ev.Action != "rerequested") || !h.ours(cs.GetApp()) {
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

func (h *GitHub) checkRunEvent(p *github.CheckRunEvent) (vcs.Event, bool) {
	cr := p.GetCheckRun()
	if cr == nil {
		cr = &github.CheckRun{}
	}
	ev := vcs.Event{
		Action:     p.GetAction(),
		Repo:       repo(p.GetRepo(), p.GetInstallation().GetID()),
		Sender:     p.GetSender().GetLogin(),
		SHA:        cr.GetHeadSHA(),
		CheckRunID: cr.GetID(),
	}
	if pr := first(cr.PullRequests); pr != nil {
		ev.PullRequest = pullRequest(pr)
		ev.BaseSHA = ev.PullRequest.BaseSHA
	}
	if ev.Action != "rerequested" || !h.ours(cr.GetApp()) {
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

// first is the first of prs, nil when there is none.
func first(prs []*github.PullRequest) *github.PullRequest {
	if len(prs) == 0 {
		return nil
	}
	return prs[0]
}

// ours reports whether app is this App, when its id was configured.
func (h *GitHub) ours(app *github.App) bool {
	return h.appID == 0 || app.GetID() == h.appID
}

func mergeGroupEvent(p *github.MergeGroupEvent) (vcs.Event, bool) {
	mg := p.GetMergeGroup()
	ev := vcs.Event{
		Action:  p.GetAction(),
		Repo:    repo(p.GetRepo(), p.GetInstallation().GetID()),
		Sender:  p.GetSender().GetLogin(),
		SHA:     mg.GetHeadSHA(),
		Ref:     mg.GetHeadRef(),
		BaseSHA: mg.GetBaseSHA(),
	}
	if ev.Action != "checks_requested" {
		return ev, false
	}
	ev.Kind = vcs.EventMergeGroup
	return ev, true
}

func pushEvent(p *github.PushEvent) (vcs.Event, bool) {
	r := p.GetRepo()
	ev := vcs.Event{
		Repo: vcs.Repo{
			Host:          vcs.GitHub,
			ID:            r.GetID(),
			Owner:         r.GetOwner().GetLogin(),
			Name:          r.GetName(),
			CloneURL:      r.GetCloneURL(),
			DefaultBranch: r.GetDefaultBranch(),
			Installation:  p.GetInstallation().GetID(),
		},
		Sender: p.GetSender().GetLogin(),
		SHA:    p.GetAfter(),
		Ref:    strings.TrimPrefix(p.GetRef(), "refs/heads/"),
	}
	// A push that deletes the branch has an after of zeros.
	deleted := p.GetDeleted() || (ev.SHA != "" && strings.Trim(ev.SHA, "0") == "")
	if r.GetDefaultBranch() == "" || p.GetRef() != "refs/heads/"+r.GetDefaultBranch() || deleted {
		return ev, false
	}
	ev.Kind = vcs.EventPush
	return ev, true
}

func installationEvent(p *github.InstallationEvent) (vcs.Event, bool) {
	in := p.GetInstallation()
	ev := vcs.Event{
		Kind:   vcs.EventInstallation,
		Action: p.GetAction(),
		Repo:   vcs.Repo{Host: vcs.GitHub, Installation: in.GetID()},
		Sender: p.GetSender().GetLogin(),
	}
	if ev.Action == "created" {
		ev.Repos = installedRepos(p.Repositories, in)
	}
	return ev, true
}

func installationRepositoriesEvent(p *github.InstallationRepositoriesEvent) (vcs.Event, bool) {
	in := p.GetInstallation()
	ev := vcs.Event{
		Kind:   vcs.EventInstallation,
		Action: p.GetAction(),
		Repo:   vcs.Repo{Host: vcs.GitHub, Installation: in.GetID()},
		Sender: p.GetSender().GetLogin(),
	}
	if ev.Action == "added" {
		ev.Repos = installedRepos(p.RepositoriesAdded, in)
	}
	return ev, true
}

// installedRepos are the repositories of an installation event. GitHub
// sends only their id and names there; the owner is the account the App
// is installed on.
func installedRepos(rs []*github.Repository, in *github.Installation) []vcs.Repo {
	var repos []vcs.Repo
	for _, r := range rs {
		if r == nil {
			continue
		}
		owner, name, ok := strings.Cut(r.GetFullName(), "/")
		if !ok {
			owner, name = in.GetAccount().GetLogin(), r.GetName()
		}
		repos = append(repos, vcs.Repo{
			Host:          vcs.GitHub,
			ID:            r.GetID(),
			Owner:         owner,
			Name:          name,
			CloneURL:      r.GetCloneURL(),
			DefaultBranch: r.GetDefaultBranch(),
			Installation:  in.GetID(),
		})
	}
	return repos
}

func repo(r *github.Repository, installation int64) vcs.Repo {
	return vcs.Repo{
		Host:          vcs.GitHub,
		ID:            r.GetID(),
		Owner:         r.GetOwner().GetLogin(),
		Name:          r.GetName(),
		CloneURL:      r.GetCloneURL(),
		DefaultBranch: r.GetDefaultBranch(),
		Installation:  installation,
	}
}

// pullRequest is p's number and branches. The pull requests of check
// suites and runs carry no more; their repositories only an id and name.
func pullRequest(p *github.PullRequest) *vcs.PullRequest {
	head, base := p.GetHead(), p.GetBase()
	return &vcs.PullRequest{
		Number:  p.GetNumber(),
		HeadSHA: head.GetSHA(),
		HeadRef: head.GetRef(),
		BaseSHA: base.GetSHA(),
		BaseRef: base.GetRef(),
		Fork:    fork(head.GetRepo(), base.GetRepo()),
	}
}

// fork reports whether the head lives in another repository than the
// base. A head whose repository is gone was a fork.
func fork(head, base *github.Repository) bool {
	if head == nil {
		return true
	}
	if head.ID != nil && base.GetID() != 0 {
		return head.GetID() != base.GetID()
	}
	return head.GetFullName() != base.GetFullName()
}

// validate refuses an event the workers could not act on. Commit ids go
// to git, so they must be commit ids.
func validate(ev vcs.Event) error {
	if ev.Repo.Installation <= 0 {
		return errors.New("no installation id")
	}
	if ev.Kind == vcs.EventInstallation {
		for _, r := range ev.Repos {
			if r.ID <= 0 || r.Owner == "" || r.Name == "" {
				return fmt.Errorf("installation repository %q: no id or name", r.FullName())
			}
		}
		return nil
	}
	if ev.Repo.ID <= 0 || ev.Repo.Owner == "" || ev.Repo.Name == "" {
		return errors.New("no repository id, owner or name")
	}
	if err := checkSHA("sha", ev.SHA); err != nil {
		return err
	}
	if ev.Kind == vcs.EventMergeGroup {
		if ev.Ref == "" {
			return errors.New("merge group: no head ref")
		}
		if err := checkSHA("base sha", ev.BaseSHA); err != nil {
			return err
		}
	}
	if pr := ev.PullRequest; pr != nil {
		if pr.Number <= 0 {
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
