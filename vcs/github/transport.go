package github

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// The retry and rate-limit policy of every request.
const (
	// maxAttempts bounds the attempts of one request, whatever made it
	// retry: a rate limit, a 5xx or a network error.
	maxAttempts = 4
	// backoffBase doubles with each attempt up to backoffMax; half of each
	// wait is random.
	backoffBase = 500 * time.Millisecond
	backoffMax  = 8 * time.Second
	// A secondary rate limit without Retry-After waits a minute, as GitHub
	// asks; a Retry-After longer than maxSecondaryWait is cut to it.
	defaultSecondaryWait = time.Minute
	maxSecondaryWait     = 10 * time.Minute
	// The primary limit resets within the hour; resetSkew covers clocks
	// that disagree with GitHub's by a little.
	maxPrimaryWait = time.Hour + time.Minute
	resetSkew      = time.Second
	// maxErrorBody is how much of an error response is read to tell a
	// secondary rate limit from a refusal.
	maxErrorBody = 64 << 10
)

// clock is the time the client reads and the way it waits.
type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// limiter is the http.RoundTripper of one identity, the App or one of its
// installations. GitHub counts rate limits per identity, so a limiter
// keeps the identity's requests within them: it waits for a primary limit
// to reset before sending, waits out a secondary limit, and retries what
// is safe to retry. It sits above the authenticating transport, so each
// attempt carries a fresh token.
type limiter struct {
	next      http.RoundTripper
	clock     clock
	log       *slog.Logger
	remaining prometheus.Gauge

	mu sync.Mutex
	// until is when the identity may send again after a rate limit.
	until time.Time
}

func (l *limiter) RoundTrip(req *http.Request) (*http.Response, error) {
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
		resp, err := l.next.RoundTrip(r)
		wait, why := l.judge(req, resp, err, attempt)
		if why == "" || attempt == maxAttempts || !rewindable(req) {
			return resp, err
		}
		if resp != nil {
			discard(resp)
		}
		l.log.WarnContext(ctx, "github request retried", "method", req.Method, "path", req.URL.Path,
			"reason", why, "attempt", attempt, "wait", wait)
		if wait > 0 {
			if err := l.clock.sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
	}
}

// waitTurn waits until the identity may send again after a rate limit. A
// wait that would outlast ctx's deadline fails at once.
func (l *limiter) waitTurn(ctx context.Context, req *http.Request) error {
	l.mu.Lock()
	d := l.until.Sub(l.clock.now())
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("github rate limit: wait of %s outlasts the deadline: %w", d, context.DeadlineExceeded)
	}
	l.log.WarnContext(ctx, "github rate limit, waiting", "method", req.Method, "path", req.URL.Path, "wait", d)
	if err := l.clock.sleep(ctx, d); err != nil {
		return fmt.Errorf("github rate limit: %w", err)
	}
	return nil
}

// judge reads an attempt's outcome, records what it says of the rate
// limit, and returns why to retry (empty: do not) and how long to wait
// before the next attempt, beyond the rate-limit wait of waitTurn.
func (l *limiter) judge(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string) {
	if err == nil {
		if n, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); err == nil {
			l.remaining.Set(float64(n))
		}
		return l.judgeAnswer(req.Method, resp, attempt)
	}
	if req.Context().Err() != nil {
		return 0, ""
	}
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) && he.Response != nil {
		// The installation token could not be had, so the request was
		// never sent: judge the token request's answer as that of a
		// request safe to send again.
		defer he.Response.Body.Close()
		return l.judgeAnswer(http.MethodGet, he.Response, attempt)
	}
	if errRetryable(req.Method, err) {
		return backoff(attempt), "network"
	}
	return 0, ""
}

// judgeAnswer is judge for an answer to a request with method.
func (l *limiter) judgeAnswer(method string, resp *http.Response, attempt int) (time.Duration, string) {
	l.observe(resp)
	switch code := resp.StatusCode; {
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		if ra, ok := retryAfter(resp, l.clock.now()); ok {
			l.block(min(ra, maxSecondaryWait))
			return 0, "secondary rate limit"
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if _, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err != nil {
				l.block(defaultSecondaryWait)
			}
			return 0, "primary rate limit" // observe set until
		}
		if code == http.StatusTooManyRequests || secondaryMessage(resp) {
			l.block(defaultSecondaryWait)
			return 0, "secondary rate limit"
		}
	case statusRetryable(method, code):
		return backoff(attempt), strconv.Itoa(code)
	}
	return 0, ""
}

// observe records the primary rate limit a response reports: when none is
// left, nothing is sent before the reset.
func (l *limiter) observe(resp *http.Response) {
	if resp.Header.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
	if err != nil {
		return
	}
	now := l.clock.now()
	until := time.Unix(reset, 0).Add(resetSkew)
	if limit := now.Add(maxPrimaryWait); until.After(limit) {
		until = limit
	}
	l.holdUntil(until)
}

// block stops the identity's requests for d.
func (l *limiter) block(d time.Duration) {
	l.holdUntil(l.clock.now().Add(d))
}

// holdUntil stops the identity's requests until t, or later if they are
// stopped longer already.
func (l *limiter) holdUntil(t time.Time) {
	l.mu.Lock()
	if t.After(l.until) {
		l.until = t
	}
	l.mu.Unlock()
}

// retryAfter reads a Retry-After header, in seconds or as a date.
func retryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
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
	return defaultSecondaryWait, true
}

// secondaryMessage reports whether a refusal's body speaks of a secondary
// rate limit. It leaves the body readable.
func secondaryMessage(resp *http.Response) bool {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return bytes.Contains(bytes.ToLower(body), []byte("secondary rate limit"))
}

// idempotent methods may be sent twice with the effect of once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// statusRetryable reports whether a 5xx answer may be retried. Idempotent
// requests retry any of 500, 502, 503 and 504. A PATCH (an update of a
// check run) retries only the gateway errors 502, 503 and 504, which mean
// the request most likely never reached GitHub's application; if it did,
// the annotations it carried are added twice. A POST is never retried
// here: CreateCheckRun looks for the run before creating it again.
func statusRetryable(method string, code int) bool {
	switch code {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return idempotent(method) || method == http.MethodPatch
	case http.StatusInternalServerError:
		return idempotent(method)
	}
	return false
}

// errRetryable reports whether an attempt that failed without an answer
// may be retried: an idempotent request always; any request when it was
// provably never sent, because the connection could not be opened or the
// installation token could not be had.
func errRetryable(method string, err error) bool {
	var he *ghinstallation.HTTPError
	if errors.As(err, &he) {
		if he.Response == nil {
			return true
		}
		he.Response.Body.Close()
		code := he.Response.StatusCode
		// A 403 with Retry-After is a secondary rate limit, token
		// requests included.
		limited := code == http.StatusForbidden && he.Response.Header.Get("Retry-After") != ""
		return code >= 500 || code == http.StatusTooManyRequests || limited
	}
	if idempotent(method) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// backoff is the wait after a failed attempt: exponential, half random.
func backoff(attempt int) time.Duration {
	d := min(backoffBase<<(attempt-1), backoffMax)
	return d/2 + rand.N(d/2+1)
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

// discard reads what is left of a response so that its connection can be
// reused.
func discard(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	resp.Body.Close()
}

// metered counts every request that leaves for GitHub, retries and token
// requests included.
type metered struct {
	next     http.RoundTripper
	requests *prometheus.CounterVec
}

func (m metered) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.next.RoundTrip(req)
	status := "error"
	if err == nil {
		status = strconv.Itoa(resp.StatusCode)
	}
	m.requests.WithLabelValues(strings.ToUpper(req.Method), status).Inc()
	return resp, err
}
