package webhook

import (
	"encoding/json"
	"math"

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
	if !p.decode(body) {
		// Something decode does not handle alike: encoding/json decides,
		// from scratch, for it merges into what decode left.
		p = slimPullRequestEvent{}
		if err := json.Unmarshal(body, &p); err != nil {
			return nil, err
		}
	}
	return p.event(), nil
}

// slimPullRequestEvent is what pullRequestEvent reads of a pull_request
// delivery. The delivery repeats the repository three times, with some
// ninety fields each, and users several times; decoding all of it into
// go-github's types cost more than the rest of the receipt, queueing
// included. Fields not listed are skipped, checked only for being valid
// JSON. decode, below, reads these types by hand: a field added here must
// be added there too.
type slimPullRequestEvent struct {
	Action       *string           `json:"action"`
	Number       *int              `json:"number"`
	PullRequest  *slimPullRequest  `json:"pull_request"`
	Changes      *slimChanges      `json:"changes"`
	Repo         *slimRepo         `json:"repository"`
	Sender       *slimUser         `json:"sender"`
	Installation *slimInstallation `json:"installation"`
}

type slimChanges struct {
	Base *github.EditBase `json:"base"`
}

type slimInstallation struct {
	ID *int64 `json:"id"`
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

// decode decodes body into p, which must be zero, as encoding/json does,
// and reports true; or reports false, leaving p partly decoded, when body
// holds anything it does not handle alike (see jsonscan.go).
func (p *slimPullRequestEvent) decode(body []byte) bool {
	s := scanner{b: body}
	switch s.peek() {
	case 'n':
		// null into a struct leaves it as it is.
		if !s.literal("null") {
			return false
		}
	case '{':
		if !s.object(func(key []byte) bool { return eventField(&s, p, key) }) {
			return false
		}
	default:
		return false
	}
	s.ws()
	return s.pos == len(s.b)
}

func eventField(s *scanner, p *slimPullRequestEvent, key []byte) bool {
	switch {
	case keyIs(key, "action"):
		return s.str(&p.Action)
	case keyIs(key, "number"):
		return integerInto(s, &p.Number, math.MinInt, math.MaxInt)
	case keyIs(key, "pull_request"):
		return object(s, &p.PullRequest, pullRequestField)
	case keyIs(key, "changes"):
		return object(s, &p.Changes, changesField)
	case keyIs(key, "repository"):
		return object(s, &p.Repo, repoField)
	case keyIs(key, "sender"):
		return object(s, &p.Sender, userField)
	case keyIs(key, "installation"):
		return object(s, &p.Installation, installationField)
	}
	return s.skip()
}

func pullRequestField(s *scanner, p *slimPullRequest, key []byte) bool {
	switch {
	case keyIs(key, "number"):
		return integerInto(s, &p.Number, math.MinInt, math.MaxInt)
	case keyIs(key, "html_url"):
		return s.str(&p.HTMLURL)
	case keyIs(key, "user"):
		return object(s, &p.User, userField)
	case keyIs(key, "draft"):
		return s.bool(&p.Draft)
	case keyIs(key, "head"):
		return object(s, &p.Head, branchField)
	case keyIs(key, "base"):
		return object(s, &p.Base, branchField)
	}
	return s.skip()
}

func branchField(s *scanner, b *slimBranch, key []byte) bool {
	switch {
	case keyIs(key, "ref"):
		return s.str(&b.Ref)
	case keyIs(key, "sha"):
		return s.str(&b.SHA)
	case keyIs(key, "repo"):
		return object(s, &b.Repo, repoField)
	}
	return s.skip()
}

func repoField(s *scanner, r *slimRepo, key []byte) bool {
	switch {
	case keyIs(key, "id"):
		return integerInto(s, &r.ID, math.MinInt64, math.MaxInt64)
	case keyIs(key, "name"):
		return s.str(&r.Name)
	case keyIs(key, "full_name"):
		return s.str(&r.FullName)
	case keyIs(key, "owner"):
		return object(s, &r.Owner, userField)
	case keyIs(key, "clone_url"):
		return s.str(&r.CloneURL)
	case keyIs(key, "default_branch"):
		return s.str(&r.DefaultBranch)
	}
	return s.skip()
}

func userField(s *scanner, u *slimUser, key []byte) bool {
	if keyIs(key, "login") {
		return s.str(&u.Login)
	}
	return s.skip()
}

func installationField(s *scanner, in *slimInstallation, key []byte) bool {
	if keyIs(key, "id") {
		return integerInto(s, &in.ID, math.MinInt64, math.MaxInt64)
	}
	return s.skip()
}

// changesField hands changes.base, rare, to encoding/json.
func changesField(s *scanner, c *slimChanges, key []byte) bool {
	if !keyIs(key, "base") {
		return s.skip()
	}
	s.ws()
	start := s.pos
	if !s.skip() {
		return false
	}
	return json.Unmarshal(s.b[start:s.pos], &c.Base) == nil
}
