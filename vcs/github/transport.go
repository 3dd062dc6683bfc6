package github

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs/internal/retry"
)

// The rate-limit policy of every request; retry.MaxAttempts bounds the
// attempts.
const (
	// A secondary rate limit without Retry-After waits a minute, as GitHub
	// asks; a Retry-After longer than maxSecondaryWait is cut to it.
	defaultSecondaryWait = time.Minute
	maxSecondaryWait     = 10 * time.Minute
	// The primary limit resets within the hour; resetSkew covers clocks
	// that disagree with GitHub's by a little.
	maxPrimaryWait = time.Hour + time.Minute
	resetSkew      = time.Second
)

// limiter is the http.RoundTripper of one identity, the App or one of its
// installations. GitHub counts rate limits per identity, so a limiter
// keeps the identity's requests within them: it waits for a primary limit
// to reset before sending, waits out a secondary limit, and retries what
// is safe to retry. It sits above the authenticating transport, so each
// attempt carries a fresh token.
type limiter struct {
	*retry.Limiter
	remaining prometheus.Gauge
}

func newLimiter(next http.RoundTripper, clock retry.Clock, log *slog.Logger, remaining prometheus.Gauge) *limiter {
	l := &limiter{remaining: remaining}
	l.Limiter = &retry.Limiter{Next: next, Clock: clock, Log: log, Host: "github", Judge: l.judge}
	return l
}

// judge reads an attempt's outcome, records what it says of the rate
// limit, and returns why to retry (empty: do not) and how long to wait
// before the next attempt, beyond the rate-limit hold.
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
		return retry.Backoff(attempt), "network"
	}
	return 0, ""
}

// judgeAnswer is judge for an answer to a request with method.
func (l *limiter) judgeAnswer(method string, resp *http.Response, attempt int) (time.Duration, string) {
	l.observe(resp)
	switch code := resp.StatusCode; {
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		if ra, ok := retry.RetryAfter(resp, l.Clock.Now(), defaultSecondaryWait); ok {
			l.Block(min(ra, maxSecondaryWait))
			return 0, "secondary rate limit"
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if _, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err != nil {
				l.Block(defaultSecondaryWait)
			}
			return 0, "primary rate limit" // observe set the hold
		}
		if code == http.StatusTooManyRequests || secondaryMessage(resp) {
			l.Block(defaultSecondaryWait)
			return 0, "secondary rate limit"
		}
	case statusRetryable(method, code):
		return retry.Backoff(attempt), strconv.Itoa(code)
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
	until := time.Unix(reset, 0).Add(resetSkew)
	if limit := l.Clock.Now().Add(maxPrimaryWait); until.After(limit) {
		until = limit
	}
	l.HoldUntil(until)
}

// secondaryMessage reports whether a refusal's body speaks of a secondary
// rate limit. It leaves the body readable.
func secondaryMessage(resp *http.Response) bool {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, retry.MaxErrorBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return bytes.Contains(bytes.ToLower(body), []byte("secondary rate limit"))
}

// statusRetryable reports whether a 5xx answer may be retried. Idempotent
// requests retry any of 500, 502, 503 and 504. A PATCH (an update of a
// check run) retries only the gateway errors 502, 503 and 504, which mean
// the request most likely never reached GitHub's application; if it did,
// the annotations it carried are added twice. A POST is never retried
// here: CreateCheckRun looks for the run before creating it again.
func statusRetryable(method string, code int) bool {
	switch {
	case retry.Gateway(code):
		return retry.Idempotent(method) || method == http.MethodPatch
	case code == http.StatusInternalServerError:
		return retry.Idempotent(method)
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
	if retry.Idempotent(method) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
