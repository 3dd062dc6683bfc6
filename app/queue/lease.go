package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/dipdev/dip/vcs"
)

// Leases make some jobs run one at a time across every process sharing
// the database: a job whose subject (leaseOf) is leased by another runs
// later. A lease is a row of dip_lease, taken before the Handler is called
// and deleted after it returns; it expires after Config.RescueAfter, which
// exceeds the job timeout, so that the lease of a process that died lapses
// when River takes its job for lost and runs it again. Times are the
// database's clock, so replicas whose clocks differ agree on expiry.
//
// River's unique jobs do not give this: they refuse to insert a job while
// one with the same key is in the states given, which either drops the
// run of a newer head queued while one runs, or, with running left out,
// lets two run at once; they say nothing about which job may run.
const (
	// sqlTakeLease takes subject's lease for holder until $3 milliseconds
	// after now, unless an unexpired one is held: one row affected when
	// taken. %[1]s is the database's clock in Unix milliseconds.
	sqlTakeLease = `INSERT INTO dip_lease (subject, holder, expires_at) VALUES ($1, $2, %[1]s + $3)
		ON CONFLICT (subject) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE dip_lease.expires_at <= %[1]s`
	sqlReleaseLease = `DELETE FROM dip_lease WHERE subject = $1 AND holder = $2`
	sqlPruneLease   = `DELETE FROM dip_lease WHERE expires_at < $1`
	// Unix milliseconds now, as each database says it.
	sqliteClock   = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`
	postgresClock = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT`
)

// leaseWait is how long a job whose subject is leased by another waits
// before it is tried again. Waiting is no failed attempt.
const leaseWait = time.Second

// leaseOf returns what ev must hold the only lease of while it runs: a
// migration bot run holds its repository, so that no two replicas open
// the same tracking issue or race on the same branches.
func leaseOf(ev vcs.Event) (string, bool) {
	if ev.Kind != vcs.EventMigrate {
		return "", false
	}
	return string(ev.Host) + ":" + ev.Repo.FullName() + ":migrate", true
}

// takeLease takes subject's lease for ttl and reports whether it did;
// holder names the taker, and only it releases the lease.
func (e *engine[TTx]) takeLease(ctx context.Context, subject, holder string, ttl time.Duration) (taken bool, err error) {
	tx, err := e.db.begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	n, err := e.db.exec(ctx, tx, fmt.Sprintf(sqlTakeLease, e.clock), subject, holder, ttl.Milliseconds())
	if err != nil {
		return false, errors.Join(fmt.Errorf("take lease of %s: %w", subject, err), e.db.rollback(ctx, tx))
	}
	if err := e.db.commit(ctx, tx); err != nil {
		return false, fmt.Errorf("take lease of %s: commit: %w", subject, err)
	}
	return n == 1, nil
}

// releaseLease deletes subject's lease if holder still holds it.
func (e *engine[TTx]) releaseLease(ctx context.Context, subject, holder string) error {
	if err := e.db.execDB(ctx, sqlReleaseLease, subject, holder); err != nil {
		return fmt.Errorf("release lease of %s: %w", subject, err)
	}
	return nil
}

// lease takes the lease ev needs, if any, and returns its release. When
// another holds it, the error is River's snooze: the job is tried again
// after leaseWait, which counts as no attempt. An error of the database
// is retried.
func (w *eventWorker) lease(ctx context.Context, jobID int64, ev vcs.Event, attrs []slog.Attr) (release func(), err error) {
	subject, ok := leaseOf(ev)
	if !ok {
		return func() {}, nil
	}
	holder := newHolder(jobID)
	taken, err := w.q.backend.takeLease(ctx, subject, holder, w.q.cfg.RescueAfter)
	if err != nil {
		w.q.log.LogAttrs(ctx, slog.LevelWarn, "job will retry", append(attrs, slog.String("error", err.Error()))...)
		w.q.metrics.finished(ev.Kind, outcomeRetried)
		return nil, err
	}
	if !taken {
		w.q.log.LogAttrs(ctx, slog.LevelDebug, "another run holds the lease; waiting", append(attrs, slog.String("lease", subject))...)
		w.q.metrics.finished(ev.Kind, outcomeWaiting)
		return nil, river.JobSnooze(leaseWait)
	}
	return func() {
		// The job's context may be over: release within a context of
		// its own, or leave the lease to lapse.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		if err := w.q.backend.releaseLease(rctx, subject, holder); err != nil {
			w.q.log.LogAttrs(ctx, slog.LevelWarn, "lease not released; it lapses when it expires",
				append(attrs, slog.String("lease", subject), slog.String("error", err.Error()))...)
		}
	}, nil
}

// releaseTimeout bounds the release of a lease.
const releaseTimeout = 10 * time.Second

// newHolder names one taking of a lease: the job and a random part, so
// that a job run again after its lease lapsed cannot release the lease
// of the run that took it over.
func newHolder(jobID int64) string {
	b := make([]byte, 8)
	rand.Read(b)
	return fmt.Sprintf("job %d %s", jobID, hex.EncodeToString(b))
}
