package server_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

// postReceive moves refs/pull/<n>/head with its branch, as GitHub does:
// dip-pulls/<n> names pull request n's branch.
const postReceive = `#!/bin/sh
while read old new ref; do
  case "$new" in 0000000000000000000000000000000000000000) continue;; esac
  for f in dip-pulls/*; do
    [ -f "$f" ] || continue
    if [ "refs/heads/$(cat "$f")" = "$ref" ]; then
      git update-ref "refs/pull/${f##*/}/head" "$new"
    fi
  done
done
`

// githubBot is the fake GitHub of githubForge whose pull requests follow
// their branches, as GitHub's do.
type githubBot struct {
	githubForge
	client *github.Client
}

func newGitHubBot(t testing.TB, clock *testClock, migrations string) botForge {
	t.Helper()
	r := newRemote(t)
	hook := filepath.Join(r.bare, "hooks", "post-receive")
	if err := os.WriteFile(hook, []byte(postReceive), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(r.bare, "dip-pulls"), 0o755); err != nil {
		t.Fatal(err)
	}
	full := owner + "/" + repoName
	var gh *githubtest.Server
	gh = githubtest.New(t,
		githubtest.WithHandler("/"+owner+"/"+repoName+".git/", r.handler()),
		githubtest.WithClock(clock.now),
		githubtest.WithRefs(func(_, branch string) (string, bool) {
			out, err := exec.Command("git", "-C", r.bare, "rev-parse", "-q", "--verify", "refs/heads/"+branch).Output()
			return strings.TrimSpace(string(out)), err == nil
		}),
		githubtest.OnPullRequest(func(_ string, n int, head string) {
			for _, p := range gh.PullRequests(full) {
				if p.Number == n {
					os.WriteFile(filepath.Join(r.bare, "dip-pulls", strconv.Itoa(n)), []byte(p.HeadRef), 0o644)
				}
			}
			r.pull(n, head)
		}),
	)
	repo := gh.AddRepo(vcs.Repo{Owner: owner, Name: repoName})
	r.seed("../../platform-repo-template")
	main := seedV1(t, r, migrations)
	client, err := github.New(github.Config{AppID: gh.AppID(), PrivateKey: gh.PrivateKey(), APIURL: gh.URL() + "/", HTTPClient: gh.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return githubBot{githubForge{&env{t: t, gh: gh, remote: r, repo: repo, main: main}}, client}
}

func (f githubBot) provider() vcs.Provider { return f.client }
func (f githubBot) repo() vcs.Repo         { return f.e.repo }
func (f githubBot) ref(n int) string       { return "#" + strconv.Itoa(n) }

func (f githubBot) mark() botMark {
	return botMark{requests: len(f.e.gh.Requests()), pushes: f.e.remote.pushes.Load()}
}

// githubWrites names GitHub's write requests in dip's terms.
var githubWrites = map[string]string{
	"POST pulls":                       "open pull",
	"PATCH pulls/N":                    "edit pull",
	"POST pulls/N/requested_reviewers": "ask reviewers",
	"POST issues/N/labels":             "label",
	"POST issues/N/comments":           "comment",
	"POST issues":                      "open issue",
	"PATCH issues/N":                   "edit issue",
}

func (f githubBot) asked(since botMark) calls {
	c := calls{pushes: f.e.remote.pushes.Load() - since.pushes}
	for _, r := range f.e.gh.Requests()[since.requests:] {
		if r.Auth == "app" || strings.HasSuffix(r.Path, "/access_tokens") {
			continue // the App's token, not the bot's work
		}
		if r.Method == http.MethodGet {
			c.reads = append(c.reads, r.Method+" "+r.Path)
			continue
		}
		c.writes = append(c.writes, writeOp(r.Method, strings.TrimPrefix(r.Path, "/repos/"+owner+"/"+repoName), githubWrites))
	}
	return c
}

func (f githubBot) pulls() []botPull {
	var out []botPull
	for _, p := range f.e.gh.PullRequests(owner + "/" + repoName) {
		b := botPull{number: p.Number, title: p.Title, body: p.Body, head: p.HeadRef, base: p.BaseRef,
			author: p.Author, state: p.State, labels: p.Labels}
		for _, r := range p.Requested {
			if team, ok := strings.CutPrefix(r, "team:"); ok {
				b.reviewers = append(b.reviewers, "@"+owner+"/"+team)
			} else {
				b.reviewers = append(b.reviewers, "@"+r)
			}
		}
		out = append(out, b)
	}
	return out
}

func (f githubBot) closePull(n int) { f.e.gh.ClosePullRequest(owner+"/"+repoName, n) }

func (f githubBot) markMerged(n int, _ string) { f.e.gh.MergePullRequest(owner+"/"+repoName, n) }

func (f githubBot) issues() []botIssue {
	var out []botIssue
	for _, is := range f.e.gh.Issues(owner + "/" + repoName) {
		out = append(out, botIssue{number: is.Number, title: is.Title, body: is.Body, labels: slices.Clone(is.Labels), edits: is.Edits})
	}
	return out
}

func (f githubBot) comments(n int) []string {
	var out []string
	for _, c := range f.e.gh.Comments(owner+"/"+repoName, n) {
		out = append(out, c.Body)
	}
	return out
}

func (f githubBot) closed(d *dip, p botPull, sha, delivery string) int {
	payload := f.e.pullRequestPayload(p.number, p.head, sha, "closed", false)
	payload["sender"] = map[string]any{"login": "a-person"}
	return d.deliver(f.e.t, "pull_request", delivery, payload)
}

func (f githubBot) push(d *dip, before, after, delivery string) int {
	return d.deliver(f.e.t, "push", delivery, f.e.pushPayload(before, after))
}
