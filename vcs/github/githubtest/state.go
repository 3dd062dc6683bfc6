package githubtest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dipdev/dip/vcs"
)

// DefaultInstallation is the installation of a repository added without
// one.
const DefaultInstallation = 1

// Request is one API request as the server saw it.
type Request struct {
	Method string
	Path   string
	Query  string
	// Auth is who was authenticated: "app", "installation <id>", or empty.
	Auth   string
	Status int
}

// CheckRun is a check run as it stands after every request so far.
type CheckRun struct {
	ID         int64
	Repo       string // owner/name
	AppID      int64
	HeadSHA    string
	Name       string
	Status     string
	Conclusion string
	ExternalID string
	Title      string
	Summary    string
	Text       string
	// Annotations are every annotation the run was given, in order.
	Annotations []Annotation
	// Requests counts the create and the updates.
	Requests int
}

// Annotation is a check run annotation as GitHub takes it. Columns are 0
// when not given.
type Annotation struct {
	Path        string `json:"path"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	StartColumn int    `json:"start_column,omitempty"`
	EndColumn   int    `json:"end_column,omitempty"`
	Level       string `json:"annotation_level"`
	Title       string `json:"title,omitempty"`
	Message     string `json:"message"`
	RawDetails  string `json:"raw_details,omitempty"`
}

// AnnotationBatch is the annotations of one request.
type AnnotationBatch struct {
	CheckRunID  int64
	Method      string
	Annotations []Annotation
}

// Review is a pull request review: State is APPROVED,
// CHANGES_REQUESTED, COMMENTED or DISMISSED.
type Review struct {
	User  string
	State string
}

type install struct {
	id        int64
	account   string
	suspended bool
}

type repo struct {
	vcs.Repo
	pulls   []*pull
	issues  []*Issue
	reviews map[int][]Review
	commits map[string][]int
	// comments are the conversation of each pull request and issue.
	comments map[int][]Comment
	// collaborators and teams may be asked to review; any login and team
	// may when both are nil.
	collaborators map[string]bool
	teams         map[string]bool
}

type pull struct {
	vcs.PullRequest
	state   string
	merged  time.Time
	created time.Time
	updated time.Time
	closed  time.Time
	// requested are the reviewers asked for: logins, and team slugs as
	// "team:<slug>".
	requested []string
}

// Issue is an issue as the server has it.
type Issue struct {
	Number  int
	Title   string
	Body    string
	State   string
	Labels  []string
	Author  string
	Created time.Time
	// Edits counts the changes made to it through the API.
	Edits int
}

// Comment is a comment on a pull request or an issue.
type Comment struct {
	ID     int64
	Author string
	Body   string
}

// AddRepo adds a repository and returns it as the server has it: an id,
// the default branch main, installation DefaultInstallation and a clone
// URL under the server's URL unless given.
func (s *Server) AddRepo(r vcs.Repo) vcs.Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	r.Host = vcs.GitHub
	r.ID = cmp.Or(r.ID, 1000+s.nextID)
	r.DefaultBranch = cmp.Or(r.DefaultBranch, "main")
	r.Installation = cmp.Or(r.Installation, DefaultInstallation)
	r.CloneURL = cmp.Or(r.CloneURL, s.srv.URL+"/"+r.FullName()+".git")
	if _, ok := s.installs[r.Installation]; !ok {
		s.installs[r.Installation] = &install{id: r.Installation, account: r.Owner}
	}
	s.repos[r.FullName()] = &repo{Repo: r, reviews: map[int][]Review{}, commits: map[string][]int{}, comments: map[int][]Comment{}}
	return r
}

// SuspendInstallation suspends an installation: it is listed as
// suspended and gets no tokens.
func (s *Server) SuspendInstallation(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in, ok := s.installs[id]; ok {
		in.suspended = true
	}
}

// repo returns the repository called fullName; the test fails without
// it. s.mu is held.
func (s *Server) repo(fullName string) *repo {
	r, ok := s.repos[fullName]
	if !ok {
		s.t.Fatalf("githubtest: no repository %s: AddRepo first", fullName)
	}
	return r
}

// AddPullRequest adds an open pull request to repository fullName.
func (s *Server) AddPullRequest(fullName string, pr vcs.PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(fullName)
	if pr.URL == "" {
		pr.URL = fmt.Sprintf("%s/%s/pull/%d", s.srv.URL, fullName, pr.Number)
	}
	now := s.now()
	r.pulls = append(r.pulls, &pull{PullRequest: pr, state: "open", created: now, updated: now})
}

// MergePullRequest closes pull request number of fullName as merged.
func (s *Server) MergePullRequest(fullName string, number int) {
	s.setPull(fullName, number, func(p *pull) { p.state, p.merged, p.closed = "closed", s.now(), s.now() })
}

// ClosePullRequest closes pull request number of fullName unmerged.
func (s *Server) ClosePullRequest(fullName string, number int) {
	s.setPull(fullName, number, func(p *pull) { p.state, p.closed = "closed", s.now() })
}

func (s *Server) setPull(fullName string, number int, f func(*pull)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.repo(fullName).pulls {
		if p.Number == number {
			f(p)
			return
		}
	}
	s.t.Fatalf("githubtest: no pull request %s#%d", fullName, number)
}

// SetReviews sets the reviews of pull request number, oldest first.
func (s *Server) SetReviews(fullName string, number int, reviews ...Review) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(fullName).reviews[number] = slices.Clone(reviews)
}

// MapCommitToPulls makes commit sha of fullName belong to pull requests
// numbers.
func (s *Server) MapCommitToPulls(fullName, sha string, numbers ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(fullName).commits[sha] = slices.Clone(numbers)
}

// AddCheckRun adds a check run as if made earlier, by another App when
// run.AppID says so, and returns its id.
func (s *Server) AddCheckRun(run CheckRun) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(run.Repo)
	s.nextID++
	run.ID = s.nextID
	run.AppID = cmp.Or(run.AppID, s.appID)
	run.Annotations = slices.Clone(run.Annotations)
	s.runs = append(s.runs, &run)
	return run.ID
}

// Requests lists every API request so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// CountRequests counts the requests so far whose method is method (any
// when empty) and whose path starts with pathPrefix.
func (s *Server) CountRequests(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// CheckRuns lists every check run, in the order made.
func (s *Server) CheckRuns() []CheckRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CheckRun, len(s.runs))
	for i, r := range s.runs {
		out[i] = *r
		out[i].Annotations = slices.Clone(r.Annotations)
	}
	return out
}

// CheckRun returns check run id.
func (s *Server) CheckRun(id int64) (CheckRun, bool) {
	for _, r := range s.CheckRuns() {
		if r.ID == id {
			return r, true
		}
	}
	return CheckRun{}, false
}

// AnnotationBatches lists the annotations of every request that carried
// some, in order.
func (s *Server) AnnotationBatches() []AnnotationBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AnnotationBatch, len(s.batches))
	for i, b := range s.batches {
		out[i] = b
		out[i].Annotations = slices.Clone(b.Annotations)
	}
	return out
}
