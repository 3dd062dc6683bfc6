package gitlabtest

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dipdev/dip/vcs"
)

// Access levels of project members, as GitLab numbers them.
const (
	Guest      = 10
	Reporter   = 20
	Developer  = 30
	Maintainer = 40
	Owner      = 50
)

type user struct {
	id       int64
	username string
}

type project struct {
	vcs.Repo
	archived bool
	// git is the bare repository served for the project; empty when none
	// is.
	git     string
	pushes  int
	hooks   []Hook
	members map[string]int
	mrs     []*mergeRequest
	issues  []*Issue
	// statuses are every commit status, in the order made.
	statuses []*Status
	// commits maps a commit to the merge requests it belongs to, beside
	// those whose merge commit it is.
	commits map[string][]int
}

// Hook is a project webhook.
type Hook struct {
	ID                  int64
	URL                 string
	PushEvents          bool
	MergeRequestsEvents bool
	NoteEvents          bool
}

// MergeRequest is a merge request as it stands.
type MergeRequest struct {
	IID          int
	Title        string
	Description  string
	Author       string
	SourceBranch string
	TargetBranch string
	// SHA is the head commit. The head of an open merge request from a
	// branch of the project itself follows the branch, when the project's
	// repository is served; a fork's stays as set.
	SHA string
	// BaseSHA is the target branch's commit the change started from, used
	// when the repository is not served.
	BaseSHA        string
	Fork           bool
	Draft          bool
	State          string // opened, closed or merged
	Labels         []string
	MergeCommitSHA string
	// Reviewers and ApprovedBy are usernames.
	Reviewers  []string
	ApprovedBy []string
	Created    time.Time
	Updated    time.Time
	Closed     time.Time
	Merged     time.Time
}

type mergeRequest struct {
	MergeRequest
	id          int64
	discussions []*discussion
}

type discussion struct {
	id         string
	individual bool
	notes      []*Note
}

// Note is a note of a merge request: on its own, or in a discussion.
type Note struct {
	ID     int64
	Author string
	Body   string
	System bool
	// Resolvable notes are those of discussions; Resolved tells whether
	// theirs is.
	Resolvable bool
	Resolved   bool
	ResolvedBy string
	// Position is set for a note on a line of the diff.
	Position *Position
	Created  time.Time
	Updated  time.Time
	// Edits counts the changes made to it through the API.
	Edits int
}

// Position is where a diff note sits.
type Position struct {
	BaseSHA, StartSHA, HeadSHA string
	OldPath, NewPath           string
	OldLine, NewLine           int
}

// Discussion is a thread of notes on a merge request.
type Discussion struct {
	ID string
	// IndividualNote is set for a note made on its own, not as a thread.
	IndividualNote bool
	Notes          []Note
}

// Status is a commit status.
type Status struct {
	ID          int64
	SHA         string
	Ref         string
	Name        string
	State       string
	Description string
	TargetURL   string
	Author      string
	Created     time.Time
	Started     time.Time
	Finished    time.Time
	// Updates counts the requests that set it, the first included.
	Updates int
}

// Issue is an issue as it stands.
type Issue struct {
	IID         int
	Title       string
	Description string
	State       string // opened or closed
	Labels      []string
	Author      string
	Created     time.Time
	// Edits counts the changes made to it through the API.
	Edits int
}

func (s *Server) id() int64 {
	s.nextID++
	return s.nextID
}

// addUser adds a user unless there is one called username. s.mu is held
// or not needed.
func (s *Server) addUser(username string) *user {
	if u, ok := s.users[strings.ToLower(username)]; ok {
		return u
	}
	u := &user{id: s.id(), username: username}
	s.users[strings.ToLower(username)] = u
	return u
}

// AddUser adds a user and returns its id.
func (s *Server) AddUser(username string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUser(username).id
}

// AddProject adds a project, of which the token's user is a maintainer,
// and returns it as dip sees it: an id, the default branch main and the
// HTTPS clone URL unless given. r.Owner is the namespace's full path.
func (s *Server) AddProject(r vcs.Repo) vcs.Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Host = vcs.GitLab
	r.ID = cmp.Or(r.ID, 100+s.id())
	r.DefaultBranch = cmp.Or(r.DefaultBranch, "main")
	r.CloneURL = cmp.Or(r.CloneURL, s.URL()+"/"+r.FullName()+".git")
	s.projects = append(s.projects, &project{Repo: r, members: map[string]int{BotUsername: Maintainer}, commits: map[string][]int{}})
	return r
}

// ArchiveProject archives a project: listed only when archived ones are
// asked for.
func (s *Server) ArchiveProject(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.project(fullName).archived = true
}

// project returns the project called fullName; the test fails without it.
// s.mu is held.
func (s *Server) project(fullName string) *project {
	for _, p := range s.projects {
		if p.FullName() == fullName {
			return p
		}
	}
	s.t.Fatalf("gitlabtest: no project %s: AddProject first", fullName)
	return nil
}

// projectFor finds the project of a request's {id}, a number or a full
// path, and answers 404 without it.
func (s *Server) projectFor(w http.ResponseWriter, r *http.Request) (*project, bool) {
	id := r.PathValue("id")
	if dec, err := url.PathUnescape(id); err == nil {
		id = dec
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.projects {
		if p.ID == n || p.FullName() == id {
			return p, true
		}
	}
	notFound(w, "Project")
	return nil, false
}

// AddHook adds a webhook to project fullName and returns its id.
func (s *Server) AddHook(fullName string, h Hook) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	h.ID = s.id()
	p := s.project(fullName)
	p.hooks = append(p.hooks, h)
	return h.ID
}

// AddMember makes username a member of project fullName at level.
func (s *Server) AddMember(fullName, username string, level int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(username)
	s.project(fullName).members[strings.ToLower(username)] = level
}

// AddMergeRequest adds an open merge request and returns its iid, the
// next of the project unless mr.IID is set. Its author becomes a user.
func (s *Server) AddMergeRequest(fullName string, mr MergeRequest) int {
	s.mu.Lock()
	p := s.project(fullName)
	if mr.IID == 0 {
		mr.IID = p.nextMergeRequest()
	}
	if mr.Author != "" {
		s.addUser(mr.Author)
	}
	now := s.now()
	mr.State = cmp.Or(mr.State, "opened")
	mr.TargetBranch = cmp.Or(mr.TargetBranch, p.DefaultBranch)
	mr.Created, mr.Updated = cmp.Or(mr.Created, now), cmp.Or(mr.Updated, now)
	mr.Labels, mr.Reviewers, mr.ApprovedBy = slices.Clone(mr.Labels), slices.Clone(mr.Reviewers), slices.Clone(mr.ApprovedBy)
	p.mrs = append(p.mrs, &mergeRequest{MergeRequest: mr, id: 10000 + s.id()})
	s.mu.Unlock()
	s.syncRefs(fullName)
	return mr.IID
}

func (p *project) nextMergeRequest() int {
	n := 0
	for _, m := range p.mrs {
		n = max(n, m.IID)
	}
	return n + 1
}

// mr returns merge request iid of p, or nil. s.mu is held.
func (p *project) mr(iid int) *mergeRequest {
	for _, m := range p.mrs {
		if m.IID == iid {
			return m
		}
	}
	return nil
}

// setMR changes merge request iid of fullName with f.
func (s *Server) setMR(fullName string, iid int, f func(*mergeRequest)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.project(fullName).mr(iid)
	if m == nil {
		s.t.Fatalf("gitlabtest: no merge request %s!%d", fullName, iid)
	}
	f(m)
	m.Updated = s.now()
}

// MergeMergeRequest merges merge request iid of fullName with commit
// sha on its target branch.
func (s *Server) MergeMergeRequest(fullName string, iid int, sha string) {
	s.setMR(fullName, iid, func(m *mergeRequest) {
		m.State, m.MergeCommitSHA, m.Merged, m.Closed = "merged", sha, s.now(), time.Time{}
	})
}

// CloseMergeRequest closes merge request iid of fullName unmerged.
func (s *Server) CloseMergeRequest(fullName string, iid int) {
	s.setMR(fullName, iid, func(m *mergeRequest) { m.State, m.Closed = "closed", s.now() })
}

// DeleteMergeRequest deletes merge request iid of fullName, as an owner
// of the project may: from then on it is not found.
func (s *Server) DeleteMergeRequest(fullName string, iid int) {
	s.mu.Lock()
	p := s.project(fullName)
	p.mrs = slices.DeleteFunc(p.mrs, func(m *mergeRequest) bool { return m.IID == iid })
	s.mu.Unlock()
}

// Approve sets who approved merge request iid of fullName.
func (s *Server) Approve(fullName string, iid int, usernames ...string) {
	s.setMR(fullName, iid, func(m *mergeRequest) { m.ApprovedBy = slices.Clone(usernames) })
}

// SetMergeRequestHead moves the head of merge request iid of fullName,
// as a push to a fork's branch does.
func (s *Server) SetMergeRequestHead(fullName string, iid int, sha string) {
	s.setMR(fullName, iid, func(m *mergeRequest) { m.SHA = sha })
	s.syncRefs(fullName)
}

// MapCommit makes commit sha of fullName belong to merge requests iids,
// as the commits of their source branches do.
func (s *Server) MapCommit(fullName, sha string, iids ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.project(fullName).commits[sha] = slices.Clone(iids)
}

// AddNote adds a note on its own to merge request iid of fullName as
// author wrote it, and returns the note's id.
func (s *Server) AddNote(fullName string, iid int, author, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.project(fullName).mr(iid)
	if m == nil {
		s.t.Fatalf("gitlabtest: no merge request %s!%d", fullName, iid)
	}
	s.addUser(author)
	n := &Note{ID: s.id(), Author: author, Body: body, Created: s.now(), Updated: s.now()}
	m.discussions = append(m.discussions, &discussion{id: s.discussionID(), individual: true, notes: []*Note{n}})
	return n.ID
}

// ResolveDiscussion resolves discussion id of merge request iid of
// fullName as username does in GitLab's page.
func (s *Server) ResolveDiscussion(fullName string, iid int, id, username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.project(fullName).mr(iid)
	if m == nil {
		s.t.Fatalf("gitlabtest: no merge request %s!%d", fullName, iid)
	}
	d := discussionFor(m, id)
	if d == nil {
		s.t.Fatalf("gitlabtest: no discussion %s on %s!%d", id, fullName, iid)
	}
	s.addUser(username)
	for _, n := range d.notes {
		n.Resolved, n.ResolvedBy, n.Updated = true, username, s.now()
	}
}

// discussionID is a new discussion's id: 40 hex digits, as GitLab's. s.mu
// is held.
func (s *Server) discussionID() string {
	return fmt.Sprintf("%040x", 0xd15c0000+s.id())
}
