package queue_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/internal/pgtest"
	"github.com/dipdev/dip/vcs"
)

// migrateEvent is a run of the migration bot on repository name's main at
// sha.
func migrateEvent(id, name, sha string) vcs.Event {
	repo := testRepo()
	repo.Name = name
	return vcs.Event{Host: vcs.GitHub, DeliveryID: id, Kind: vcs.EventMigrate, Name: "migrate", Repo: repo, Ref: "main", SHA: sha}
}

// overlap is a Handler that records how many runs of each repository were
// in flight at once, at most.
type overlap struct {
	mu      sync.Mutex
	now     map[string]int
	most    map[string]int
	handled map[string]int
	done    chan struct{}
}

func newOverlap() *overlap {
	return &overlap{now: map[string]int{}, most: map[string]int{}, handled: map[string]int{}, done: make(chan struct{}, 1024)}
}

func (o *overlap) Handle(ctx context.Context, ev vcs.Event) error {
	repo := ev.Repo.FullName()
	o.mu.Lock()
	o.now[repo]++
	o.most[repo] = max(o.most[repo], o.now[repo])
	o.handled[ev.DeliveryID]++
	o.mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	o.mu.Lock()
	o.now[repo]--
	o.mu.Unlock()
	o.done <- struct{}{}
	return nil
}

// runOverlapping offers n runs of each of two repositories to queues at
// once, round robin, and checks that each ran once, and never two of one
// repository at a time.
func runOverlapping(t *testing.T, o *overlap, queues []*queue.Queue, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range n {
		for j, repo := range []string{"platform", "other"} {
			q := queues[(i+j)%len(queues)]
			ev := migrateEvent(fmt.Sprintf("migrate-%s-%d", repo, i), repo, "abc")
			wg.Go(func() {
				if ok, err := q.Enqueue(context.Background(), ev); err != nil || !ok {
					t.Errorf("Enqueue %s: %v, %v", ev.DeliveryID, ok, err)
				}
			})
		}
	}
	wg.Wait()
	timeout := time.After(time.Minute)
	for range 2 * n {
		select {
		case <-o.done:
		case <-timeout:
			t.Fatalf("not every run was handled in time: %v", o.handled)
		}
	}
	time.Sleep(200 * time.Millisecond) // room for a second run to show
	o.mu.Lock()
	defer o.mu.Unlock()
	for repo, most := range o.most {
		if most != 1 {
			t.Errorf("%d runs of %s at once, want one at a time", most, repo)
		}
	}
	for id, c := range o.handled {
		if c != 1 {
			t.Errorf("%s handled %d times", id, c)
		}
	}
	if len(o.handled) != 2*n {
		t.Errorf("%d runs handled, want %d", len(o.handled), 2*n)
	}
}

// With four workers on SQLite, runs of one repository wait for each other.
func TestOneMigrationRunPerRepository(t *testing.T) {
	t.Parallel()
	o := newOverlap()
	q := testQueue(t, queue.Config{DatabaseURL: filepath.Join(t.TempDir(), "dip.db"), Workers: 4}, o)
	start(t, q)
	runOverlapping(t, o, []*queue.Queue{q}, 8)
}

// Two replicas on PostgreSQL, four workers each, run one repository's
// runs one at a time between them.
func TestOneMigrationRunPerRepositoryAcrossReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	o := newOverlap()
	queues := []*queue.Queue{
		testQueue(t, queue.Config{DatabaseURL: url, Workers: 4}, o),
		testQueue(t, queue.Config{DatabaseURL: url, Workers: 4}, o),
	}
	for _, q := range queues {
		start(t, q)
	}
	runOverlapping(t, o, queues, 8)
}
