package github_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/github/githubtest"
	"github.com/dipdev/dip/vcs/internal/retry/retrytest"
)

// env is a fake GitHub with one repository, acme/platform, and a client
// of it whose clock is fake.
type env struct {
	srv   *githubtest.Server
	c     *github.Client
	repo  vcs.Repo
	clock *retrytest.Clock
	reg   *prometheus.Registry
}

func setup(t *testing.T, opts ...githubtest.Option) *env {
	t.Helper()
	clock := retrytest.New()
	srv := githubtest.New(t, append([]githubtest.Option{githubtest.WithClock(clock.Now)}, opts...)...)
	repo := srv.AddRepo(vcs.Repo{Owner: "acme", Name: "platform"})
	e := &env{srv: srv, repo: repo, clock: clock, reg: prometheus.NewRegistry()}
	e.c = e.client(t, srv.PrivateKey())
	return e
}

// client is a client of e's server that signs with key.
func (e *env) client(t *testing.T, key []byte) *github.Client {
	t.Helper()
	c, err := github.New(github.Config{
		AppID:      e.srv.AppID(),
		PrivateKey: key,
		APIURL:     e.srv.URL(),
		HTTPClient: e.srv.Client(),
		Registerer: e.reg,
		Now:        e.clock.Now,
		Sleep:      e.clock.Sleep,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
