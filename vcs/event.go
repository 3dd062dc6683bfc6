// Package vcs is dip's neutral view of a code host: repositories, pull
// requests and the events a host sends, whatever the host. The github and
// gitlab packages translate to and from it.
package vcs

import (
	"strconv"
	"strings"
)

// Host names a code host.
type Host string

const (
	GitHub Host = "github"
	GitLab Host = "gitlab"
)

// PullRequestRef is the ref under which the host keeps the head of pull
// request number, fetchable from the base repository even when the head
// lives in a fork: refs/pull/<n>/head on GitHub,
// refs/merge-requests/<iid>/head on GitLab.
func (h Host) PullRequestRef(number int) string {
	if h == GitLab {
		return "refs/merge-requests/" + strconv.Itoa(number) + "/head"
	}
	return "refs/pull/" + strconv.Itoa(number) + "/head"
}

// PullRequestTerm is what the host calls a pull request, for texts dip
// writes there: "pull request" on GitHub, "merge request" on GitLab.
func (h Host) PullRequestTerm() string {
	if h == GitLab {
		return "merge request"
	}
	return "pull request"
}

// PullRequestMention is how the host's Markdown refers to pull request
// number, linking it: #12 on GitHub, !12 on GitLab.
func (h Host) PullRequestMention(number int) string {
	if h == GitLab {
		return "!" + strconv.Itoa(number)
	}
	return "#" + strconv.Itoa(number)
}

// Repo is a repository on a code host.
type Repo struct {
	Host Host `json:"host"`
	// ID is the host's numeric id of the repository.
	ID int64 `json:"id"`
	// Owner and Name are its path, such as acme and platform. On GitLab
	// Owner is the namespace's full path, subgroups included
	// (acme/infra), and Name the project's path.
	Owner         string `json:"owner"`
	Name          string `json:"name"`
	CloneURL      string `json:"clone_url"`
	DefaultBranch string `json:"default_branch"`
	// Installation is the GitHub App installation that covers the
	// repository; zero elsewhere.
	Installation int64 `json:"installation,omitempty"`
}

// FullName is owner/name.
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

// PullRequest is a pull request (GitHub) or merge request (GitLab).
type PullRequest struct {
	Number  int    `json:"number"`
	URL     string `json:"url"`
	Author  string `json:"author"`
	HeadSHA string `json:"head_sha"`
	HeadRef string `json:"head_ref"`
	BaseSHA string `json:"base_sha"`
	BaseRef string `json:"base_ref"`
	// Fork is set when the head lives in another repository: dip checks
	// it but never pushes to it.
	Fork  bool `json:"fork"`
	Draft bool `json:"draft"`
	// Title, Body, State (StateOpen, StateClosed or StateMerged), Labels
	// and Times are set when the pull request was read from the host's
	// API, not from an event.
	Title  string     `json:"title,omitempty"`
	Body   string     `json:"body,omitempty"`
	State  string     `json:"state,omitempty"`
	Labels []string   `json:"labels,omitempty"`
	Times  Timestamps `json:"times,omitzero"`
}

// EventKind is what an event asks dip to do.
type EventKind string

const (
	// EventCheck asks for the checks of a pull request's head commit:
	// opened, synchronized, reopened, ready for review, base changed, a
	// check suite requested, a re-run requested, or a re-run command
	// written in a comment (see Event.Commenter).
	EventCheck EventKind = "check"
	// EventMergeGroup asks for checks of a merge queue's group commit.
	EventMergeGroup EventKind = "merge_group"
	// EventPush is a push to the default branch: render and commit the
	// result to the output branch.
	EventPush EventKind = "push"
	// EventMigrate asks the migration bot to bring the migration pull
	// requests of the default branch (Ref) in line with its head; dip
	// queues it after each push's render and on the reconcile sweep, and a
	// webhook sends it when one of the bot's pull requests is closed
	// (without Ref: the run is not tied to a head of the branch).
	EventMigrate EventKind = "migrate"
	// EventInstallation is an App installed, removed or given repositories.
	EventInstallation EventKind = "installation"
	// EventPing is the host checking that the hook works.
	EventPing EventKind = "ping"
)

// Event is one webhook delivery, reduced to what dip acts on.
type Event struct {
	Host Host `json:"host"`
	// DeliveryID is the host's id of the delivery; a delivery seen before
	// is not processed again.
	DeliveryID string    `json:"delivery_id"`
	Kind       EventKind `json:"kind"`
	// Name and Action are the host's own event name and action, for logs.
	Name   string `json:"name"`
	Action string `json:"action,omitempty"`
	Repo   Repo   `json:"repo"`
	// PullRequest is set for checks of a pull request.
	PullRequest *PullRequest `json:"pull_request,omitempty"`
	// SHA is the commit to check or render; Ref the branch it is on
	// (for a push, the pushed branch; for a merge group, its head ref);
	// BaseSHA is what it is judged against, and BaseRef, for a merge
	// group, the branch it merges into.
	SHA     string `json:"sha,omitempty"`
	Ref     string `json:"ref,omitempty"`
	BaseSHA string `json:"base_sha,omitempty"`
	BaseRef string `json:"base_ref,omitempty"`
	// CheckRunID is set when one check run's re-run was requested.
	CheckRunID int64 `json:"check_run_id,omitempty"`
	// Sender is the login of whoever caused the event.
	Sender string `json:"sender,omitempty"`
	// Commenter is set when a comment asked for the work, such as a
	// "dip recheck" note on a merge request: the login of its author,
	// which the job acts on only when Provider.IsMember says the login
	// belongs to the repository. The webhook cannot ask the host; the job
	// can.
	Commenter string `json:"commenter,omitempty"`
	// Repos lists repositories an installation event adds.
	Repos []Repo `json:"repos,omitempty"`
}

// Branch prefixes of the migration bot's pull requests: requests grouped
// by team are on MigrationTeamPrefix<codemod>/<team>, one request alone on
// MigrationRequestPrefix<codemod>/<team>/<name>.
const (
	MigrationTeamPrefix    = "dip/migrate/"
	MigrationRequestPrefix = "dip/migrate-request/"
)

// IsMigrationBranch reports whether branch is named as the migration
// bot's branches are.
func IsMigrationBranch(branch string) bool {
	return strings.HasPrefix(branch, MigrationTeamPrefix) || strings.HasPrefix(branch, MigrationRequestPrefix)
}
