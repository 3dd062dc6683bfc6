package vcs

import (
	"context"

	"github.com/dipdev/dip/checks"
)

// Provider is what dip asks of a code host. Implementations: github and
// gitlab; vcstest.Fake records what it is asked.
type Provider interface {
	// CloneAuth returns HTTPS credentials to fetch repo; the password is a
	// short-lived token.
	CloneAuth(ctx context.Context, repo Repo) (username, password string, err error)
	// CreateCheckRun starts a check run on sha and returns its id.
	CreateCheckRun(ctx context.Context, repo Repo, sha string, run CheckRun) (int64, error)
	// UpdateCheckRun updates check run id; annotations beyond what one
	// request carries are sent in further requests.
	UpdateCheckRun(ctx context.Context, repo Repo, id int64, run CheckRun) error
	// CheckRuns lists this app's check runs on sha.
	CheckRuns(ctx context.Context, repo Repo, sha string) ([]CheckRunStatus, error)
	// OpenPullRequests lists repo's open pull requests.
	OpenPullRequests(ctx context.Context, repo Repo) ([]PullRequest, error)
	// PullRequestsForCommit lists the merged pull requests sha belongs to.
	PullRequestsForCommit(ctx context.Context, repo Repo, sha string) ([]PullRequest, error)
	// Approvers lists who approved pull request number: each reviewer's
	// latest review counts.
	Approvers(ctx context.Context, repo Repo, number int) ([]string, error)
	// Repositories lists every repository the app may act on.
	Repositories(ctx context.Context) ([]Repo, error)
}

// Check run states and conclusions, in GitHub's terms.
const (
	StatusQueued     = "queued"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
)

// CheckRun is what a check run shows.
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

// CheckRunStatus is a check run as the host lists it.
type CheckRunStatus struct {
	ID         int64
	Name       string
	Status     string
	Conclusion string
	ExternalID string
}
