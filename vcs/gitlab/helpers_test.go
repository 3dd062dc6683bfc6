package gitlab_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
	"github.com/dipdev/dip/vcs/internal/retry/retrytest"
)

const project = "acme/infra/platform"

// env is a fake GitLab with one project, acme/infra/platform, and a
// client of it whose clock is fake.
type env struct {
	srv   *gitlabtest.Server
	c     *gitlab.Client
	repo  vcs.Repo
	clock *retrytest.Clock
	reg   *prometheus.Registry
}

func setup(t *testing.T, opts ...gitlabtest.Option) *env {
	t.Helper()
	clock := retrytest.New()
	srv := gitlabtest.New(t, append([]gitlabtest.Option{gitlabtest.WithClock(clock.Now)}, opts...)...)
	e := &env{srv: srv, repo: srv.AddProject(vcs.Repo{Owner: "acme/infra", Name: "platform"}), clock: clock, reg: prometheus.NewRegistry()}
	e.c = e.client(t)
	return e
}

func (e *env) client(t *testing.T) *gitlab.Client {
	t.Helper()
	c, err := gitlab.New(gitlab.Config{
		URL: e.srv.URL(), Token: e.srv.Token(), HTTPClient: e.srv.Client(), Registerer: e.reg,
		Now: e.clock.Now, Sleep: e.clock.Sleep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// served gives e's project a real repository: main with a request of 20
// lines, and branch change that alters its line 4, adds line 21 and adds
// another request; the diff shows lines 1-7 and 18-21. It opens merge
// request 1 from change and returns the head.
func (e *env) served(t *testing.T) (*gitlabtest.Repo, string) {
	t.Helper()
	r := gitlabtest.NewRepo(t)
	var lines []string
	for i := 1; i <= 20; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	r.Commit("main", "Start", map[string]string{"requests/a.yaml": strings.Join(lines, "\n") + "\n"})
	lines[3] = "LINE 4"
	head := r.Commit("change", "Change", map[string]string{
		"requests/a.yaml": strings.Join(append(lines, "line 21"), "\n") + "\n",
		"requests/b.yaml": "new\n",
	})
	e.srv.ServeGit(project, r.Bare)
	e.srv.AddMergeRequest(project, gitlabtest.MergeRequest{IID: 1, Author: "alice", SourceBranch: "change", Title: "Change"})
	return r, head
}
