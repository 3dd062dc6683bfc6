package gitlabtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// labelList is labels as GitLab takes them: a comma-separated string or a
// list.
type labelList []string

func (l *labelList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*l = list
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	*l = nil
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// mergeRequestFor finds the merge request of a request's {iid}.
func (s *Server) mergeRequestFor(w http.ResponseWriter, r *http.Request) (*project, *mergeRequest, bool) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return nil, nil, false
	}
	iid, _ := strconv.Atoi(r.PathValue("iid"))
	s.mu.Lock()
	m := p.mr(iid)
	s.mu.Unlock()
	if m == nil {
		notFound(w, "Merge Request")
		return nil, nil, false
	}
	return p, m, true
}

// snapshot copies m's fields under the lock.
func (s *Server) snapshot(m *mergeRequest) MergeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := m.MergeRequest
	c.Labels, c.Reviewers, c.ApprovedBy = slices.Clone(m.Labels), slices.Clone(m.Reviewers), slices.Clone(m.ApprovedBy)
	return c
}

// listMergeRequests lists by state (all unless asked), source and target
// branch, ordered by created_at or updated_at, newest first unless
// sort=asc, as GitLab does.
func (s *Server) listMergeRequests(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	state := cmp.Or(q.Get("state"), "all")
	s.mu.Lock()
	var mrs []*mergeRequest
	for _, m := range p.mrs {
		if (state == "all" || m.State == state) && (q.Get("source_branch") == "" || m.SourceBranch == q.Get("source_branch")) &&
			(q.Get("target_branch") == "" || m.TargetBranch == q.Get("target_branch")) {
			mrs = append(mrs, m)
		}
	}
	s.mu.Unlock()
	key := func(m MergeRequest) time.Time { return m.Created }
	if q.Get("order_by") == "updated_at" {
		key = func(m MergeRequest) time.Time { return m.Updated }
	}
	snaps := make([]MergeRequest, len(mrs))
	for i, m := range mrs {
		snaps[i] = s.snapshot(m)
	}
	slices.SortStableFunc(snaps, func(a, b MergeRequest) int {
		c := cmp.Or(key(a).Compare(key(b)), cmp.Compare(a.IID, b.IID))
		if q.Get("sort") != "asc" {
			return -c
		}
		return c
	})
	list := make([]wireMergeRequest, len(snaps))
	for i := range snaps {
		list[i] = s.wireMR(p, &snaps[i], false)
	}
	page(s, w, r, list)
}

func (s *Server) getMergeRequest(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	snap := s.snapshot(m)
	writeJSON(w, http.StatusOK, s.wireMR(p, &snap, true))
}

type mergeRequestBody struct {
	Title        *string   `json:"title"`
	Description  *string   `json:"description"`
	SourceBranch string    `json:"source_branch"`
	TargetBranch string    `json:"target_branch"`
	Labels       labelList `json:"labels"`
	AddLabels    labelList `json:"add_labels"`
	ReviewerIDs  *[]int64  `json:"reviewer_ids"`
	StateEvent   *string   `json:"state_event"`

	RemoveSourceBranch *bool  `json:"remove_source_branch"`
	Squash             *bool  `json:"squash"`
	TargetProjectID    *int64 `json:"target_project_id"`
}

// createMergeRequest opens a merge request from a branch of the project,
// refusing, as GitLab does, a second open one of the same branches.
func (s *Server) createMergeRequest(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	var b mergeRequestBody
	if !decodeBody(w, r, &b) {
		return
	}
	switch {
	case b.Title == nil || *b.Title == "":
		badRequest(w, "400 Bad request - title is missing")
		return
	case b.SourceBranch == "" || b.TargetBranch == "":
		badRequest(w, "400 Bad request - source_branch, target_branch are missing")
		return
	case b.SourceBranch == b.TargetBranch:
		writeJSON(w, http.StatusUnprocessableEntity, message([]string{"You can't use same project/branch for source and target"}))
		return
	}
	if p.git != "" {
		for _, br := range []string{b.SourceBranch, b.TargetBranch} {
			if _, ok := branch(p, br); !ok {
				writeJSON(w, http.StatusUnprocessableEntity, message([]string{fmt.Sprintf("Branch %q does not exist", br)}))
				return
			}
		}
	}
	s.mu.Lock()
	for _, m := range p.mrs {
		if m.State == "opened" && m.SourceBranch == b.SourceBranch && m.TargetBranch == b.TargetBranch {
			s.mu.Unlock()
			writeJSON(w, http.StatusConflict, message([]string{fmt.Sprintf("Another open merge request already exists for this source branch: !%d", m.IID)}))
			return
		}
	}
	now := s.now()
	m := &mergeRequest{id: 10000 + s.id(), MergeRequest: MergeRequest{
		IID: p.nextMergeRequest(), Title: *b.Title, Description: deref(b.Description), Author: BotUsername,
		SourceBranch: b.SourceBranch, TargetBranch: b.TargetBranch, State: "opened", Labels: slices.Clone(b.Labels),
		Created: now, Updated: now,
	}}
	p.mrs = append(p.mrs, m)
	s.mu.Unlock()
	s.syncRefs(p.FullName())
	snap := s.snapshot(m)
	writeJSON(w, http.StatusCreated, s.wireMR(p, &snap, true))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// updateMergeRequest changes what the body sets. A merged merge request
// cannot be closed or reopened.
func (s *Server) updateMergeRequest(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	var b mergeRequestBody
	if !decodeBody(w, r, &b) {
		return
	}
	s.mu.Lock()
	if b.StateEvent != nil {
		switch ev := *b.StateEvent; {
		case ev != "close" && ev != "reopen":
			s.mu.Unlock()
			badRequest(w, "400 Bad request - state_event does not have a valid value")
			return
		case m.State == "merged":
			s.mu.Unlock()
			writeJSON(w, http.StatusUnprocessableEntity, message([]string{"State cannot be changed: the merge request is merged"}))
			return
		case ev == "close":
			m.State, m.Closed = "closed", s.now()
		default:
			m.State, m.Closed = "opened", time.Time{}
		}
	}
	if b.Title != nil {
		m.Title = *b.Title
	}
	if b.Description != nil {
		m.Description = *b.Description
	}
	if b.Labels != nil {
		m.Labels = slices.Clone(b.Labels)
	}
	for _, l := range b.AddLabels {
		if !slices.Contains(m.Labels, l) {
			m.Labels = append(m.Labels, l)
		}
	}
	if b.ReviewerIDs != nil {
		// GitLab drops ids of users who may not review the merge
		// request: here, those who are not members.
		m.Reviewers = nil
		for _, id := range *b.ReviewerIDs {
			for _, u := range s.users {
				if _, member := p.members[strings.ToLower(u.username)]; u.id == id && member && !slices.Contains(m.Reviewers, u.username) {
					m.Reviewers = append(m.Reviewers, u.username)
				}
			}
		}
	}
	m.Updated = s.now()
	s.mu.Unlock()
	snap := s.snapshot(m)
	writeJSON(w, http.StatusOK, s.wireMR(p, &snap, true))
}

// listDiffs lists a merge request's changes, file by file, as git sees
// them between its diff refs; without a served repository, none.
func (s *Server) listDiffs(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	snap := s.snapshot(m)
	var list []fileDiff
	if p.git != "" {
		base, _, head := s.diffRefs(p, &snap)
		var err error
		if list, err = diffs(p.git, base, head); err != nil {
			s.t.Errorf("gitlabtest: diffs of %s!%d: %v", p.FullName(), snap.IID, err)
			writeJSON(w, http.StatusInternalServerError, message("500 Internal Server Error"))
			return
		}
	}
	page(s, w, r, list)
}

func (s *Server) getApprovals(w http.ResponseWriter, r *http.Request) {
	p, m, ok := s.mergeRequestFor(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := wireApprovals{
		ID: int64(m.IID) + p.ID*1000, IID: m.IID, ProjectID: p.ID, Title: m.Title, Description: m.Description,
		State: m.State, CreatedAt: stamp(m.Created), UpdatedAt: stamp(m.Updated), MergeStatus: "can_be_merged",
		Approved: len(m.ApprovedBy) > 0, ApprovedBy: []wireApprover{}, SuggestedApprovers: []*wireUser{},
		Approvers: []wireApprover{}, ApproverGroups: []wireApprover{}, ApprovalRulesLeft: []wireApprover{},
		UserCanApprove: true, MergeRequestApproversAvailable: true,
	}
	for _, who := range m.ApprovedBy {
		out.ApprovedBy = append(out.ApprovedBy, wireApprover{User: s.wireUser(who)})
	}
	writeJSON(w, http.StatusOK, out)
}

// commitMergeRequests lists the merge requests a commit belongs to: those
// MapCommit named, those whose head or merge commit it is.
func (s *Server) commitMergeRequests(w http.ResponseWriter, r *http.Request) {
	p, ok := s.projectFor(w, r)
	if !ok {
		return
	}
	sha := r.PathValue("sha")
	s.mu.Lock()
	var snaps []MergeRequest
	for _, m := range p.mrs {
		if slices.Contains(p.commits[sha], m.IID) || m.MergeCommitSHA == sha || m.SHA == sha {
			c := m.MergeRequest
			snaps = append(snaps, c)
		}
	}
	s.mu.Unlock()
	list := make([]wireMergeRequest, len(snaps))
	for i := range snaps {
		list[i] = s.wireMR(p, &snaps[i], false)
	}
	page(s, w, r, list)
}
