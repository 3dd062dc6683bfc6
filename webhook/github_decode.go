package webhook

import (
	"encoding/json"
	"math"
)

// parsePayload decodes a delivery of event name into dip's slim type of
// it: a *slimPullRequestEvent for pull_request, the most frequent, decoded
// by hand (jsonscan.go); a *slimEvent for the others, by encoding/json.
// Only the fields translate reads are decoded; every other field, such as
// the timestamps GitHub has written in several forms over the years, is
// checked only for being valid JSON.
func parsePayload(name string, body []byte) (any, error) {
	if name != "pull_request" {
		p := &slimEvent{}
		if err := json.Unmarshal(body, p); err != nil {
			return nil, err
		}
		return p, nil
	}
	p := &slimPullRequestEvent{}
	if !p.decode(body) {
		// Something decode does not handle alike: encoding/json decides,
		// from scratch, for it merges into what decode left.
		*p = slimPullRequestEvent{}
		if err := json.Unmarshal(body, p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// slimPullRequestEvent is what pullRequestEvent reads of a pull_request
// delivery. The delivery repeats the repository three times, with some
// ninety fields each, and users several times; decoding all of it into
// go-github's types cost more than the rest of the receipt, queueing
// included. decode, below, reads these types by hand: a field added here
// must be added there too.
type slimPullRequestEvent struct {
	Action       *string           `json:"action"`
	Number       *int              `json:"number"`
	PullRequest  *slimPullRequest  `json:"pull_request"`
	Changes      *slimChanges      `json:"changes"`
	Repo         *slimRepo         `json:"repository"`
	Sender       *slimUser         `json:"sender"`
	Installation *slimInstallation `json:"installation"`
}

// slimEvent is what translate reads of the other events it handles:
// check_suite, check_run, merge_group, push, installation,
// installation_repositories and ping. Each sets the fields of its own.
type slimEvent struct {
	Action       *string              `json:"action"`
	Repo         *slimRepo            `json:"repository"`
	Sender       *slimUser            `json:"sender"`
	Installation *slimAppInstallation `json:"installation"`
	// check_suite and check_run.
	CheckSuite *slimCheck `json:"check_suite"`
	CheckRun   *slimCheck `json:"check_run"`
	// merge_group.
	MergeGroup *slimMergeGroup `json:"merge_group"`
	// push.
	Ref     *string `json:"ref"`
	After   *string `json:"after"`
	Deleted *bool   `json:"deleted"`
	// installation and installation_repositories.
	Repositories      []*slimRepo `json:"repositories"`
	RepositoriesAdded []*slimRepo `json:"repositories_added"`
}

type slimChanges struct {
	Base *slimEditBase `json:"base"`
}

// slimEditBase is a pull request's changes.base: present when the base
// branch changed.
type slimEditBase struct {
	Ref *slimFrom `json:"ref"`
	SHA *slimFrom `json:"sha"`
}

type slimFrom struct {
	From *string `json:"from"`
}

type slimInstallation struct {
	ID *int64 `json:"id"`
}

// slimAppInstallation is the installation of the events other than
// pull_request, with the account the App is installed on.
type slimAppInstallation struct {
	ID      *int64    `json:"id"`
	Account *slimUser `json:"account"`
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

// slimCheck is a check suite or a check run; ID is used of runs only.
type slimCheck struct {
	ID           *int64             `json:"id"`
	HeadSHA      *string            `json:"head_sha"`
	App          *slimApp           `json:"app"`
	PullRequests []*slimPullRequest `json:"pull_requests"`
}

type slimApp struct {
	ID *int64 `json:"id"`
}

type slimMergeGroup struct {
	HeadSHA *string `json:"head_sha"`
	HeadRef *string `json:"head_ref"`
	BaseSHA *string `json:"base_sha"`
	BaseRef *string `json:"base_ref"`
}

// val is *p, or the zero value when p is nil.
func val[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func (u *slimUser) login() string {
	if u == nil {
		return ""
	}
	return val(u.Login)
}

func (in *slimInstallation) id() int64 {
	if in == nil {
		return 0
	}
	return val(in.ID)
}

func (in *slimAppInstallation) id() int64 {
	if in == nil {
		return 0
	}
	return val(in.ID)
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
