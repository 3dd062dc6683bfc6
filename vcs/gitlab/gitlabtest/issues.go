package gitlabtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

type issueBody struct {
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	Labels      labelList `json:"labels"`
	StateEvent  *string   `json:"state_event"`
}

func (s *Server) wireIssue(p *project, is *Issue) wireIssue {
	return wireIssue{
		ID: int64(is.IID) + p.ID*1000 + 500, IID: is.IID, ProjectID: p.ID, Title: is.Title, Description: is.Description,
		State: is.State, CreatedAt: stamp(is.Created), UpdatedAt: stamp(is.Created), Labels: append([]string{}, is.Labels...),
		Author: s.wireUser(is.Author), Assignees: []*wireUser{}, IssueType: "issue",
		WebURL:     fmt.Sprintf("%s/%s/-/issues/%d", s.URL(), p.FullName(), is.IID),
		References: &wireReferences{Short: fmt.Sprintf("#%d", is.IID), Relative: fmt.Sprintf("#%d", is.IID), Full: fmt.Sprintf("%s#%d", p.FullName(), is.IID)},
	}
}

// listIssues lists issues by state (all unless asked) and labels (every
// one of them), by created_at, newest first unless sort=asc. Merge
// requests have numbers of their own on GitLab and are not issues.
func (s *Server) listIssues(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "all")
	var labels labelList
	if l := q.Get("labels"); l != "" {
		_ = labels.UnmarshalJSON([]byte(strconv.Quote(l)))
	}
	s.mu.Lock()
	var picked []*Issue
	for _, is := range p.issues {
		if (state == "all" || is.State == state) && !slices.ContainsFunc(labels, func(l string) bool { return !slices.Contains(is.Labels, l) }) {
			picked = append(picked, is)
		}
	}
	slices.SortStableFunc(picked, func(a, b *Issue) int {
		c := cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.IID, b.IID))
		if q.Get("sort") != "asc" {
			return -c
		}
		return c
	})
	list := make([]wireIssue, len(picked))
	for i, is := range picked {
		list[i] = s.wireIssue(p, is)
	}
	s.mu.Unlock()
	page(s, w, r, list)
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	var b issueBody
	if !decodeBody(w, r, &b) {
		return
	}
	if deref(b.Title) == "" {
		badRequest(w, "400 Bad request - title is missing")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, is := range p.issues {
		n = max(n, is.IID)
	}
	is := &Issue{IID: n + 1, Title: *b.Title, Description: deref(b.Description), State: "opened",
		Labels: slices.Clone(b.Labels), Author: BotUsername, Created: s.now()}
	p.issues = append(p.issues, is)
	writeJSON(w, http.StatusCreated, s.wireIssue(p, is))
}

func (s *Server) updateIssue(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	var b issueBody
	if !decodeBody(w, r, &b) {
		return
	}
	iid, _ := strconv.Atoi(r.PathValue("iid"))
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(p.issues, func(is *Issue) bool { return is.IID == iid })
	if i < 0 {
		notFound(w, "Issue")
		return
	}
	is := p.issues[i]
	if b.StateEvent != nil {
		switch *b.StateEvent {
		case "close":
			is.State = "closed"
		case "reopen":
			is.State = "opened"
		default:
			badRequest(w, "400 Bad request - state_event does not have a valid value")
			return
		}
	}
	if b.Title != nil {
		is.Title = *b.Title
	}
	if b.Description != nil {
		is.Description = *b.Description
	}
	if b.Labels != nil {
		is.Labels = slices.Clone(b.Labels)
	}
	is.Edits++
	writeJSON(w, http.StatusOK, s.wireIssue(p, is))
}
