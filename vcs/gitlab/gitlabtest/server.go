// Package gitlabtest is a fake GitLab for tests: the REST API (v4)
// endpoints dip uses, and real git repositories served over smart HTTP by
// git http-backend, both from one httptest.Server.
//
// It authenticates like GitLab: a token in PRIVATE-TOKEN or in
// Authorization: Bearer on the API, and over git the basic auth oauth2 and
// the token; anything else gets 401. It records every request, every
// commit status, note and discussion, and it fails the test on a request
// to an endpoint it does not know. Lists paginate as GitLab does, with
// X-Page, X-Next-Page, X-Total and Link headers (per_page 20 unless asked,
// at most 100 or WithPageSize). Every API answer carries GitLab's
// RateLimit-* headers; Throttle answers 429 with Retry-After.
//
// Each endpoint follows the GitLab REST API documentation page named
// beside it:
//
//	GET  /user                                   users.md (current user)
//	GET  /users?username=                        users.md (list users)
//	GET  /projects?membership=                   projects.md (list all projects)
//	GET  /projects/:id/hooks                     project_webhooks.md (list)
//	GET  /projects/:id/members/all/:user_id      members.md (get a member, inherited included)
//	POST /projects/:id/statuses/:sha             commits.md (set the pipeline status of a commit)
//	GET  /projects/:id/repository/commits/:sha/statuses        commits.md (list the statuses of a commit)
//	GET  /projects/:id/repository/commits/:sha/merge_requests  commits.md (merge requests associated with a commit)
//	GET  /projects/:id/merge_requests            merge_requests.md (list project merge requests)
//	GET  /projects/:id/merge_requests/:iid       merge_requests.md (get single MR)
//	POST /projects/:id/merge_requests            merge_requests.md (create MR)
//	PUT  /projects/:id/merge_requests/:iid       merge_requests.md (update MR)
//	GET  /projects/:id/merge_requests/:iid/diffs merge_requests.md (list merge request diffs)
//	GET  /projects/:id/merge_requests/:iid/approvals     merge_request_approvals.md
//	GET  /projects/:id/merge_requests/:iid/notes         notes.md (list all merge request notes)
//	POST /projects/:id/merge_requests/:iid/notes         notes.md (create new merge request note)
//	PUT  /projects/:id/merge_requests/:iid/notes/:id     notes.md (modify existing merge request note)
//	GET  /projects/:id/merge_requests/:iid/discussions   discussions.md (list project merge request discussion items)
//	POST /projects/:id/merge_requests/:iid/discussions   discussions.md (create new merge request thread, diff notes)
//	PUT  /projects/:id/merge_requests/:iid/discussions/:id            discussions.md (resolve a merge request thread)
//	POST /projects/:id/merge_requests/:iid/discussions/:id/notes      discussions.md (add note to existing merge request thread)
//	GET  /projects/:id/issues                    issues.md (list project issues)
//	POST /projects/:id/issues                    issues.md (new issue)
//	PUT  /projects/:id/issues/:iid               issues.md (edit an issue)
//
// A project is addressed by its numeric id or its URL-encoded full path.
package gitlabtest

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// DefaultToken is the token a server made without WithToken accepts.
const DefaultToken = "glpat-dip-test-0123456789"

// BotUsername is the user the token belongs to: who makes statuses,
// notes, discussions, merge requests and issues through the API.
const BotUsername = "dip-bot"

// Server is a fake GitLab. Its methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	srv    *httptest.Server
	api    *http.ServeMux
	prefix string
	token  string
	now    func() time.Time

	mu       sync.Mutex
	pageSize int
	nextID   int64
	users    map[string]*user
	projects []*project
	requests []Request
	faults   fakehost.Faults
	rate     rateLimit
	throttle fakehost.Burst
}

// Option configures a Server.
type Option func(*config)

type config struct {
	token    string
	prefix   string
	pageSize int
	now      func() time.Time
}

// WithToken sets the token the server accepts.
func WithToken(token string) Option { return func(c *config) { c.token = token } }

// WithPathPrefix serves everything under prefix, such as /gitlab, as a
// self-managed GitLab installed under a relative URL does: the API at
// prefix/api/v4, repositories at prefix/<namespace>/<project>.git.
func WithPathPrefix(prefix string) Option {
	return func(c *config) { c.prefix = "/" + strings.Trim(prefix, "/") }
}

// WithPageSize caps the items of a list page, whatever per_page asks.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithClock sets the clock of timestamps and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// New starts a fake GitLab, closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{token: DefaultToken, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.prefix == "/" {
		cfg.prefix = ""
	}
	s := &Server{
		t:        t,
		api:      http.NewServeMux(),
		prefix:   cfg.prefix,
		token:    cfg.token,
		now:      cfg.now,
		pageSize: cfg.pageSize,
		users:    map[string]*user{},
		rate:     rateLimit{limit: 2000, remaining: 2000, reset: cfg.now().Add(time.Minute)},
	}
	s.addUser(BotUsername)
	s.routes()
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is GitLab's URL, the path prefix included, without a trailing slash:
// what DIP_GITLAB_URL is set to.
func (s *Server) URL() string { return s.srv.URL + s.prefix }

// Token is the token the server accepts.
func (s *Server) Token() string { return s.token }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// handler is one API route, given the authenticated user.
type handler func(w http.ResponseWriter, r *http.Request)

func (s *Server) routes() {
	for pattern, h := range map[string]handler{
		"GET /user":                             s.currentUser,
		"GET /users":                            s.listUsers,
		"GET /projects":                         s.listProjects,
		"GET /projects/{id}/hooks":              s.listHooks,
		"GET /projects/{id}/members/all/{user}": s.getMember,

		"POST /projects/{id}/statuses/{sha}":                         s.setStatus,
		"GET /projects/{id}/repository/commits/{sha}/statuses":       s.listStatuses,
		"GET /projects/{id}/repository/commits/{sha}/merge_requests": s.commitMergeRequests,

		"GET /projects/{id}/merge_requests":                 s.listMergeRequests,
		"GET /projects/{id}/merge_requests/{iid}":           s.getMergeRequest,
		"POST /projects/{id}/merge_requests":                s.createMergeRequest,
		"PUT /projects/{id}/merge_requests/{iid}":           s.updateMergeRequest,
		"GET /projects/{id}/merge_requests/{iid}/diffs":     s.listDiffs,
		"GET /projects/{id}/merge_requests/{iid}/approvals": s.getApprovals,

		"GET /projects/{id}/merge_requests/{iid}/notes":                    s.listNotes,
		"POST /projects/{id}/merge_requests/{iid}/notes":                   s.createNote,
		"PUT /projects/{id}/merge_requests/{iid}/notes/{note}":             s.updateNote,
		"GET /projects/{id}/merge_requests/{iid}/discussions":              s.listDiscussions,
		"POST /projects/{id}/merge_requests/{iid}/discussions":             s.createDiscussion,
		"PUT /projects/{id}/merge_requests/{iid}/discussions/{did}":        s.resolveDiscussion,
		"POST /projects/{id}/merge_requests/{iid}/discussions/{did}/notes": s.replyDiscussion,

		"GET /projects/{id}/issues":       s.listIssues,
		"POST /projects/{id}/issues":      s.createIssue,
		"PUT /projects/{id}/issues/{iid}": s.updateIssue,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		s.api.Handle(method+" "+s.prefix+"/api/v4"+path, s.serve(h))
	}
}

// serveHTTP routes the API and the git repositories, and fails the test
// on anything else.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, s.prefix+"/api/v4/") {
		if _, pattern := s.api.Handler(r); pattern == "" {
			s.t.Errorf("gitlabtest: unexpected request %s %s", r.Method, r.URL.Path)
			writeJSON(w, http.StatusNotFound, message("404 Not Found"))
			s.record(r, "", http.StatusNotFound)
			return
		}
		s.api.ServeHTTP(w, r)
		return
	}
	if p, rest, ok := s.gitProject(r.URL.Path); ok {
		s.serveGit(w, r, p, rest)
		return
	}
	s.t.Errorf("gitlabtest: unexpected request %s %s", r.Method, r.URL.Path)
	http.NotFound(w, r)
	s.record(r, "", http.StatusNotFound)
}

// serve answers an API request: a throttle or a fault first, then
// authentication, the rate limit, and h.
func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := fakehost.NewRecorder(w)
		who := ""
		defer func() { s.record(r, who, rec.Status) }()
		if s.throttled(rec) {
			return
		}
		f := s.faults.Take(r.Method, strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, s.prefix), "/api/v4"))
		if f != nil && !f.After {
			writeJSON(rec, f.Status, message(strconv.Itoa(f.Status)+" "+http.StatusText(f.Status)))
			return
		}
		if !s.authenticate(r) {
			writeJSON(rec, http.StatusUnauthorized, message("401 Unauthorized"))
			return
		}
		who = BotUsername
		if !s.spendRate(rec) {
			return
		}
		if f != nil {
			h(httptest.NewRecorder(), r)
			writeJSON(rec, f.Status, message(strconv.Itoa(f.Status)+" "+http.StatusText(f.Status)))
			return
		}
		h(rec, r)
	})
}

// authenticate checks the token of an API request, in either header
// GitLab reads.
func (s *Server) authenticate(r *http.Request) bool {
	tok := r.Header.Get("PRIVATE-TOKEN")
	if tok == "" {
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") {
			tok = cred
		}
	}
	return tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) == 1
}

// Request is one request as the server saw it.
type Request struct {
	Method string
	Path   string
	Query  string
	// Auth is the user authenticated, empty when none was.
	Auth   string
	Status int
}

func (s *Server) record(r *http.Request, who string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: who, Status: status})
}

// Requests lists every request so far, in order, git's included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// CountRequests counts the requests so far whose method is method (any
// when empty) and whose path, after the prefix and /api/v4, starts with
// pathPrefix.
func (s *Server) CountRequests(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Requests() {
		path := strings.TrimPrefix(strings.TrimPrefix(r.Path, s.prefix), "/api/v4")
		if (method == "" || r.Method == method) && strings.HasPrefix(path, pathPrefix) {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// apiError is GitLab's error body: a message that is a string, a list,
// or a map from field to messages.
type apiError struct {
	Message any `json:"message"`
}

func message(m any) apiError { return apiError{Message: m} }

// badRequest answers 400 with a message as GitLab words it.
func badRequest(w http.ResponseWriter, m any) { writeJSON(w, http.StatusBadRequest, message(m)) }

func notFound(w http.ResponseWriter, what string) {
	writeJSON(w, http.StatusNotFound, message("404 "+what+" Not Found"))
}

// stamp is t as GitLab writes times.
func stamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	v := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &v
}
