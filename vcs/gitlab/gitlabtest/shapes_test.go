package gitlabtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
)

// TestShapesDecodeWithClientGo holds the fake to GitLab's published REST
// API shapes: every answer decodes into client-go's own types with no
// field client-go does not know (so the fake invents none), and the
// fields dip reads are set. Each row names the GitLab documentation page
// (docs.gitlab.com/api/…) whose example response it follows.
func TestShapesDecodeWithClientGo(t *testing.T) {
	s := gitlabtest.New(t)
	repo, r, iid := served(t, s)
	s.AddHook("acme/infra/platform", gitlabtest.Hook{URL: "https://dip.example/webhooks/gitlab", MergeRequestsEvents: true, PushEvents: true})
	s.AddMember("acme/infra/platform", "alice", gitlabtest.Developer)
	alice := s.AddUser("alice")
	s.Approve("acme/infra/platform", iid, "bob")
	head := r.Git(r.Work, "rev-parse", "change")
	p := fmt.Sprintf("/projects/%d", repo.ID)
	mr := fmt.Sprintf("%s/merge_requests/%d", p, iid)
	post := func(path, body string) {
		if resp := call(t, s, http.MethodPost, path, "", body, nil); resp.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, bodyOf(resp))
		}
	}
	post(p+"/statuses/"+head, `{"state":"success","name":"dip/validate","ref":"change","description":"ok","target_url":"https://gitlab.example/n"}`)
	post(mr+"/notes", `{"body":"<!-- dip:report -->"}`)
	post(mr+"/discussions", `{"body":"a finding"}`)
	post(p+"/issues", `{"title":"Migrations","description":"tracking","labels":"dip-migrations"}`)

	for _, tc := range []struct {
		doc, path string
		into      func() any
		check     func(v any) error
	}{
		{"users/#get-the-current-user", "/user", func() any { return &gitlab.User{} }, func(v any) error {
			return need(v.(*gitlab.User).ID != 0 && v.(*gitlab.User).Username == gitlabtest.BotUsername, "id and username")
		}},
		{"users/#list-users", "/users?username=alice", func() any { return &[]*gitlab.User{} }, func(v any) error {
			l := *v.(*[]*gitlab.User)
			return need(len(l) == 1 && l[0].ID == alice && l[0].Username == "alice", "the user's id and username")
		}},
		{"projects/#list-all-projects", "/projects?membership=true&min_access_level=40&archived=false", func() any { return &[]*gitlab.Project{} }, func(v any) error {
			l := *v.(*[]*gitlab.Project)
			return need(len(l) == 1 && l[0].ID == repo.ID && l[0].PathWithNamespace == "acme/infra/platform" && l[0].HTTPURLToRepo == repo.CloneURL &&
				l[0].DefaultBranch == "main" && l[0].Path == "platform", "id, path_with_namespace, path, http_url_to_repo, default_branch")
		}},
		{"project_webhooks/#list-webhooks-for-a-project", p + "/hooks", func() any { return &[]*gitlab.ProjectHook{} }, func(v any) error {
			l := *v.(*[]*gitlab.ProjectHook)
			return need(len(l) == 1 && strings.HasSuffix(l[0].URL, "/webhooks/gitlab") && l[0].MergeRequestsEvents && l[0].PushEvents, "url and events")
		}},
		{"members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members", fmt.Sprintf("%s/members/all/%d", p, alice),
			func() any { return &gitlab.ProjectMember{} }, func(v any) error {
				m := v.(*gitlab.ProjectMember)
				return need(m.Username == "alice" && m.State == "active" && m.AccessLevel == gitlab.DeveloperPermissions, "username, state, access_level")
			}},
		{"commits/#list-the-statuses-of-a-commit", p + "/repository/commits/" + head + "/statuses", func() any { return &[]*gitlab.CommitStatus{} }, func(v any) error {
			l := *v.(*[]*gitlab.CommitStatus)
			return need(len(l) == 1 && l[0].ID != 0 && l[0].Name == "dip/validate" && l[0].Status == "success" && l[0].SHA == head &&
				l[0].Description == "ok" && l[0].TargetURL != "", "id, name, status, sha, description, target_url")
		}},
		{"commits/#list-merge-requests-associated-with-a-commit", p + "/repository/commits/" + head + "/merge_requests",
			func() any { return &[]*gitlab.BasicMergeRequest{} }, func(v any) error {
				l := *v.(*[]*gitlab.BasicMergeRequest)
				return need(len(l) == 1 && l[0].IID == int64(iid) && l[0].State == "opened", "iid and state")
			}},
		{"merge_requests/#list-project-merge-requests", p + "/merge_requests?state=opened&order_by=created_at&sort=asc",
			func() any { return &[]*gitlab.BasicMergeRequest{} }, func(v any) error {
				l := *v.(*[]*gitlab.BasicMergeRequest)
				return need(len(l) == 1 && checkMR(l[0], head), "iid, sha, branches, author, web_url, project ids, created_at")
			}},
		{"merge_requests/#get-single-mr", mr, func() any { return &gitlab.MergeRequest{} }, func(v any) error {
			m := v.(*gitlab.MergeRequest)
			return need(checkMR(&m.BasicMergeRequest, head) && m.DiffRefs.HeadSha == head && m.DiffRefs.BaseSha != "" && m.DiffRefs.StartSha != "",
				"the list's fields and diff_refs")
		}},
		{"merge_requests/#list-merge-request-diffs", mr + "/diffs", func() any { return &[]*gitlab.MergeRequestDiff{} }, func(v any) error {
			l := *v.(*[]*gitlab.MergeRequestDiff)
			return need(len(l) == 2 && l[0].NewPath == "requests/a.yaml" && l[0].OldPath == "requests/a.yaml" && strings.HasPrefix(l[0].Diff, "@@"),
				"old_path, new_path, diff")
		}},
		{"merge_request_approvals/#retrieve-approval-state-for-a-merge-request", mr + "/approvals", func() any { return &gitlab.MergeRequestApprovals{} }, func(v any) error {
			a := v.(*gitlab.MergeRequestApprovals)
			return need(len(a.ApprovedBy) == 1 && a.ApprovedBy[0].User != nil && a.ApprovedBy[0].User.Username == "bob", "approved_by[].user.username")
		}},
		{"notes/#list-all-merge-request-notes", mr + "/notes?sort=asc&order_by=created_at", func() any { return &[]*gitlab.Note{} }, func(v any) error {
			l := *v.(*[]*gitlab.Note)
			return need(len(l) == 2 && l[0].ID != 0 && l[0].Author.ID != 0 && l[0].Body == "<!-- dip:report -->" && !l[0].System, "id, body, author.id, system")
		}},
		{"discussions/#list-project-merge-request-discussion-items", mr + "/discussions", func() any { return &[]*gitlab.Discussion{} }, func(v any) error {
			l := *v.(*[]*gitlab.Discussion)
			return need(len(l) == 2 && l[0].IndividualNote && !l[1].IndividualNote && len(l[1].ID) == 40 && l[1].Notes[0].Resolvable && l[1].Notes[0].Author.ID != 0,
				"id, individual_note, notes[].resolvable, notes[].author")
		}},
		{"issues/#list-project-issues", p + "/issues?labels=dip-migrations&order_by=created_at&sort=asc", func() any { return &[]*gitlab.Issue{} }, func(v any) error {
			l := *v.(*[]*gitlab.Issue)
			return need(len(l) == 1 && l[0].IID == 1 && l[0].Title == "Migrations" && l[0].State == "opened" && l[0].WebURL != "" && l[0].Author.Username == gitlabtest.BotUsername,
				"iid, title, description, state, web_url, author")
		}},
	} {
		t.Run(strings.ReplaceAll(tc.doc, "/", "_"), func(t *testing.T) {
			resp := call(t, s, http.MethodGet, tc.path, "", "", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d %s", tc.path, resp.StatusCode, bodyOf(resp))
			}
			body := bodyOf(resp)
			v := tc.into()
			dec := json.NewDecoder(bytes.NewReader([]byte(body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(v); err != nil {
				t.Fatalf("GET %s does not decode into client-go's %T: %v\n%s", tc.path, v, err, body)
			}
			if err := tc.check(v); err != nil {
				t.Errorf("GET %s: %v\n%s", tc.path, err, body)
			}
		})
	}
}

func checkMR(m *gitlab.BasicMergeRequest, head string) bool {
	return m.IID != 0 && m.SHA == head && m.SourceBranch == "change" && m.TargetBranch == "main" && m.Author != nil && m.Author.Username == "alice" &&
		m.WebURL != "" && m.SourceProjectID == m.TargetProjectID && m.CreatedAt != nil && m.State == "opened" && m.Title == "Change"
}

func need(ok bool, what string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("lacks %s", what)
}
