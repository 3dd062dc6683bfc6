package webhook_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
	"github.com/dipdev/dip/webhook"
)

const (
	appID        = 123456
	installation = 48151623
	headSHA      = "7638417db6d59f3c431d3e1f261cc637155684cd"
	newHeadSHA   = "b1c2d3e4f5a6978812345678901234567890abcd"
	baseSHA      = "9049f1265b7d61be4a8904a9a27120d2064dab3b"
	mergeSHA     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4"
	queueRef     = "refs/heads/gh-readonly-queue/main/pr-42-" + baseSHA
)

func platform() vcs.Repo {
	return vcs.Repo{
		Host:          vcs.GitHub,
		ID:            618033988,
		Owner:         "acme",
		Name:          "platform",
		CloneURL:      "https://github.com/acme/platform.git",
		DefaultBranch: "main",
		Installation:  installation,
	}
}

// check is the event of a pull request's checks; pr is its pull request.
func check(event, action string, pr *vcs.PullRequest) vcs.Event {
	ev := vcs.Event{
		Host:        vcs.GitHub,
		DeliveryID:  deliveryID,
		Kind:        vcs.EventCheck,
		Name:        event,
		Action:      action,
		Repo:        platform(),
		PullRequest: pr,
		SHA:         headSHA,
		Sender:      "alice",
	}
	if pr != nil {
		ev.SHA, ev.BaseSHA = pr.HeadSHA, pr.BaseSHA
	}
	return ev
}

// pr42 is pull request 42 as a pull_request event shows it.
func pr42(head string) *vcs.PullRequest {
	return &vcs.PullRequest{
		Number:  42,
		URL:     "https://github.com/acme/platform/pull/42",
		Author:  "alice",
		HeadSHA: head,
		HeadRef: "add-team-payments",
		BaseSHA: baseSHA,
		BaseRef: "main",
	}
}

// suitePR is pull request 42 as check suites and runs show it.
func suitePR() *vcs.PullRequest {
	return &vcs.PullRequest{Number: 42, HeadSHA: headSHA, HeadRef: "add-team-payments", BaseSHA: baseSHA, BaseRef: "main"}
}

func installed(action string, repos ...vcs.Repo) vcs.Event {
	return vcs.Event{
		Host:       vcs.GitHub,
		DeliveryID: deliveryID,
		Kind:       vcs.EventInstallation,
		Name:       "installation",
		Action:     action,
		Repo:       vcs.Repo{Host: vcs.GitHub, Installation: installation},
		Sender:     "alice",
		Repos:      repos,
	}
}

func installedRepo(id int64, name string) vcs.Repo {
	return vcs.Repo{Host: vcs.GitHub, ID: id, Owner: "acme", Name: name, Installation: installation}
}

func TestGitHubEvents(t *testing.T) {
	draft := pr42(headSHA)
	draft.Number, draft.URL, draft.Draft = 43, "https://github.com/acme/platform/pull/43", true
	fromFork := pr42(headSHA)
	fromFork.Number, fromFork.URL, fromFork.Author = 44, "https://github.com/acme/platform/pull/44", "mallory"
	fromFork.HeadRef, fromFork.Fork = "main", true
	forkGone := pr42(headSHA)
	forkGone.Number, forkGone.URL, forkGone.Author = 45, "https://github.com/acme/platform/pull/45", "mallory"
	forkGone.HeadRef, forkGone.Fork = "patch-1", true

	withSender := func(ev vcs.Event, sender string) vcs.Event { ev.Sender = sender; return ev }
	rerun := check("check_run", "rerequested", suitePR())
	rerun.CheckRunID = 24398541210
	repoInstall := installed("added", installedRepo(618033989, "platform-apps"))
	repoInstall.Name = "installation_repositories"
	repoRemove := installed("removed")
	repoRemove.Name = "installation_repositories"

	tests := []struct {
		fixture string
		event   string
		// want is nil for an ignored delivery.
		want *vcs.Event
	}{
		{"pull_request_opened", "pull_request", ptr(check("pull_request", "opened", pr42(headSHA)))},
		{"pull_request_synchronize", "pull_request", ptr(check("pull_request", "synchronize", pr42(newHeadSHA)))},
		{"pull_request_reopened", "pull_request", ptr(check("pull_request", "reopened", pr42(headSHA)))},
		{"pull_request_ready_for_review", "pull_request", ptr(check("pull_request", "ready_for_review", pr42(headSHA)))},
		{"pull_request_opened_draft", "pull_request", ptr(check("pull_request", "opened", draft))},
		{"pull_request_edited_base", "pull_request", ptr(check("pull_request", "edited", pr42(headSHA)))},
		{"pull_request_opened_fork", "pull_request", ptr(withSender(check("pull_request", "opened", fromFork), "mallory"))},
		{"pull_request_reopened_fork_deleted", "pull_request", ptr(withSender(check("pull_request", "reopened", forkGone), "mallory"))},
		{"pull_request_edited_title", "pull_request", nil},
		{"pull_request_closed", "pull_request", nil},
		{"pull_request_closed_migration", "pull_request", ptr(closedMigration())},
		{"pull_request_closed_migration_fork", "pull_request", nil},
		{"pull_request_labeled", "pull_request", nil},

		{"check_suite_requested", "check_suite", ptr(check("check_suite", "requested", suitePR()))},
		{"check_suite_rerequested", "check_suite", ptr(check("check_suite", "rerequested", nil))},
		{"check_suite_completed", "check_suite", nil},
		{"check_suite_requested_other_app", "check_suite", nil},
		{"check_run_rerequested", "check_run", &rerun},
		{"check_run_rerequested_other_app", "check_run", nil},
		{"check_run_completed", "check_run", nil},

		{"merge_group_checks_requested", "merge_group", &vcs.Event{
			Host: vcs.GitHub, DeliveryID: deliveryID, Kind: vcs.EventMergeGroup, Name: "merge_group",
			Action: "checks_requested", Repo: platform(), SHA: mergeSHA, Ref: queueRef, BaseSHA: baseSHA, BaseRef: "main", Sender: "alice",
		}},
		{"merge_group_destroyed", "merge_group", nil},

		{"push_default_branch", "push", &vcs.Event{
			Host: vcs.GitHub, DeliveryID: deliveryID, Kind: vcs.EventPush, Name: "push",
			Repo: platform(), SHA: mergeSHA, Ref: "main", Sender: "alice",
		}},
		{"push_other_branch", "push", nil},
		{"push_tag", "push", nil},
		{"push_default_branch_deleted", "push", nil},

		{"installation_created", "installation", ptr(installed("created",
			installedRepo(618033988, "platform"), installedRepo(618033989, "platform-apps")))},
		{"installation_deleted", "installation", ptr(installed("deleted"))},
		{"installation_new_permissions_accepted", "installation", ptr(installed("new_permissions_accepted"))},
		{"installation_repositories_added", "installation_repositories", &repoInstall},
		{"installation_repositories_removed", "installation_repositories", &repoRemove},

		{"issues_opened", "issues", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			q := &queue{}
			h := webhook.NewGitHub([]byte(secret), q, webhook.WithAppID(appID))
			w := serve(h, request(tt.event, fixture(t, tt.fixture)))
			if tt.want == nil {
				if w.Code != http.StatusOK || w.Body.String() != "ignored" {
					t.Errorf("answer = %d %q, want 200 ignored", w.Code, w.Body)
				}
				if q.len() != 0 {
					t.Errorf("enqueued %+v", q.events)
				}
				return
			}
			if w.Code != http.StatusAccepted || w.Body.String() != "accepted" {
				t.Fatalf("answer = %d %q, want 202 accepted", w.Code, w.Body)
			}
			if q.len() != 1 {
				t.Fatalf("enqueued %d events, want 1", q.len())
			}
			if diff := cmp.Diff(*tt.want, q.events[0]); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// closedMigration is the migration bot's pull request 42 closed: a run of
// the bot, tied to no head of the default branch.
func closedMigration() vcs.Event {
	pr := pr42(headSHA)
	pr.HeadRef = "dip/migrate/postgresdatabase-v1-to-v2/payments"
	ev := check("pull_request", "closed", pr)
	ev.Kind = vcs.EventMigrate
	return ev
}

func TestGitHubCheckRunOfAnyAppWithoutAppID(t *testing.T) {
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q)
	w := serve(h, request("check_run", fixture(t, "check_run_rerequested_other_app")))
	if w.Code != http.StatusAccepted || q.len() != 1 {
		t.Fatalf("answer = %d %q, enqueued %d; want accepted", w.Code, w.Body, q.len())
	}
}

func TestGitHubPing(t *testing.T) {
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q)
	w := serve(h, request("ping", fixture(t, "ping")))
	if w.Code != http.StatusOK || w.Body.String() != "pong" {
		t.Errorf("answer = %d %q, want 200 pong", w.Code, w.Body)
	}
	if q.len() != 0 {
		t.Errorf("ping enqueued: %+v", q.events)
	}
}

// TestGitHubMalformedPayloads sends signed payloads whose fields are not
// what GitHub sends, or carry what git must not see: 400, and nothing
// queued.
func TestGitHubMalformedPayloads(t *testing.T) {
	opened := string(fixture(t, "pull_request_opened"))
	push := string(fixture(t, "push_default_branch"))
	tests := []struct {
		name, event, body string
	}{
		{"not json", "pull_request", `{"action": "opened",`},
		{"not json, other event", "check_run", `{"action": "rerequested",`},
		{"wrong type", "pull_request", `{"action": "opened", "number": "42"}`},
		{"wrong type of a field read", "check_suite", `{"action": "requested", "check_suite": {"head_sha": 7}}`},
		{"option as sha", "pull_request", strings.Replace(opened, headSHA, "--upload-pack=touch", 1)},
		{"short sha", "push", strings.Replace(push, `"after": "`+mergeSHA, `"after": "e3b0c44`, 1)},
		{"negative installation", "pull_request", strings.Replace(opened, `"id": 48151623`, `"id": -1`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &queue{}
			h := webhook.NewGitHub([]byte(secret), q)
			w := serve(h, request(tt.event, []byte(tt.body)))
			if w.Code != http.StatusBadRequest {
				t.Errorf("answer = %d %q, want 400", w.Code, w.Body)
			}
			if !strings.HasPrefix(w.Body.String(), "invalid "+tt.event+" payload: ") {
				t.Errorf("body = %q, want a message", w.Body)
			}
			if q.len() != 0 {
				t.Errorf("enqueued %+v", q.events)
			}
		})
	}
}

// TestGitHubUnusablePayloads sends signed payloads dip would act on that
// lack what it needs, as GitHub sends them to a repository or
// organization webhook pointed at dip: 2xx, nothing queued, the outcome
// counted and one log line saying why.
func TestGitHubUnusablePayloads(t *testing.T) {
	opened := string(fixture(t, "pull_request_opened"))
	tests := []struct {
		name, event, body, why string
	}{
		{"no installation", "pull_request", strings.Replace(opened, `"installation": {`, `"not_installation": {`, 1), "no installation"},
		{"null installation", "pull_request", strings.Replace(opened, `"installation": {`, `"installation": null, "x": {`, 1), "no installation"},
		{"no pull request", "pull_request", `{"action": "opened", "repository": {"id": 1, "name": "platform", "owner": {"login": "acme"}}, "installation": {"id": 7}}`, "no sha"},
		{"no repository", "merge_group", strings.Replace(string(fixture(t, "merge_group_checks_requested")), `"repository"`, `"repo"`, 1), "no repository"},
		{"no head ref", "merge_group", strings.Replace(string(fixture(t, "merge_group_checks_requested")), `"head_ref"`, `"head"`, 1), "no head ref"},
		{"no installation, push", "push", strings.Replace(string(fixture(t, "push_default_branch")), `"installation"`, `"x"`, 1), "no installation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &queue{}
			reg := prometheus.NewRegistry()
			var logs bytes.Buffer
			h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg),
				webhook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
			w := serve(h, request(tt.event, []byte(tt.body)))
			if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), "unusable: ") {
				t.Errorf("answer = %d %q, want 200 unusable", w.Code, w.Body)
			}
			if q.len() != 0 {
				t.Errorf("enqueued %+v", q.events)
			}
			if got := deliveries(t, reg, tt.event, "unusable"); got != 1 {
				t.Errorf("unusable deliveries = %v, want 1", got)
			}
			line := logLine(t, logs.Bytes())
			if reason, _ := line["reason"].(string); !strings.Contains(reason, tt.why) || line["outcome"] != "unusable" {
				t.Errorf("log line %v, want outcome unusable and a reason with %q", line, tt.why)
			}
		})
	}
}

// TestGitHubTimestampForms gives every timestamp of the deliveries dip
// acts on each form GitHub has sent: RFC 3339 in UTC and with an offset,
// GitHub Enterprise Server's older "2018-04-25 20:42:10", Unix seconds as
// push payloads' repository.created_at and pushed_at are, and null. dip
// reads no timestamp, so each is accepted alike.
func TestGitHubTimestampForms(t *testing.T) {
	forms := []any{"2018-04-25T20:42:10Z", "2018-04-25 20:42:10", "2018-04-25T20:42:10-07:00",
		"2018-04-25T20:42:10.123+02:00", 1524689330, 1524689330.5, nil}
	for _, f := range []struct{ fixture, event string }{
		{"pull_request_opened", "pull_request"},
		{"check_suite_requested", "check_suite"},
		{"check_run_rerequested", "check_run"},
		{"merge_group_checks_requested", "merge_group"},
		{"push_default_branch", "push"},
		{"installation_created", "installation"},
	} {
		var payload map[string]any
		if err := json.Unmarshal(fixture(t, f.fixture), &payload); err != nil {
			t.Fatal(err)
		}
		for _, form := range forms {
			n := setTimestamps(payload, form)
			if n == 0 && f.event != "installation" {
				t.Fatalf("%s has no timestamps", f.fixture)
			}
			body, err := json.Marshal(payload)
			if err != nil {
				t.Fatal(err)
			}
			q := &queue{}
			h := webhook.NewGitHub([]byte(secret), q)
			if w := serve(h, request(f.event, body)); w.Code != http.StatusAccepted || q.len() != 1 {
				t.Errorf("%s with %d timestamps %#v: answer = %d %q, want 202", f.fixture, n, form, w.Code, w.Body)
			}
		}
	}
}

// setTimestamps sets every field of v named like a timestamp to form and
// returns how many it set.
func setTimestamps(v any, form any) int {
	n := 0
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.HasSuffix(k, "_at") || k == "timestamp" {
				v[k] = form
				n++
				continue
			}
			n += setTimestamps(x, form)
		}
	case []any:
		for _, x := range v {
			n += setTimestamps(x, form)
		}
	}
	return n
}
