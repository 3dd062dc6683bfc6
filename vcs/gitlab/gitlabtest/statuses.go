package gitlabtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// maxField is the most characters GitLab takes in a status's name, ref,
// description and target URL.
const maxField = 255

// statusEvents names the transition GitLab's state machine makes to each
// state, as its refusals name them.
var statusEvents = map[string]string{
	"pending": "enqueue", "running": "run", "success": "success", "failed": "drop", "canceled": "cancel", "skipped": "skip",
}

func finished(state string) bool { return state != "pending" && state != "running" }

// decodeBody decodes a JSON body into v; a bad one gets 400.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		badRequest(w, "400 Bad request - "+err.Error())
		return false
	}
	return true
}

type statusBody struct {
	State       string   `json:"state"`
	Ref         string   `json:"ref"`
	Name        string   `json:"name"`
	Context     string   `json:"context"`
	TargetURL   string   `json:"target_url"`
	Description string   `json:"description"`
	Coverage    *float64 `json:"coverage"`
	PipelineID  *int64   `json:"pipeline_id"`
}

// setStatus sets a commit status as GitLab does: a status not finished
// moves to the new state, where its state machine lets it (the same state
// again is refused); a finished one is followed by a new status.
func (s *Server) setStatus(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	var b statusBody
	if !decodeBody(w, r, &b) {
		return
	}
	sha := r.PathValue("sha")
	if _, ok := statusEvents[b.State]; !ok {
		badRequest(w, "400 Bad request - state does not have a valid value")
		return
	}
	name := b.Name
	if name == "" {
		name = b.Context
	}
	if name == "" {
		name = "default"
	}
	for field, v := range map[string]string{"name": name, "ref": b.Ref, "description": b.Description, "target_url": b.TargetURL} {
		if utf8.RuneCountInString(v) > maxField {
			badRequest(w, map[string][]string{field: {fmt.Sprintf("is too long (maximum is %d characters)", maxField)}})
			return
		}
	}
	if b.TargetURL != "" {
		if u, err := url.Parse(b.TargetURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			badRequest(w, map[string][]string{"target_url": {"is blocked: Only allowed schemes are http, https"}})
			return
		}
	}
	ref, found := s.statusRef(p, sha, b.Ref)
	if !found {
		notFound(w, ref)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur *Status
	for _, st := range p.statuses {
		if st.SHA == sha && st.Name == name && st.Ref == ref {
			cur = st
		}
	}
	now := s.now()
	if cur == nil || finished(cur.State) {
		cur = &Status{ID: s.id(), SHA: sha, Ref: ref, Name: name, State: "created", Author: BotUsername, Created: now}
		p.statuses = append(p.statuses, cur)
	} else if cur.State == b.State || (cur.State == "running" && b.State == "pending") {
		ev := statusEvents[b.State]
		badRequest(w, fmt.Sprintf("Cannot transition status via :%s from :%s (Reason(s): Status cannot transition via \"%s\")", ev, cur.State, ev))
		return
	}
	cur.State, cur.Description, cur.TargetURL = b.State, b.Description, b.TargetURL
	cur.Updates++
	if b.State == "running" && cur.Started.IsZero() {
		cur.Started = now
	}
	if finished(b.State) {
		cur.Finished = now
	}
	writeJSON(w, http.StatusCreated, s.wireStatus(cur))
}

// statusRef is the ref a status goes on: the one given, or a branch that
// contains the commit. Without one the answer is what GitLab's 404 names.
func (s *Server) statusRef(p *project, sha, ref string) (string, bool) {
	s.mu.Lock()
	dir, def := p.git, p.DefaultBranch
	s.mu.Unlock()
	if dir == "" {
		if ref == "" {
			ref = def
		}
		return ref, true
	}
	r, err := git.PlainOpen(dir)
	if err != nil || !plumbing.IsHash(sha) {
		return "Commit", false
	}
	if _, err := r.CommitObject(plumbing.NewHash(sha)); err != nil {
		return "Commit", false
	}
	if ref != "" {
		return ref, true
	}
	out, err := gitOutput(dir, "for-each-ref", "--contains", sha, "--format=%(refname:short)", "refs/heads")
	if branches := strings.Fields(out); err == nil && len(branches) > 0 {
		if slices.Contains(branches, def) {
			return def, true
		}
		return branches[0], true
	}
	return "References for commit", false
}

// listStatuses lists a commit's statuses: the latest of each name unless
// all=true, those of ref and name when asked.
func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	sha := r.PathValue("sha")
	s.mu.Lock()
	var picked []*Status
	for _, st := range p.statuses {
		if st.SHA != sha || (q.Get("ref") != "" && st.Ref != q.Get("ref")) || (q.Get("name") != "" && st.Name != q.Get("name")) {
			continue
		}
		if q.Get("all") != "true" {
			picked = slices.DeleteFunc(picked, func(o *Status) bool { return o.Name == st.Name })
		}
		picked = append(picked, st)
	}
	list := make([]wireStatus, len(picked))
	for i, st := range picked {
		list[i] = s.wireStatus(st)
	}
	s.mu.Unlock()
	page(s, w, r, list)
}
