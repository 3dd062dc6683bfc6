// Package vcstest holds Fake, an in-memory vcs.Provider that records what
// it is asked and answers what a test set.
package vcstest

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
)

// Method names a vcs.Provider method, for Calls and errors.
type Method string

const (
	MethodCloneAuth             Method = "CloneAuth"
	MethodStartChecks           Method = "StartChecks"
	MethodFinishChecks          Method = "FinishChecks"
	MethodCheckStatuses         Method = "CheckStatuses"
	MethodOpenPullRequests      Method = "OpenPullRequests"
	MethodPullRequest           Method = "PullRequest"
	MethodPullRequestsForCommit Method = "PullRequestsForCommit"
	MethodApprovers             Method = "Approvers"
	MethodCreatePullRequest     Method = "CreatePullRequest"
	MethodEditPullRequest       Method = "EditPullRequest"
	MethodRequestReviewers      Method = "RequestReviewers"
	MethodComment               Method = "Comment"
	MethodFindIssues            Method = "FindIssues"
	MethodCreateIssue           Method = "CreateIssue"
	MethodEditIssue             Method = "EditIssue"
	MethodRepositories          Method = "Repositories"
	MethodIsMember              Method = "IsMember"
)

// Writes are the methods that change something on the host.
var Writes = []Method{
	MethodStartChecks, MethodFinishChecks, MethodCreatePullRequest, MethodEditPullRequest,
	MethodRequestReviewers, MethodComment, MethodCreateIssue, MethodEditIssue,
}

// Call is one call of a method, with the arguments that apply to it.
type Call struct {
	Method Method
	Repo   vcs.Repo
	SHA    string
	// Number is the pull request's or issue's.
	Number int
	// Runs are the check runs StartChecks made, or those FinishChecks
	// was given.
	Runs []vcs.CheckRun
	// Text is a comment's body, a label, or the login IsMember was asked
	// about.
	Text string
	// Reviewers are those RequestReviewers was asked for.
	Reviewers []string
	// Err is what the call returned.
	Err error
}

// CheckRun is a check run as it stands after every call so far.
type CheckRun struct {
	ID   int64
	Repo vcs.Repo
	SHA  string
	// Run is the latest state: each field set by an update replaces the
	// last. Its Annotations are every annotation given, in order, as the
	// host adds them.
	Run vcs.CheckRun
	// Requests are the start and the finish, as received.
	Requests []vcs.CheckRun
}

// Fake is an in-memory vcs.Provider. The zero value is ready; it is safe
// for concurrent use. Pull requests and issues it is asked to make are
// numbered in one sequence per repository, after those set.
type Fake struct {
	mu        sync.Mutex
	calls     []Call
	runs      []*CheckRun
	pulls     map[string][]*vcs.PullRequest
	commits   map[string][]vcs.PullRequest
	approvers map[string][]string
	comments  map[string][]string
	reviewers map[string][]string
	issues    map[string][]*issue
	repos     []vcs.Repo
	members   map[string][]string
	user      string
	password  string
	committer vcs.Signature
	errs      map[Method]error
	next      map[Method][]error
}

type issue struct {
	vcs.Issue
	labels []string
}

var _ vcs.Provider = (*Fake)(nil)

// SetOpenPullRequests replaces repo's open pull requests (repo is
// owner/name) with prs; pull requests in another state stay.
func (f *Fake) SetOpenPullRequests(repo string, prs ...vcs.PullRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := slices.DeleteFunc(slices.Clone(f.pulls[repo]), func(p *vcs.PullRequest) bool { return isOpen(*p) })
	for _, pr := range prs {
		pr.State = cmp.Or(pr.State, vcs.StateOpen)
		kept = append(kept, clonePull(pr))
	}
	f.pulls = set(f.pulls, repo, kept)
}

// SetPullRequestState sets the state of pull request number of repo, as
// a person merging or closing it would.
func (f *Fake) SetPullRequestState(repo string, number int, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.pull(repo, number); p != nil {
		p.State = state
	}
}

// DeletePullRequest deletes pull request number of repo, as a GitLab
// project's owner may delete a merge request: from then on it is not
// found.
func (f *Fake) DeletePullRequest(repo string, number int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pulls[repo] = slices.DeleteFunc(f.pulls[repo], func(p *vcs.PullRequest) bool { return p.Number == number })
}

// PullRequests lists every pull request of repo, in any state, by number.
func (f *Fake) PullRequests(repo string) []vcs.PullRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []vcs.PullRequest
	for _, p := range f.pulls[repo] {
		out = append(out, *clonePull(*p))
	}
	slices.SortFunc(out, func(a, b vcs.PullRequest) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

// Comments lists the comments made on pull request number of repo.
func (f *Fake) Comments(repo string, number int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.comments[fmt.Sprintf("%s#%d", repo, number)])
}

// Reviewers lists the reviewers requested on pull request number of repo.
func (f *Fake) Reviewers(repo string, number int) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reviewers[fmt.Sprintf("%s#%d", repo, number)])
}

// Issues lists repo's issues, by number.
func (f *Fake) Issues(repo string) []vcs.Issue {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []vcs.Issue
	for _, is := range f.issues[repo] {
		out = append(out, is.Issue)
	}
	return out
}

// MapCommit makes sha of repo belong to the merged pull requests prs.
func (f *Fake) MapCommit(repo, sha string, prs ...vcs.PullRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commits = set(f.commits, repo+"@"+sha, slices.Clone(prs))
}

// SetApprovers sets who approved pull request number of repo.
func (f *Fake) SetApprovers(repo string, number int, logins ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.approvers = set(f.approvers, fmt.Sprintf("%s#%d", repo, number), slices.Clone(logins))
}

// SetRepositories sets the repositories the app may act on.
func (f *Fake) SetRepositories(repos ...vcs.Repo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.repos = slices.Clone(repos)
}

// SetMembers sets the logins that belong to repo (owner/name); IsMember
// says no to any other.
func (f *Fake) SetMembers(repo string, logins ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members = set(f.members, repo, slices.Clone(logins))
}

// DefaultCommitter is the Fake's Committer unless SetCommitter changed it.
var DefaultCommitter = vcs.Signature{Name: "dip", Email: "dip@vcstest.invalid"}

// SetCommitter sets what Committer answers.
func (f *Fake) SetCommitter(sig vcs.Signature) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.committer = sig
}

// SetCloneAuth sets what CloneAuth returns; x-access-token and
// fake-token unless set.
func (f *Fake) SetCloneAuth(user, password string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user, f.password = user, password
}

// SetError makes every call of m fail with err from now on; nil ends it.
func (f *Fake) SetError(m Method, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = set(f.errs, m, err)
}

// FailNext makes the next calls of m fail with errs, one call each,
// before any error SetError set.
func (f *Fake) FailNext(m Method, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = set(f.next, m, append(f.next[m], errs...))
}

func set[K comparable, V any](m map[K]V, k K, v V) map[K]V {
	if m == nil {
		m = make(map[K]V)
	}
	m[k] = v
	return m
}

// fail returns the error the next call of m gets, if any. f.mu is held.
func (f *Fake) fail(m Method) error {
	if errs := f.next[m]; len(errs) > 0 {
		f.next[m] = errs[1:]
		return errs[0]
	}
	return f.errs[m]
}

// record notes a call and returns its error. f.mu is held.
func (f *Fake) record(c Call) error {
	c.Err = f.fail(c.Method)
	c.Runs = cloneRuns(c.Runs)
	c.Reviewers = slices.Clone(c.Reviewers)
	f.calls = append(f.calls, c)
	return c.Err
}

func cloneRun(r vcs.CheckRun) vcs.CheckRun {
	r.Annotations = slices.Clone(r.Annotations)
	return r
}

func cloneRuns(rs []vcs.CheckRun) []vcs.CheckRun {
	if rs == nil {
		return nil
	}
	out := make([]vcs.CheckRun, len(rs))
	for i, r := range rs {
		out[i] = cloneRun(r)
	}
	return out
}

func clonePull(p vcs.PullRequest) *vcs.PullRequest {
	p.Labels = slices.Clone(p.Labels)
	return &p
}

func isOpen(p vcs.PullRequest) bool { return p.State == "" || p.State == vcs.StateOpen }

// pull returns pull request number of repo, or nil. f.mu is held.
func (f *Fake) pull(repo string, number int) *vcs.PullRequest {
	for _, p := range f.pulls[repo] {
		if p.Number == number {
			return p
		}
	}
	return nil
}

// Calls lists every call so far, in order.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Clone(f.calls)
	for i := range out {
		out[i].Runs = cloneRuns(out[i].Runs)
		out[i].Reviewers = slices.Clone(out[i].Reviewers)
	}
	return out
}

// WriteCalls lists the calls so far that change something on the host.
func (f *Fake) WriteCalls() []Call {
	return slices.DeleteFunc(f.Calls(), func(c Call) bool { return !slices.Contains(Writes, c.Method) })
}

// CallsOf lists the calls of m so far, in order.
func (f *Fake) CallsOf(m Method) []Call {
	return slices.DeleteFunc(f.Calls(), func(c Call) bool { return c.Method != m })
}

// CheckRunsMade lists every check run made, in order.
func (f *Fake) CheckRunsMade() []CheckRun {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]CheckRun, len(f.runs))
	for i, r := range f.runs {
		out[i] = CheckRun{ID: r.ID, Repo: r.Repo, SHA: r.SHA, Run: cloneRun(r.Run)}
		for _, req := range r.Requests {
			out[i].Requests = append(out[i].Requests, cloneRun(req))
		}
	}
	return out
}

// CheckRun returns check run id.
func (f *Fake) CheckRun(id int64) (CheckRun, bool) {
	for _, r := range f.CheckRunsMade() {
		if r.ID == id {
			return r, true
		}
	}
	return CheckRun{}, false
}

// LatestCheckRun returns the last check run called name made on sha of
// repo (owner/name).
func (f *Fake) LatestCheckRun(repo, sha, name string) (CheckRun, bool) {
	runs := f.CheckRunsMade()
	for i := len(runs) - 1; i >= 0; i-- {
		if r := runs[i]; r.Repo.FullName() == repo && r.SHA == sha && r.Run.Name == name {
			return r, true
		}
	}
	return CheckRun{}, false
}

// Annotations is every annotation of check run id, in order.
func (f *Fake) Annotations(id int64) []checks.Annotation {
	r, _ := f.CheckRun(id)
	return r.Run.Annotations
}
