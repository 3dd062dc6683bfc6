package queue

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// The queue's own tables, beside River's. The SQL is written once for both
// databases: $n placeholders, BIGINT Unix milliseconds for times, and
// ON CONFLICT, which SQLite and PostgreSQL spell alike.
//
// dip_delivery holds every delivery id accepted, so that a redelivery is
// refused for as long as the row is kept, whatever became of its job.
// River's unique jobs would hold only while the job's row lives: its job
// cleaner deletes completed and cancelled jobs after a day by default, and
// cancelled or discarded jobs are outside the default unique states. The
// table keeps dedup independent of job retention, and costs one indexed
// insert in the job's transaction.
// dip_head holds the newest head commit of each pull request and branch, so
// that a job for an older one can be skipped. dip_lease holds the leases
// of lease.go.
func schema() []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS dip_delivery (
			host        TEXT   NOT NULL,
			delivery_id TEXT   NOT NULL,
			received_at BIGINT NOT NULL,
			PRIMARY KEY (host, delivery_id))`,
		`CREATE INDEX IF NOT EXISTS dip_delivery_received_at ON dip_delivery (received_at)`,
		`CREATE TABLE IF NOT EXISTS dip_head (
			subject    TEXT   NOT NULL PRIMARY KEY,
			sha        TEXT   NOT NULL,
			updated_at BIGINT NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS dip_head_updated_at ON dip_head (updated_at)`,
		`CREATE TABLE IF NOT EXISTS dip_lease (
			subject    TEXT   NOT NULL PRIMARY KEY,
			holder     TEXT   NOT NULL,
			expires_at BIGINT NOT NULL)`,
	}
}

const (
	// sqlInsertDeliveries, rows of values, then sqlInsertDeliveriesEnd
	// insert delivery ids and return those that were new.
	sqlInsertDeliveries    = `INSERT INTO dip_delivery (host, delivery_id, received_at) VALUES `
	sqlInsertDeliveriesEnd = ` ON CONFLICT (host, delivery_id) DO NOTHING RETURNING host, delivery_id`
	// sqlUpsertHeads, rows of values, then sqlUpsertHeadsEnd move heads.
	sqlUpsertHeads    = `INSERT INTO dip_head (subject, sha, updated_at) VALUES `
	sqlUpsertHeadsEnd = ` ON CONFLICT (subject) DO UPDATE SET sha = excluded.sha, updated_at = excluded.updated_at`
	sqlSelectHead     = `SELECT sha FROM dip_head WHERE subject = $1`
	sqlPruneDelivery  = `DELETE FROM dip_delivery WHERE received_at < $1`
	sqlPruneHead      = `DELETE FROM dip_head WHERE updated_at < $1`
	sqlPing           = `SELECT 'ok'`
)

// errNoRows is what db.queryString returns when the query found nothing.
var errNoRows = errors.New("no rows")

// db is what the queue needs of a database besides River: transactions of
// River's transaction type TTx, so that the job and its bookkeeping commit
// together.
type db[TTx any] interface {
	begin(ctx context.Context) (TTx, error)
	commit(ctx context.Context, tx TTx) error
	rollback(ctx context.Context, tx TTx) error
	// exec runs a statement in tx and returns the rows it affected.
	exec(ctx context.Context, tx TTx, query string, args ...any) (int64, error)
	// queryTx runs a query in tx and calls row with the scanner of each
	// row it returns.
	queryTx(ctx context.Context, tx TTx, query string, args []any, row func(scan func(dest ...any) error) error) error
	// execDB runs a statement outside a transaction.
	execDB(ctx context.Context, query string, args ...any) error
	// queryString reads one string column of one row, or errNoRows.
	queryString(ctx context.Context, query string, args ...any) (string, error)
	close() error
}

// backend is the queue over one kind of database, with River's generic
// transaction type hidden.
type backend interface {
	insert(ctx context.Context, job eventArgs, now time.Time) (bool, error)
	latestHead(ctx context.Context, subject string) (string, bool, error)
	takeLease(ctx context.Context, subject, holder string, ttl time.Duration) (bool, error)
	releaseLease(ctx context.Context, subject, holder string) error
	prune(ctx context.Context, before time.Time) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	ping(ctx context.Context) error
	close() error
}

// engine is the backend for River transaction type TTx.
type engine[TTx any] struct {
	db     db[TTx]
	client *river.Client[TTx]
	// group, when set, commits concurrent inserts together.
	group *groupCommit
	// insertFast inserts jobs without reading them back, which costs a
	// statement per job on SQLite.
	insertFast bool
	// clock is the SQL of the database's time in Unix milliseconds.
	clock string
}

var _ backend = (*engine[any])(nil)

// insert records the delivery, moves the head of its pull request or
// branch, and inserts the job, all in one transaction. It reports false,
// and changes nothing, when the delivery was accepted before.
func (e *engine[TTx]) insert(ctx context.Context, job eventArgs, now time.Time) (bool, error) {
	if e.group != nil {
		return e.group.insert(ctx, job, now)
	}
	p := &pendingInsert{job: job, now: now}
	if err := e.insertBatch(ctx, []*pendingInsert{p}); err != nil {
		return false, err
	}
	return p.accepted, nil
}

// insertBatch inserts the batch in one transaction, in order, and sets
// each one's accepted. A delivery repeated within the batch is accepted
// once. Each table takes the whole batch in one statement: on SQLite,
// where the batch is large, parsing a statement costs more than running
// it.
func (e *engine[TTx]) insertBatch(ctx context.Context, batch []*pendingInsert) (err error) {
	tx, err := e.db.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		if rerr := e.db.rollback(ctx, tx); rerr != nil && err == nil {
			err = fmt.Errorf("rollback: %w", rerr)
		}
		for _, p := range batch {
			p.accepted = false
		}
	}()
	if err := e.recordDeliveries(ctx, tx, batch); err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	jobs := make([]river.InsertManyParams, 0, len(batch))
	var heads []head
	for _, p := range batch {
		if !p.accepted {
			continue
		}
		if subject, sha, ok := headOf(p.job.Event); ok {
			heads = append(heads, head{subject, sha, p.now.UnixMilli()})
		}
		jobs = append(jobs, river.InsertManyParams{Args: p.job})
	}
	if len(jobs) == 0 {
		return nil // nothing new: the deferred rollback ends tx
	}
	if err := e.recordHeads(ctx, tx, heads); err != nil {
		return err
	}
	if e.insertFast {
		_, err = e.client.InsertManyFastTx(ctx, tx, jobs)
	} else {
		_, err = e.client.InsertManyTx(ctx, tx, jobs)
	}
	if err != nil {
		return fmt.Errorf("insert job: %w", err)
	}
	if err := e.db.commit(ctx, tx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// recordDeliveries inserts the batch's delivery ids and sets accepted on
// those that were new: the first of each id not recorded before.
func (e *engine[TTx]) recordDeliveries(ctx context.Context, tx TTx, batch []*pendingInsert) error {
	var q strings.Builder
	q.WriteString(sqlInsertDeliveries)
	args := make([]any, 0, 3*len(batch))
	for i, p := range batch {
		if i > 0 {
			q.WriteByte(',')
		}
		fmt.Fprintf(&q, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		args = append(args, string(p.job.Event.Host), p.job.Event.DeliveryID, p.now.UnixMilli())
	}
	q.WriteString(sqlInsertDeliveriesEnd)
	inserted := make(map[deliveryKey]bool, len(batch))
	err := e.db.queryTx(ctx, tx, q.String(), args, func(scan func(...any) error) error {
		var k deliveryKey
		if err := scan(&k.host, &k.id); err != nil {
			return err
		}
		inserted[k] = true
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range batch {
		k := deliveryKey{string(p.job.Event.Host), p.job.Event.DeliveryID}
		p.accepted = inserted[k]
		delete(inserted, k) // a repeat within the batch is refused
	}
	return nil
}

type deliveryKey struct{ host, id string }

// head is the newest head commit of a pull request or branch.
type head struct {
	subject, sha string
	ms           int64
}

// recordHeads moves the heads, in order: of two for one subject the later
// wins. One statement must not update a row twice, so only the last of
// each subject is written.
func (e *engine[TTx]) recordHeads(ctx context.Context, tx TTx, heads []head) error {
	if len(heads) == 0 {
		return nil
	}
	last := make(map[string]int, len(heads))
	for i, h := range heads {
		last[h.subject] = i
	}
	var q strings.Builder
	q.WriteString(sqlUpsertHeads)
	args := make([]any, 0, 3*len(last))
	for i, h := range heads {
		if last[h.subject] != i {
			continue
		}
		if len(args) > 0 {
			q.WriteByte(',')
		}
		n := len(args)
		fmt.Fprintf(&q, "($%d, $%d, $%d)", n+1, n+2, n+3)
		args = append(args, h.subject, h.sha, h.ms)
	}
	q.WriteString(sqlUpsertHeadsEnd)
	if _, err := e.db.exec(ctx, tx, q.String(), args...); err != nil {
		return fmt.Errorf("record heads: %w", err)
	}
	return nil
}

func (e *engine[TTx]) latestHead(ctx context.Context, subject string) (string, bool, error) {
	sha, err := e.db.queryString(ctx, sqlSelectHead, subject)
	if errors.Is(err, errNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return sha, true, nil
}

func (e *engine[TTx]) prune(ctx context.Context, before time.Time) error {
	if err := e.db.execDB(ctx, sqlPruneDelivery, before.UnixMilli()); err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	if err := e.db.execDB(ctx, sqlPruneHead, before.UnixMilli()); err != nil {
		return fmt.Errorf("prune heads: %w", err)
	}
	if err := e.db.execDB(ctx, sqlPruneLease, before.UnixMilli()); err != nil {
		return fmt.Errorf("prune leases: %w", err)
	}
	return nil
}

func (e *engine[TTx]) start(ctx context.Context) error { return e.client.Start(ctx) }
func (e *engine[TTx]) stop(ctx context.Context) error  { return e.client.Stop(ctx) }
func (e *engine[TTx]) stopAndCancel(ctx context.Context) error {
	return e.client.StopAndCancel(ctx)
}

func (e *engine[TTx]) ping(ctx context.Context) error {
	_, err := e.db.queryString(ctx, sqlPing)
	return err
}

func (e *engine[TTx]) close() error { return e.db.close() }
