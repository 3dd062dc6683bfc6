package queue_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/vcs"
)

func TestDeliveryRunsOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dip.db")
	reg := prometheus.NewRegistry()
	rec := newRecorder(nil)
	q := testQueue(t, queue.Config{DatabaseURL: path, Registerer: reg}, rec)
	start(t, q)

	ev := checkEvent("d-1", 1, "aaa")
	if !enqueue(t, q, ev) {
		t.Fatal("first Enqueue: accepted = false, want true")
	}
	if enqueue(t, q, ev) {
		t.Error("second Enqueue before the job ran: accepted = true, want false")
	}
	rec.wait(t, 1, 10*time.Second)
	waitFor(t, 5*time.Second, "completed metric", func() bool {
		return metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"kind": "check", "outcome": "completed"}) == 1
	})

	// A redelivery after the job completed, and after a restart.
	if enqueue(t, q, ev) {
		t.Error("Enqueue after the job completed: accepted = true, want false")
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	q2 := testQueue(t, queue.Config{DatabaseURL: path}, rec)
	start(t, q2)
	if enqueue(t, q2, ev) {
		t.Error("Enqueue after a restart: accepted = true, want false")
	}
	// The same id from another host is another delivery.
	other := ev
	other.Host = vcs.GitLab
	if !enqueue(t, q2, other) {
		t.Error("Enqueue of the same id from another host: accepted = false, want true")
	}
	rec.wait(t, 1, 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if n := rec.count("d-1"); n != 2 {
		t.Errorf("handler called %d times for d-1 (one per host), want 2", n)
	}
	if got := metricValue(t, reg, "dip_queue_deliveries_total", map[string]string{"kind": "check", "result": "duplicate"}); got != 2 {
		t.Errorf("duplicate deliveries metric = %v, want 2", got)
	}
}

func TestConcurrentEnqueueAcceptsEachDeliveryOnce(t *testing.T) {
	t.Parallel()
	q := testQueue(t, queue.Config{}, newRecorder(nil))
	const deliveries, senders = 20, 16
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for i := range deliveries {
				ok, err := q.Enqueue(context.Background(), pushEvent(deliveryID(i), "refs/heads/main", fmt.Sprint(i)))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					accepted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := accepted.Load(); got != deliveries {
		t.Errorf("accepted %d deliveries, want %d", got, deliveries)
	}
}

func TestEnqueueWithoutDeliveryID(t *testing.T) {
	t.Parallel()
	q := testQueue(t, queue.Config{}, newRecorder(nil))
	if _, err := q.Enqueue(context.Background(), checkEvent("", 1, "aaa")); err == nil {
		t.Error("Enqueue of an event without a delivery id: no error")
	}
}

func TestSupersededHeadsAreSkipped(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	rec := newRecorder(nil)
	q := testQueue(t, queue.Config{Registerer: reg, Logger: jsonLogger(logs)}, rec)

	// Queued before the workers start, as after a burst of pushes.
	enqueue(t, q, checkEvent("pr1-a", 1, "aaa"))
	enqueue(t, q, checkEvent("pr2-x", 2, "xxx")) // another pull request
	enqueue(t, q, checkEvent("pr1-b", 1, "bbb"))
	rerun := checkEvent("pr1-rerun-a", 1, "aaa") // a check of the older commit asked again
	rerun.PullRequest.HeadSHA = "bbb"
	enqueue(t, q, rerun)
	enqueue(t, q, pushEvent("main-1", "refs/heads/main", "111"))
	enqueue(t, q, pushEvent("dev-1", "refs/heads/dev", "ddd")) // another branch
	enqueue(t, q, pushEvent("main-2", "refs/heads/main", "222"))
	// Migration bot runs of main: the newer supersedes the older, and
	// neither supersedes nor is superseded by main's pushes.
	migrate := func(id, sha string) vcs.Event {
		return vcs.Event{Host: vcs.GitHub, DeliveryID: id, Kind: vcs.EventMigrate, Name: "migrate", Repo: testRepo(), Ref: "main", SHA: sha}
	}
	enqueue(t, q, migrate("migrate-1", "111"))
	enqueue(t, q, migrate("migrate-2", "222"))
	ping := vcs.Event{Host: vcs.GitHub, DeliveryID: "ping", Kind: vcs.EventPing, Name: "ping", Repo: testRepo()}
	enqueue(t, q, ping)
	start(t, q)

	rec.wait(t, 6, 10*time.Second)
	waitFor(t, 5*time.Second, "superseded metric", func() bool {
		return metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"outcome": "superseded"}) >= 1 &&
			metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"kind": "check", "outcome": "superseded"}) == 2 &&
			metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"kind": "push", "outcome": "superseded"}) == 1 &&
			metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"kind": "migrate", "outcome": "superseded"}) == 1
	})
	got := rec.snapshot()
	want := map[string]int{"pr1-b": 1, "pr2-x": 1, "main-2": 1, "dev-1": 1, "migrate-2": 1, "ping": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("handled %v, want %v", got, want)
	}
	var superseded []string
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, `"msg":"superseded"`) {
			superseded = append(superseded, line)
		}
	}
	if len(superseded) != 4 {
		t.Fatalf("%d superseded log lines, want 4:\n%s", len(superseded), logs)
	}
	for _, want := range []string{`"delivery_id":"pr1-a"`, `"delivery_id":"pr1-rerun-a"`, `"delivery_id":"main-1"`, `"repo":"acme/platform"`, `"pr":1`, `"sha":"aaa"`, `"latest_sha":"bbb"`, `"event":"pull_request"`} {
		if !strings.Contains(strings.Join(superseded, "\n"), want) {
			t.Errorf("superseded log lines lack %s:\n%s", want, strings.Join(superseded, "\n"))
		}
	}
}

func TestFailedJobIsRetried(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	rec := newRecorder(func(ctx context.Context, ev vcs.Event, attempt int) error {
		if attempt == 1 && ev.DeliveryID == "d-panic" {
			panic("handler bug")
		}
		if attempt == 1 {
			return errors.New("code host unavailable")
		}
		return nil
	})
	q := testQueue(t, queue.Config{Registerer: reg}, rec)
	start(t, q)
	enqueue(t, q, checkEvent("d-error", 3, "ccc"))
	enqueue(t, q, checkEvent("d-panic", 4, "ddd"))
	rec.wait(t, 4, 15*time.Second)
	waitFor(t, 5*time.Second, "completed metric", func() bool {
		return metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"outcome": "completed"}) == 2
	})
	if got := metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"outcome": "retried"}); got != 2 {
		t.Errorf("retried metric = %v, want 2", got)
	}
	if got := metricValue(t, reg, "dip_queue_job_duration_seconds", map[string]string{"kind": "check"}); got != 4 {
		t.Errorf("duration observations = %v, want 4", got)
	}
	if got := rec.snapshot(); got["d-error"] != 2 || got["d-panic"] != 2 {
		t.Errorf("handler calls = %v, want two of each", got)
	}
}

func TestPermanentErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	rec := newRecorder(func(ctx context.Context, ev vcs.Event, attempt int) error {
		return fmt.Errorf("read platform.yaml: %w", queue.ErrPermanent)
	})
	q := testQueue(t, queue.Config{Registerer: reg}, rec)
	start(t, q)
	enqueue(t, q, checkEvent("d-perm", 4, "ddd"))
	rec.wait(t, 1, 10*time.Second)
	waitFor(t, 5*time.Second, "cancelled metric", func() bool {
		return metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"outcome": "cancelled"}) == 1
	})
	time.Sleep(1500 * time.Millisecond) // past the first retry's backoff
	if n := rec.count("d-perm"); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
}

func TestJobTimeout(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	rec := newRecorder(func(ctx context.Context, ev vcs.Event, attempt int) error {
		if attempt == 1 {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	})
	q := testQueue(t, queue.Config{Registerer: reg, JobTimeout: 200 * time.Millisecond}, rec)
	start(t, q)
	enqueue(t, q, checkEvent("d-slow", 5, "eee"))
	rec.wait(t, 2, 15*time.Second)
	waitFor(t, 5*time.Second, "completed metric", func() bool {
		return metricValue(t, reg, "dip_queue_jobs_total", map[string]string{"outcome": "completed"}) == 1
	})
}

func TestStopWaitsForRunningJobs(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	var finished atomic.Bool
	rec := newRecorder(func(ctx context.Context, ev vcs.Event, attempt int) error {
		close(started)
		time.Sleep(300 * time.Millisecond)
		finished.Store(true)
		return nil
	})
	q := testQueue(t, queue.Config{}, rec)
	start(t, q)
	enqueue(t, q, checkEvent("d-stop", 6, "fff"))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !finished.Load() {
		t.Error("Stop returned before the running job finished")
	}
}

func TestStopDeadlineCancelsRunningJobs(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	cancelled := make(chan struct{})
	rec := newRecorder(func(ctx context.Context, ev vcs.Event, attempt int) error {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	})
	q := testQueue(t, queue.Config{}, rec)
	start(t, q)
	enqueue(t, q, checkEvent("d-hang", 7, "ggg"))
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := q.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Stop = %v, want a deadline error", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Error("running job's context not cancelled after Stop's deadline")
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	q := testQueue(t, queue.Config{}, newRecorder(nil))
	if err := q.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestOpenRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := queue.Open(ctx, queue.Config{DatabaseURL: filepath.Join(dir, "a.db")}, nil); err == nil {
		t.Error("Open without a handler: no error")
	}
	cfg := queue.Config{DatabaseURL: filepath.Join(dir, "b.db"), JobTimeout: time.Minute, RescueAfter: time.Second}
	if _, err := queue.Open(ctx, cfg, newRecorder(nil)); err == nil {
		t.Error("Open with RescueAfter below JobTimeout: no error")
	}
	if _, err := queue.Open(ctx, queue.Config{DatabaseURL: filepath.Join(dir, "missing", "c.db")}, newRecorder(nil)); err == nil {
		t.Error("Open in a missing directory: no error")
	}
}

func TestMetricsShareARegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	testQueue(t, queue.Config{Registerer: reg}, newRecorder(nil))
	testQueue(t, queue.Config{Registerer: reg}, newRecorder(nil))
}

func TestDeliveriesAreForgottenAfterRetention(t *testing.T) {
	t.Parallel()
	rec := newRecorder(nil)
	q := testQueue(t, queue.Config{Retention: time.Millisecond}, rec)
	ev := checkEvent("d-old", 8, "hhh")
	enqueue(t, q, ev)
	time.Sleep(10 * time.Millisecond)
	start(t, q) // the leader prunes on start
	waitFor(t, 15*time.Second, "the delivery id to be forgotten", func() bool {
		return enqueue(t, q, ev)
	})
}
