package vcs

import (
	"context"
	"errors"
	"time"

	"github.com/dipdev/dip/checks"
)

// Provider is everything dip asks of a code host. Implementations: github
// (a GitHub App) and gitlab (a GitLab token); vcstest.Fake records what it
// is asked. Consumers take the smallest part they need: Checks to report
// on a commit, PullRequests to read and open pull requests, Issues for the
// migration bot's tracking issue.
type Provider interface {
	Checks
	PullRequests
	Issues
	// CloneAuth returns HTTPS credentials to fetch from and push to repo;
	// the password is a token, never written to disk or logged.
	CloneAuth(ctx context.Context, repo Repo) (username, password string, err error)
	// Repositories lists every repository dip may act on.
	Repositories(ctx context.Context) ([]Repo, error)
	// IsMember reports whether login belongs to repo: a collaborator on
	// GitHub, a project member (direct or inherited) on GitLab. dip acts
	// on a command written in a comment (Event.Commenter) only when its
	// author is a member.
	IsMember(ctx context.Context, repo Repo, login string) (bool, error)
	// Committer is who dip's own commits to repo are by — the output
	// branch's renders and the migration bot's branches —, the host's
	// identity for dip. It is a property of the host and asks it nothing.
	Committer(repo Repo) Signature
}

// Signature is a git author or committer.
type Signature struct{ Name, Email string }

// Checks shows dip's verdict on a commit: check runs on GitHub; commit
// statuses, one merge request note and a discussion per finding on
// GitLab.
type Checks interface {
	// StartChecks shows each check of t as running on t.SHA and returns
	// what FinishChecks needs to complete them. An error leaves the job to
	// be retried.
	StartChecks(ctx context.Context, repo Repo, t CheckTarget) (CheckSet, error)
	// FinishChecks completes the checks of set with runs, one for each of
	// set's names, in that order. A host that keeps findings beside the
	// checks (GitLab's discussions) brings them in line with runs: new
	// findings are added, gone ones resolved, none duplicated.
	FinishChecks(ctx context.Context, repo Repo, set CheckSet, runs []CheckRun) error
	// CheckStatuses lists dip's checks on sha as the host shows them.
	CheckStatuses(ctx context.Context, repo Repo, sha string) ([]CheckRunStatus, error)
}

// PullRequests reads and changes pull requests (GitHub) or merge requests
// (GitLab), which dip calls pull requests whatever the host.
type PullRequests interface {
	// OpenPullRequests lists repo's open pull requests, oldest first.
	OpenPullRequests(ctx context.Context, repo Repo) ([]PullRequest, error)
	// PullRequest returns pull request number, open or not; an error
	// wrapping ErrNotFound when the host has none such (a GitLab merge
	// request its owner deleted).
	PullRequest(ctx context.Context, repo Repo, number int) (PullRequest, error)
	// PullRequestsForCommit lists the merged pull requests sha belongs to.
	PullRequestsForCommit(ctx context.Context, repo Repo, sha string) ([]PullRequest, error)
	// Approvers lists, sorted, who approved pull request number: each
	// reviewer's latest review counts.
	Approvers(ctx context.Context, repo Repo, number int) ([]string, error)
	// CreatePullRequest opens a pull request from a branch of repo itself.
	CreatePullRequest(ctx context.Context, repo Repo, pr NewPullRequest) (PullRequest, error)
	// EditPullRequest changes what edit sets of pull request number.
	EditPullRequest(ctx context.Context, repo Repo, number int, edit PullRequestEdit) (PullRequest, error)
	// RequestReviewers asks reviewers, as CODEOWNERS and team files write
	// them ("@login", "@org/team", "@group/subgroup"), to review pull
	// request number. Reviewers the host cannot ask (an unknown login, a
	// team on a host without team reviewers) are left out and returned.
	RequestReviewers(ctx context.Context, repo Repo, number int, reviewers []string) (skipped []string, err error)
	// Comment adds a comment to the conversation of pull request number.
	Comment(ctx context.Context, repo Repo, number int, body string) error
}

// Issues reads and writes issues; the migration bot keeps one tracking
// issue per repository.
type Issues interface {
	// FindIssues lists repo's issues, open and closed, that carry label,
	// oldest first.
	FindIssues(ctx context.Context, repo Repo, label string) ([]Issue, error)
	// CreateIssue opens an issue.
	CreateIssue(ctx context.Context, repo Repo, issue NewIssue) (Issue, error)
	// EditIssue changes an issue's title and body.
	EditIssue(ctx context.Context, repo Repo, number int, title, body string) (Issue, error)
}

// ErrNotFound is what the host does not have: a pull request deleted, or
// never made.
var ErrNotFound = errors.New("not found on the code host")

// Check run states and conclusions, in GitHub's terms.
const (
	StatusQueued     = "queued"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
)

// CheckTarget is the commit a set of checks judges.
type CheckTarget struct {
	SHA string
	// PullRequest is the number of the pull request whose head SHA is;
	// zero for a commit of no pull request, such as a merge group's.
	PullRequest int
	// Names are the checks, in the order they are shown.
	Names []string
	// ExternalID ties the checks to dip's job, for re-runs.
	ExternalID string
}

// CheckSet is a set of checks StartChecks started.
type CheckSet struct {
	CheckTarget
	// IDs are the host's ids of the checks by name, where the host gives
	// checks ids (GitHub's check runs); empty elsewhere.
	IDs map[string]int64
}

// CheckRun is what one check shows.
type CheckRun struct {
	Name   string
	Status string
	// Conclusion is set when Status is completed.
	Conclusion checks.Conclusion
	Title      string
	// Summary is Markdown, cut to what the host keeps.
	Summary     string
	Annotations []checks.Annotation
	// ExternalID ties the run to dip's job, for re-runs.
	ExternalID string
}

// CheckRunStatus is a check as the host lists it.
type CheckRunStatus struct {
	ID         int64
	Name       string
	Status     string
	Conclusion string
	ExternalID string
}

// Pull request states.
const (
	StateOpen   = "open"
	StateClosed = "closed"
	StateMerged = "merged"
)

// NewPullRequest is a pull request to open.
type NewPullRequest struct {
	Title string
	// Body is Markdown.
	Body string
	// Head is the branch of repo with the change; Base the branch it is
	// to be merged into.
	Head, Base string
	Labels     []string
}

// PullRequestEdit is a change to a pull request; nil fields stay as they
// are.
type PullRequestEdit struct {
	Title, Body *string
	// State is StateOpen or StateClosed.
	State *string
}

// Issue is an issue of a repository.
type Issue struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	// State is StateOpen or StateClosed.
	State  string `json:"state"`
	Author string `json:"author"`
}

// NewIssue is an issue to open.
type NewIssue struct {
	Title, Body string
	Labels      []string
}

// Timestamps are the times the host gives of a pull request.
type Timestamps struct {
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
	Closed  time.Time `json:"closed,omitzero"`
	Merged  time.Time `json:"merged,omitzero"`
}
