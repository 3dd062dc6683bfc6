package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dipdev/dip/vcs"
)

// RecheckCommand is the note that asks dip to check a merge request's
// head again, written on its own (case and surrounding space aside) by a
// member of the project.
const RecheckCommand = "dip recheck"

// The parts of GitLab's webhook payloads dip reads, as
// docs.gitlab.com/user/project/integrations/webhook_events/ shows them;
// everything else is ignored, whatever its type.
type (
	glProject struct {
		ID                int64  `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
		GitHTTPURL        string `json:"git_http_url"`
		DefaultBranch     string `json:"default_branch"`
	}
	glUser struct {
		Username string `json:"username"`
	}
	glMergeRequest struct {
		IID             int    `json:"iid"`
		Action          string `json:"action"`
		State           string `json:"state"`
		Title           string `json:"title"`
		URL             string `json:"url"`
		SourceBranch    string `json:"source_branch"`
		TargetBranch    string `json:"target_branch"`
		SourceProjectID int64  `json:"source_project_id"`
		TargetProjectID int64  `json:"target_project_id"`
		Draft           bool   `json:"draft"`
		WorkInProgress  bool   `json:"work_in_progress"`
		// OldRev is set on an update that brought new commits.
		OldRev     string `json:"oldrev"`
		LastCommit struct {
			ID string `json:"id"`
		} `json:"last_commit"`
	}
	glMergeRequestHook struct {
		User             glUser                     `json:"user"`
		Project          glProject                  `json:"project"`
		ObjectAttributes glMergeRequest             `json:"object_attributes"`
		Changes          map[string]json.RawMessage `json:"changes"`
	}
	glPushHook struct {
		Ref          string    `json:"ref"`
		After        string    `json:"after"`
		UserUsername string    `json:"user_username"`
		Project      glProject `json:"project"`
	}
	glNoteHook struct {
		User             glUser    `json:"user"`
		Project          glProject `json:"project"`
		ObjectAttributes struct {
			Note         string `json:"note"`
			NoteableType string `json:"noteable_type"`
			System       bool   `json:"system"`
		} `json:"object_attributes"`
		MergeRequest *glMergeRequest `json:"merge_request"`
	}
)

// decodeGitLab turns a delivery of event name into dip's event. act is
// false for an event or action dip ignores; the event then names what was
// ignored, for the log. An error means a payload that lacks what dip
// needs.
func decodeGitLab(name string, body []byte) (ev vcs.Event, act bool, err error) {
	switch name {
	case "Merge Request Hook":
		var p glMergeRequestHook
		if err := json.Unmarshal(body, &p); err != nil {
			return vcs.Event{Host: vcs.GitLab, Name: name}, false, decodeError(err)
		}
		ev, act = mergeRequestHook(&p)
	case "Push Hook":
		var p glPushHook
		if err := json.Unmarshal(body, &p); err != nil {
			return vcs.Event{Host: vcs.GitLab, Name: name}, false, decodeError(err)
		}
		ev, act = pushHook(&p)
	case "Note Hook":
		var p glNoteHook
		if err := json.Unmarshal(body, &p); err != nil {
			return vcs.Event{Host: vcs.GitLab, Name: name}, false, decodeError(err)
		}
		ev, act = noteHook(&p)
	default:
		// System hooks, tag pushes, pipelines and the rest.
		return vcs.Event{Host: vcs.GitLab, Name: name}, false, nil
	}
	ev.Host, ev.Name = vcs.GitLab, name
	if act {
		err = validateGitLab(ev)
	}
	return ev, act, err
}

// decodeError names what was wrong with a payload, never its content.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("field %s: not a %s", te.Field, te.Type)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not JSON at offset %d", se.Offset)
	}
	return errors.New("not a JSON object")
}

func project(p glProject) vcs.Repo {
	owner, name, _ := cutLast(p.PathWithNamespace, "/")
	return vcs.Repo{Host: vcs.GitLab, ID: p.ID, Owner: owner, Name: name, CloneURL: p.GitHTTPURL, DefaultBranch: p.DefaultBranch}
}

// cutLast is strings.Cut at the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+len(sep):], true
}

func mergeRequest(m *glMergeRequest) *vcs.PullRequest {
	return &vcs.PullRequest{
		Number:  m.IID,
		URL:     m.URL,
		HeadSHA: m.LastCommit.ID,
		HeadRef: m.SourceBranch,
		BaseRef: m.TargetBranch,
		Fork:    m.SourceProjectID != 0 && m.SourceProjectID != m.TargetProjectID,
		Draft:   m.Draft || m.WorkInProgress,
		Title:   m.Title,
	}
}

// mergeRequestHook checks a merge request opened, reopened, given new
// commits (an update with oldrev) or retargeted. A title or label change,
// an approval, a close and a merge change nothing dip judges: the merge's
// push to the target branch is what renders. A close or merge of one of
// the migration bot's merge requests runs the bot.
func mergeRequestHook(p *glMergeRequestHook) (vcs.Event, bool) {
	m := &p.ObjectAttributes
	ev := vcs.Event{Action: m.Action, Repo: project(p.Project), Sender: p.User.Username, PullRequest: mergeRequest(m), SHA: m.LastCommit.ID}
	if m.Action == "open" {
		ev.PullRequest.Author = p.User.Username
	}
	_, retargeted := p.Changes["target_branch"]
	switch {
	case (m.Action == "close" || m.Action == "merge") && !ev.PullRequest.Fork && vcs.IsMigrationBranch(m.SourceBranch):
		// One of the migration bot's merge requests, closed or merged:
		// the bot takes note at once instead of at the next sweep.
		ev.Kind = vcs.EventMigrate
		return ev, true
	case m.State != "" && m.State != "opened":
		return ev, false
	case m.Action == "open", m.Action == "reopen":
	case m.Action == "update" && (m.OldRev != "" || retargeted):
	default:
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

// pushHook renders a push to the default branch that does not delete it.
func pushHook(p *glPushHook) (vcs.Event, bool) {
	ev := vcs.Event{Repo: project(p.Project), Sender: p.UserUsername, SHA: p.After, Ref: strings.TrimPrefix(p.Ref, "refs/heads/")}
	deleted := p.After != "" && strings.Trim(p.After, "0") == ""
	if p.Project.DefaultBranch == "" || p.Ref != "refs/heads/"+p.Project.DefaultBranch || deleted {
		return ev, false
	}
	ev.Kind = vcs.EventPush
	return ev, true
}

// noteHook checks a merge request again when a note on it is the recheck
// command. The job asks GitLab whether the note's author is a member
// before it acts.
func noteHook(p *glNoteHook) (vcs.Event, bool) {
	ev := vcs.Event{Action: "note", Repo: project(p.Project), Sender: p.User.Username}
	a := p.ObjectAttributes
	if a.NoteableType != "MergeRequest" || a.System || p.MergeRequest == nil || !strings.EqualFold(strings.TrimSpace(a.Note), RecheckCommand) {
		return ev, false
	}
	m := p.MergeRequest
	ev.Action, ev.PullRequest, ev.SHA, ev.Commenter = "recheck", mergeRequest(m), m.LastCommit.ID, p.User.Username
	if m.State != "opened" {
		return ev, false
	}
	ev.Kind = vcs.EventCheck
	return ev, true
}

// validateGitLab refuses an event the workers could not act on. Commit
// ids go to git, so they must be commit ids.
func validateGitLab(ev vcs.Event) error {
	if ev.Repo.ID <= 0 || ev.Repo.Owner == "" || ev.Repo.Name == "" {
		return errors.New("no project id or path")
	}
	if !strings.HasPrefix(ev.Repo.CloneURL, "https://") && !strings.HasPrefix(ev.Repo.CloneURL, "http://") {
		return errors.New("project git_http_url is not an HTTP URL")
	}
	if err := checkSHA("sha", ev.SHA); err != nil {
		return err
	}
	if ev.Kind == vcs.EventPush && ev.Ref == "" {
		return errors.New("push: no branch")
	}
	if pr := ev.PullRequest; pr != nil {
		if pr.Number <= 0 {
			return fmt.Errorf("merge request iid %d", pr.Number)
		}
		if pr.BaseRef == "" {
			return errors.New("merge request: no target branch")
		}
	}
	if ev.Action == "recheck" && ev.Commenter == "" {
		return errors.New("recheck: no author")
	}
	if ev.Commenter != "" && strings.ContainsAny(ev.Commenter, "/?#% ") {
		return fmt.Errorf("commenter %q: not a username", cut(ev.Commenter, 80))
	}
	return nil
}
