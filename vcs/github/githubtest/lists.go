package githubtest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dipdev/dip/vcs/internal/fakehost"
)

// paginate picks the page r asks of n items, as GitHub does (per_page 30
// unless asked, at most 100 or the server's page size), and sets the Link
// header. It returns the page's bounds.
func (s *Server) paginate(w http.ResponseWriter, r *http.Request, n int) (lo, hi int) {
	s.mu.Lock()
	p := fakehost.PageOf(r, n, 30, s.pageSize)
	s.mu.Unlock()
	base := s.srv.URL + r.URL.Path
	var links []string
	if p.Number < p.Last {
		links = append(links, fakehost.Link(r, base, p.Number+1, "next"), fakehost.Link(r, base, p.Last, "last"))
	}
	if p.Number > 1 {
		links = append(links, fakehost.Link(r, base, 1, "first"), fakehost.Link(r, base, min(p.Number-1, p.Last), "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	return p.Lo, p.Hi
}

// SetPageSize caps the items of a list page from now on; 0 lifts the cap.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

func (s *Server) listInstallations(w http.ResponseWriter, r *http.Request, _ int64) {
	s.mu.Lock()
	var list []map[string]any
	for _, in := range s.installs {
		m := map[string]any{"id": in.id, "app_id": s.appID, "account": map[string]any{"login": in.account}}
		if in.suspended {
			m["suspended_at"] = time.Now().UTC().Format(time.RFC3339)
		}
		list = append(list, m)
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b map[string]any) int { return cmp.Compare(a["id"].(int64), b["id"].(int64)) })
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, nonNil(list[lo:hi]))
}

func (s *Server) listInstallationRepos(w http.ResponseWriter, r *http.Request, inst int64) {
	s.mu.Lock()
	var list []map[string]any
	for _, rp := range s.repos {
		if rp.Installation == inst {
			list = append(list, wireRepo(rp))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(list, func(a, b map[string]any) int {
		return strings.Compare(a["full_name"].(string), b["full_name"].(string))
	})
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "repository_selection": "all", "repositories": nonNil(list[lo:hi])})
}

func wireRepo(rp *repo) map[string]any {
	return map[string]any{
		"id":             rp.ID,
		"name":           rp.Name,
		"full_name":      rp.FullName(),
		"owner":          map[string]any{"login": rp.Owner},
		"clone_url":      rp.CloneURL,
		"default_branch": rp.DefaultBranch,
		"private":        true,
	}
}

// listPulls lists pull requests by state (open unless asked), oldest
// first.
func (s *Server) listPulls(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	state := r.URL.Query().Get("state")
	if state == "" {
		state = "open"
	}
	s.mu.Lock()
	var list []map[string]any
	for _, p := range rp.pulls {
		if state == "all" || p.state == state {
			list = append(list, s.wirePull(rp, p))
		}
	}
	s.mu.Unlock()
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, nonNil(list[lo:hi]))
}

// listCommitPulls lists the pull requests MapCommitToPulls gave the
// commit, whatever their state.
func (s *Server) listCommitPulls(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	s.mu.Lock()
	var list []map[string]any
	for _, n := range rp.commits[r.PathValue("sha")] {
		if i := slices.IndexFunc(rp.pulls, func(p *pull) bool { return p.Number == n }); i >= 0 {
			list = append(list, s.wirePull(rp, rp.pulls[i]))
		}
	}
	s.mu.Unlock()
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, nonNil(list[lo:hi]))
}

// headOf is p's head commit: the branch's tip while p is open, when the
// server knows the refs of its repositories, else the commit p was given.
// s.mu is held.
func (s *Server) headOf(rp *repo, p *pull) string {
	if s.refs != nil && p.state == "open" && !p.Fork {
		if sha, ok := s.refs(rp.FullName(), p.HeadRef); ok {
			return sha
		}
	}
	return p.HeadSHA
}

// wirePull is p as GitHub lists it. A fork's head is in another
// repository. The head of an open pull request of a branch of the
// repository itself follows the branch, when the server knows its refs.
// s.mu is held.
func (s *Server) wirePull(rp *repo, p *pull) map[string]any {
	base := wireRepo(rp)
	head := base
	if p.Fork {
		head = map[string]any{
			"id": rp.ID + 1_000_000, "name": rp.Name, "full_name": p.Author + "/" + rp.Name,
			"owner": map[string]any{"login": p.Author},
		}
	}
	headSHA := s.headOf(rp, p)
	labels := []map[string]any{}
	for _, l := range p.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	var users, teams []map[string]any
	for _, r := range p.requested {
		if slug, ok := strings.CutPrefix(r, "team:"); ok {
			teams = append(teams, map[string]any{"slug": slug, "name": slug})
		} else {
			users = append(users, map[string]any{"login": r})
		}
	}
	m := map[string]any{
		"number":                p.Number,
		"html_url":              p.URL,
		"state":                 p.state,
		"title":                 p.Title,
		"body":                  p.Body,
		"draft":                 p.Draft,
		"merged":                !p.merged.IsZero(),
		"labels":                labels,
		"requested_reviewers":   nonNil(users),
		"requested_teams":       nonNil(teams),
		"user":                  map[string]any{"login": p.Author},
		"head":                  map[string]any{"ref": p.HeadRef, "sha": headSHA, "repo": head},
		"base":                  map[string]any{"ref": p.BaseRef, "sha": p.BaseSHA, "repo": base},
		"created_at":            stamp(p.created),
		"updated_at":            stamp(p.updated),
		"closed_at":             stamp(p.closed),
		"merged_at":             stamp(p.merged),
		"maintainer_can_modify": false,
	}
	return m
}

// stamp is t as GitHub writes times, or null.
func stamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) listReviews(w http.ResponseWriter, r *http.Request, inst int64) {
	rp, ok := s.repoFor(w, r, inst)
	if !ok {
		return
	}
	n, _ := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	if !slices.ContainsFunc(rp.pulls, func(p *pull) bool { return p.Number == n }) {
		s.mu.Unlock()
		writeJSON(w, http.StatusNotFound, message("Not Found"))
		return
	}
	var list []map[string]any
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, rv := range rp.reviews[n] {
		list = append(list, map[string]any{
			"id":           int64(n)*1000 + int64(i) + 1,
			"user":         map[string]any{"login": rv.User},
			"state":        rv.State,
			"submitted_at": start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
		})
	}
	s.mu.Unlock()
	lo, hi := s.paginate(w, r, len(list))
	writeJSON(w, http.StatusOK, nonNil(list[lo:hi]))
}
