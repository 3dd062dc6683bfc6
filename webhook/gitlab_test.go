package webhook_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/webhook"
)

const (
	gitlabToken = "gitlab webhook token"
	eventUUID   = "13792a34-cac6-4fda-95a8-c58e00a3954e"
	head        = "1f2e3d4c5b6a79880123456789abcdef01234567"
	glMergeSHA  = "9c8b7a6f5e4d3c2b1a0918273645546372819aab"
)

func gitlabFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "gitlab", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gitlabRequest is a delivery as GitLab sends it, with the token.
func gitlabRequest(event string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "GitLab/18.2.0")
	r.Header.Set("X-Gitlab-Event", event)
	r.Header.Set("X-Gitlab-Event-UUID", eventUUID)
	r.Header.Set("X-Gitlab-Webhook-UUID", "0f8bd5ce-9dfb-4c35-b0ce-0f41a0b6a8b0")
	r.Header.Set("X-Gitlab-Instance", "https://gitlab.example")
	r.Header.Set("Idempotency-Key", "5bd5b8a8-1a3b-4b38-bd5f-0b3e84e5c5a1")
	r.Header.Set("X-Gitlab-Token", gitlabToken)
	return r
}

var glRepo = vcs.Repo{Host: vcs.GitLab, ID: 42, Owner: "acme/infra", Name: "platform",
	CloneURL: "https://gitlab.example/acme/infra/platform.git", DefaultBranch: "main"}

func glPull(fork bool) *vcs.PullRequest {
	return &vcs.PullRequest{Number: 7, URL: "https://gitlab.example/acme/infra/platform/-/merge_requests/7",
		HeadSHA: head, HeadRef: "add-queue", BaseRef: "main", Fork: fork, Title: "Add the refunds queue"}
}

// glMigration is merge request 7 on one of the migration bot's branches.
func glMigration(fork bool) *vcs.PullRequest {
	p := glPull(fork)
	p.HeadRef = "dip/migrate/service-v1-to-v2/payments"
	return p
}

func TestGitLabToken(t *testing.T) {
	body := gitlabFixture(t, "merge_request_open")
	for _, tc := range []struct{ name, token string }{
		{"missing", ""},
		{"wrong", "not the token"},
		{"prefix", gitlabToken[:5]},
		{"longer", gitlabToken + "x"},
		{"case", strings.ToUpper(gitlabToken)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &queue{}
			reg := prometheus.NewRegistry()
			h := webhook.NewGitLab([]byte(gitlabToken), q, webhook.WithMetrics(reg))
			r := gitlabRequest("Merge Request Hook", body)
			r.Header.Set("X-Gitlab-Token", tc.token)
			w := serve(h, r)
			if w.Code != http.StatusUnauthorized || w.Body.String() != "invalid token" {
				t.Errorf("answer = %d %q, want 401 invalid token", w.Code, w.Body)
			}
			if q.len() != 0 {
				t.Errorf("enqueued %+v", q.events)
			}
			// The event header is not trusted before the token is.
			if got := hostDeliveries(t, reg, "gitlab", "unknown", "unauthorized"); got != 1 {
				t.Errorf("unauthorized deliveries = %v, want 1", got)
			}
		})
	}
	// A wrong token is refused before the body is read.
	q := &queue{}
	body2 := &zeros{n: 1 << 20}
	r := gitlabRequest("Merge Request Hook", nil)
	r.Body = io.NopCloser(body2)
	r.Header.Set("X-Gitlab-Token", "wrong")
	if w := serve(webhook.NewGitLab([]byte(gitlabToken), q), r); w.Code != http.StatusUnauthorized || body2.read != 0 {
		t.Errorf("answer %d after reading %d bytes", w.Code, body2.read)
	}
}

func TestGitLabEvents(t *testing.T) {
	for _, tc := range []struct {
		fixture, event string
		status         int
		want           *vcs.Event
	}{
		{"merge_request_open", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventCheck, Action: "open", Repo: glRepo, SHA: head, Sender: "alice",
			PullRequest: func() *vcs.PullRequest { p := glPull(false); p.Author = "alice"; return p }()}},
		{"merge_request_open_fork", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventCheck, Action: "open", Repo: glRepo, SHA: head, Sender: "alice",
			PullRequest: func() *vcs.PullRequest { p := glPull(true); p.Author = "alice"; return p }()}},
		{"merge_request_update_commits", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventCheck, Action: "update", Repo: glRepo, SHA: head, Sender: "alice", PullRequest: glPull(false)}},
		{"merge_request_update_target", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventCheck, Action: "update", Repo: glRepo, SHA: head, Sender: "alice", PullRequest: glPull(false)}},
		{"merge_request_reopen", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventCheck, Action: "reopen", Repo: glRepo, SHA: head, Sender: "alice", PullRequest: glPull(false)}},
		{"merge_request_update_title", "Merge Request Hook", http.StatusOK, nil},
		{"merge_request_close", "Merge Request Hook", http.StatusOK, nil},
		{"merge_request_merge", "Merge Request Hook", http.StatusOK, nil},
		// The migration bot's merge request closed or merged runs the bot.
		{"merge_request_close_migration", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventMigrate, Action: "close", Repo: glRepo, SHA: head, Sender: "alice", PullRequest: glMigration(false)}},
		{"merge_request_merge_migration", "Merge Request Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventMigrate, Action: "merge", Repo: glRepo, SHA: head, Sender: "alice", PullRequest: glMigration(false)}},
		{"merge_request_close_migration_fork", "Merge Request Hook", http.StatusOK, nil},
		{"merge_request_approved", "Merge Request Hook", http.StatusOK, nil},
		{"push_default_branch", "Push Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventPush, Repo: glRepo, SHA: glMergeSHA, Ref: "main", Sender: "alice"}},
		{"push_other_branch", "Push Hook", http.StatusOK, nil},
		{"push_default_branch_deleted", "Push Hook", http.StatusOK, nil},
		{"tag_push", "Tag Push Hook", http.StatusOK, nil},
		{"note_recheck", "Note Hook", http.StatusAccepted, &vcs.Event{
			Kind: vcs.EventCheck, Action: "recheck", Repo: glRepo, SHA: head, Sender: "bob", Commenter: "bob", PullRequest: glPull(false)}},
		{"note_comment", "Note Hook", http.StatusOK, nil},
		{"note_recheck_closed", "Note Hook", http.StatusOK, nil},
		{"note_recheck_commit", "Note Hook", http.StatusOK, nil},
		// A system hook carries merge requests and pushes too: ignored.
		{"system_hook_merge_request", "System Hook", http.StatusOK, nil},
		{"system_hook_push", "System Hook", http.StatusOK, nil},
		{"system_hook_project_create", "System Hook", http.StatusOK, nil},
		{"pipeline", "Pipeline Hook", http.StatusOK, nil},
		{"issue", "Issue Hook", http.StatusOK, nil},
		{"job", "Job Hook", http.StatusOK, nil},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			q := &queue{}
			h := webhook.NewGitLab([]byte(gitlabToken), q)
			w := serve(h, gitlabRequest(tc.event, gitlabFixture(t, tc.fixture)))
			if w.Code != tc.status {
				t.Fatalf("answer = %d %q, want %d", w.Code, w.Body, tc.status)
			}
			if tc.want == nil {
				if q.len() != 0 || w.Body.String() != "ignored" {
					t.Errorf("answer %q, enqueued %+v; want ignored", w.Body, q.events)
				}
				return
			}
			want := *tc.want
			want.Host, want.Name, want.DeliveryID = vcs.GitLab, tc.event, eventUUID
			if q.len() != 1 {
				t.Fatalf("enqueued %d events", q.len())
			}
			if diff := cmp.Diff(want, q.events[0]); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGitLabRedelivery(t *testing.T) {
	q := &queue{}
	reg := prometheus.NewRegistry()
	h := webhook.NewGitLab([]byte(gitlabToken), q, webhook.WithMetrics(reg))
	body := gitlabFixture(t, "merge_request_open")
	if w := serve(h, gitlabRequest("Merge Request Hook", body)); w.Code != http.StatusAccepted {
		t.Fatalf("first delivery: %d", w.Code)
	}
	if w := serve(h, gitlabRequest("Merge Request Hook", body)); w.Code != http.StatusOK || w.Body.String() != "duplicate" {
		t.Errorf("redelivery: %d %q, want 200 duplicate", w.Code, w.Body)
	}
	if q.len() != 1 || hostDeliveries(t, reg, "gitlab", "merge_request", "duplicate") != 1 {
		t.Errorf("enqueued %d; duplicates %v", q.len(), hostDeliveries(t, reg, "gitlab", "merge_request", "duplicate"))
	}
}

func TestGitLabDeliveryID(t *testing.T) {
	body := gitlabFixture(t, "push_default_branch")
	q := &queue{}
	h := webhook.NewGitLab([]byte(gitlabToken), q)
	r := gitlabRequest("Push Hook", body)
	r.Header.Del("X-Gitlab-Event-UUID")
	if w := serve(h, r); w.Code != http.StatusAccepted || q.events[0].DeliveryID != r.Header.Get("Idempotency-Key") {
		t.Errorf("without the UUID: %d, id %+v; want the Idempotency-Key", w.Code, q.events)
	}
	r = gitlabRequest("Push Hook", body)
	r.Header.Del("X-Gitlab-Event-UUID")
	r.Header.Del("Idempotency-Key")
	if w := serve(h, r); w.Code != http.StatusBadRequest {
		t.Errorf("no id at all: %d, want 400", w.Code)
	}
	r = gitlabRequest("Push Hook", body)
	r.Header.Set("X-Gitlab-Event-UUID", strings.Repeat("x", 200))
	if w := serve(h, r); w.Code != http.StatusBadRequest {
		t.Errorf("an id of 200 bytes: %d, want 400", w.Code)
	}
	r = gitlabRequest("", body)
	if w := serve(h, r); w.Code != http.StatusBadRequest {
		t.Errorf("no event name: %d, want 400", w.Code)
	}
}

func TestGitLabBadPayloads(t *testing.T) {
	for name, body := range map[string]string{
		"not json":       `{"object_kind":`,
		"wrong type":     `{"object_attributes":{"iid":"seven"}}`,
		"no project":     `{"object_attributes":{"iid":7,"action":"open","state":"opened","target_branch":"main","last_commit":{"id":"` + head + `"}}}`,
		"bad sha":        strings.Replace(string(gitlabFixture(t, "merge_request_open")), head, "HEAD~1", 1),
		"no clone url":   strings.Replace(string(gitlabFixture(t, "merge_request_open")), `"git_http_url": "https://gitlab.example/acme/infra/platform.git"`, `"git_http_url": "file:///etc"`, 1),
		"no merge iid":   strings.Replace(string(gitlabFixture(t, "merge_request_open")), `"iid": 7`, `"iid": 0`, 1),
		"a JSON array":   `[]`,
		"recheck author": strings.Replace(string(gitlabFixture(t, "note_recheck")), `"username": "bob"`, `"username": ""`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			q := &queue{}
			event := "Merge Request Hook"
			if name == "recheck author" {
				event = "Note Hook"
			}
			w := serve(webhook.NewGitLab([]byte(gitlabToken), q), gitlabRequest(event, []byte(body)))
			if w.Code != http.StatusBadRequest || q.len() != 0 {
				t.Errorf("answer = %d %q, enqueued %d; want 400", w.Code, w.Body, q.len())
			}
			if strings.Contains(w.Body.String(), "seven") {
				t.Errorf("the answer repeats the payload: %q", w.Body)
			}
		})
	}
}

func TestGitLabMethodSizeAndQueue(t *testing.T) {
	q := &queue{}
	h := webhook.NewGitLab([]byte(gitlabToken), q, webhook.WithMaxBody(1024))
	r := gitlabRequest("Merge Request Hook", gitlabFixture(t, "merge_request_open"))
	r.Method = http.MethodGet
	if w := serve(h, r); w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("GET: %d", w.Code)
	}
	if w := serve(h, gitlabRequest("Merge Request Hook", gitlabFixture(t, "merge_request_open"))); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over the limit: %d, want 413", w.Code)
	}
	failing := &queue{err: errors.New("database is locked")}
	if w := serve(webhook.NewGitLab([]byte(gitlabToken), failing), gitlabRequest("Push Hook", gitlabFixture(t, "push_default_branch"))); w.Code != http.StatusServiceUnavailable {
		t.Errorf("queue down: %d, want 503", w.Code)
	}
	if q.len() != 0 {
		t.Errorf("enqueued %d", q.len())
	}
}

func TestGitLabLogs(t *testing.T) {
	var logs bytes.Buffer
	h := webhook.NewGitLab([]byte(gitlabToken), &queue{}, webhook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	serve(h, gitlabRequest("Merge Request Hook", gitlabFixture(t, "merge_request_open")))
	bad := gitlabRequest("Merge Request Hook", nil)
	bad.Header.Set("X-Gitlab-Token", "a guess")
	serve(h, bad)
	out := logs.String()
	for _, want := range []string{`"msg":"gitlab webhook"`, `"delivery_id":"` + eventUUID, `"repo":"acme/infra/platform"`, `"pr":7`, `"sha":"` + head, `"outcome":"accepted"`, `"outcome":"unauthorized"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, gitlabToken) || strings.Contains(out, "a guess") {
		t.Errorf("a token is logged:\n%s", out)
	}
}
