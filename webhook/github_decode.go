package webhook

import (
	"encoding/json"

	"github.com/google/go-github/v92/github"
)

// parsePayload decodes a delivery of event name into go-github's type of
// that event. A pull_request delivery, the most frequent, is decoded
// through slimPullRequestEvent: only what translate reads.
func parsePayload(name string, body []byte) (any, error) {
	if name != "pull_request" {
		return github.ParseWebHook(name, body)
	}
	var p slimPullRequestEvent
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, err
	}
	return p.event(), nil
}

// slimPullRequestEvent is what pullRequestEvent reads of a pull_request
// delivery. The delivery repeats the repository three times, with some
// ninety fields each, and users several times; decoding all of it into
// go-github's types cost more than the rest of the receipt, queueing
// included. Fields not listed are skipped unchecked.
type slimPullRequestEvent struct {
	Action      *string          `json:"action"`
	Number      *int             `json:"number"`
	PullRequest *slimPullRequest `json:"pull_request"`
	Changes     *struct {
		Base *github.EditBase `json:"base"`
	} `json:"changes"`
	Repo         *slimRepo `json:"repository"`
	Sender       *slimUser `json:"sender"`
	Installation *struct {
		ID *int64 `json:"id"`
	} `json:"installation"`
}

type slimPullRequest struct {
	Number  *int        `json:"number"`
	HTMLURL *string     `json:"html_url"`
	User    *slimUser   `json:"user"`
	Draft   *bool       `json:"draft"`
	Head    *slimBranch `json:"head"`
	Base    *slimBranch `json:"base"`
}

type slimBranch struct {
	Ref  *string   `json:"ref"`
	SHA  *string   `json:"sha"`
	Repo *slimRepo `json:"repo"`
}

type slimRepo struct {
	ID            *int64    `json:"id"`
	Name          *string   `json:"name"`
	FullName      *string   `json:"full_name"`
	Owner         *slimUser `json:"owner"`
	CloneURL      *string   `json:"clone_url"`
	DefaultBranch *string   `json:"default_branch"`
}

type slimUser struct {
	Login *string `json:"login"`
}

// event is p as go-github's type, with what p did not decode left nil.
func (p *slimPullRequestEvent) event() *github.PullRequestEvent {
	ev := &github.PullRequestEvent{
		Action:      p.Action,
		Number:      p.Number,
		PullRequest: p.PullRequest.pullRequest(),
		Repo:        p.Repo.repo(),
		Sender:      p.Sender.user(),
	}
	if p.Changes != nil {
		ev.Changes = &github.EditChange{Base: p.Changes.Base}
	}
	if p.Installation != nil {
		ev.Installation = &github.Installation{ID: p.Installation.ID}
	}
	return ev
}

func (p *slimPullRequest) pullRequest() *github.PullRequest {
	if p == nil {
		return nil
	}
	return &github.PullRequest{
		Number:  p.Number,
		HTMLURL: p.HTMLURL,
		User:    p.User.user(),
		Draft:   p.Draft,
		Head:    p.Head.branch(),
		Base:    p.Base.branch(),
	}
}

func (b *slimBranch) branch() *github.PullRequestBranch {
	if b == nil {
		return nil
	}
	return &github.PullRequestBranch{Ref: b.Ref, SHA: b.SHA, Repo: b.Repo.repo()}
}

func (r *slimRepo) repo() *github.Repository {
	if r == nil {
		return nil
	}
	return &github.Repository{
		ID:            r.ID,
		Name:          r.Name,
		FullName:      r.FullName,
		Owner:         r.Owner.user(),
		CloneURL:      r.CloneURL,
		DefaultBranch: r.DefaultBranch,
	}
}

func (u *slimUser) user() *github.User {
	if u == nil {
		return nil
	}
	return &github.User{Login: u.Login}
}
