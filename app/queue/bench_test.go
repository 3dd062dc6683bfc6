package queue_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/dipdev/dip/app/queue"
)

// BenchmarkEnqueueSQLite enqueues distinct deliveries from parallel
// goroutines, as concurrent webhook requests do, with the workers
// stopped.
func BenchmarkEnqueueSQLite(b *testing.B) {
	q, err := queue.Open(context.Background(), queue.Config{DatabaseURL: b.TempDir() + "/dip.db"}, newRecorder(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { q.Close() })
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			i := n.Add(1)
			ev := checkEvent(fmt.Sprintf("bench-%d", i), int(i%500), fmt.Sprintf("%040d", i))
			if _, err := q.Enqueue(ctx, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
