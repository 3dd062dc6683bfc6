package gitlabtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// FailNext answers the next n API requests whose method is method (any
// when empty) and whose path after /api/v4 starts with pathPrefix with
// status, before doing anything else: the request has no effect, as when
// a proxy refuses it.
func (s *Server) FailNext(method, pathPrefix string, status, n int) {
	s.faults.Add(method, pathPrefix, status, n, false)
}

// FailNextAfterHandling is FailNext for requests that take effect first,
// the answer lost on the way back: a note is made, yet the client sees
// status.
func (s *Server) FailNextAfterHandling(method, pathPrefix string, status, n int) {
	s.faults.Add(method, pathPrefix, status, n, true)
}

// Throttle answers the next n API requests, whatever they are, as
// GitLab's rate limiter does: 429, Retry-After in whole seconds (left out
// when retryAfter is negative) and "Retry later".
func (s *Server) Throttle(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = fakehost.Burst{N: n, RetryAfter: retryAfter}
}

func (s *Server) throttled(w http.ResponseWriter) bool {
	s.mu.Lock()
	hit := s.throttle.Take(w.Header())
	s.mu.Unlock()
	if hit {
		tooMany(w)
	}
	return hit
}

func tooMany(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write([]byte("Retry later\n"))
}

// rateLimit is the authenticated API rate limit, one window for the token.
type rateLimit struct {
	limit     int
	remaining int
	reset     time.Time
}

// SetRateLimit sets the rate limit: remaining requests until reset, by
// the server's clock (WithClock); then the window starts again with 2,000
// requests for a minute. Every API answer carries RateLimit-Limit,
// -Observed, -Remaining, -Reset and -ResetTime; a request when none
// remain gets 429 with Retry-After.
func (s *Server) SetRateLimit(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate.remaining = remaining
	s.rate.reset = reset
}

// spendRate takes one request from the window, or answers 429 when none
// is left.
func (s *Server) spendRate(w http.ResponseWriter) bool {
	s.mu.Lock()
	now := s.now()
	if !now.Before(s.rate.reset) {
		s.rate.remaining, s.rate.reset = s.rate.limit, now.Add(time.Minute)
	}
	ok := s.rate.remaining > 0
	if ok {
		s.rate.remaining--
	}
	h := w.Header()
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(s.rate.limit))
	h.Set("RateLimit-Observed", strconv.Itoa(s.rate.limit-s.rate.remaining))
	h.Set("RateLimit-Remaining", strconv.Itoa(s.rate.remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(s.rate.reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", s.rate.reset.UTC().Format(http.TimeFormat))
	wait := s.rate.reset.Sub(now)
	s.mu.Unlock()
	if !ok {
		h.Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		tooMany(w)
	}
	return ok
}
