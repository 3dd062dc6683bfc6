package queue

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the prepared statements a SQLite connection keeps.
// River inserts each job with the same statement, and dip's batch
// statements have one text per batch size, so the working set is small.
const stmtCacheSize = 128

// sqliteConnector opens SQLite connections that keep their prepared
// statements for Exec. River's SQLite driver inserts one job per
// statement, and the pure-Go SQLite parses each statement again every
// time: without the cache, parsing SQL took a fifth of the CPU of
// accepting a webhook delivery.
type sqliteConnector struct{ driver.Connector }

// newSQLiteConnector returns the connector of the database at dsn.
func newSQLiteConnector(dsn string) (sqliteConnector, error) {
	c, err := sqlite.NewConnector(dsn)
	return sqliteConnector{c}, err
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		return nil, errors.Join(errors.New("sqlite driver connection lacks a context method"), conn.Close())
	}
	return &cachingConn{sqliteConn: inner, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// sqliteConn is what the SQLite driver's connection implements, and
// database/sql uses.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a SQLite connection whose ExecContext runs a statement
// it prepared before for the same text. database/sql uses a connection
// from one goroutine at a time, so the cache needs no lock. Queries are
// not cached: the rows of one may still be open when the same text is
// run again.
type cachingConn struct {
	sqliteConn
	stmts map[string]*list.Element // of lru, whose values are *cachedStmt
	lru   *list.List               // most recently used first
}

type cachedStmt struct {
	query string
	stmt  execStmt
}

// execStmt is a prepared statement with its context method.
type execStmt interface {
	driver.Stmt
	driver.StmtExecContext
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !cacheable(query) {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	var cs *cachedStmt
	if e, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(e)
		cs = e.Value.(*cachedStmt)
	} else {
		prepared, err := c.sqliteConn.PrepareContext(ctx, query)
		if err != nil {
			return nil, err
		}
		stmt, ok := prepared.(execStmt)
		if !ok {
			return nil, errors.Join(errors.New("sqlite driver statement lacks a context method"), prepared.Close())
		}
		cs = &cachedStmt{query: query, stmt: stmt}
		c.stmts[query] = c.lru.PushFront(cs)
		if c.lru.Len() > stmtCacheSize {
			c.evict(c.lru.Back())
		}
	}
	return cs.stmt.ExecContext(ctx, args)
}

func (c *cachingConn) evict(e *list.Element) error {
	cs := c.lru.Remove(e).(*cachedStmt)
	delete(c.stmts, cs.query)
	return cs.stmt.Close()
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for c.lru.Len() > 0 {
		errs = append(errs, c.evict(c.lru.Front()))
	}
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// cacheable reports whether query is one statement: a script (River's
// migrations) is run as it is.
func cacheable(query string) bool {
	q := strings.TrimRight(strings.TrimSpace(query), ";")
	return !strings.Contains(q, ";")
}
