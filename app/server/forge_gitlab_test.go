package server_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dipdev/dip/app/server"
	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/vcs/gitlab"
	"github.com/dipdev/dip/vcs/gitlab/gitlabtest"
)

// gitlabSecret is the secret token of dip's GitLab webhook.
const gitlabSecret = "gitlab-webhook-secret"

// gitlabForge is a fake GitLab serving env's repository as project
// acme/platform, with dip's webhook on it.
type gitlabForge struct {
	e       *env
	gl      *gitlabtest.Server
	project vcs.Repo
}

func newGitLabForge(t testing.TB, seed string) forge { return newGitLab(t, seed) }

func newGitLab(t testing.TB, seed string, opts ...gitlabtest.Option) gitlabForge {
	e := newEnvFrom(t, seed)
	gl := gitlabtest.New(t, opts...)
	project := gl.AddProject(vcs.Repo{Owner: owner, Name: repoName})
	gl.ServeGit(owner+"/"+repoName, e.remote.bare)
	gl.AddHook(owner+"/"+repoName, gitlabtest.Hook{URL: "https://dip.example/webhooks/gitlab", MergeRequestsEvents: true, PushEvents: true, NoteEvents: true})
	return gitlabForge{e: e, gl: gl, project: project}
}

func (gitlabForge) name() string { return "gitlab" }
func (f gitlabForge) env() *env  { return f.e }

// start runs dip serve with GitLab alone.
func (f gitlabForge) start(o dipOptions) *dip {
	next := o.config
	o.config = func(c *server.Config) {
		c.AppID, c.PrivateKey, c.WebhookSecret, c.APIURL = 0, nil, nil, ""
		f.configure(c)
		if next != nil {
			next(c)
		}
	}
	return f.e.start(o)
}

// configure adds f's GitLab to c.
func (f gitlabForge) configure(c *server.Config) {
	c.GitLabURL, c.GitLabToken, c.GitLabWebhookSecret = f.gl.URL(), f.gl.Token(), []byte(gitlabSecret)
}

func (f gitlabForge) open(d *dip, n int, branch, sha string, fork bool, delivery string) int {
	f.gl.AddMergeRequest(owner+"/"+repoName, gitlabtest.MergeRequest{
		IID: n, Author: "dev" + strconv.Itoa(n), SourceBranch: branch, SHA: sha, Fork: fork, Title: "Change " + branch,
	})
	return deliverGitLab(f.e.t, d, "Merge Request Hook", delivery, f.mergeRequestHook(n, branch, sha, "open", fork))
}

// projectHook is the project of a GitLab webhook payload.
func (f gitlabForge) projectHook() map[string]any {
	return map[string]any{
		"id": f.project.ID, "name": repoName, "path_with_namespace": owner + "/" + repoName, "namespace": owner,
		"git_http_url": f.project.CloneURL, "web_url": f.gl.URL() + "/" + owner + "/" + repoName, "default_branch": "main",
		"visibility_level": 0,
	}
}

// mergeRequestHook is a Merge Request Hook payload of action on change n.
func (f gitlabForge) mergeRequestHook(n int, branch, sha, action string, fork bool) map[string]any {
	source := f.project.ID
	if fork {
		source = f.project.ID + 1000
	}
	attrs := f.mergeRequestAttrs(n, branch, sha, source)
	attrs["action"] = action
	return map[string]any{
		"object_kind": "merge_request", "event_type": "merge_request",
		"user":    map[string]any{"id": n, "name": "Dev", "username": "dev" + strconv.Itoa(n)},
		"project": f.projectHook(), "object_attributes": attrs, "labels": []any{}, "changes": map[string]any{},
	}
}

func (f gitlabForge) mergeRequestAttrs(n int, branch, sha string, source int64) map[string]any {
	return map[string]any{
		"id": 9000 + n, "iid": n, "target_branch": "main", "source_branch": branch, "source_project_id": source,
		"target_project_id": f.project.ID, "state": "opened", "title": "Change " + branch, "draft": false,
		"url":         fmt.Sprintf("%s/%s/%s/-/merge_requests/%d", f.gl.URL(), owner, repoName, n),
		"last_commit": map[string]any{"id": sha, "message": "change", "title": "change"},
	}
}

// noteHook is a Note Hook payload of body, by username, on change n.
func (f gitlabForge) noteHook(n int, branch, sha, username, body string) map[string]any {
	return map[string]any{
		"object_kind": "note", "event_type": "note",
		"user":              map[string]any{"id": 77, "name": username, "username": username},
		"project_id":        f.project.ID,
		"project":           f.projectHook(),
		"object_attributes": map[string]any{"id": 1244, "note": body, "noteable_type": "MergeRequest", "system": false, "action": "create"},
		"merge_request":     f.mergeRequestAttrs(n, branch, sha, f.project.ID),
	}
}

// pushHook is the Push Hook of after to main.
func (f gitlabForge) pushHook(before, after string) map[string]any {
	return map[string]any{
		"object_kind": "push", "event_name": "push", "before": before, "after": after, "ref": "refs/heads/main",
		"checkout_sha": after, "user_username": "merger", "project_id": f.project.ID, "project": f.projectHook(),
		"commits": []any{}, "total_commits_count": 1,
	}
}

// deliverGitLab sends a webhook as GitLab does and returns the status.
func deliverGitLab(t testing.TB, d *dip, event, id string, payload any) int {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, d.url+"/webhooks/gitlab", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitlab-Event", event)
	req.Header.Set("X-Gitlab-Event-UUID", id)
	req.Header.Set("X-Gitlab-Token", gitlabSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// conclusions maps GitLab's commit status states to dip's conclusions.
var conclusions = map[string]string{"success": "success", "failed": "failure", "canceled": "neutral", "skipped": "skipped"}

func (f gitlabForge) checks(sha string) map[string]checkState {
	report := ""
	for _, m := range f.gl.MergeRequests(owner + "/" + repoName) {
		if m.SHA != sha {
			continue
		}
		for _, n := range f.gl.Notes(owner+"/"+repoName, m.IID) {
			if strings.HasPrefix(n.Body, "<!-- dip:report -->") {
				report = n.Body
			}
		}
	}
	out := map[string]checkState{}
	for name, st := range f.gl.LatestStatuses(owner+"/"+repoName, sha) {
		c, done := conclusions[st.State]
		out[name] = checkState{done: done, conclusion: c, summary: report}
	}
	return out
}

var (
	threadCheck = regexp.MustCompile(`\*\*(dip/[a-z]+)\*\*`)
	threadLine  = regexp.MustCompile("On `([^`]+)` line ([0-9]+)")
)

// findings are the threads dip keeps on change n: on their line of the
// diff, or naming it.
func (f gitlabForge) findings(n int, _ string) []placed {
	var out []placed
	for _, d := range f.gl.Discussions(owner+"/"+repoName, n) {
		first := d.Notes[0]
		m := threadCheck.FindStringSubmatch(first.Body)
		if d.IndividualNote || m == nil || !strings.Contains(first.Body, "<!-- dip:finding:") || first.Resolved {
			continue
		}
		p := placed{check: m[1]}
		if pos := first.Position; pos != nil {
			p.file, p.line = pos.NewPath, pos.NewLine
		} else if l := threadLine.FindStringSubmatch(first.Body); l != nil {
			p.file = l[1]
			p.line, _ = strconv.Atoi(l[2])
		}
		out = append(out, p)
	}
	return out
}

func (f gitlabForge) merge(d *dip, n int, branch, author string, approvers []string, merge, before, delivery string) int {
	full := owner + "/" + repoName
	f.gl.AddMergeRequest(full, gitlabtest.MergeRequest{IID: n, Author: author, SourceBranch: branch, Title: "Merge " + branch})
	f.gl.MergeMergeRequest(full, n, merge)
	f.gl.Approve(full, n, approvers...)
	return deliverGitLab(f.e.t, d, "Push Hook", delivery, f.pushHook(before, merge))
}

func (f gitlabForge) faults(n int) {
	f.gl.FailNext(http.MethodPost, fmt.Sprintf("/projects/%d/statuses/", f.project.ID), http.StatusBadGateway, n)
	f.gl.FailNext(http.MethodPost, fmt.Sprintf("/projects/%d/merge_requests/", f.project.ID), http.StatusBadGateway, n)
	f.gl.Throttle(n, time.Second)
}

func (f gitlabForge) refuseNextStart() {
	f.gl.FailNext(http.MethodPost, fmt.Sprintf("/projects/%d/statuses/", f.project.ID), http.StatusUnprocessableEntity, 1)
}

func (f gitlabForge) checkWrites() int {
	return f.gl.CountRequests(http.MethodPost, fmt.Sprintf("/projects/%d/statuses/", f.project.ID))
}

func (f gitlabForge) duplicates(n int, _ string) string {
	reports, threads := 0, map[string]int{}
	for _, d := range f.gl.Discussions(owner+"/"+repoName, n) {
		body := d.Notes[0].Body
		if strings.HasPrefix(body, "<!-- dip:report -->") {
			reports++
		}
		if _, fp, ok := strings.Cut(body, "<!-- dip:finding:"); ok {
			threads[fp]++
		}
	}
	if reports > 1 {
		return fmt.Sprintf("%d report notes", reports)
	}
	for fp, c := range threads {
		if c > 1 {
			return fmt.Sprintf("%d threads of finding %s", c, fp)
		}
	}
	return ""
}

// committer is dip's identity on the fake GitLab's host.
func (f gitlabForge) committer() string {
	u, err := url.Parse(f.gl.URL())
	if err != nil {
		f.e.t.Fatal(err)
	}
	return "dip <" + gitlab.Committer(u.Hostname()).Email + ">"
}

func (f gitlabForge) child() []string {
	return []string{"CHILD_FORGE=gitlab", "CHILD_GITLAB_URL=" + f.gl.URL(), "CHILD_GITLAB_TOKEN=" + f.gl.Token()}
}

// newDeliveryID is a fresh X-Gitlab-Event-UUID.
func newDeliveryID() string {
	b := make([]byte, 16)
	rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
