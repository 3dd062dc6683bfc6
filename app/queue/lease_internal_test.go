package queue

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dipdev/dip/internal/pgtest"
	"github.com/dipdev/dip/vcs"
)

// onBothDatabases runs test on a SQLite file and on PostgreSQL.
func onBothDatabases(t *testing.T, test func(t *testing.T, url string)) {
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "dip.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, url(t))
		})
	}
}

// A lease is taken once until it expires or its holder releases it; no
// one else releases it.
func TestLeaseHolders(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, url string) {
		ctx := context.Background()
		q, err := Open(ctx, Config{DatabaseURL: url}, HandlerFunc(func(context.Context, vcs.Event) error { return nil }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
		take := func(holder string, ttl time.Duration) bool {
			t.Helper()
			ok, err := q.backend.takeLease(ctx, "github:acme/platform:migrate", holder, ttl)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		release := func(holder string) {
			t.Helper()
			if err := q.backend.releaseLease(ctx, "github:acme/platform:migrate", holder); err != nil {
				t.Fatal(err)
			}
		}
		if !take("a", time.Minute) {
			t.Fatal("a free lease was not taken")
		}
		if take("b", time.Minute) {
			t.Fatal("a held lease was taken again")
		}
		if ok, err := q.backend.takeLease(ctx, "github:acme/other:migrate", "b", time.Minute); err != nil || !ok {
			t.Errorf("another repository's lease: %v, %v", ok, err)
		}
		release("b") // not b's: nothing happens
		if take("c", time.Minute) {
			t.Fatal("a lease was released by someone who did not hold it")
		}
		release("a")
		if !take("c", 300*time.Millisecond) {
			t.Fatal("a released lease was not taken")
		}
		time.Sleep(400 * time.Millisecond)
		if !take("d", time.Minute) {
			t.Fatal("an expired lease was not taken")
		}
		release("c") // c's lease lapsed and is d's now
		if take("e", time.Minute) {
			t.Fatal("the holder of a lapsed lease released its successor's")
		}
	})
}

// The lease of a replica that died holding it lapses: the repository's
// next run waits for it, and no longer.
func TestLeaseOfADeadReplicaLapses(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, url string) {
		ctx := context.Background()
		var ran atomic.Int64
		q, err := Open(ctx, Config{DatabaseURL: url, JobTimeout: time.Second, RescueAfter: 2 * time.Second},
			HandlerFunc(func(context.Context, vcs.Event) error { ran.Store(time.Now().UnixMilli()); return nil }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
		ev := vcs.Event{Host: vcs.GitHub, DeliveryID: "migrate-1", Kind: vcs.EventMigrate, Name: "migrate",
			Repo: vcs.Repo{Host: vcs.GitHub, Owner: "acme", Name: "platform", DefaultBranch: "main"}, Ref: "main", SHA: "abc"}
		subject, _ := leaseOf(ev)
		if ok, err := q.backend.takeLease(ctx, subject, "a replica that died", 1500*time.Millisecond); err != nil || !ok {
			t.Fatalf("take: %v, %v", ok, err)
		}
		taken := time.Now()
		if ok, err := q.Enqueue(ctx, ev); err != nil || !ok {
			t.Fatalf("Enqueue: %v, %v", ok, err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for ran.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if ran.Load() == 0 {
			t.Fatal("the run never took the lapsed lease")
		}
		if waited := time.UnixMilli(ran.Load()).Sub(taken); waited < 1400*time.Millisecond {
			t.Errorf("the run started %s after the lease was taken, before it lapsed", waited)
		}
		// The run releases its lease as it ends, long before it expires.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			ok, err := q.backend.takeLease(ctx, subject, "next", time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the lease was not released after the run")
			}
		}
	})
}
