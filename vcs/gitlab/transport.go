package gitlab

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/internal/promreg"
	"github.com/dipdev/dip/vcs/internal/retry"
)

// The rate-limit policy; retry.MaxAttempts bounds the attempts.
const (
	// A 429 without Retry-After or RateLimit-Reset waits out GitLab's
	// one-minute window; a longer wait than maxThrottleWait is cut to it.
	defaultThrottleWait = time.Minute
	maxThrottleWait     = 10 * time.Minute
	// resetSkew covers clocks that disagree with GitLab's by a little.
	resetSkew = time.Second
)

// safeKey marks a request's context: the POST may be sent again after a
// gateway error, its repetition being harmless.
type safeKey struct{}

// repeatable marks ctx's POSTs as safe to send again after a gateway
// error (502, 503, 504), as a commit status is: GitLab's state machine
// refuses a repeated state, or adds one more status of the same state.
func repeatable(ctx context.Context) context.Context { return context.WithValue(ctx, safeKey{}, true) }

// limiter keeps the token's requests within GitLab's rate limit: it waits
// for the window to reset when RateLimit-Remaining reaches 0, waits out a
// 429 by its Retry-After and sends the request again, and retries a 5xx
// of a request that is safe to send twice.
type limiter struct {
	*retry.Limiter
	remaining prometheus.Gauge
}

func newLimiter(next http.RoundTripper, clock retry.Clock, log *slog.Logger, remaining prometheus.Gauge) *limiter {
	l := &limiter{remaining: remaining}
	l.Limiter = &retry.Limiter{Next: next, Clock: clock, Log: log, Host: "gitlab", Judge: l.judge}
	return l
}

func (l *limiter) judge(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string) {
	if err != nil {
		if req.Context().Err() != nil {
			return 0, ""
		}
		var op *net.OpError
		if retry.Idempotent(req.Method) || (errors.As(err, &op) && op.Op == "dial") {
			return retry.Backoff(attempt), "network"
		}
		return 0, ""
	}
	if n, err := strconv.Atoi(resp.Header.Get("RateLimit-Remaining")); err == nil {
		l.remaining.Set(float64(n))
		if n == 0 {
			l.holdForReset(resp)
		}
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		// A throttled request was refused before it was worked: any
		// method may go again.
		if ra, ok := retry.RetryAfter(resp, l.Clock.Now(), defaultThrottleWait); ok {
			l.Block(min(ra, maxThrottleWait))
		} else if !l.holdForReset(resp) {
			l.Block(defaultThrottleWait)
		}
		return 0, "rate limited"
	case code >= 500 && statusRetryable(req, code):
		return retry.Backoff(attempt), strconv.Itoa(code)
	}
	return 0, ""
}

// holdForReset stops requests until the RateLimit-Reset resp names, at
// most maxThrottleWait from now, and reports whether it named one.
func (l *limiter) holdForReset(resp *http.Response) bool {
	reset, err := strconv.ParseInt(resp.Header.Get("RateLimit-Reset"), 10, 64)
	if err != nil {
		return false
	}
	until := time.Unix(reset, 0).Add(resetSkew)
	if bound := l.Clock.Now().Add(maxThrottleWait); until.After(bound) {
		until = bound
	}
	l.HoldUntil(until)
	return true
}

// statusRetryable reports whether a 5xx may be retried: any of 500, 502,
// 503 and 504 for idempotent requests (GET, PUT, DELETE), only the
// gateway errors for a POST marked repeatable, and never for other POSTs,
// which make notes, discussions, merge requests and issues: their callers
// look for what a lost answer may have made before making it again.
func statusRetryable(req *http.Request, code int) bool {
	switch {
	case retry.Idempotent(req.Method):
		return code == http.StatusInternalServerError || retry.Gateway(code)
	case req.Method == http.MethodPost && req.Context().Value(safeKey{}) != nil:
		return retry.Gateway(code)
	}
	return false
}

// newMetrics makes the client's metrics and registers them with reg, or
// takes those a client before registered there.
func newMetrics(reg prometheus.Registerer) (*prometheus.CounterVec, prometheus.Gauge, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dip_gitlab_api_requests_total",
		Help: "Requests sent to the GitLab API, retries included, by method and status code (error when none came).",
	}, []string{"method", "status"})
	remaining := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "dip_gitlab_rate_limit_remaining",
		Help: "Requests left in the current rate-limit window of the GitLab token, as GitLab last reported (RateLimit-Remaining).",
	})
	if reg == nil {
		return requests, remaining, nil
	}
	var err error
	if requests, err = promreg.Register(reg, requests); err != nil {
		return nil, nil, err
	}
	if remaining, err = promreg.Register(reg, remaining); err != nil {
		return nil, nil, err
	}
	return requests, remaining, nil
}
