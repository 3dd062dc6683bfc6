package queue_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/vcs"
)

// recorder is a Handler that counts the events it was given and answers
// with its fn, when set.
type recorder struct {
	mu     sync.Mutex
	calls  map[string]int
	order  []string
	fn     func(ctx context.Context, ev vcs.Event, attempt int) error
	signal chan string
}

func newRecorder(fn func(ctx context.Context, ev vcs.Event, attempt int) error) *recorder {
	return &recorder{calls: map[string]int{}, fn: fn, signal: make(chan string, 1024)}
}

func (r *recorder) Handle(ctx context.Context, ev vcs.Event) error {
	r.mu.Lock()
	r.calls[ev.DeliveryID]++
	n := r.calls[ev.DeliveryID]
	r.order = append(r.order, ev.DeliveryID)
	r.mu.Unlock()
	defer func() { r.signal <- ev.DeliveryID }()
	if r.fn != nil {
		return r.fn(ctx, ev, n)
	}
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[id]
}

func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		n += c
	}
	return n
}

// wait waits for n more handler calls.
func (r *recorder) wait(t *testing.T, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for range n {
		select {
		case <-r.signal:
		case <-deadline:
			t.Fatalf("handler not called in %s; calls so far: %v", timeout, r.snapshot())
		}
	}
}

func (r *recorder) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]int, len(r.calls))
	for k, v := range r.calls {
		m[k] = v
	}
	return m
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testQueue opens a queue on a SQLite file in a temporary directory, or on
// cfg.DatabaseURL when set, and closes it when the test ends.
func testQueue(t *testing.T, cfg queue.Config, h queue.Handler) *queue.Queue {
	t.Helper()
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = filepath.Join(t.TempDir(), "dip.db")
	}
	q, err := queue.Open(context.Background(), cfg, h)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := q.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return q
}

func start(t *testing.T, q *queue.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func enqueue(t *testing.T, q *queue.Queue, ev vcs.Event) bool {
	t.Helper()
	ok, err := q.Enqueue(context.Background(), ev)
	if err != nil {
		t.Fatalf("Enqueue %s: %v", ev.DeliveryID, err)
	}
	return ok
}

func testRepo() vcs.Repo {
	return vcs.Repo{Host: vcs.GitHub, ID: 7, Owner: "acme", Name: "platform", DefaultBranch: "main"}
}

func checkEvent(id string, pr int, sha string) vcs.Event {
	return vcs.Event{
		Host: vcs.GitHub, DeliveryID: id, Kind: vcs.EventCheck,
		Name: "pull_request", Action: "synchronize", Repo: testRepo(),
		PullRequest: &vcs.PullRequest{Number: pr, HeadSHA: sha, HeadRef: "feature", BaseRef: "main"},
		SHA:         sha,
	}
}

func pushEvent(id, ref, sha string) vcs.Event {
	return vcs.Event{
		Host: vcs.GitHub, DeliveryID: id, Kind: vcs.EventPush,
		Name: "push", Repo: testRepo(), Ref: ref, SHA: sha,
	}
}

// metricValue is the value of the counter name with labels in reg, or 0.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue metric
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return 0
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func jsonLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func deliveryID(i int) string { return fmt.Sprintf("delivery-%04d", i) }
