package gitlabtest

import (
	"net/http"
	"strconv"
	"strings"
)

func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	u := s.wireUser(BotUsername)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, u)
}

// listUsers finds users by username, the only filter dip uses.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("username")
	if name == "" {
		badRequest(w, "400 Bad request - username is missing")
		return
	}
	s.mu.Lock()
	var list []*wireUser
	if _, ok := s.users[strings.ToLower(name)]; ok {
		list = append(list, s.wireUser(name))
	}
	s.mu.Unlock()
	page(s, w, r, list)
}

// listProjects lists the token user's projects (every project of the
// server; membership=true or not), ordered by id, archived ones only when
// archived is not false.
func (s *Server) listProjects(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	minLevel, _ := strconv.Atoi(q.Get("min_access_level"))
	s.mu.Lock()
	var list []wireProject
	for _, p := range s.projects {
		if (q.Get("archived") == "false" && p.archived) || p.members[BotUsername] < minLevel {
			continue
		}
		list = append(list, s.wireProject(p))
	}
	s.mu.Unlock()
	page(s, w, r, list)
}

// listHooks lists a project's webhooks; only maintainers may.
func (s *Server) listHooks(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if p.members[BotUsername] < Maintainer {
		s.mu.Unlock()
		writeJSON(w, http.StatusForbidden, message("403 Forbidden"))
		return
	}
	var list []wireHook
	for _, h := range p.hooks {
		list = append(list, wireHook{
			ID: h.ID, URL: h.URL, ProjectID: p.ID, PushEvents: h.PushEvents, MergeRequestsEvents: h.MergeRequestsEvents,
			NoteEvents: h.NoteEvents, EnableSSLVerification: true, AlertStatus: "executable", CreatedAt: stamp(s.now()),
			BranchFilterStrategy: "wildcard",
		})
	}
	s.mu.Unlock()
	page(s, w, r, list)
}

// getMember answers a project's member, direct or inherited, by user id.
func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("user"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if u.id != id {
			continue
		}
		level, ok := p.members[strings.ToLower(u.username)]
		if !ok {
			break
		}
		writeJSON(w, http.StatusOK, wireMember{wireUser: *s.wireUser(u.username), AccessLevel: level, CreatedAt: stamp(s.now())})
		return
	}
	notFound(w, "Member")
}
