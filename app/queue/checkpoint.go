package queue

import (
	"context"
	"database/sql"
	"log/slog"
	"sync"
	"time"
)

// SQLite in WAL mode appends each commit to the WAL file and copies the
// WAL into the database file at a checkpoint. By default the commit that
// takes the WAL past 1,000 pages runs the checkpoint itself, and syncs
// both files: about one delivery in a hundred then waited some 10 ms for
// it, and everyone queued behind that one too. dip checkpoints from a
// connection of its own instead, every checkpointInterval, while the
// writer goes on; SQLite's own checkpoint is kept as a backstop for when
// the WAL grows past walBackstopPages regardless (under a load that never
// pauses, a checkpoint that runs beside writers may never reach the end of
// the WAL, and only a checkpoint between two commits lets the WAL start
// over).
const (
	checkpointInterval = 50 * time.Millisecond
	walBackstopPages   = 8000 // 32 MB of 4 KiB pages
)

// checkpointer runs passive checkpoints on its own connection until
// stopped.
type checkpointer struct {
	db     *sql.DB
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, log: log, cancel: cancel}
	c.wg.Go(func() {
		t := time.NewTicker(checkpointInterval)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// PASSIVE copies what it can without waiting for the writer
			// or readers; the result row (busy, WAL pages, pages copied)
			// is not needed.
			_, err := c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			switch {
			case err != nil && ctx.Err() == nil && !failing:
				failing = true
				c.log.Warn("sqlite checkpoint failed; SQLite's own checkpoints go on", "error", err)
			case err == nil:
				failing = false
			}
		}
	})
	return c
}

// stop ends the checkpoints and closes the connection.
func (c *checkpointer) stop() error {
	c.cancel()
	c.wg.Wait()
	return c.db.Close()
}
