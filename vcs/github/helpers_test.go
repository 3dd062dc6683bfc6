package github_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/github/githubtest"
)

// fakeClock is a clock whose sleeps return at once, move it on and are
// recorded.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// env is a fake GitHub with one repository, acme/platform, and a client
// of it whose clock is fake.
type env struct {
	srv   *githubtest.Server
	c     *github.Client
	repo  vcs.Repo
	clock *fakeClock
	reg   *prometheus.Registry
}

func setup(t *testing.T, opts ...githubtest.Option) *env {
	t.Helper()
	clock := newFakeClock()
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
