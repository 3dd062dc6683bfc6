package gitlabtest

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// paginate picks the page r asks of n items, as GitLab's offset
// pagination does (per_page 20 unless asked, at most 100 or the server's
// page size), and sets its headers. It returns the page's bounds.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	s.mu.Lock()
	p := fakehost.PageOf(r, n, 20, s.pageSize)
	s.mu.Unlock()
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(p.Number))
	h.Set("X-Per-Page", strconv.Itoa(p.Per))
	h.Set("X-Total", strconv.Itoa(n))
	h.Set("X-Total-Pages", strconv.Itoa(p.Last))
	h.Set("X-Next-Page", "")
	h.Set("X-Prev-Page", "")
	base, per := s.srv.URL+r.URL.Path, strconv.Itoa(p.Per)
	var links []string
	if p.Number > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(p.Number-1))
		links = append(links, fakehost.Link(r, base, min(p.Number-1, p.Last), "prev", "per_page", per))
	}
	if p.Number < p.Last {
		h.Set("X-Next-Page", strconv.Itoa(p.Number+1))
		links = append(links, fakehost.Link(r, base, p.Number+1, "next", "per_page", per))
	}
	links = append(links, fakehost.Link(r, base, 1, "first", "per_page", per), fakehost.Link(r, base, p.Last, "last", "per_page", per))
	h.Set("Link", strings.Join(links, ", "))
	return p.Lo, p.Hi
}

// SetPageSize caps the items of a list page from now on; 0 lifts the cap.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// page writes the page of list r asks for.
func page[T any](s *Server, w http.ResponseWriter, r *http.Request, list []T) {
	lo, hi := s.paginate(w, r, len(list))
	out := list[lo:hi]
	if out == nil {
		out = []T{}
	}
	writeJSON(w, http.StatusOK, out)
}
