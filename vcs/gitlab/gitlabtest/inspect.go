package gitlabtest

import (
	"cmp"
	"slices"
)

// What tests read of the server's state.

// MergeRequests lists every merge request of fullName, by iid, heads as
// they stand.
func (s *Server) MergeRequests(fullName string) []MergeRequest {
	s.mu.Lock()
	p := s.project(fullName)
	var out []MergeRequest
	for _, m := range p.mrs {
		c := m.MergeRequest
		c.Labels, c.Reviewers, c.ApprovedBy = slices.Clone(m.Labels), slices.Clone(m.Reviewers), slices.Clone(m.ApprovedBy)
		out = append(out, c)
	}
	s.mu.Unlock()
	for i := range out {
		out[i].SHA = s.headOf(p, &out[i])
	}
	slices.SortFunc(out, func(a, b MergeRequest) int { return cmp.Compare(a.IID, b.IID) })
	return out
}

// Discussions lists the discussions of merge request iid of fullName, in
// the order made, individual notes included.
func (s *Server) Discussions(fullName string, iid int) []Discussion {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.project(fullName).mr(iid)
	if m == nil {
		return nil
	}
	out := make([]Discussion, 0, len(m.discussions))
	for _, d := range m.discussions {
		dd := Discussion{ID: d.id, IndividualNote: d.individual}
		for _, n := range d.notes {
			dd.Notes = append(dd.Notes, copyNote(n))
		}
		out = append(out, dd)
	}
	return out
}

// Notes lists every note of merge request iid of fullName, in the order
// made: those on their own and those of discussions.
func (s *Server) Notes(fullName string, iid int) []Note {
	var out []Note
	for _, d := range s.Discussions(fullName, iid) {
		out = append(out, d.Notes...)
	}
	slices.SortStableFunc(out, func(a, b Note) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func copyNote(n *Note) Note {
	c := *n
	if n.Position != nil {
		p := *n.Position
		c.Position = &p
	}
	return c
}

// Statuses lists every commit status on sha of fullName, in the order
// made.
func (s *Server) Statuses(fullName, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.project(fullName).statuses {
		if st.SHA == sha {
			out = append(out, *st)
		}
	}
	return out
}

// LatestStatuses maps each status name on sha of fullName to its latest
// status.
func (s *Server) LatestStatuses(fullName, sha string) map[string]Status {
	out := map[string]Status{}
	for _, st := range s.Statuses(fullName, sha) {
		out[st.Name] = st
	}
	return out
}

// Issues lists the issues of fullName, by iid.
func (s *Server) Issues(fullName string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Issue
	for _, is := range s.project(fullName).issues {
		c := *is
		c.Labels = slices.Clone(is.Labels)
		out = append(out, c)
	}
	return out
}

// Pushes counts the pushes to fullName's repository.
func (s *Server) Pushes(fullName string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.project(fullName).pushes
}
