package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
)

// gitlabBot is the fake GitLab of gitlabForge, with the template's one
// user owner, jdoe, a member of the project.
type gitlabBot struct {
	gitlabForge
	client *gitlab.Client
}

func newGitLabBot(t testing.TB, clock *testClock, migrations string) botForge {
	t.Helper()
	f := newGitLab(t, "../../platform-repo-template", gitlabtest.WithClock(clock.now))
	f.e.main = seedV1(t, f.e.remote, migrations)
	f.gl.AddMember(owner+"/"+repoName, "jdoe", gitlabtest.Developer)
	client, err := gitlab.New(gitlab.Config{URL: f.gl.URL(), Token: f.gl.Token(), HTTPClient: f.gl.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return gitlabBot{f, client}
}

func (f gitlabBot) provider() vcs.Provider { return f.client }
func (f gitlabBot) repo() vcs.Repo         { return f.project }
func (f gitlabBot) ref(n int) string       { return "!" + strconv.Itoa(n) }

func (f gitlabBot) mark() botMark {
	return botMark{requests: len(f.gl.Requests()), pushes: int64(f.gl.Pushes(owner + "/" + repoName))}
}

// gitlabWrites names GitLab's write requests in dip's terms.
var gitlabWrites = map[string]string{
	"POST merge_requests":         "open pull",
	"PUT merge_requests/N":        "edit pull",
	"POST merge_requests/N/notes": "comment",
	"POST issues":                 "open issue",
	"PUT issues/N":                "edit issue",
}

func (f gitlabBot) asked(since botMark) calls {
	c := calls{pushes: int64(f.gl.Pushes(owner+"/"+repoName)) - since.pushes}
	project := fmt.Sprintf("/api/v4/projects/%d", f.project.ID)
	for _, r := range f.gl.Requests()[since.requests:] {
		if !strings.Contains(r.Path, "/api/v4/") {
			continue // git
		}
		if r.Method == http.MethodGet {
			c.reads = append(c.reads, r.Method+" "+r.Path)
			continue
		}
		_, below, ok := strings.Cut(r.Path, project)
		if !ok {
			below = r.Path
		}
		c.writes = append(c.writes, writeOp(r.Method, below, gitlabWrites))
	}
	return c
}

// gitlabStates are GitLab's merge request states in dip's terms.
var gitlabStates = map[string]string{"opened": vcs.StateOpen, "closed": vcs.StateClosed, "merged": vcs.StateMerged}

func (f gitlabBot) pulls() []botPull {
	var out []botPull
	for _, m := range f.gl.MergeRequests(owner + "/" + repoName) {
		b := botPull{number: m.IID, title: m.Title, body: m.Description, head: m.SourceBranch, base: m.TargetBranch,
			author: m.Author, state: gitlabStates[m.State], labels: m.Labels}
		for _, r := range m.Reviewers {
			b.reviewers = append(b.reviewers, "@"+r)
		}
		out = append(out, b)
	}
	return out
}

func (f gitlabBot) closePull(n int) { f.gl.CloseMergeRequest(owner+"/"+repoName, n) }

func (f gitlabBot) markMerged(n int, sha string) { f.gl.MergeMergeRequest(owner+"/"+repoName, n, sha) }

func (f gitlabBot) issues() []botIssue {
	var out []botIssue
	for _, is := range f.gl.Issues(owner + "/" + repoName) {
		out = append(out, botIssue{number: is.IID, title: is.Title, body: is.Description, labels: slices.Clone(is.Labels), edits: is.Edits})
	}
	return out
}

// comments are the notes on their own of merge request n; system notes
// and threads are not comments.
func (f gitlabBot) comments(n int) []string {
	var out []string
	for _, d := range f.gl.Discussions(owner+"/"+repoName, n) {
		if d.IndividualNote && !d.Notes[0].System {
			out = append(out, d.Notes[0].Body)
		}
	}
	return out
}

func (f gitlabBot) closed(d *dip, p botPull, sha, delivery string) int {
	hook := f.mergeRequestHook(p.number, p.head, sha, "close", false)
	hook["object_attributes"].(map[string]any)["state"] = "closed"
	return deliverGitLab(f.e.t, d, "Merge Request Hook", delivery, hook)
}

func (f gitlabBot) push(d *dip, before, after, delivery string) int {
	return deliverGitLab(f.e.t, d, "Push Hook", delivery, f.pushHook(before, after))
}
