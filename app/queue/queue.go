// Package queue is dip's durable job queue. A webhook delivery, turned into
// a vcs.Event, is committed to the database before Enqueue returns and then
// worked by a Handler, with retries, a timeout and a bounded number of
// attempts, surviving restarts of the process. It runs on River over SQLite
// (one server) or PostgreSQL (several replicas).
//
// Three rules sit beside River's. A delivery id is accepted once: its row
// in dip_delivery, written in the same transaction as the job, refuses any
// redelivery for Config.Retention, whatever became of the first job. A
// check of a pull request, a push to a branch, or a migration bot run of
// a branch, is skipped when another head commit of the same pull request
// or branch was enqueued after it: dip_head keeps the last enqueued, so
// that a burst of pushes is worked once.
//
// The queue knows no git, so "enqueued after" is all it can tell, and it
// is not "newer": GitHub may deliver an older head late, or again, after
// a newer one, and the job that survives is then the older head's. The
// rest of the rule lives in the Handler, which fetches: it works the
// pull request's or branch's head as the host has it now, whatever
// commit its event names, and decides by git ancestry what a newer one
// already covers (see package server). Skipping here is only ever safe
// because of that: whichever job of a subject runs last works the host's
// current head.
//
// And the migration bot runs one repository at a time across every process
// that shares the database: a run holds the repository's lease in
// dip_lease (lease.go), and another waits for it.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dipdev/dip/vcs"
)

// ErrPermanent marks an error that retrying cannot fix. A Handler returns
// an error wrapping it to end the job at once, without further attempts.
var ErrPermanent = errors.New("permanent failure")

// Handler does the work of one event.
type Handler interface {
	// Handle does the work of one event. A returned error is retried with
	// backoff; an error wrapping ErrPermanent is not. ctx ends at the job's
	// timeout and when the queue stops.
	Handle(ctx context.Context, ev vcs.Event) error
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, ev vcs.Event) error

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, ev vcs.Event) error { return f(ctx, ev) }

// Defaults of Config.
const (
	DefaultDatabaseURL = "dip.db"
	DefaultWorkers     = 4
	DefaultJobTimeout  = 10 * time.Minute
	DefaultRetention   = 7 * 24 * time.Hour
	// MaxAttempts is how many times a job is tried before it is given up.
	MaxAttempts = 10
)

// Config configures a Queue. The zero value, but for Logger, works: a
// SQLite file dip.db in the working directory.
type Config struct {
	// DatabaseURL is a SQLite file path ("dip.db", "/var/lib/dip/dip.db"),
	// or a postgres:// or postgresql:// URL when several replicas share
	// the queue.
	DatabaseURL string
	// Workers is how many jobs run at once in this process.
	Workers int
	// JobTimeout ends a job's context; the attempt then counts as failed.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken
	// for the work of a process that died, and tried again. It must
	// exceed JobTimeout; the default is JobTimeout plus a minute.
	RescueAfter time.Duration
	// Retention is how long a delivery id is remembered, and so refused
	// when redelivered. Default 7 days.
	Retention time.Duration
	// Logger receives the queue's logs; nil discards them.
	Logger *slog.Logger
	// Registerer, when set, receives the queue's metrics.
	Registerer prometheus.Registerer
}

func (c Config) withDefaults() Config {
	if c.DatabaseURL == "" {
		c.DatabaseURL = DefaultDatabaseURL
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// isPostgres reports whether url names a PostgreSQL database.
func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Queue is a durable queue of events. It is safe for concurrent use.
type Queue struct {
	cfg     Config
	handler Handler
	log     *slog.Logger
	metrics *metrics
	backend backend

	mu      sync.Mutex
	running bool
	closed  bool
}

// Open opens the database, brings its schema up to date (safe when
// replicas start together) and prepares the queue. Jobs run only after
// Start; Enqueue works before it.
func Open(ctx context.Context, cfg Config, h Handler) (*Queue, error) {
	if h == nil {
		return nil, errors.New("open queue: no handler")
	}
	cfg = cfg.withDefaults()
	if cfg.RescueAfter <= cfg.JobTimeout {
		return nil, fmt.Errorf("open queue: rescue after %s must exceed job timeout %s", cfg.RescueAfter, cfg.JobTimeout)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	q := &Queue{cfg: cfg, handler: h, log: cfg.Logger, metrics: m}
	if isPostgres(cfg.DatabaseURL) {
		q.backend, err = openPostgres(ctx, cfg.DatabaseURL, q.riverConfig(0), q.log)
	} else {
		q.backend, err = openSQLite(ctx, cfg.DatabaseURL, q.riverConfig(sqlitePollInterval), q.log)
	}
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	return q, nil
}

// Enqueue commits a job for ev before it returns. It reports false, and
// queues nothing, for a delivery id accepted before.
func (q *Queue) Enqueue(ctx context.Context, ev vcs.Event) (accepted bool, err error) {
	if ev.DeliveryID == "" {
		return false, fmt.Errorf("enqueue %s event: no delivery id", ev.Kind)
	}
	accepted, err = q.backend.insert(ctx, eventArgs{Event: ev}, time.Now())
	if err != nil {
		return false, fmt.Errorf("enqueue delivery %s: %w", ev.DeliveryID, err)
	}
	q.metrics.enqueued(ev.Kind, accepted)
	if accepted {
		q.log.LogAttrs(ctx, slog.LevelDebug, "delivery queued", eventAttrs(ev)...)
	} else {
		q.log.LogAttrs(ctx, slog.LevelInfo, "delivery already accepted", eventAttrs(ev)...)
	}
	return accepted, nil
}

// Start starts working jobs in the background until Stop or Close. Jobs'
// contexts carry ctx's values but not its cancellation: stopping is Stop's.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.backend.start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	q.running = true
	return nil
}

// Stop stops fetching jobs and waits for the running ones to end. When ctx
// ends first, the running jobs' contexts are cancelled, so that they end and
// are tried again later, and Stop returns ctx's error.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		return nil
	}
	err := q.backend.stop(ctx)
	if err != nil {
		hardCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopTimeout)
		defer cancel()
		if herr := q.backend.stopAndCancel(hardCtx); herr != nil {
			err = errors.Join(err, herr)
		}
	}
	q.running = false
	if err != nil {
		return fmt.Errorf("stop queue: %w", err)
	}
	return nil
}

// hardStopTimeout bounds the wait for cancelled jobs to return.
const hardStopTimeout = 10 * time.Second

// Ping reports whether the database answers.
func (q *Queue) Ping(ctx context.Context) error {
	if err := q.backend.ping(ctx); err != nil {
		return fmt.Errorf("ping queue database: %w", err)
	}
	return nil
}

// Close cancels jobs still running, if Stop was not called, and closes the
// database.
func (q *Queue) Close() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return nil
	}
	q.closed = true
	var errs []error
	if q.running {
		ctx, cancel := context.WithTimeout(context.Background(), hardStopTimeout)
		defer cancel()
		if err := q.backend.stopAndCancel(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop queue: %w", err))
		}
		q.running = false
	}
	if err := q.backend.close(); err != nil {
		errs = append(errs, fmt.Errorf("close queue database: %w", err))
	}
	return errors.Join(errs...)
}
