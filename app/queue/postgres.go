package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// migrationLock is the PostgreSQL advisory lock key held while a replica
// migrates, so that replicas starting together migrate one after another.
// It reads "dip-queu" in ASCII.
const migrationLock int64 = 0x6469702d71756575

// minPostgresConns is the pool size below which River's listener,
// producer and maintenance would starve the workers and Enqueue.
const minPostgresConns = 8

// openPostgres connects to the PostgreSQL database at url and migrates it.
// A pool_max_conns in url is kept; otherwise the pool fits the workers.
func openPostgres(ctx context.Context, url string, rc *river.Config, log *slog.Logger) (backend, error) {
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The parse error may quote the URL and its password.
		return nil, errors.New("postgres: cannot parse the database url")
	}
	if !strings.Contains(url, "pool_max_conns") {
		workers := rc.Queues[river.QueueDefault].MaxWorkers
		pcfg.MaxConns = int32(max(minPostgresConns, workers+4))
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	e, err := newPostgresEngine(ctx, pool, rc, log)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return e, nil
}

func newPostgresEngine(ctx context.Context, pool *pgxpool.Pool, rc *river.Config, log *slog.Logger) (*engine[pgx.Tx], error) {
	driver := riverpgxv5.New(pool)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	err = withMigrationLock(ctx, pool, func() error {
		if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		for _, stmt := range schema() {
			if _, err := pool.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("queue schema: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &engine[pgx.Tx]{db: pgDB{pool}, client: client, clock: postgresClock}, nil
}

// withMigrationLock runs f holding the migration lock on a connection of
// its own; the lock goes with the session should the unlock fail.
func withMigrationLock(ctx context.Context, pool *pgxpool.Pool, f func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	ferr := f()
	if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
		// Closing the session drops the lock.
		return errors.Join(ferr, conn.Conn().Close(context.WithoutCancel(ctx)))
	}
	return ferr
}

// pgDB is db over a pgx pool.
type pgDB struct{ pool *pgxpool.Pool }

func (d pgDB) begin(ctx context.Context) (pgx.Tx, error)   { return d.pool.Begin(ctx) }
func (d pgDB) commit(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) }
func (d pgDB) rollback(ctx context.Context, tx pgx.Tx) error {
	if err := tx.Rollback(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return err
	}
	return nil
}

func (d pgDB) exec(ctx context.Context, tx pgx.Tx, query string, args ...any) (int64, error) {
	tag, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (d pgDB) queryTx(ctx context.Context, tx pgx.Tx, query string, args []any, row func(func(...any) error) error) error {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (d pgDB) execDB(ctx context.Context, query string, args ...any) error {
	_, err := d.pool.Exec(ctx, query, args...)
	return err
}

func (d pgDB) queryString(ctx context.Context, query string, args ...any) (string, error) {
	var s string
	err := d.pool.QueryRow(ctx, query, args...).Scan(&s)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errNoRows
	}
	return s, err
}

func (d pgDB) close() error {
	d.pool.Close()
	return nil
}
