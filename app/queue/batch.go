package queue

import (
	"context"
	"sync"
	"time"
)

// pendingInsert is one Enqueue waiting for its transaction.
type pendingInsert struct {
	job eventArgs
	now time.Time

	accepted bool
	err      error
	// done receives true when this caller is to write the next batch,
	// false when its result is set.
	done chan bool
}

// groupCommit commits concurrent inserts together, for a database with a
// single writer, where one transaction per delivery would cap the rate at
// what one connection can commit. There is no goroutine of its own: the
// first caller to find no batch being written writes the batch of
// everyone waiting, then hands over to the first caller who arrived
// meanwhile.
type groupCommit struct {
	write    func(ctx context.Context, batch []*pendingInsert) error
	maxBatch int
	timeout  time.Duration

	mu      sync.Mutex
	queue   []*pendingInsert
	writing bool
}

func newGroupCommit(write func(context.Context, []*pendingInsert) error) *groupCommit {
	return &groupCommit{write: write, maxBatch: 256, timeout: 30 * time.Second}
}

// insert queues job and returns once a transaction holding it committed
// or failed. A caller already queued waits for its batch whatever its ctx:
// the batch may be committing.
func (g *groupCommit) insert(ctx context.Context, job eventArgs, now time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	p := &pendingInsert{job: job, now: now, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	lead := !g.writing
	g.writing = true
	g.mu.Unlock()

	if lead || <-p.done {
		g.lead(ctx)
	}
	return p.accepted, p.err
}

// lead writes one batch, then makes the next waiter the writer, or ends
// the writing when no one waits.
func (g *groupCommit) lead(ctx context.Context) {
	g.mu.Lock()
	n := min(len(g.queue), g.maxBatch)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	// The batch is everyone's: the leader's cancellation must not fail it.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
	err := g.write(wctx, batch)
	cancel()
	for _, p := range batch {
		p.err = err
		p.done <- false
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) == 0 {
		g.writing = false
		g.queue = nil
		return
	}
	g.queue[0].done <- true
}
