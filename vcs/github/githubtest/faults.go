package githubtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// FailNext answers the next n requests whose method is method and whose
// path starts with pathPrefix with status, before doing anything else: the
// request has no effect, as when a proxy refuses it. An empty method
// matches any.
func (s *Server) FailNext(method, pathPrefix string, status, n int) {
	s.faults.Add(method, pathPrefix, status, n, false)
}

// FailNextAfterHandling is FailNext for requests that take effect first,
// the answer lost on the way back: a check run is created, yet the client
// sees status.
func (s *Server) FailNextAfterHandling(method, pathPrefix string, status, n int) {
	s.faults.Add(method, pathPrefix, status, n, true)
}

// SecondaryRateLimitMessage is the message of a secondary rate limit.
const SecondaryRateLimitMessage = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."

// SecondaryRateLimit answers the next n API requests, whatever they are,
// with GitHub's secondary rate limit: 403, Retry-After in whole seconds
// (left out when retryAfter is negative) and its message.
func (s *Server) SecondaryRateLimit(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secondary = fakehost.Burst{N: n, RetryAfter: retryAfter}
}

func (s *Server) secondaryHit(w http.ResponseWriter) bool {
	s.mu.Lock()
	hit := s.secondary.Take(w.Header())
	s.mu.Unlock()
	if hit {
		writeJSON(w, http.StatusForbidden, apiError{
			Message:          SecondaryRateLimitMessage,
			DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
		})
	}
	return hit
}

// rateLimit is the primary rate limit, one for the whole server.
type rateLimit struct {
	limit     int
	remaining int
	reset     time.Time
}

// SetRateLimit sets the primary rate limit of installation tokens (one
// for all installations): remaining requests until reset, by the server's
// clock (WithClock). At the reset the window starts again with 5,000
// requests for an hour. Every API response carries the X-RateLimit
// headers; a request with a token when none remain gets 403. Requests
// with the App's JWT spend nothing.
func (s *Server) SetRateLimit(remaining int, reset time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate.remaining = remaining
	s.rate.reset = reset
}

// renewRate starts a new window once the last has passed. s.mu is held.
func (s *Server) renewRate() {
	if now := s.now(); !now.Before(s.rate.reset) {
		s.rate.remaining = s.rate.limit
		s.rate.reset = now.Add(time.Hour)
	}
}

// rateHeaders sets the X-RateLimit headers as they stand before the
// request.
func (s *Server) rateHeaders(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewRate()
	s.setRateHeaders(w)
}

func (s *Server) setRateHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.rate.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(s.rate.remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(s.rate.limit-s.rate.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.rate.reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

// spendRate takes one request from the primary limit, or answers 403 when
// none is left.
func (s *Server) spendRate(w http.ResponseWriter, inst int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewRate()
	if s.rate.remaining <= 0 {
		s.setRateHeaders(w)
		writeJSON(w, http.StatusForbidden, apiError{
			Message:          "API rate limit exceeded for installation ID " + strconv.FormatInt(inst, 10) + ".",
			DocumentationURL: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits",
		})
		return false
	}
	s.rate.remaining--
	s.setRateHeaders(w)
	return true
}
