// Package retry is the part of the code hosts' HTTP transports that does
// not depend on the host: a Limiter that keeps one identity's requests
// within its rate limits and retries what its Judge says is safe to
// retry, with a bounded number of attempts and exponential backoff, and
// the helpers a Judge needs.
package retry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const (
	// MaxAttempts bounds the attempts of one request, whatever made it
	// retry: a rate limit, a 5xx or a network error.
	MaxAttempts = 4
	// backoffBase doubles with each attempt up to backoffMax; half of each
	// wait is random.
	backoffBase = 500 * time.Millisecond
	backoffMax  = 8 * time.Second
	// MaxErrorBody is how much of an error response is read to tell one
	// refusal from another, or drained to reuse the connection.
	MaxErrorBody = 64 << 10
)

// Clock is the time a client reads and the way it waits.
type Clock struct {
	Now func() time.Time
	// Sleep waits d, or returns ctx's error when ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewClock is the real clock, with now and sleep instead where not nil.
func NewClock(now func() time.Time, sleep func(context.Context, time.Duration) error) Clock {
	c := Clock{Now: time.Now, Sleep: Sleep}
	if now != nil {
		c.Now = now
	}
	if sleep != nil {
		c.Sleep = sleep
	}
	return c
}

// Sleep waits d or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is the wait after failed attempt number attempt (from 1):
// exponential, half random.
func Backoff(attempt int) time.Duration {
	d := min(backoffBase<<(attempt-1), backoffMax)
	return d/2 + rand.N(d/2+1)
}

// Judge reads the outcome of one attempt of req and returns why to retry
// (empty: do not) and how long to wait first, beyond a hold the Judge put
// on the Limiter. It may read resp's body if it leaves it readable.
type Judge func(req *http.Request, resp *http.Response, err error, attempt int) (wait time.Duration, why string)

// Limiter is the http.RoundTripper of one identity at a host (a GitHub
// App installation, a GitLab token). It waits out a hold (a rate limit)
// before sending, and retries what Judge says to retry, at most
// MaxAttempts times, rewinding the body.
type Limiter struct {
	Next  http.RoundTripper
	Clock Clock
	Log   *slog.Logger
	// Host names the host in log messages ("github", "gitlab").
	Host  string
	Judge Judge

	mu sync.Mutex
	// until is when the identity may send again after a rate limit.
	until time.Time
}

func (l *Limiter) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		if err := l.waitTurn(ctx, req); err != nil {
			closeBody(req)
			return nil, err
		}
		r, err := attemptRequest(req, attempt)
		if err != nil {
			return nil, err
		}
		resp, err := l.Next.RoundTrip(r)
		wait, why := l.Judge(req, resp, err, attempt)
		if why == "" || attempt == MaxAttempts || !rewindable(req) {
			return resp, err
		}
		if resp != nil {
			Discard(resp)
		}
		l.Log.WarnContext(ctx, l.Host+" request retried", "method", req.Method, "path", req.URL.Path,
			"reason", why, "attempt", attempt, "wait", wait)
		if wait > 0 {
			if err := l.Clock.Sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
	}
}

// waitTurn waits until the identity may send again after a rate limit. A
// wait that would outlast ctx's deadline fails at once.
func (l *Limiter) waitTurn(ctx context.Context, req *http.Request) error {
	l.mu.Lock()
	d := l.until.Sub(l.Clock.Now())
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("%s rate limit: wait of %s outlasts the deadline: %w", l.Host, d, context.DeadlineExceeded)
	}
	l.Log.WarnContext(ctx, l.Host+" rate limit, waiting", "method", req.Method, "path", req.URL.Path, "wait", d)
	if err := l.Clock.Sleep(ctx, d); err != nil {
		return fmt.Errorf("%s rate limit: %w", l.Host, err)
	}
	return nil
}

// Block stops the identity's requests for d.
func (l *Limiter) Block(d time.Duration) { l.HoldUntil(l.Clock.Now().Add(d)) }

// HoldUntil stops the identity's requests until t, or later if they are
// stopped longer already.
func (l *Limiter) HoldUntil(t time.Time) {
	l.mu.Lock()
	if t.After(l.until) {
		l.until = t
	}
	l.mu.Unlock()
}

// RetryAfter reads a Retry-After header, in seconds or as a date; one that
// is neither counts as fallback.
func RetryAfter(resp *http.Response, now time.Time, fallback time.Duration) (time.Duration, bool) {
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(s)*time.Second, 0), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return fallback, true
}

// Idempotent methods may be sent twice with the effect of once.
func Idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// Gateway reports whether code is a gateway's error (502, 503, 504), which
// most likely means the request never reached the host's application.
func Gateway(code int) bool {
	switch code {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// rewindable reports whether req's body can be sent again.
func rewindable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// attemptRequest is req for the first attempt, a copy with a fresh body
// for the others.
func attemptRequest(req *http.Request, attempt int) (*http.Request, error) {
	if attempt == 1 {
		return req, nil
	}
	r := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("rewind request body: %w", err)
		}
		r.Body = body
	}
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// Discard reads what is left of a response so that its connection can be
// reused, and closes it.
func Discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorBody))
	resp.Body.Close()
}

// Metered counts every request that leaves for the host, retries and
// token requests included, by method and status (error when none came).
type Metered struct {
	Next     http.RoundTripper
	Requests *prometheus.CounterVec
}

func (m Metered) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.Next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	m.Requests.WithLabelValues(strings.ToUpper(req.Method), status).Inc()
	return resp, err
}
