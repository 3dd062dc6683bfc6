package gitlabtest

import (
	"fmt"
	"strings"
)

// The JSON GitLab answers, field for field as its documentation shows
// them (of those dip or client-go read). shapes_test.go decodes every one
// with client-go's own types, unknown fields refused.

type wireUser struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	State     string `json:"state"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
}

// wireUser is username's user, added when unknown; s.mu is held.
func (s *Server) wireUser(username string) *wireUser {
	if username == "" {
		return nil
	}
	u := s.addUser(username)
	return &wireUser{ID: u.id, Username: u.username, Name: strings.ToUpper(u.username[:1]) + u.username[1:],
		State: "active", AvatarURL: s.srv.URL + "/uploads/-/avatar/" + u.username + ".png", WebURL: s.URL() + "/" + u.username}
}

type wireNamespace struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	FullPath string `json:"full_path"`
	WebURL   string `json:"web_url"`
}

type wireProject struct {
	ID                int64          `json:"id"`
	Description       string         `json:"description"`
	Name              string         `json:"name"`
	NameWithNamespace string         `json:"name_with_namespace"`
	Path              string         `json:"path"`
	PathWithNamespace string         `json:"path_with_namespace"`
	CreatedAt         *string        `json:"created_at"`
	DefaultBranch     string         `json:"default_branch"`
	SSHURLToRepo      string         `json:"ssh_url_to_repo"`
	HTTPURLToRepo     string         `json:"http_url_to_repo"`
	WebURL            string         `json:"web_url"`
	Visibility        string         `json:"visibility"`
	Archived          bool           `json:"archived"`
	EmptyRepo         bool           `json:"empty_repo"`
	Namespace         *wireNamespace `json:"namespace"`
	LastActivityAt    *string        `json:"last_activity_at"`
}

func (s *Server) wireProject(p *project) wireProject {
	host := strings.TrimPrefix(strings.TrimPrefix(s.srv.URL, "http://"), "https://")
	ns := p.Owner
	last := ns[strings.LastIndexByte(ns, '/')+1:]
	return wireProject{
		ID: p.ID, Description: "Platform requests", Name: p.Name, NameWithNamespace: strings.ReplaceAll(p.FullName(), "/", " / "),
		Path: p.Name, PathWithNamespace: p.FullName(), CreatedAt: stamp(s.now()), DefaultBranch: p.DefaultBranch,
		SSHURLToRepo: "git@" + host + ":" + p.FullName() + ".git", HTTPURLToRepo: p.CloneURL, WebURL: s.URL() + "/" + p.FullName(),
		Visibility: "private", Archived: p.archived,
		Namespace:      &wireNamespace{ID: p.ID + 500000, Name: last, Path: last, Kind: "group", FullPath: ns, WebURL: s.URL() + "/groups/" + ns},
		LastActivityAt: stamp(s.now()),
	}
}

type wireHook struct {
	ID                       int64   `json:"id"`
	URL                      string  `json:"url"`
	Name                     string  `json:"name"`
	Description              string  `json:"description"`
	ProjectID                int64   `json:"project_id"`
	PushEvents               bool    `json:"push_events"`
	PushEventsBranchFilter   string  `json:"push_events_branch_filter"`
	IssuesEvents             bool    `json:"issues_events"`
	ConfidentialIssuesEvents bool    `json:"confidential_issues_events"`
	MergeRequestsEvents      bool    `json:"merge_requests_events"`
	TagPushEvents            bool    `json:"tag_push_events"`
	NoteEvents               bool    `json:"note_events"`
	ConfidentialNoteEvents   bool    `json:"confidential_note_events"`
	JobEvents                bool    `json:"job_events"`
	PipelineEvents           bool    `json:"pipeline_events"`
	WikiPageEvents           bool    `json:"wiki_page_events"`
	DeploymentEvents         bool    `json:"deployment_events"`
	ReleasesEvents           bool    `json:"releases_events"`
	EnableSSLVerification    bool    `json:"enable_ssl_verification"`
	RepositoryUpdateEvents   bool    `json:"repository_update_events"`
	AlertStatus              string  `json:"alert_status"`
	DisabledUntil            *string `json:"disabled_until"`
	CreatedAt                *string `json:"created_at"`
	CustomWebhookTemplate    string  `json:"custom_webhook_template"`
	BranchFilterStrategy     string  `json:"branch_filter_strategy"`
}

type wireMember struct {
	wireUser
	AccessLevel int     `json:"access_level"`
	CreatedAt   *string `json:"created_at"`
	ExpiresAt   *string `json:"expires_at"`
}

// wireStatusAuthor is a commit status's author, which GitLab gives
// without the avatar's URL that client-go does not read either.
type wireStatusAuthor struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	State    string `json:"state"`
}

type wireStatus struct {
	ID           int64            `json:"id"`
	SHA          string           `json:"sha"`
	Ref          string           `json:"ref"`
	Status       string           `json:"status"`
	Name         string           `json:"name"`
	TargetURL    *string          `json:"target_url"`
	Description  *string          `json:"description"`
	CreatedAt    *string          `json:"created_at"`
	StartedAt    *string          `json:"started_at"`
	FinishedAt   *string          `json:"finished_at"`
	AllowFailure bool             `json:"allow_failure"`
	Coverage     *float64         `json:"coverage"`
	PipelineID   int64            `json:"pipeline_id"`
	Author       wireStatusAuthor `json:"author"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) wireStatus(st *Status) wireStatus {
	u := s.wireUser(st.Author)
	return wireStatus{
		ID: st.ID, SHA: st.SHA, Ref: st.Ref, Status: st.State, Name: st.Name,
		TargetURL: optional(st.TargetURL), Description: optional(st.Description),
		CreatedAt: stamp(st.Created), StartedAt: stamp(st.Started), FinishedAt: stamp(st.Finished),
		PipelineID: 7000 + int64(len(st.SHA)), Author: wireStatusAuthor{ID: u.ID, Username: u.Username, Name: u.Name, State: u.State},
	}
}

type wireReferences struct {
	Short    string `json:"short"`
	Relative string `json:"relative"`
	Full     string `json:"full"`
}

type wireDiffRefs struct {
	BaseSHA  string `json:"base_sha"`
	HeadSHA  string `json:"head_sha"`
	StartSHA string `json:"start_sha"`
}

type wireMergeRequest struct {
	ID                  int64           `json:"id"`
	IID                 int             `json:"iid"`
	ProjectID           int64           `json:"project_id"`
	Title               string          `json:"title"`
	Description         string          `json:"description"`
	State               string          `json:"state"`
	CreatedAt           *string         `json:"created_at"`
	UpdatedAt           *string         `json:"updated_at"`
	MergedAt            *string         `json:"merged_at"`
	ClosedAt            *string         `json:"closed_at"`
	MergeUser           *wireUser       `json:"merge_user"`
	ClosedBy            *wireUser       `json:"closed_by"`
	TargetBranch        string          `json:"target_branch"`
	SourceBranch        string          `json:"source_branch"`
	UserNotesCount      int             `json:"user_notes_count"`
	Upvotes             int             `json:"upvotes"`
	Downvotes           int             `json:"downvotes"`
	Author              *wireUser       `json:"author"`
	Assignees           []*wireUser     `json:"assignees"`
	Assignee            *wireUser       `json:"assignee"`
	Reviewers           []*wireUser     `json:"reviewers"`
	SourceProjectID     int64           `json:"source_project_id"`
	TargetProjectID     int64           `json:"target_project_id"`
	Labels              []string        `json:"labels"`
	Draft               bool            `json:"draft"`
	DetailedMergeStatus string          `json:"detailed_merge_status"`
	SHA                 string          `json:"sha"`
	MergeCommitSHA      *string         `json:"merge_commit_sha"`
	SquashCommitSHA     *string         `json:"squash_commit_sha"`
	DiscussionLocked    bool            `json:"discussion_locked"`
	Squash              bool            `json:"squash"`
	WebURL              string          `json:"web_url"`
	References          *wireReferences `json:"references"`
	HasConflicts        bool            `json:"has_conflicts"`
	// Only on a single merge request.
	DiffRefs     *wireDiffRefs `json:"diff_refs,omitempty"`
	ChangesCount *string       `json:"changes_count,omitempty"`
	Subscribed   *bool         `json:"subscribed,omitempty"`
	// Deprecated by GitLab for draft, and only in a single merge
	// request's client-go type.
	WorkInProgress *bool `json:"work_in_progress,omitempty"`
}

// wireMR is m as GitLab lists it, with its diff refs when single. s.mu is
// not held.
func (s *Server) wireMR(p *project, m *MergeRequest, single bool) wireMergeRequest {
	s.mu.Lock()
	out := wireMergeRequest{
		ID: int64(m.IID) + p.ID*1000, IID: m.IID, ProjectID: p.ID, Title: m.Title, Description: m.Description,
		State: m.State, CreatedAt: stamp(m.Created), UpdatedAt: stamp(m.Updated), MergedAt: stamp(m.Merged), ClosedAt: stamp(m.Closed),
		TargetBranch: m.TargetBranch, SourceBranch: m.SourceBranch, Author: s.wireUser(m.Author),
		Assignees: []*wireUser{}, Reviewers: []*wireUser{}, SourceProjectID: p.ID, TargetProjectID: p.ID,
		Labels: append([]string{}, m.Labels...), Draft: m.Draft,
		DetailedMergeStatus: "mergeable", MergeCommitSHA: optional(m.MergeCommitSHA),
		WebURL:     fmt.Sprintf("%s/%s/-/merge_requests/%d", s.URL(), p.FullName(), m.IID),
		References: &wireReferences{Short: fmt.Sprintf("!%d", m.IID), Relative: fmt.Sprintf("!%d", m.IID), Full: fmt.Sprintf("%s!%d", p.FullName(), m.IID)},
	}
	if m.Fork {
		out.SourceProjectID = p.ID + 1_000_000
	}
	for _, r := range m.Reviewers {
		out.Reviewers = append(out.Reviewers, s.wireUser(r))
	}
	if m.State == "merged" {
		out.MergeUser = s.wireUser(BotUsername)
	}
	s.mu.Unlock()
	base, start, head := s.diffRefs(p, m)
	out.SHA = head
	if single {
		out.DiffRefs = &wireDiffRefs{BaseSHA: base, HeadSHA: head, StartSHA: start}
		out.ChangesCount = optional("1")
		out.Subscribed = new(bool)
		out.WorkInProgress = &m.Draft
	}
	return out
}

type wirePosition struct {
	BaseSHA      string `json:"base_sha"`
	StartSHA     string `json:"start_sha"`
	HeadSHA      string `json:"head_sha"`
	OldPath      string `json:"old_path"`
	NewPath      string `json:"new_path"`
	PositionType string `json:"position_type"`
	OldLine      *int   `json:"old_line"`
	NewLine      *int   `json:"new_line"`
	LineRange    *int   `json:"line_range"`
}

type wireNote struct {
	ID           int64         `json:"id"`
	Type         *string       `json:"type"`
	Body         string        `json:"body"`
	Attachment   *string       `json:"attachment"`
	Author       *wireUser     `json:"author"`
	CreatedAt    *string       `json:"created_at"`
	UpdatedAt    *string       `json:"updated_at"`
	System       bool          `json:"system"`
	NoteableID   int64         `json:"noteable_id"`
	NoteableType string        `json:"noteable_type"`
	ProjectID    int64         `json:"project_id"`
	CommitID     *string       `json:"commit_id"`
	Position     *wirePosition `json:"position,omitempty"`
	Resolvable   bool          `json:"resolvable"`
	Resolved     *bool         `json:"resolved,omitempty"`
	ResolvedBy   *wireUser     `json:"resolved_by,omitempty"`
	ResolvedAt   *string       `json:"resolved_at,omitempty"`
	Confidential bool          `json:"confidential"`
	Internal     bool          `json:"internal"`
	NoteableIID  int           `json:"noteable_iid"`
}

func lineOrNil(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// wireNote is n of merge request m; s.mu is held.
func (s *Server) wireNote(p *project, m *mergeRequest, d *discussion, n *Note) wireNote {
	out := wireNote{
		ID: n.ID, Body: n.Body, Author: s.wireUser(n.Author), CreatedAt: stamp(n.Created), UpdatedAt: stamp(n.Updated),
		System: n.System, NoteableID: m.id, NoteableType: "MergeRequest", ProjectID: p.ID, Resolvable: n.Resolvable,
		NoteableIID: m.IID,
	}
	switch {
	case n.Position != nil:
		out.Type = optional("DiffNote")
		pos := n.Position
		out.Position = &wirePosition{BaseSHA: pos.BaseSHA, StartSHA: pos.StartSHA, HeadSHA: pos.HeadSHA, OldPath: pos.OldPath,
			NewPath: pos.NewPath, PositionType: "text", OldLine: lineOrNil(pos.OldLine), NewLine: lineOrNil(pos.NewLine)}
	case !d.individual:
		out.Type = optional("DiscussionNote")
	}
	if n.Resolvable {
		resolved := n.Resolved
		out.Resolved = &resolved
		if resolved {
			out.ResolvedBy = s.wireUser(n.ResolvedBy)
			out.ResolvedAt = stamp(n.Updated)
		}
	}
	return out
}

type wireDiscussion struct {
	ID             string     `json:"id"`
	IndividualNote bool       `json:"individual_note"`
	Notes          []wireNote `json:"notes"`
}

func (s *Server) wireDiscussion(p *project, m *mergeRequest, d *discussion) wireDiscussion {
	out := wireDiscussion{ID: d.id, IndividualNote: d.individual, Notes: []wireNote{}}
	for _, n := range d.notes {
		out.Notes = append(out.Notes, s.wireNote(p, m, d, n))
	}
	return out
}

type wireApprover struct {
	User *wireUser `json:"user"`
}

type wireApprovals struct {
	ID                             int64          `json:"id"`
	IID                            int            `json:"iid"`
	ProjectID                      int64          `json:"project_id"`
	Title                          string         `json:"title"`
	Description                    string         `json:"description"`
	State                          string         `json:"state"`
	CreatedAt                      *string        `json:"created_at"`
	UpdatedAt                      *string        `json:"updated_at"`
	MergeStatus                    string         `json:"merge_status"`
	Approved                       bool           `json:"approved"`
	ApprovalsRequired              int            `json:"approvals_required"`
	ApprovalsLeft                  int            `json:"approvals_left"`
	RequirePasswordToApprove       bool           `json:"require_password_to_approve"`
	ApprovedBy                     []wireApprover `json:"approved_by"`
	SuggestedApprovers             []*wireUser    `json:"suggested_approvers"`
	Approvers                      []wireApprover `json:"approvers"`
	ApproverGroups                 []wireApprover `json:"approver_groups"`
	UserHasApproved                bool           `json:"user_has_approved"`
	UserCanApprove                 bool           `json:"user_can_approve"`
	ApprovalRulesLeft              []wireApprover `json:"approval_rules_left"`
	HasApprovalRules               bool           `json:"has_approval_rules"`
	MergeRequestApproversAvailable bool           `json:"merge_request_approvers_available"`
	MultipleApprovalRulesAvailable bool           `json:"multiple_approval_rules_available"`
}

type wireIssue struct {
	ID          int64           `json:"id"`
	IID         int             `json:"iid"`
	ProjectID   int64           `json:"project_id"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	State       string          `json:"state"`
	CreatedAt   *string         `json:"created_at"`
	UpdatedAt   *string         `json:"updated_at"`
	ClosedAt    *string         `json:"closed_at"`
	Labels      []string        `json:"labels"`
	Author      *wireUser       `json:"author"`
	Assignees   []*wireUser     `json:"assignees"`
	IssueType   string          `json:"issue_type"`
	WebURL      string          `json:"web_url"`
	References  *wireReferences `json:"references"`
}
