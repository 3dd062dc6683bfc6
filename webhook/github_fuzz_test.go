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

// FuzzGitHub sends signed bodies: whatever they hold, the receiver does
// not panic and answers no 5xx, for the queue never fails here.
func FuzzGitHub(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "github", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		for _, event := range []string{"pull_request", "check_suite", "check_run", "merge_group", "push",
			"installation_repositories", "installation", "ping", "issues"} {
			if strings.HasPrefix(name, event) {
				f.Add(event, body)
				break
			}
		}
	}
	for _, ex := range webhook.OctokitExamples(f) {
		f.Add(ex.Event, ex.Body)
	}
	f.Add("pull_request", []byte(`{"action":"opened","pull_request":null}`))
	f.Add("check_run", []byte(`{"action":"rerequested","check_run":{"pull_requests":[null]}}`))
	f.Add("installation", []byte(`{"action":"created","repositories":[null,{}]}`))
	f.Add("push", []byte(`{"ref":"refs/heads/","repository":{"default_branch":""}}`))
	f.Add("merge_group", []byte(`[]`))

	f.Fuzz(func(t *testing.T, event string, body []byte) {
		q := &queue{}
		h := webhook.NewGitHub([]byte(secret), q, webhook.WithAppID(appID))
		r := request("pull_request", body)
		r.Header.Set("X-GitHub-Event", event)
		w := serve(h, r)
		if w.Code >= 500 {
			t.Fatalf("answer = %d %q", w.Code, w.Body)
		}
		if (w.Code == http.StatusAccepted) != (q.len() == 1) {
			t.Fatalf("answer = %d, enqueued %d", w.Code, q.len())
		}
	})
}

func BenchmarkGitHub(b *testing.B) {
	body := fixture(b, "pull_request_opened")
	signature := sign([]byte(secret), body)
	h := webhook.NewGitHub([]byte(secret), noop{})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/github", bytes.NewReader(body))
		r.Header.Set("X-GitHub-Event", "pull_request")
		r.Header.Set("X-GitHub-Delivery", deliveryID)
		r.Header.Set("X-Hub-Signature-256", signature)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			b.Fatalf("answer = %d %q", w.Code, w.Body)
		}
	}
}
