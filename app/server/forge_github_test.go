package server_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

// githubForge is the fake GitHub of env.
type githubForge struct{ e *env }

func newGitHubForge(t testing.TB, seed string) forge { return githubForge{newEnvFrom(t, seed)} }

func (githubForge) name() string              { return "github" }
func (f githubForge) env() *env               { return f.e }
func (f githubForge) start(o dipOptions) *dip { return f.e.start(o) }

func (f githubForge) open(d *dip, n int, branch, sha string, fork bool, delivery string) int {
	return d.deliver(f.e.t, "pull_request", delivery, f.e.pullRequest(n, branch, sha, "opened", fork))
}

func (f githubForge) checks(sha string) map[string]checkState {
	out := map[string]checkState{}
	for name, r := range f.e.runsOn(sha) {
		out[name] = checkState{done: r.Status == "completed", conclusion: r.Conclusion, summary: r.Summary}
	}
	return out
}

func (f githubForge) findings(_ int, sha string) []placed {
	var out []placed
	for name, r := range f.e.runsOn(sha) {
		for _, a := range r.Annotations {
			out = append(out, placed{check: name, file: a.Path, line: a.StartLine})
		}
	}
	return out
}

func (f githubForge) merge(d *dip, n int, branch, author string, approvers []string, merge, before, delivery string) int {
	full := owner + "/" + repoName
	pr := vcsPull(n, author, "")
	pr.HeadRef = branch
	f.e.gh.AddPullRequest(full, pr)
	f.e.gh.MergePullRequest(full, n)
	f.e.gh.MapCommitToPulls(full, merge, n)
	var reviews []githubtest.Review
	for _, a := range approvers {
		reviews = append(reviews, githubtest.Review{User: a, State: "APPROVED"})
	}
	f.e.gh.SetReviews(full, n, reviews...)
	return d.deliver(f.e.t, "push", delivery, f.e.pushPayload(before, merge))
}

func (f githubForge) faults(n int) {
	f.e.gh.FailNext(http.MethodPost, "/repos/acme/platform/check-runs", http.StatusBadGateway, n)
	f.e.gh.FailNext(http.MethodPatch, "/repos/acme/platform/check-runs/", http.StatusBadGateway, n)
	f.e.gh.SecondaryRateLimit(n, time.Second)
}

func (f githubForge) checkWrites() int {
	return f.e.gh.CountRequests(http.MethodPost, "/repos/acme/platform/check-runs")
}

func (f githubForge) child() []string {
	return []string{"CHILD_FORGE=github", "CHILD_APP_ID=" + strconv.FormatInt(f.e.gh.AppID(), 10),
		"CHILD_KEY_PEM=" + string(f.e.gh.PrivateKey()), "CHILD_API=" + f.e.gh.URL() + "/"}
}

func (f githubForge) duplicates(_ int, sha string) string {
	seen := map[string]int{}
	for _, r := range f.e.gh.CheckRuns() {
		if r.HeadSHA == sha {
			seen[r.Name]++
		}
	}
	for name, n := range seen {
		if n > 1 {
			return fmt.Sprintf("%d check runs %s", n, name)
		}
	}
	return ""
}

func (githubForge) committer() string { return "dip <" + github.Committer.Email + ">" }

func (f githubForge) refuseNextStart() {
	f.e.gh.FailNext(http.MethodPost, "/repos/acme/platform/check-runs", http.StatusUnprocessableEntity, 1)
}
