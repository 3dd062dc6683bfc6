package webhook_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/webhook"
)

func TestGitHubSignature(t *testing.T) {
	body := fixture(t, "pull_request_opened")
	tests := []struct {
		name      string
		signature string
		body      []byte
	}{
		{"missing", "", body},
		{"sha1", "sha1=" + strings.Repeat("ab", 20), body},
		{"no prefix", strings.TrimPrefix(sign([]byte(secret), body), "sha256="), body},
		{"not hex", "sha256=" + strings.Repeat("zz", 32), body},
		{"short", sign([]byte(secret), body)[:40], body},
		{"other body", sign([]byte(secret), []byte(`{"action":"opened"}`)), body},
		{"wrong secret", sign([]byte("not the secret"), body), body},
		{"unsigned empty body", "", nil},
		// A wrong signature is refused before the body is decoded.
		{"invalid json", sign([]byte("not the secret"), []byte("{")), []byte("{")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := &queue{}
			reg := prometheus.NewRegistry()
			h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg))
			r := request("pull_request", tt.body)
			r.Header.Set("X-Hub-Signature-256", tt.signature)
			w := serve(h, r)
			if w.Code != http.StatusUnauthorized || w.Body.String() != "invalid signature" {
				t.Errorf("answer = %d %q, want 401 invalid signature", w.Code, w.Body)
			}
			if q.len() != 0 {
				t.Errorf("enqueued %+v", q.events)
			}
			// The event header is not trusted before the signature is.
			if got := deliveries(t, reg, "unknown", "unauthorized"); got != 1 {
				t.Errorf("unauthorized deliveries = %v, want 1", got)
			}
		})
	}
}

func TestGitHubEmptyBody(t *testing.T) {
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q)
	w := serve(h, request("pull_request", nil))
	if w.Code != http.StatusBadRequest || q.len() != 0 {
		t.Errorf("answer = %d %q, enqueued %d; want 400", w.Code, w.Body, q.len())
	}
}

func TestGitHubMethod(t *testing.T) {
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		r := request("pull_request", fixture(t, "pull_request_opened"))
		r.Method = method
		w := serve(h, r)
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: answer = %d, Allow %q; want 405, POST", method, w.Code, w.Header().Get("Allow"))
		}
	}
	if q.len() != 0 {
		t.Errorf("enqueued %+v", q.events)
	}
}

// zeros streams n zero bytes without holding them.
type zeros struct{ n, read int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.read >= z.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), z.n-z.read))
	clear(p[:k])
	z.read += int64(k)
	return k, nil
}

func TestGitHubOversizedBody(t *testing.T) {
	const size = 26 << 20
	for _, announced := range []bool{true, false} {
		name := "unknown length"
		if announced {
			name = "announced length"
		}
		t.Run(name, func(t *testing.T) {
			q := &queue{}
			reg := prometheus.NewRegistry()
			h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg))
			body := &zeros{n: size}
			r := request("pull_request", nil)
			r.Body = io.NopCloser(body)
			r.ContentLength = -1
			if announced {
				r.ContentLength = size
			}
			allocated := allocatedBy(func() {
				w := serve(h, r)
				if w.Code != http.StatusRequestEntityTooLarge {
					t.Errorf("answer = %d %q, want 413", w.Code, w.Body)
				}
			})
			if announced && body.read != 0 {
				t.Errorf("read %d bytes of a body announced too large", body.read)
			}
			if body.read > webhook.DefaultMaxBody+1<<20 {
				t.Errorf("read %d bytes, limit %d", body.read, webhook.DefaultMaxBody)
			}
			limit := uint64(1 << 20)
			if !announced {
				// At most the limit once, in chunks; never a copy.
				limit = webhook.DefaultMaxBody + 4<<20
			}
			if allocated > limit {
				t.Errorf("allocated %d MiB refusing the body, want at most %d MiB", allocated>>20, limit>>20)
			}
			if q.len() != 0 || deliveries(t, reg, "unknown", "invalid") != 1 {
				t.Errorf("enqueued %d, invalid deliveries %v; want 0, 1", q.len(), deliveries(t, reg, "unknown", "invalid"))
			}
		})
	}
}

func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestGitHubBodyOfUnknownLength reads a chunked body several chunks long.
func TestGitHubBodyOfUnknownLength(t *testing.T) {
	body := fixture(t, "pull_request_opened")
	// Pad with whitespace past a few chunks; the signature covers it.
	body = append(body, bytes.Repeat([]byte(" "), 3<<20)...)
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q)
	r := request("pull_request", body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = -1
	if w := serve(h, r); w.Code != http.StatusAccepted {
		t.Fatalf("answer = %d %q, want 202", w.Code, w.Body)
	}
}

func TestGitHubMaxBodyOption(t *testing.T) {
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q, webhook.WithMaxBody(1024))
	if w := serve(h, request("pull_request", fixture(t, "pull_request_opened"))); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("answer = %d, want 413", w.Code)
	}
}

func TestGitHubHeaders(t *testing.T) {
	for _, header := range []string{"X-GitHub-Delivery", "X-GitHub-Event"} {
		t.Run(header, func(t *testing.T) {
			q := &queue{}
			h := webhook.NewGitHub([]byte(secret), q)
			r := request("pull_request", fixture(t, "pull_request_opened"))
			r.Header.Del(header)
			w := serve(h, r)
			if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), header) {
				t.Errorf("answer = %d %q, want 400 naming %s", w.Code, w.Body, header)
			}
			if q.len() != 0 {
				t.Errorf("enqueued %+v", q.events)
			}
		})
	}
}

func TestGitHubDuplicate(t *testing.T) {
	q := &queue{}
	reg := prometheus.NewRegistry()
	h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg))
	body := fixture(t, "pull_request_opened")
	if w := serve(h, request("pull_request", body)); w.Code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %q", w.Code, w.Body)
	}
	w := serve(h, request("pull_request", body))
	if w.Code != http.StatusOK || w.Body.String() != "duplicate" {
		t.Errorf("redelivery = %d %q, want 200 duplicate", w.Code, w.Body)
	}
	if q.len() != 1 {
		t.Errorf("enqueued %d events, want 1", q.len())
	}
	if got := deliveries(t, reg, "pull_request", "duplicate"); got != 1 {
		t.Errorf("duplicate deliveries = %v, want 1", got)
	}
}

func TestGitHubEnqueueError(t *testing.T) {
	var logs bytes.Buffer
	q := &queue{err: errors.New("database is locked")}
	reg := prometheus.NewRegistry()
	h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg),
		webhook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	w := serve(h, request("push", fixture(t, "push_default_branch")))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("answer = %d %q, want 503", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "database") {
		t.Errorf("answer %q tells the sender about the queue", w.Body)
	}
	if got := deliveries(t, reg, "push", "error"); got != 1 {
		t.Errorf("error deliveries = %v, want 1", got)
	}
	line := logLine(t, logs.Bytes())
	if line["level"] != "ERROR" || line["error"] != "database is locked" || line["outcome"] != "error" {
		t.Errorf("log = %v, want the queue's error", line)
	}
}

func TestGitHubMetrics(t *testing.T) {
	q := &queue{}
	reg := prometheus.NewRegistry()
	h := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg))
	// A second receiver on the same registry shares the metrics.
	other := webhook.NewGitHub([]byte(secret), q, webhook.WithMetrics(reg))

	serve(h, request("pull_request", fixture(t, "pull_request_opened")))
	serve(other, request("pull_request", fixture(t, "pull_request_opened")))
	serve(h, request("pull_request", fixture(t, "pull_request_closed")))
	serve(h, request("ping", fixture(t, "ping")))
	serve(h, request("star", []byte(`{"action":"created"}`)))
	serve(h, request("not_an_event", []byte(`{}`)))
	serve(h, request("pull_request", []byte("{")))
	bad := request("pull_request", fixture(t, "pull_request_opened"))
	bad.Header.Set("X-Hub-Signature-256", sign([]byte("guess"), []byte("{}")))
	serve(h, bad)

	for _, tt := range []struct {
		event, outcome string
		want           float64
	}{
		{"pull_request", "accepted", 1},
		{"pull_request", "duplicate", 1},
		{"pull_request", "ignored", 1},
		{"pull_request", "invalid", 1},
		{"ping", "ignored", 1},
		{"star", "ignored", 1},
		{"unknown", "ignored", 1},
		{"unknown", "unauthorized", 1},
		{"pull_request", "error", 0},
	} {
		if got := deliveries(t, reg, tt.event, tt.outcome); got != tt.want {
			t.Errorf("deliveries{event=%q,outcome=%q} = %v, want %v", tt.event, tt.outcome, got, tt.want)
		}
	}
	if got := observed(t, reg); got != 8 {
		t.Errorf("durations observed = %d, want 8", got)
	}
}

func TestGitHubLogs(t *testing.T) {
	var logs bytes.Buffer
	q := &queue{}
	h := webhook.NewGitHub([]byte(secret), q, webhook.WithLogger(slog.New(slog.NewJSONHandler(&logs, nil))))
	body := fixture(t, "pull_request_opened")
	serve(h, request("pull_request", body))
	line := logLine(t, logs.Bytes())
	want := map[string]any{
		"delivery_id": deliveryID, "event": "pull_request", "action": "opened", "repo": "acme/platform",
		"pr": float64(42), "sha": headSHA, "outcome": "accepted",
	}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v", k, line[k], v)
		}
	}

	logs.Reset()
	bad := request("pull_request", body)
	bad.Header.Set("X-Hub-Signature-256", sign([]byte("guess"), body))
	serve(h, bad)
	if line := logLine(t, logs.Bytes()); line["outcome"] != "unauthorized" || line["level"] != "WARN" {
		t.Errorf("log = %v, want a warning of an unauthorized delivery", line)
	}

	logs.Reset()
	serve(h, request("pull_request", []byte(`{"action": "opened", "pull_request": {"title": "hunter2"`)))
	if line := logLine(t, logs.Bytes()); line["outcome"] != "invalid" || line["error"] == nil {
		t.Errorf("log = %v, want an invalid delivery with its error", line)
	}
	for _, secretish := range []string{secret, sign([]byte(secret), body), "hunter2", "Add team payments namespace"} {
		if bytes.Contains(logs.Bytes(), []byte(secretish)) {
			t.Errorf("log holds %q", secretish)
		}
	}
}

// logLine decodes the one JSON log line in b.
func logLine(t *testing.T, b []byte) map[string]any {
	t.Helper()
	if n := bytes.Count(b, []byte("\n")); n != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", n, b)
	}
	var line map[string]any
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatal(err)
	}
	return line
}

func TestNewGitHubEmptySecret(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewGitHub accepted an empty secret")
		}
	}()
	webhook.NewGitHub(nil, &queue{})
}
