package queue_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dipdev/dip/app/queue"
	"github.com/dipdev/dip/internal/pgtest"
	"github.com/dipdev/dip/vcs"
)

// TestReplicasRunEachDeliveryOnce runs two queues, as two replicas would,
// on one PostgreSQL database, offers each of 100 deliveries to both at
// once, and expects each handled exactly once overall.
func TestReplicasRunEachDeliveryOnce(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx := context.Background()

	var mu sync.Mutex
	calls := map[string]int{}
	byReplica := [2]int{}
	done := make(chan struct{}, 256)
	handler := func(replica int) queue.Handler {
		return queue.HandlerFunc(func(ctx context.Context, ev vcs.Event) error {
			mu.Lock()
			calls[ev.DeliveryID]++
			byReplica[replica]++
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
			done <- struct{}{}
			return nil
		})
	}

	// Both replicas start at once: their migrations must not collide.
	var replicas [2]*queue.Queue
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			q, err := queue.Open(ctx, queue.Config{DatabaseURL: url, Workers: 4}, handler(i))
			if err != nil {
				t.Errorf("Open replica %d: %v", i, err)
				return
			}
			replicas[i] = q
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, q := range replicas {
		t.Cleanup(func() {
			if err := q.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		start(t, q)
	}

	const deliveries = 100
	var accepted atomic.Int64
	for i := range deliveries {
		ev := checkEvent(deliveryID(i), 1000+i, "abc")
		for _, q := range replicas {
			wg.Go(func() {
				ok, err := q.Enqueue(ctx, ev)
				if err != nil {
					t.Errorf("Enqueue %s: %v", ev.DeliveryID, err)
				}
				if ok {
					accepted.Add(1)
				}
			})
		}
	}
	wg.Wait()
	if got := accepted.Load(); got != deliveries {
		t.Errorf("accepted %d deliveries, want %d", got, deliveries)
	}

	timeout := time.After(30 * time.Second)
	for range deliveries {
		select {
		case <-done:
		case <-timeout:
			t.Fatalf("not all deliveries handled in time")
		}
	}
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show
	mu.Lock()
	defer mu.Unlock()
	for i := range deliveries {
		if n := calls[deliveryID(i)]; n != 1 {
			t.Errorf("%s handled %d times, want once", deliveryID(i), n)
		}
	}
	if len(calls) != deliveries {
		t.Errorf("handled %d distinct deliveries, want %d", len(calls), deliveries)
	}
	t.Logf("jobs per replica: %v", byReplica)

	if err := replicas[0].Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
