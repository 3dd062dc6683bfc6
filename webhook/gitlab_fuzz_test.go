package webhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dipdev/dip/webhook"
)

// gitlabFixtureEvents maps the fixtures' name prefixes to the
// X-Gitlab-Event GitLab sends them with.
var gitlabFixtureEvents = map[string]string{
	"merge_request": "Merge Request Hook", "push": "Push Hook", "tag_push": "Tag Push Hook", "note": "Note Hook",
	"system_hook": "System Hook", "pipeline": "Pipeline Hook", "issue": "Issue Hook", "job": "Job Hook",
}

// FuzzGitLab sends bodies with the right token: whatever they hold, the
// receiver does not panic, answers no 5xx (the queue never fails here),
// and enqueues exactly when it answers 202, an event it validated.
func FuzzGitLab(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "gitlab", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		for prefix, event := range gitlabFixtureEvents {
			if strings.HasPrefix(name, prefix) {
				f.Add(event, body)
			}
		}
	}
	f.Add("Note Hook", []byte(`{"object_attributes":{"noteable_type":"MergeRequest","note":" DIP RECHECK "},"merge_request":null}`))
	f.Add("Merge Request Hook", []byte(`{"object_attributes":{"action":"update","oldrev":"x"},"changes":null}`))
	f.Add("Push Hook", []byte(`{"ref":"refs/heads/","project":{"default_branch":""}}`))

	f.Fuzz(func(t *testing.T, event string, body []byte) {
		q := &queue{}
		h := webhook.NewGitLab([]byte(gitlabToken), q)
		r := gitlabRequest("Merge Request Hook", body)
		r.Header.Set("X-Gitlab-Event", event)
		w := serve(h, r)
		if w.Code >= 500 {
			t.Fatalf("answer = %d %q", w.Code, w.Body)
		}
		if (w.Code == http.StatusAccepted) != (q.len() == 1) {
			t.Fatalf("answer = %d, enqueued %d", w.Code, q.len())
		}
		if q.len() == 1 {
			ev := q.events[0]
			if ev.Repo.ID <= 0 || len(ev.SHA) != 40 && len(ev.SHA) != 64 {
				t.Fatalf("enqueued an event the workers cannot act on: %+v", ev)
			}
			if ev.Action == "recheck" && ev.Commenter == "" {
				t.Fatalf("a recheck without its author: %+v", ev)
			}
		}
	})
}

func BenchmarkGitLab(b *testing.B) {
	body := gitlabFixture(b, "merge_request_update_commits")
	h := webhook.NewGitLab([]byte(gitlabToken), noop{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/gitlab", bytes.NewReader(body))
		r.Header.Set("X-Gitlab-Event", "Merge Request Hook")
		r.Header.Set("X-Gitlab-Event-UUID", eventUUID)
		r.Header.Set("X-Gitlab-Token", gitlabToken)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("answer = %d %q", w.Code, w.Body)
		}
	}
}
