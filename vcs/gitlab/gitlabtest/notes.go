package gitlabtest

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxNote is the most characters GitLab takes in a note.
const MaxNote = 1_000_000

// checkNote answers 400 for a body GitLab refuses.
func checkNote(w http.ResponseWriter, body string) bool {
	switch {
	case strings.TrimSpace(body) == "":
		badRequest(w, "400 Bad request - body is missing")
		return false
	case utf8.RuneCountInString(body) > MaxNote:
		badRequest(w, map[string][]string{"note": {"is too long (maximum is 1000000 characters)"}})
		return false
	}
	return true
}

// listNotes lists every note of a merge request, by created_at (or
// updated_at), newest first unless sort=asc.
func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	var list []wireNote
	var keys []*Note
	for _, d := range m.discussions {
		for _, n := range d.notes {
			list = append(list, s.wireNote(p, m, d, n))
			keys = append(keys, n)
		}
	}
	order := make([]int, len(list))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		x, y := keys[a], keys[b]
		c := cmp.Or(x.Created.Compare(y.Created), cmp.Compare(x.ID, y.ID))
		if q.Get("order_by") == "updated_at" {
			c = cmp.Or(x.Updated.Compare(y.Updated), cmp.Compare(x.ID, y.ID))
		}
		if q.Get("sort") != "asc" {
			return -c
		}
		return c
	})
	sorted := make([]wireNote, len(list))
	for i, j := range order {
		sorted[i] = list[j]
	}
	s.mu.Unlock()
	page(s, w, r, sorted)
}

type noteBody struct {
	Body     string        `json:"body"`
	Position *positionBody `json:"position"`
	Resolved *bool         `json:"resolved"`
}

type positionBody struct {
	BaseSHA      string `json:"base_sha"`
	StartSHA     string `json:"start_sha"`
	HeadSHA      string `json:"head_sha"`
	PositionType string `json:"position_type"`
	OldPath      string `json:"old_path"`
	NewPath      string `json:"new_path"`
	OldLine      int    `json:"old_line"`
	NewLine      int    `json:"new_line"`
}

// createNote adds a note on its own to a merge request.
func (s *Server) createNote(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	var b noteBody
	if !decodeBody(w, r, &b) || !checkNote(w, b.Body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := &Note{ID: s.id(), Author: BotUsername, Body: b.Body, Created: s.now(), Updated: s.now()}
	d := &discussion{id: s.discussionID(), individual: true, notes: []*Note{n}}
	m.discussions = append(m.discussions, d)
	writeJSON(w, http.StatusCreated, s.wireNote(p, m, d, n))
}

// noteOf finds note id of m and its discussion. s.mu is held.
func noteOf(m *mergeRequest, id int64) (*discussion, *Note) {
	for _, d := range m.discussions {
		for _, n := range d.notes {
			if n.ID == id {
				return d, n
			}
		}
	}
	return nil, nil
}

// updateNote changes a note's body; only its author may.
func (s *Server) updateNote(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	var b noteBody
	if !decodeBody(w, r, &b) || !checkNote(w, b.Body) {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("note"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	d, n := noteOf(m, id)
	switch {
	case n == nil:
		notFound(w, "Note")
		return
	case n.Author != BotUsername:
		writeJSON(w, http.StatusForbidden, message("403 Forbidden"))
		return
	}
	n.Body, n.Updated = b.Body, s.now()
	n.Edits++
	writeJSON(w, http.StatusOK, s.wireNote(p, m, d, n))
}

func (s *Server) listDiscussions(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	list := make([]wireDiscussion, 0, len(m.discussions))
	for _, d := range m.discussions {
		list = append(list, s.wireDiscussion(p, m, d))
	}
	s.mu.Unlock()
	page(s, w, r, list)
}

// lineCode is GitLab's refusal of a position that is no line of the diff.
const lineCode = `400 Bad request - Note {:line_code=>["can't be blank", "must be a valid line code"], :position=>["is incomplete"]}`

// createDiscussion starts a thread, on a line of the diff when a position
// is given. GitLab takes a position on an added line with new_line, on a
// removed one with old_line, and on an unchanged line of a hunk with both;
// anything else is refused.
func (s *Server) createDiscussion(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	var b noteBody
	if !decodeBody(w, r, &b) || !checkNote(w, b.Body) {
		return
	}
	var pos *Position
	if b.Position != nil {
		if pos = s.checkPosition(p, m, b.Position); pos == nil {
			badRequest(w, lineCode)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := &Note{ID: s.id(), Author: BotUsername, Body: b.Body, Resolvable: true, Position: pos, Created: s.now(), Updated: s.now()}
	d := &discussion{id: s.discussionID(), notes: []*Note{n}}
	m.discussions = append(m.discussions, d)
	writeJSON(w, http.StatusCreated, s.wireDiscussion(p, m, d))
}

// checkPosition returns the position b names when it is a line of m's
// diff at its current diff refs, nil otherwise.
func (s *Server) checkPosition(p *project, m *mergeRequest, b *positionBody) *Position {
	snap := s.snapshot(m)
	base, start, head := s.diffRefs(p, &snap)
	if b.PositionType != "text" || b.BaseSHA != base || b.StartSHA != start || b.HeadSHA != head || p.git == "" {
		return nil
	}
	files, err := diffs(p.git, base, head)
	if err != nil {
		return nil
	}
	for _, f := range files {
		if f.NewPath != b.NewPath || (b.OldPath != "" && f.OldPath != b.OldPath) {
			continue
		}
		if onLine(f.Diff, b.OldLine, b.NewLine) {
			return &Position{BaseSHA: base, StartSHA: start, HeadSHA: head, OldPath: f.OldPath, NewPath: f.NewPath,
				OldLine: b.OldLine, NewLine: b.NewLine}
		}
	}
	return nil
}

// onLine reports whether the hunks of diff show a line numbered oldLine
// (0: none) in the old file and newLine (0: none) in the new one.
func onLine(diff string, oldLine, newLine int) bool {
	o, n := 0, 0
	for _, line := range strings.Split(diff, "\n") {
		if strings.HasPrefix(line, "@@") {
			var os, ns string
			fields := strings.Fields(line)
			if len(fields) >= 3 {
				os, ns = fields[1], fields[2]
			}
			o = hunkStart(os)
			n = hunkStart(ns)
			continue
		}
		switch {
		case strings.HasPrefix(line, "+"):
			if oldLine == 0 && newLine == n {
				return true
			}
			n++
		case strings.HasPrefix(line, "-"):
			if newLine == 0 && oldLine == o {
				return true
			}
			o++
		case strings.HasPrefix(line, " "):
			if oldLine == o && newLine == n {
				return true
			}
			o++
			n++
		}
	}
	return false
}

// hunkStart reads the first line number of "-12,5" or "+3".
func hunkStart(s string) int {
	s = strings.TrimLeft(s, "+-")
	s, _, _ = strings.Cut(s, ",")
	v, _ := strconv.Atoi(s)
	return v
}

// discussionFor finds the discussion of a request's {did}.
func discussionFor(m *mergeRequest, id string) *discussion {
	for _, d := range m.discussions {
		if d.id == id {
			return d
		}
	}
	return nil
}

// resolveDiscussion resolves or reopens a thread.
func (s *Server) resolveDiscussion(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	var b noteBody
	if !decodeBody(w, r, &b) {
		return
	}
	if b.Resolved == nil {
		if v := r.URL.Query().Get("resolved"); v != "" {
			resolved := v == "true"
			b.Resolved = &resolved
		}
	}
	if b.Resolved == nil {
		badRequest(w, "400 Bad request - resolved is missing")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := discussionFor(m, r.PathValue("did"))
	switch {
	case d == nil:
		notFound(w, "Discussion")
		return
	case d.individual:
		badRequest(w, "400 Bad request - Discussion is not resolvable")
		return
	}
	for _, n := range d.notes {
		n.Resolved, n.ResolvedBy, n.Updated = *b.Resolved, "", s.now()
		if *b.Resolved {
			n.ResolvedBy = BotUsername
		}
	}
	writeJSON(w, http.StatusOK, s.wireDiscussion(p, m, d))
}

// replyDiscussion adds a note to a thread; a reply to a note on its own
// makes it a thread.
func (s *Server) replyDiscussion(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	var b noteBody
	if !decodeBody(w, r, &b) || !checkNote(w, b.Body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := discussionFor(m, r.PathValue("did"))
	if d == nil {
		notFound(w, "Discussion")
		return
	}
	if d.individual {
		d.individual = false
		for _, n := range d.notes {
			n.Resolvable = true
		}
	}
	first := d.notes[0]
	n := &Note{ID: s.id(), Author: BotUsername, Body: b.Body, Resolvable: true, Resolved: first.Resolved,
		ResolvedBy: first.ResolvedBy, Created: s.now(), Updated: s.now()}
	d.notes = append(d.notes, n)
	writeJSON(w, http.StatusCreated, s.wireNote(p, m, d, n))
}
