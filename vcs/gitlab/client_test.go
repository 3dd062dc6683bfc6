package gitlab_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
	"github.com/dipdev/dip/vcs/internal/retry/retrytest"
)

func TestNewConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  gitlab.Config
		want string
	}{
		{"no token", gitlab.Config{URL: "https://gitlab.example"}, "token"},
		{"not a URL", gitlab.Config{URL: "gitlab.example", Token: "t"}, "not an http or https URL"},
		{"ftp", gitlab.Config{URL: "ftp://gitlab.example", Token: "t"}, "not an http or https URL"},
	} {
		if _, err := gitlab.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one naming %q", tc.name, err, tc.want)
		}
	}
	if _, err := gitlab.New(gitlab.Config{Token: "t"}); err != nil {
		t.Errorf("gitlab.com by default: %v", err)
	}
}

// A self-managed GitLab under a relative URL keeps its path prefix, with
// or without a trailing slash or /api/v4.
func TestPathPrefix(t *testing.T) {
	srv := gitlabtest.New(t, gitlabtest.WithPathPrefix("/gitlab"))
	repo := srv.AddProject(vcs.Repo{Owner: "acme", Name: "platform"})
	for _, u := range []string{srv.URL(), srv.URL() + "/", srv.URL() + "/api/v4", srv.URL() + "/api/v4/"} {
		c, err := gitlab.New(gitlab.Config{URL: u, Token: srv.Token()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.OpenPullRequests(t.Context(), repo); err != nil {
			t.Errorf("URL %s: %v", u, err)
		}
	}
}

func TestCloneAuth(t *testing.T) {
	e := setup(t)
	user, pass, err := e.c.CloneAuth(t.Context(), e.repo)
	if err != nil || user != "oauth2" || pass != e.srv.Token() {
		t.Errorf("CloneAuth = %q, %q, %v", user, pass, err)
	}
	for _, u := range []string{"https://evil.example/acme/infra/platform.git", strings.Replace(e.repo.CloneURL, "http://", "https://", 1), "::"} {
		other := e.repo
		other.CloneURL = u
		if _, pass, err := e.c.CloneAuth(t.Context(), other); err == nil || pass != "" {
			t.Errorf("CloneAuth for %s gave the token", u)
		}
	}
}

func TestRepositories(t *testing.T) {
	e := setup(t, gitlabtest.WithPageSize(2))
	e.srv.AddHook(project, gitlabtest.Hook{URL: "https://dip.example/webhooks/gitlab", MergeRequestsEvents: true})
	other := e.srv.AddProject(vcs.Repo{Owner: "acme", Name: "services"})
	e.srv.AddHook("acme/services", gitlabtest.Hook{URL: "https://ci.example/hook", PushEvents: true})
	e.srv.AddHook("acme/services", gitlabtest.Hook{URL: "https://host.example/dip/webhooks/gitlab/", PushEvents: true})
	e.srv.AddProject(vcs.Repo{Owner: "acme", Name: "unhooked"})
	e.srv.AddProject(vcs.Repo{Owner: "acme", Name: "old"})
	e.srv.AddHook("acme/old", gitlabtest.Hook{URL: "https://dip.example/webhooks/gitlab", PushEvents: true})
	e.srv.ArchiveProject("acme/old")
	e.srv.AddProject(vcs.Repo{Owner: "acme", Name: "muted"})
	e.srv.AddHook("acme/muted", gitlabtest.Hook{URL: "https://dip.example/webhooks/gitlab", NoteEvents: true})

	repos, err := e.c.Repositories(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(repos) != 2 || repos[0] != e.repo || repos[1] != other {
		t.Errorf("repositories %+v, want %+v and %+v", repos, e.repo, other)
	}
}

func TestIsMember(t *testing.T) {
	e := setup(t)
	e.srv.AddMember(project, "alice", gitlabtest.Developer)
	e.srv.AddMember(project, "gus", gitlabtest.Guest)
	e.srv.AddMember(project, "min", 5)
	e.srv.AddUser("mallory")
	for login, want := range map[string]bool{"alice": true, "Alice": true, "gus": true, "min": false, "mallory": false, "nobody": false, "": false, "a/b": false} {
		if got, err := e.c.IsMember(t.Context(), e.repo, login); err != nil || got != want {
			t.Errorf("IsMember(%q) = %v, %v; want %v", login, got, err, want)
		}
	}
	before := e.srv.CountRequests(http.MethodGet, "/users")
	e.c.IsMember(t.Context(), e.repo, "alice")
	if after := e.srv.CountRequests(http.MethodGet, "/users"); after != before {
		t.Error("a user's id is looked up again")
	}
}

func TestThrottled(t *testing.T) {
	e := setup(t)
	e.srv.Throttle(2, 7*time.Second)
	sha := strings.Repeat("a", 40)
	if _, err := e.c.StartChecks(t.Context(), e.repo, target(sha, 0)); err != nil {
		t.Fatal(err)
	}
	if slept := e.clock.Slept(); len(slept) != 2 || slept[0] != 7*time.Second || slept[1] != 7*time.Second {
		t.Errorf("slept %v, want two waits of 7s", slept)
	}
	if got := len(e.srv.LatestStatuses(project, sha)); got != 4 {
		t.Errorf("%d statuses after the throttle, want 4", got)
	}
}

// With no requests left in the window, the next waits for its reset
// instead of being refused.
func TestRateLimitWindow(t *testing.T) {
	e := setup(t)
	e.srv.SetRateLimit(1, e.clock.Now().Add(40*time.Second))
	e.srv.AddMergeRequest(project, mr(1))
	for range 2 {
		if _, err := e.c.PullRequest(t.Context(), e.repo, 1); err != nil {
			t.Fatal(err)
		}
	}
	if slept := e.clock.Slept(); len(slept) != 1 || slept[0] != 41*time.Second {
		t.Errorf("slept %v, want [41s]", slept)
	}
	if n := e.srv.CountRequests(http.MethodGet, "/projects/"); n != 2 {
		t.Errorf("%d requests, want 2: none refused", n)
	}
	if got := metric(t, e, "dip_gitlab_rate_limit_remaining"); got != 1999 {
		t.Errorf("rate limit gauge %v, want 1999", got)
	}
}

func TestRetries(t *testing.T) {
	e := setup(t)
	e.srv.AddMergeRequest(project, mr(1))
	path := fmt.Sprintf("/projects/%d/merge_requests/1", e.repo.ID)
	e.srv.FailNext(http.MethodGet, path, http.StatusInternalServerError, 2)
	if _, err := e.c.PullRequest(t.Context(), e.repo, 1); err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(http.MethodGet, path, http.StatusServiceUnavailable, 10)
	if _, err := e.c.PullRequest(t.Context(), e.repo, 1); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("err = %v, want a 503 after the attempts ran out", err)
	}
	if n := e.srv.CountRequests(http.MethodGet, path); n != 3+4 {
		t.Errorf("%d attempts, want 3 then 4", n)
	}
	// A POST that makes something is not sent again after a 500.
	e.srv.FailNext(http.MethodPost, path+"/notes", http.StatusInternalServerError, 1)
	if err := e.c.Comment(t.Context(), e.repo, 1, "hello"); err == nil {
		t.Error("a 500 on a note: no error")
	}
	if n := e.srv.CountRequests(http.MethodPost, path+"/notes"); n != 1 {
		t.Errorf("%d note attempts, want 1", n)
	}
}

func TestWaitPastDeadline(t *testing.T) {
	e := setup(t)
	c, err := gitlab.New(gitlab.Config{URL: e.srv.URL(), Token: e.srv.Token(), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Throttle(1, time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.OpenPullRequests(ctx, e.repo)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v, want at once", d)
	}
}

func TestMetricsAndLogs(t *testing.T) {
	e := setup(t)
	var logs bytes.Buffer
	c, err := gitlab.New(gitlab.Config{URL: e.srv.URL(), Token: e.srv.Token(), Registerer: e.reg, Sleep: e.clock.Sleep,
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(http.MethodGet, "/projects/", http.StatusBadGateway, 1)
	if _, err := c.OpenPullRequests(t.Context(), e.repo); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartChecks(t.Context(), e.repo, target(strings.Repeat("b", 40), 0)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "gitlab request retried") {
		t.Errorf("no retry logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), e.srv.Token()) {
		t.Errorf("logs hold the token: %s", logs.String())
	}
	for _, tc := range []struct {
		method, status string
		want           float64
	}{
		{"GET", "200", 1}, {"GET", "502", 1}, {"POST", "201", 4},
	} {
		if got := metric(t, e, "dip_gitlab_api_requests_total", tc.method, tc.status); got != tc.want {
			t.Errorf("requests %s %s = %v, want %v", tc.method, tc.status, got, tc.want)
		}
	}
}

func metric(t *testing.T, e *env, name string, labels ...string) float64 {
	return retrytest.Metric(t, e.reg, name, labels...)
}

// dip's commits carry the identity of the GitLab they go to, at its
// noreply domain, whatever the port and path of its URL.
func TestCommitter(t *testing.T) {
	for url, want := range map[string]string{
		"":                                   "dip@noreply.gitlab.com",
		"https://GitLab.Example:8443/gitlab": "dip@noreply.gitlab.example",
	} {
		c, err := gitlab.New(gitlab.Config{URL: url, Token: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Committer(vcs.Repo{Host: vcs.GitLab, Owner: "acme", Name: "platform"}); got != (vcs.Signature{Name: "dip", Email: want}) {
			t.Errorf("%q: committer %+v, want dip <%s>", url, got, want)
		}
	}
}
