// Package githubtest is a fake GitHub REST API for tests: the endpoints a
// GitHub App uses to check pull requests, served by an httptest.Server.
//
// It authenticates like GitHub: the App's JWT (RS256, signed with the key
// PrivateKey returns, iss the App id) on /app endpoints, an installation
// token it issued and that has not expired on the others; anything else
// gets 401. It records every request, every check run and every batch of
// annotations, and it fails the test on a request to an endpoint it does
// not know, so that unexpected API use is caught.
//
// Setup: AddRepo, AddPullRequest, MergePullRequest, ClosePullRequest,
// SetReviews, MapCommitToPulls, AddCheckRun, SetCollaborators,
// SuspendInstallation, WithRefs. Pull requests, issues and comments made
// through the API: PullRequests, Issues, Comments. Faults: FailNext,
// FailNextAfterHandling, SecondaryRateLimit, SetRateLimit. Lists paginate
// with Link headers as GitHub does, at most WithPageSize items a page.
//
// Endpoints:
//
//	POST  /app/installations/{id}/access_tokens
//	GET   /app/installations
//	GET   /installation/repositories
//	POST  /repos/{owner}/{repo}/check-runs
//	PATCH /repos/{owner}/{repo}/check-runs/{id}
//	GET   /repos/{owner}/{repo}/commits/{ref}/check-runs
//	GET   /repos/{owner}/{repo}/pulls
//	GET   /repos/{owner}/{repo}/commits/{sha}/pulls
//	GET   /repos/{owner}/{repo}/pulls/{number}/reviews
//	GET   /repos/{owner}/{repo}/pulls/{number}
//	POST  /repos/{owner}/{repo}/pulls
//	PATCH /repos/{owner}/{repo}/pulls/{number}
//	POST  /repos/{owner}/{repo}/pulls/{number}/requested_reviewers
//	GET   /repos/{owner}/{repo}/collaborators/{username}
//	GET   /repos/{owner}/{repo}/issues
//	POST  /repos/{owner}/{repo}/issues
//	PATCH /repos/{owner}/{repo}/issues/{number}
//	GET   /repos/{owner}/{repo}/issues/{number}/comments
//	POST  /repos/{owner}/{repo}/issues/{number}/comments
//	POST  /repos/{owner}/{repo}/issues/{number}/labels
//
// Handlers mounted WithHandler (a git server, say) share the server but
// none of the above: no authentication, faults or recording.
package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// DefaultAppID is the App id of a server made without WithAppID.
const DefaultAppID = 4242

// Server is a fake GitHub REST API. Its methods are safe for concurrent
// use.
type Server struct {
	t      testing.TB
	srv    *httptest.Server
	api    *http.ServeMux
	key    *rsa.PrivateKey
	keyPEM []byte
	appID  int64
	now    func() time.Time

	mu           sync.Mutex
	tokenTTL     time.Duration
	pageSize     int
	tokens       map[string]token
	tokensIssued int
	installs     map[int64]*install
	repos        map[string]*repo
	nextID       int64
	runs         []*CheckRun
	batches      []AnnotationBatch
	requests     []Request
	faults       fakehost.Faults
	secondary    fakehost.Burst
	rate         rateLimit
	refs         func(fullName, branch string) (string, bool)
	onPull       func(fullName string, number int, headSHA string)
}

// Option configures a Server.
type Option func(*config)

type config struct {
	appID    int64
	tokenTTL time.Duration
	pageSize int
	now      func() time.Time
	key      *rsa.PrivateKey
	handlers []mount
	refs     func(fullName, branch string) (string, bool)
	onPull   func(fullName string, number int, headSHA string)
}

type mount struct {
	pattern string
	h       http.Handler
}

// WithAppID sets the App's id.
func WithAppID(id int64) Option { return func(c *config) { c.appID = id } }

// WithTokenTTL sets how long an installation token lives; an hour unless
// set. The App's client asks for a new token a minute before expiry, so a
// TTL under a minute gets a new token for every request.
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithPageSize caps the items of a list page, whatever per_page asks.
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithClock sets the clock of rate-limit windows. Tokens and JWTs follow
// real time, as the App's client signs and refreshes them by it.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithPrivateKey makes the server trust key instead of one it generates,
// to save generating one per test.
func WithPrivateKey(key *rsa.PrivateKey) Option { return func(c *config) { c.key = key } }

// WithHandler mounts h at pattern (an http.ServeMux pattern), beside the
// API: a git smart-HTTP server for the clone URLs, say.
func WithHandler(pattern string, h http.Handler) Option {
	return func(c *config) { c.handlers = append(c.handlers, mount{pattern, h}) }
}

// WithRefs lets the server know the branches of its repositories, as
// GitHub does: refs returns the commit branch of repository fullName
// points at. Opening a pull request then needs both branches and a
// difference between them, and an open pull request's head follows its
// branch.
func WithRefs(refs func(fullName, branch string) (sha string, ok bool)) Option {
	return func(c *config) { c.refs = refs }
}

// OnPullRequest calls f for each pull request opened through the API,
// with its head commit (empty without WithRefs), as GitHub makes
// refs/pull/<number>/head.
func OnPullRequest(f func(fullName string, number int, headSHA string)) Option {
	return func(c *config) { c.onPull = f }
}

// New starts a fake GitHub API, closed when the test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{appID: DefaultAppID, tokenTTL: time.Hour, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.key == nil {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatalf("githubtest: generate key: %v", err)
		}
		cfg.key = key
	}
	s := &Server{
		t:        t,
		api:      http.NewServeMux(),
		key:      cfg.key,
		keyPEM:   pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(cfg.key)}),
		appID:    cfg.appID,
		now:      cfg.now,
		tokenTTL: cfg.tokenTTL,
		pageSize: cfg.pageSize,
		tokens:   make(map[string]token),
		installs: make(map[int64]*install),
		repos:    make(map[string]*repo),
		rate:     rateLimit{limit: 5000, remaining: 5000, reset: cfg.now().Add(time.Hour)},
		refs:     cfg.refs,
		onPull:   cfg.onPull,
	}
	s.routes()
	root := http.NewServeMux()
	for _, m := range cfg.handlers {
		root.Handle(m.pattern, m.h)
	}
	root.Handle("/", http.HandlerFunc(s.serveAPI))
	s.srv = httptest.NewServer(root)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the API's base URL, without a trailing slash.
func (s *Server) URL() string { return s.srv.URL }

// PrivateKey is the App's private key, PEM-encoded.
func (s *Server) PrivateKey() []byte { return s.keyPEM }

// AppID is the App's id.
func (s *Server) AppID() int64 { return s.appID }

// Client is an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// auth is who may call a route.
type auth int

const (
	authApp          auth = iota // the App's JWT
	authInstallation             // an installation token
)

// endpoint is one route: who may call it and what it does, given the
// installation of the token (0 for the App).
type endpoint struct {
	auth   auth
	handle func(w http.ResponseWriter, r *http.Request, inst int64)
}

func (s *Server) routes() {
	for pattern, e := range map[string]endpoint{
		"POST /app/installations/{id}/access_tokens":                    {authApp, s.createToken},
		"GET /app/installations":                                        {authApp, s.listInstallations},
		"GET /installation/repositories":                                {authInstallation, s.listInstallationRepos},
		"POST /repos/{owner}/{repo}/check-runs":                         {authInstallation, s.createCheckRun},
		"PATCH /repos/{owner}/{repo}/check-runs/{id}":                   {authInstallation, s.updateCheckRun},
		"GET /repos/{owner}/{repo}/commits/{ref}/check-runs":            {authInstallation, s.listCheckRuns},
		"GET /repos/{owner}/{repo}/pulls":                               {authInstallation, s.listPulls},
		"GET /repos/{owner}/{repo}/commits/{sha}/pulls":                 {authInstallation, s.listCommitPulls},
		"GET /repos/{owner}/{repo}/pulls/{number}/reviews":              {authInstallation, s.listReviews},
		"GET /repos/{owner}/{repo}/pulls/{number}":                      {authInstallation, s.getPull},
		"POST /repos/{owner}/{repo}/pulls":                              {authInstallation, s.createPull},
		"PATCH /repos/{owner}/{repo}/pulls/{number}":                    {authInstallation, s.editPull},
		"POST /repos/{owner}/{repo}/pulls/{number}/requested_reviewers": {authInstallation, s.requestReviewers},
		"GET /repos/{owner}/{repo}/collaborators/{username}":            {authInstallation, s.isCollaborator},
		"GET /repos/{owner}/{repo}/issues":                              {authInstallation, s.listIssues},
		"POST /repos/{owner}/{repo}/issues":                             {authInstallation, s.createIssue},
		"PATCH /repos/{owner}/{repo}/issues/{number}":                   {authInstallation, s.editIssue},
		"GET /repos/{owner}/{repo}/issues/{number}/comments":            {authInstallation, s.listComments},
		"POST /repos/{owner}/{repo}/issues/{number}/comments":           {authInstallation, s.createComment},
		"POST /repos/{owner}/{repo}/issues/{number}/labels":             {authInstallation, s.addLabels},
	} {
		s.api.Handle(pattern, s.serve(e))
	}
}

// serveAPI fails the test on a request to an endpoint the server does not
// know, and routes the others.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.api.Handler(r); pattern == "" {
		s.t.Errorf("githubtest: unexpected request %s %s", r.Method, r.URL.Path)
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		s.record(r, "", http.StatusNotFound)
		return
	}
	s.api.ServeHTTP(w, r)
}

// serve answers a request to e: a secondary rate limit or a fault first,
// then authentication, the primary rate limit, and e.
func (s *Server) serve(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := fakehost.NewRecorder(w)
		who := ""
		defer func() { s.record(r, who, rec.Status) }()
		s.rateHeaders(rec)
		if s.secondaryHit(rec) {
			return
		}
		f := s.faults.Take(r.Method, r.URL.Path)
		if f != nil && !f.After {
			writeJSON(rec, f.Status, message(http.StatusText(f.Status)))
			return
		}
		inst, who2, ok := s.authenticate(rec, r, e.auth)
		who = who2
		if !ok || (e.auth == authInstallation && !s.spendRate(rec, inst)) {
			return
		}
		if f != nil {
			e.handle(httptest.NewRecorder(), r, inst)
			writeJSON(rec, f.Status, message(http.StatusText(f.Status)))
			return
		}
		e.handle(rec, r, inst)
	})
}

func (s *Server) record(r *http.Request, who string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: who, Status: status})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// apiError is GitHub's error body.
type apiError struct {
	Message          string   `json:"message"`
	DocumentationURL string   `json:"documentation_url,omitempty"`
	Errors           []string `json:"errors,omitempty"`
}

func message(m string) apiError { return apiError{Message: m} }

// invalid answers 422 with what is wrong.
func invalid(w http.ResponseWriter, errs ...string) {
	writeJSON(w, http.StatusUnprocessableEntity, apiError{Message: "Invalid request.\n\n" + strings.Join(errs, "\n"), Errors: errs})
}
