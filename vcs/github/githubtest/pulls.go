package githubtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dipdev/dip/vcs"
)

// BotLogin is who the App is when it opens pull requests, issues and
// comments.
const BotLogin = "dip-test[bot]"

// PullRequest is a pull request as it stands, with the reviewers asked
// for: logins, and team slugs as "team:<slug>".
type PullRequest struct {
	vcs.PullRequest
	Requested []string
}

// SetCollaborators limits who may be asked to review pull requests of
// fullName to logins and the organisation's teams (by slug).
func (s *Server) SetCollaborators(fullName string, logins, teams []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(fullName)
	r.collaborators, r.teams = map[string]bool{}, map[string]bool{}
	for _, l := range logins {
		r.collaborators[strings.ToLower(l)] = true
	}
	for _, t := range teams {
		r.teams[strings.ToLower(t)] = true
	}
}

// PullRequests lists every pull request of fullName, by number, with the
// head the API shows (see WithRefs).
func (s *Server) PullRequests(fullName string) []PullRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []PullRequest
	rp := s.repo(fullName)
	for _, p := range rp.pulls {
		pr := p.PullRequest
		pr.HeadSHA = s.headOf(rp, p)
		pr.Labels = slices.Clone(p.Labels)
		pr.State = p.state
		if !p.merged.IsZero() {
			pr.State = vcs.StateMerged
		}
		out = append(out, PullRequest{PullRequest: pr, Requested: slices.Clone(p.requested)})
	}
	slices.SortFunc(out, func(a, b PullRequest) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

// Issues lists the issues of fullName, by number.
func (s *Server) Issues(fullName string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.repo(fullName).issues {
		c := *is
		c.Labels = slices.Clone(is.Labels)
		out = append(out, c)
	}
	return out
}

// Comments lists the comments on pull request or issue number of
// fullName, oldest first.
func (s *Server) Comments(fullName string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.repo(fullName).comments[number])
}

// nextNumber numbers pull requests and issues in one sequence, as GitHub
// does. s.mu is held.
func (rp *repo) nextNumber() int {
	n := 0
	for _, p := range rp.pulls {
		n = max(n, p.Number)
	}
	for _, is := range rp.issues {
		n = max(n, is.Number)
	}
	return n + 1
}

// pullNumbered returns pull request number of rp, or nil. s.mu is held.
func (rp *repo) pullNumbered(n int) *pull {
	i := slices.IndexFunc(rp.pulls, func(p *pull) bool { return p.Number == n })
	if i < 0 {
		return nil
	}
	return rp.pulls[i]
}

func (rp *repo) issueNumbered(n int) *Issue {
	i := slices.IndexFunc(rp.issues, func(is *Issue) bool { return is.Number == n })
	if i < 0 {
		return nil
	}
	return rp.issues[i]
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	defer s.mu.Unlock()
	p := rp.pullNumbered(n)
	if p == nil {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	writeJSON(w, http.StatusOK, s.wirePull(rp, p))
}

type pullBody struct {
	Title *string `json:"title"`
	Head  string  `json:"head"`
	Base  string  `json:"base"`
	Body  *string `json:"body"`
	State *string `json:"state"`
	Draft bool    `json:"draft"`

	MaintainerCanModify *bool `json:"maintainer_can_modify"`
}

// createPull opens a pull request from a branch of the repository as
// GitHub does, refusing what GitHub refuses.
func (s *Server) createPull(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	var b pullBody
	if !decodeBody(w, r, &b) {
		return
	}
	head := b.Head
	if o, branch, ok := strings.Cut(head, ":"); ok {
		if !strings.EqualFold(o, rp.Owner) {
			invalid(w, "head: cross-repository pull requests are not supported here")
			return
		}
		head = branch
	}
	var errs []string
	if deref(b.Title) == "" {
		errs = append(errs, "title is missing")
	}
	if head == "" || b.Base == "" {
		errs = append(errs, "head and base are required")
	}
	if len(errs) > 0 {
		invalid(w, errs...)
		return
	}
	var headSHA, baseSHA string
	if s.refs != nil {
		var hok, bok bool
		headSHA, hok = s.refs(rp.FullName(), head)
		baseSHA, bok = s.refs(rp.FullName(), b.Base)
		switch {
		case !hok:
			invalid(w, "head: invalid")
			return
		case !bok:
			invalid(w, "base: invalid")
			return
		case headSHA == baseSHA:
			invalid(w, fmt.Sprintf("No commits between %s and %s", b.Base, head))
			return
		}
	}
	s.mu.Lock()
	for _, p := range rp.pulls {
		if p.state == "open" && p.HeadRef == head && p.BaseRef == b.Base {
			s.mu.Unlock()
			invalid(w, fmt.Sprintf("A pull request already exists for %s:%s.", rp.Owner, head))
			return
		}
	}
	now := s.now()
	n := rp.nextNumber()
	p := &pull{PullRequest: vcs.PullRequest{
		Number: n, URL: fmt.Sprintf("%s/%s/pull/%d", s.srv.URL, rp.FullName(), n), Author: BotLogin,
		HeadSHA: headSHA, HeadRef: head, BaseSHA: baseSHA, BaseRef: b.Base, Draft: b.Draft,
		Title: deref(b.Title), Body: deref(b.Body),
	}, state: "open", created: now, updated: now}
	rp.pulls = append(rp.pulls, p)
	out := s.wirePull(rp, p)
	onPull := s.onPull
	s.mu.Unlock()
	if onPull != nil {
		onPull(rp.FullName(), n, headSHA)
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) editPull(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var b pullBody
	if !decodeBody(w, r, &b) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := rp.pullNumbered(n)
	if p == nil {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	if b.State != nil {
		switch {
		case *b.State != "open" && *b.State != "closed":
			invalid(w, fmt.Sprintf("state %q is not open or closed", *b.State))
			return
		case !p.merged.IsZero() && *b.State != p.state:
			invalid(w, "state cannot be changed: the pull request is merged")
			return
		}
		if *b.State != p.state {
			p.state, p.closed = *b.State, time.Time{}
			if p.state == "closed" {
				p.closed = s.now()
			}
		}
	}
	if b.Title != nil {
		p.Title = *b.Title
	}
	if b.Body != nil {
		p.Body = *b.Body
	}
	p.updated = s.now()
	writeJSON(w, http.StatusOK, s.wirePull(rp, p))
}

// requestReviewers asks logins and teams to review, refusing, as GitHub
// does, anyone who is not a collaborator and the pull request's author.
func (s *Server) requestReviewers(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var b struct {
		Reviewers     []string `json:"reviewers"`
		TeamReviewers []string `json:"team_reviewers"`
	}
	if !decodeBody(w, r, &b) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := rp.pullNumbered(n)
	if p == nil {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	for _, u := range b.Reviewers {
		if strings.EqualFold(u, p.Author) {
			invalid(w, "Review cannot be requested from pull request author.")
			return
		}
		if rp.collaborators != nil && !rp.collaborators[strings.ToLower(u)] {
			invalid(w, fmt.Sprintf("Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the %s repository.", rp.FullName()))
			return
		}
	}
	for _, t := range b.TeamReviewers {
		if rp.teams != nil && !rp.teams[strings.ToLower(t)] {
			invalid(w, fmt.Sprintf("Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the %s repository.", rp.FullName()))
			return
		}
	}
	add := func(who string) {
		if !slices.Contains(p.requested, who) {
			p.requested = append(p.requested, who)
		}
	}
	for _, u := range b.Reviewers {
		add(u)
	}
	for _, t := range b.TeamReviewers {
		add("team:" + t)
	}
	writeJSON(w, http.StatusCreated, s.wirePull(rp, p))
}

// isCollaborator answers 204 for a collaborator (SetCollaborators; any
// login when none were set) and 404 for anyone else, as GitHub does.
func (s *Server) isCollaborator(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	s.mu.Lock()
	member := rp.collaborators == nil || rp.collaborators[strings.ToLower(r.PathValue("username"))]
	s.mu.Unlock()
	if !member {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listIssues lists issues and, as GitHub does, pull requests among them,
// by state (open unless asked) and labels (all of them).
func (s *Server) listIssues(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "open")
	var labels []string
	if l := q.Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	has := func(have []string) bool {
		for _, l := range labels {
			if !slices.Contains(have, l) {
				return false
			}
		}
		return true
	}
	type item struct {
		number int
		wire   map[string]any
	}
	s.mu.Lock()
	var items []item
	for _, is := range rp.issues {
		if (state == "all" || is.State == state) && has(is.Labels) {
			items = append(items, item{is.Number, s.wireIssue(rp, is)})
		}
	}
	for _, p := range rp.pulls {
		if (state == "all" || p.state == state) && has(p.Labels) {
			m := s.wireIssue(rp, &Issue{Number: p.Number, Title: p.Title, Body: p.Body, State: p.state, Labels: p.Labels, Author: p.Author, Created: p.created})
			m["pull_request"] = map[string]any{"url": fmt.Sprintf("%s/repos/%s/pulls/%d", s.srv.URL, rp.FullName(), p.Number)}
			items = append(items, item{p.Number, m})
		}
	}
	s.mu.Unlock()
	asc := q.Get("direction") == "asc"
	slices.SortFunc(items, func(a, b item) int {
		if asc {
			return cmp.Compare(a.number, b.number)
		}
		return cmp.Compare(b.number, a.number)
	})
	list := make([]map[string]any, len(items))
	for i, it := range items {
		list[i] = it.wire
	}
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, nonNil(list[lo:hi]))
}

func (s *Server) wireIssue(rp *repo, is *Issue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	return map[string]any{
		"number":     is.Number,
		"html_url":   fmt.Sprintf("%s/%s/issues/%d", s.srv.URL, rp.FullName(), is.Number),
		"title":      is.Title,
		"body":       is.Body,
		"state":      is.State,
		"labels":     labels,
		"user":       map[string]any{"login": is.Author},
		"created_at": stamp(is.Created),
	}
}

type issueBody struct {
	Title  *string  `json:"title"`
	Body   *string  `json:"body"`
	State  *string  `json:"state"`
	Labels []string `json:"labels"`
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	var b issueBody
	if !decodeBody(w, r, &b) {
		return
	}
	if deref(b.Title) == "" {
		invalid(w, "title is missing")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := &Issue{Number: rp.nextNumber(), Title: *b.Title, Body: deref(b.Body), State: "open",
		Labels: slices.Clone(b.Labels), Author: BotLogin, Created: s.now()}
	rp.issues = append(rp.issues, is)
	writeJSON(w, http.StatusCreated, s.wireIssue(rp, is))
}

func (s *Server) editIssue(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var b issueBody
	if !decodeBody(w, r, &b) {
		return
	}
	if b.State != nil && *b.State != "open" && *b.State != "closed" {
		invalid(w, fmt.Sprintf("state %q is not open or closed", *b.State))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	is := rp.issueNumbered(n)
	if is == nil {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	if b.Title != nil {
		is.Title = *b.Title
	}
	if b.Body != nil {
		is.Body = *b.Body
	}
	if b.State != nil {
		is.State = *b.State
	}
	if b.Labels != nil {
		is.Labels = slices.Clone(b.Labels)
	}
	is.Edits++
	writeJSON(w, http.StatusOK, s.wireIssue(rp, is))
}

// conversation reports whether number is a pull request or an issue of
// rp. s.mu is held.
func (rp *repo) conversation(n int) bool {
	return rp.pullNumbered(n) != nil || rp.issueNumbered(n) != nil
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	if !rp.conversation(n) {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	var list []map[string]any
	for _, c := range rp.comments[n] {
		list = append(list, map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": c.Author}})
	}
	s.mu.Unlock()
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, nonNil(list[lo:hi]))
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var b struct {
		Body string `json:"body"`
	}
	if !decodeBody(w, r, &b) {
		return
	}
	if b.Body == "" {
		invalid(w, "body is missing")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !rp.conversation(n) {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	s.nextID++
	c := Comment{ID: s.nextID, Author: BotLogin, Body: b.Body}
	rp.comments[n] = append(rp.comments[n], c)
	writeJSON(w, http.StatusCreated, map[string]any{"id": c.ID, "body": c.Body, "user": map[string]any{"login": c.Author}})
}

// addLabels takes a list of names, or an object with one, as GitHub does.
func (s *Server) addLabels(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	var raw json.RawMessage
	if !decodeBody(w, r, &raw) {
		return
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		var obj struct {
			Labels []string `json:"labels"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			invalid(w, "labels must be a list of names")
			return
		}
		names = obj.Labels
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var have *[]string
	if p := rp.pullNumbered(n); p != nil {
		have = &p.Labels
	} else if is := rp.issueNumbered(n); is != nil {
		have = &is.Labels
	} else {
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	for _, l := range names {
		if !slices.Contains(*have, l) {
			*have = append(*have, l)
		}
	}
	list := []map[string]any{}
	for _, l := range *have {
		list = append(list, map[string]any{"name": l})
	}
	writeJSON(w, http.StatusOK, list)
}
