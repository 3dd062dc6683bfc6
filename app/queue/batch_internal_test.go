package queue

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/dipdev/dip/internal/pgtest"
	"github.com/dipdev/dip/vcs"
)

// TestInsertBatch writes one batch as group commit does, with a delivery
// repeated, one accepted before and three heads of one pull request, on
// both databases.
func TestInsertBatch(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "dip.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			q, err := Open(ctx, Config{DatabaseURL: url(t)}, HandlerFunc(func(context.Context, vcs.Event) error { return nil }))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { q.Close() })
			if ok, err := q.Enqueue(ctx, prEvent("old", 7, "0000")); err != nil || !ok {
				t.Fatalf("Enqueue old: %v, %v", ok, err)
			}
			now := time.Now()
			var batch []*pendingInsert
			for _, ev := range []vcs.Event{
				prEvent("a", 1, "aaaa"),
				prEvent("a", 1, "ffff"), // repeated in the batch
				prEvent("old", 1, "ffff"),
				prEvent("b", 1, "bbbb"),
				prEvent("c", 2, "cccc"),
				prEvent("d", 1, "dddd"),
			} {
				batch = append(batch, &pendingInsert{job: eventArgs{Event: ev}, now: now})
			}
			type writer interface {
				insertBatch(context.Context, []*pendingInsert) error
			}
			if err := q.backend.(writer).insertBatch(ctx, batch); err != nil {
				t.Fatal(err)
			}
			want := []bool{true, false, false, true, true, true}
			for i, p := range batch {
				if p.accepted != want[i] {
					t.Errorf("batch[%d] %s accepted = %v, want %v", i, p.job.Event.DeliveryID, p.accepted, want[i])
				}
			}
			for subject, want := range map[string]string{"github:acme/platform#1": "dddd", "github:acme/platform#2": "cccc"} {
				got, ok, err := q.backend.latestHead(ctx, subject)
				if err != nil || !ok || got != want {
					t.Errorf("head of %s = %q, %v, %v; want %q", subject, got, ok, err, want)
				}
			}
			if ok, err := q.Enqueue(ctx, prEvent("b", 1, "bbbb")); err != nil || ok {
				t.Errorf("Enqueue of b again = %v, %v; want refused", ok, err)
			}
		})
	}
}

func prEvent(id string, pr int, sha string) vcs.Event {
	return vcs.Event{
		Host: vcs.GitHub, DeliveryID: id, Kind: vcs.EventCheck, Name: "pull_request",
		Repo:        vcs.Repo{Host: vcs.GitHub, ID: 7, Owner: "acme", Name: "platform"},
		PullRequest: &vcs.PullRequest{Number: pr, HeadSHA: sha},
		SHA:         sha,
	}
}
