// Package fakehost is what the fake code hosts of githubtest and
// gitlabtest share: injected faults, a response writer that keeps its
// status, rate-limit bursts, offset pagination, and a testing.TB that
// records the errors a fake reports.
package fakehost

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is an error answer waiting for requests that match it.
type Fault struct {
	method string
	prefix string
	n      int
	// Status is the answer.
	Status int
	// After answers the error once the request is done, as a proxy that
	// lost the answer would.
	After bool
}

// Faults are the faults waiting for a fake's requests. The zero value is
// ready; it is safe for concurrent use.
type Faults struct {
	mu   sync.Mutex
	list []*Fault
}

// Add makes the next n requests whose method is method (any when empty)
// and whose path starts with prefix get status, before they are handled
// or, with after, once they are.
func (f *Faults) Add(method, prefix string, status, n int, after bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = append(f.list, &Fault{method: method, prefix: prefix, n: n, Status: status, After: after})
}

// Take takes one use of the first fault that matches a request of method
// to path, or returns nil.
func (f *Faults) Take(method, path string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.list {
		if (ft.method == "" || ft.method == method) && strings.HasPrefix(path, ft.prefix) {
			ft.n--
			if ft.n <= 0 {
				f.list = append(f.list[:i], f.list[i+1:]...)
			}
			return ft
		}
	}
	return nil
}

// Burst is a run of rate-limit answers waiting for requests, whatever
// they are: the next N requests are refused, each with Retry-After in
// whole seconds unless RetryAfter is negative. The zero value refuses
// nothing. It is not safe for concurrent use: the fake holds its lock.
type Burst struct {
	N          int
	RetryAfter time.Duration
}

// Take reports whether a request is one of the run, taking it, and if so
// sets the answer's Retry-After header; the caller writes the rest.
func (b *Burst) Take(h http.Header) bool {
	if b.N <= 0 {
		return false
	}
	b.N--
	if b.RetryAfter >= 0 {
		h.Set("Retry-After", strconv.Itoa(int(b.RetryAfter/time.Second)))
	}
	return true
}

// Recorder is a ResponseWriter that keeps the status written.
type Recorder struct {
	http.ResponseWriter
	Status int
}

// NewRecorder wraps w; the status is 200 until one is written.
func NewRecorder(w http.ResponseWriter) *Recorder {
	return &Recorder{ResponseWriter: w, Status: http.StatusOK}
}

func (r *Recorder) WriteHeader(code int) {
	r.Status = code
	r.ResponseWriter.WriteHeader(code)
}

// Page is one page of a list, as a request asked for it.
type Page struct {
	// Number is the page, from 1; Per the items on a page; Last the
	// number of the last page, at least 1.
	Number, Per, Last int
	// Lo and Hi bound the page's items in the list.
	Lo, Hi int
}

// PageOf reads page and per_page of r for a list of n items: per_page
// def unless asked, at most 100 or limit when limit is set.
func PageOf(r *http.Request, n, def, limit int) Page {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = def
	}
	per = min(per, 100)
	if limit > 0 {
		per = min(per, limit)
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page <= 0 {
		page = 1
	}
	lo := min((page-1)*per, n)
	return Page{Number: page, Per: per, Last: max((n+per-1)/per, 1), Lo: lo, Hi: min(lo+per, n)}
}

// Link is the Link header entry of page p of the list at base (scheme,
// host and path) with r's query.
func Link(r *http.Request, base string, p int, rel string, extra ...string) string {
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(p))
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return fmt.Sprintf(`<%s?%s>; rel="%s"`, base, q.Encode(), rel)
}

// RecordingTB is a testing.TB that records the errors a fake reports
// instead of failing, to test that a fake fails a test.
type RecordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *RecordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Errors lists the errors reported so far.
func (r *RecordingTB) Errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errors...)
}
