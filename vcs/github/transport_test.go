package github_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dipdev/dip/checks"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/github"
	"github.com/dipdev/dip/vcs/internal/retry/retrytest"
)

func TestPatchRetriedOnGatewayErrors(t *testing.T) {
	e := setup(t)
	id, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusInProgress})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(http.MethodPatch, "/repos/acme/platform/check-runs/", http.StatusBadGateway, 2)
	err = e.c.UpdateCheckRun(t.Context(), e.repo, id, vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusCompleted, Conclusion: checks.Success, Title: "ok", Summary: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.srv.CountRequests(http.MethodPatch, "/repos/"); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if run, _ := e.srv.CheckRun(id); run.Conclusion != "success" {
		t.Errorf("conclusion %q", run.Conclusion)
	}
	slept := e.clock.Slept()
	if len(slept) != 2 {
		t.Fatalf("slept %v, want two backoffs", slept)
	}
	if slept[0] < 250*time.Millisecond || slept[0] > 500*time.Millisecond || slept[1] < 500*time.Millisecond || slept[1] > time.Second {
		t.Errorf("backoffs %v, want 250-500ms then 500ms-1s", slept)
	}
}

func TestRetriesAreBounded(t *testing.T) {
	e := setup(t)
	e.srv.FailNext(http.MethodGet, "/repos/acme/platform/pulls", http.StatusInternalServerError, 10)
	_, err := e.c.OpenPullRequests(t.Context(), e.repo)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("err = %v, want a 500", err)
	}
	if n := e.srv.CountRequests(http.MethodGet, "/repos/acme/platform/pulls"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
}

func TestPatchNotRetriedOn500(t *testing.T) {
	e := setup(t)
	id, _ := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate})
	e.srv.FailNext(http.MethodPatch, "/repos/", http.StatusInternalServerError, 1)
	if err := e.c.UpdateCheckRun(t.Context(), e.repo, id, vcs.CheckRun{Name: checks.Validate, Status: vcs.StatusInProgress}); err == nil {
		t.Fatal("no error")
	}
	if n := e.srv.CountRequests(http.MethodPatch, "/repos/"); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}

func TestSecondaryRateLimit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter time.Duration
		want       time.Duration
	}{
		{"retry after", 30 * time.Second, 30 * time.Second},
		{"no retry after", -1, time.Minute},
		{"retry after capped", 2 * time.Hour, 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			e.srv.SecondaryRateLimit(1, tc.retryAfter)
			if _, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate}); err != nil {
				t.Fatal(err)
			}
			if slept := e.clock.Slept(); len(slept) != 1 || slept[0] != tc.want {
				t.Errorf("slept %v, want [%v]", slept, tc.want)
			}
			if runs := e.srv.CheckRuns(); len(runs) != 1 {
				t.Errorf("%d check runs, want 1", len(runs))
			}
		})
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	e := setup(t)
	reset := e.clock.Now().Add(10 * time.Minute)
	e.srv.SetRateLimit(1, reset)
	if _, err := e.c.OpenPullRequests(t.Context(), e.repo); err != nil {
		t.Fatal(err)
	}
	if slept := e.clock.Slept(); len(slept) != 0 {
		t.Fatalf("slept %v before the limit ran out", slept)
	}
	// None left: the next request waits for the reset, then goes.
	if _, err := e.c.OpenPullRequests(t.Context(), e.repo); err != nil {
		t.Fatal(err)
	}
	if slept := e.clock.Slept(); len(slept) != 1 || slept[0] != 10*time.Minute+time.Second {
		t.Errorf("slept %v, want [10m1s]", slept)
	}
	if n := e.srv.CountRequests(http.MethodGet, "/repos/"); n != 2 {
		t.Errorf("%d requests, want 2: none refused", n)
	}
	if got := metric(t, e, "dip_github_rate_limit_remaining", "1"); got != 4999 {
		t.Errorf("rate limit gauge %v, want 4999", got)
	}
}

func TestPrimaryRateLimitRefused(t *testing.T) {
	e := setup(t)
	e.srv.SetRateLimit(0, e.clock.Now().Add(5*time.Minute))
	if _, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate}); err != nil {
		t.Fatal(err)
	}
	if slept := e.clock.Slept(); len(slept) != 1 || slept[0] != 5*time.Minute+time.Second {
		t.Errorf("slept %v, want [5m1s]", slept)
	}
	if n := e.srv.CountRequests(http.MethodPost, "/repos/"); n != 2 {
		t.Errorf("%d creates, want 2: refused, then made", n)
	}
}

func TestWaitCancelled(t *testing.T) {
	e := setup(t)
	c, err := github.New(github.Config{AppID: e.srv.AppID(), PrivateKey: e.srv.PrivateKey(), APIURL: e.srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SecondaryRateLimit(1, time.Minute)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = c.OpenPullRequests(ctx, e.repo)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestWaitPastDeadline(t *testing.T) {
	e := setup(t)
	c, err := github.New(github.Config{AppID: e.srv.AppID(), PrivateKey: e.srv.PrivateKey(), APIURL: e.srv.URL(), Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetRateLimit(1, e.clock.Now().Add(time.Hour))
	if _, err := c.OpenPullRequests(t.Context(), e.repo); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
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

func TestTokenRequestRetried(t *testing.T) {
	e := setup(t)
	e.srv.FailNext(http.MethodPost, "/app/installations/", http.StatusBadGateway, 1)
	if _, err := e.c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.CountRequests(http.MethodPost, "/app/installations/"); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	if n := e.srv.CountRequests(http.MethodPost, "/repos/"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// flaky fails the first requests to the repository API it carries whose
// method is method with err, without sending them.
type flaky struct {
	next   http.RoundTripper
	method string
	err    error
	n      atomic.Int32
}

func (f *flaky) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == f.method && strings.HasPrefix(req.URL.Path, "/repos/") && f.n.Add(-1) >= 0 {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, f.err
	}
	return f.next.RoundTrip(req)
}

func TestNetworkErrors(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name, method string
		err          error
		wantErr      bool
	}{
		{"post not sent", http.MethodPost, dial, false},
		{"post lost", http.MethodPost, io.ErrUnexpectedEOF, true},
		{"get lost", http.MethodGet, io.ErrUnexpectedEOF, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t)
			tr := &flaky{next: e.srv.Client().Transport, method: tc.method, err: tc.err}
			tr.n.Store(1)
			c, err := github.New(github.Config{AppID: e.srv.AppID(), PrivateKey: e.srv.PrivateKey(), APIURL: e.srv.URL(),
				HTTPClient: &http.Client{Transport: tr}, Sleep: e.clock.Sleep})
			if err != nil {
				t.Fatal(err)
			}
			if tc.method == http.MethodPost {
				_, err = c.CreateCheckRun(t.Context(), e.repo, "abc", vcs.CheckRun{Name: checks.Validate})
			} else {
				_, err = c.OpenPullRequests(t.Context(), e.repo)
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestMetricsAndLogs(t *testing.T) {
	e := setup(t)
	var logs bytes.Buffer
	c, err := github.New(github.Config{AppID: e.srv.AppID(), PrivateKey: e.srv.PrivateKey(), APIURL: e.srv.URL(),
		Registerer: e.reg, Sleep: e.clock.Sleep, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext(http.MethodGet, "/repos/", http.StatusServiceUnavailable, 1)
	e.srv.SecondaryRateLimit(0, 0)
	if _, err := c.OpenPullRequests(t.Context(), e.repo); err != nil {
		t.Fatal(err)
	}
	user, token, err := c.CloneAuth(t.Context(), e.repo)
	if err != nil || user != "x-access-token" || !strings.HasPrefix(token, "ghs_") {
		t.Fatalf("CloneAuth = %q, %q, %v", user, token, err)
	}
	if !strings.Contains(logs.String(), "github request retried") {
		t.Errorf("no retry logged: %s", logs.String())
	}
	for _, secret := range []string{token, "Bearer", "ghs_", "PRIVATE KEY"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs hold %q: %s", secret, logs.String())
		}
	}
	for _, tc := range []struct {
		method, status string
		want           float64
	}{
		{"GET", "200", 1}, {"GET", "503", 1}, {"POST", "201", 1}, {"PATCH", "200", 0},
	} {
		if got := metric(t, e, "dip_github_api_requests_total", tc.method, tc.status); got != tc.want {
			t.Errorf("requests %s %s = %v, want %v", tc.method, tc.status, got, tc.want)
		}
	}
	if got := metric(t, e, "dip_github_rate_limit_remaining", "1"); got != 4999 {
		t.Errorf("rate limit remaining %v, want 4999", got)
	}
}

func metric(t *testing.T, e *env, name string, labels ...string) float64 {
	return retrytest.Metric(t, e.reg, name, labels...)
}
