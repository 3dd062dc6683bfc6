package queue

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dipdev/dip/vcs"
)

// openCached opens a SQLite file through sqliteConnector on one
// connection, as openSQLite does.
func openCached(t *testing.T, path string) *sql.DB {
	t.Helper()
	c, err := newSQLiteConnector(sqliteDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// cached returns the statements the connection of db keeps.
func cached(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[string]bool{}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("connection is a %T", dc)
		}
		if len(c.stmts) != c.lru.Len() {
			return fmt.Errorf("%d statements in the map, %d in the list", len(c.stmts), c.lru.Len())
		}
		for q := range c.stmts {
			out[q] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStatementCache: a statement run twice is prepared once and gives
// the right results with new arguments, in and out of transactions; the
// cache is bounded; scripts are not cached; a statement cached before a
// schema change still works after it.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db := openCached(t, filepath.Join(t.TempDir(), "c.db"))
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); CREATE TABLE u (x INTEGER);"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO t (k, v) VALUES (?, ?)"
	for i := range 10 {
		if _, err := db.ExecContext(ctx, insert, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, insert, 10, "in a transaction"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, insert, 3, "duplicate"); err == nil {
		t.Error("a duplicate key was accepted")
	}
	var n int
	var v string
	if err := db.QueryRowContext(ctx, "SELECT count(*), max(v) FROM t").Scan(&n, &v); err != nil || n != 10 || v != "v9" {
		t.Fatalf("rows: %d, %q, %v; want 10, v9", n, v, err)
	}
	got := cached(t, db)
	if !got[insert] || len(got) != 1 {
		t.Fatalf("cached %v; want only the insert (the script is not cached)", got)
	}

	if _, err := db.ExecContext(ctx, "ALTER TABLE t ADD COLUMN w TEXT DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, insert, 11, "after the schema changed"); err != nil {
		t.Fatalf("cached statement after a schema change: %v", err)
	}

	for i := range stmtCacheSize + 10 {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("INSERT INTO u (x) VALUES (%d)", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := cached(t, db); len(got) != stmtCacheSize || got[insert] {
		t.Errorf("%d statements cached, the oldest kept: %v; want %d, the oldest evicted", len(got), got[insert], stmtCacheSize)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM u").Scan(&n); err != nil || n != stmtCacheSize+10 {
		t.Errorf("%d rows in u, %v", n, err)
	}
}

// TestCheckpointer: with SQLite's own checkpoint far off, the
// checkpointer still copies the WAL into the database file while the queue
// runs.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dip.db")
	q, err := Open(ctx, Config{DatabaseURL: path}, HandlerFunc(func(context.Context, vcs.Event) error { return nil }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	size := func() int64 {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	time.Sleep(150 * time.Millisecond) // the migrations' pages reach the file
	before := size()
	for i := range 200 {
		if ok, err := q.Enqueue(ctx, prEvent(fmt.Sprint("ckpt-", i), i+1, "abcd")); err != nil || !ok {
			t.Fatalf("Enqueue: %v, %v", ok, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: nothing was checkpointed", before)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
