package queue

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// sqlitePragmas are set on the connection. WAL lets readers run beside the
// writer; synchronous=NORMAL in WAL mode loses no committed transaction
// when the process dies, only, possibly, the last ones on a power cut;
// busy_timeout waits out another process's lock instead of failing.
func sqlitePragmas() []string {
	return []string{
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"busy_timeout(10000)",
		"wal_autocheckpoint(" + strconv.Itoa(walBackstopPages) + ")",
	}
}

// sqliteDSN is the driver's data source name for the file at path.
func sqliteDSN(path string) string {
	var b strings.Builder
	b.WriteString(path)
	for i, p := range sqlitePragmas() {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString("_pragma=")
		b.WriteString(p)
	}
	return b.String()
}

// openSQLite opens the SQLite file at path and migrates it.
//
// SQLite allows one writer at a time, and River runs its maintenance
// concurrently with the workers and Enqueue; one connection serializes
// them all in the process, instead of failing with SQLITE_BUSY. Each
// statement is short, so the wait for the connection is too.
func openSQLite(ctx context.Context, path string, rc *river.Config, log *slog.Logger) (backend, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite path %q: must not contain ? or #", path)
	}
	connector, err := newSQLiteConnector(sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	pool := oneConnection(connector)
	e, err := newSQLiteEngine(ctx, pool, rc, log)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite %s: %w", path, err), pool.Close())
	}
	// The checkpointer's connection is opened after the migrations, which
	// set WAL mode.
	e.db = sqliteDB{pool: pool, ckpt: startCheckpointer(oneConnection(connector), log)}
	return e, nil
}

// oneConnection is a pool of one connection, kept open.
func oneConnection(c driver.Connector) *sql.DB {
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db
}

func newSQLiteEngine(ctx context.Context, pool *sql.DB, rc *river.Config, log *slog.Logger) (*engine[*sql.Tx], error) {
	driver := riversqlite.New(pool)
	migrator, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	for _, stmt := range schema() {
		if _, err := pool.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("queue schema: %w", err)
		}
	}
	client, err := river.NewClient(driver, rc)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	e := &engine[*sql.Tx]{db: sqliteDB{pool: pool}, client: client, insertFast: true, clock: sqliteClock}
	e.group = newGroupCommit(e.insertBatch)
	return e, nil
}

// sqliteDB is db over database/sql, with the checkpointer of the file
// when it has one.
type sqliteDB struct {
	pool *sql.DB
	ckpt *checkpointer
}

func (d sqliteDB) begin(ctx context.Context) (*sql.Tx, error) { return d.pool.BeginTx(ctx, nil) }
func (d sqliteDB) commit(_ context.Context, tx *sql.Tx) error { return tx.Commit() }

func (d sqliteDB) rollback(_ context.Context, tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

func (d sqliteDB) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (d sqliteDB) queryTx(ctx context.Context, tx *sql.Tx, query string, args []any, row func(func(...any) error) error) error {
	rows, err := tx.QueryContext(ctx, query, args...)
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

func (d sqliteDB) execDB(ctx context.Context, query string, args ...any) error {
	_, err := d.pool.ExecContext(ctx, query, args...)
	return err
}

func (d sqliteDB) queryString(ctx context.Context, query string, args ...any) (string, error) {
	var s sql.NullString
	err := d.pool.QueryRowContext(ctx, query, args...).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNoRows
	}
	return s.String, err
}

func (d sqliteDB) close() error {
	var err error
	if d.ckpt != nil {
		err = d.ckpt.stop()
	}
	return errors.Join(err, d.pool.Close())
}
