// Package sqlstore is the SQL behind the host storage adapters
// examples/sqlitestore and examples/postgres: every crmkit store on a
// database/sql database, written once and run on SQLite and PostgreSQL
// alike. An adapter supplies a Dialect (its migrations, how a migration
// takes the schema lock, how write transactions are isolated and which
// errors mean "try again"); everything else is here, and both adapters
// pass every conformance suite of the SDK through it.
//
// How it works:
//
//   - Migrations. A dialect's schema lives in NNNN_name.sql files; New
//     applies the ones the database has not seen, all in one transaction
//     that first takes the dialect's schema lock (so processes opening a
//     new database at once take turns), and records them in
//     schema_migrations. A database written by a newer build is refused
//     rather than misread.
//   - Statements are written once, with ? placeholders; on a dialect with
//     numbered placeholders ($1, $2, …) they are rewritten before they run.
//   - Writes. Each write is one transaction. Versioned records carry a
//     version column; an update is UPDATE … WHERE version = ?, and a stale
//     version is a *crm.ConflictError naming both versions. A dialect whose
//     writers run side by side (PostgreSQL) isolates them as serializable
//     and repeats a transaction the server aborted to keep it so — whole,
//     from its first statement, with nothing kept from the aborted try.
//   - Streams. Every stream pages through an index with a keyset cursor
//     (WHERE (k1, k2) > (?, ?) ORDER BY k1, k2 LIMIT n), so it never loads a
//     table, holds no connection while the caller's loop body runs, and the
//     body may write to the store. Keys are ordered as Go orders strings
//     (bytewise), which the schema's collation must match.
//   - Times are stored as Unix nanoseconds (UTC; years 1678–2261) and come
//     back in UTC; amounts as exact decimal strings; records as JSON.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math/rand/v2"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// Dialect is what an adapter tells the core about its database.
type Dialect struct {
	// Name names the dialect in errors ("sqlite", "postgres").
	Name string
	// Engine is the SQL dialect, for the queries the SDK writes
	// (scoring.NewSummaryQuery).
	Engine crm.Dialect
	// Numbered is true when the driver takes $1, $2, … instead of ?.
	Numbered bool
	// Migrations holds the schema as NNNN_name.sql files at its root,
	// applied in order of their numbers.
	Migrations fs.FS
	// Backfills are steps a migration takes in Go, in its transaction,
	// after its SQL: data only the SDK's own functions can compute.
	Backfills map[int]func(context.Context, *sql.Conn) error
	// BeginMigration is the statement that opens the migration's
	// transaction and takes the lock that makes concurrent openers wait
	// ("BEGIN IMMEDIATE" on SQLite).
	BeginMigration string
	// LockMigration, when set, runs right after BeginMigration (PostgreSQL
	// takes an advisory transaction lock).
	LockMigration string
	// Isolation is the isolation level of every write transaction.
	Isolation sql.IsolationLevel
	// Refuses, when set, reports a string the database cannot hold
	// (PostgreSQL: NUL or invalid UTF-8). A statement with such an
	// argument is not sent: a write is an error matching crm.ErrInvalid
	// that quotes the value, and a read finds nothing — no such key can
	// have been stored.
	Refuses func(s string) bool
	// Retry reports whether a write transaction that failed with err was
	// aborted by the server and may be run again (serialization failures,
	// deadlocks, a unique key taken by a transaction that committed first).
	// Nil: never.
	Retry func(err error) bool
}

// maxTries bounds how often a write transaction the server aborted is run.
const maxTries = 20

// DB is a database handle that rewrites placeholders for its dialect and
// runs write transactions as the dialect needs. Its embedded *sql.DB runs
// statements unchanged.
type DB struct {
	*sql.DB
	d *Dialect
}

// Tx is a transaction that rewrites placeholders for its dialect.
type Tx struct {
	*sql.Tx
	d *Dialect
}

// nothing is a query that returns no row, run instead of a read whose
// arguments the database cannot hold.
const nothing = `SELECT 1 WHERE 1 = 0`

// QueryContext runs a query written with ? placeholders.
func (db *DB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := db.d.refuse(q, args); err != nil {
		if err == errRead {
			return db.DB.QueryContext(ctx, nothing)
		}
		return nil, err
	}
	return db.DB.QueryContext(ctx, db.d.bind(q), args...)
}

// QueryRowContext runs a one-row query written with ? placeholders.
func (db *DB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if db.d.refuse(q, args) != nil {
		return db.DB.QueryRowContext(ctx, nothing) // no row: sql.ErrNoRows
	}
	return db.DB.QueryRowContext(ctx, db.d.bind(q), args...)
}

// ExecContext runs a statement written with ? placeholders.
func (db *DB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := db.d.refuse(q, args); err != nil && err != errRead {
		return nil, err
	}
	return db.DB.ExecContext(ctx, db.d.bind(q), args...)
}

// QueryContext runs a query written with ? placeholders.
func (tx *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := tx.d.refuse(q, args); err != nil {
		if err == errRead {
			return tx.Tx.QueryContext(ctx, nothing)
		}
		return nil, err
	}
	return tx.Tx.QueryContext(ctx, tx.d.bind(q), args...)
}

// QueryRowContext runs a one-row query written with ? placeholders.
func (tx *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if tx.d.refuse(q, args) != nil {
		return tx.Tx.QueryRowContext(ctx, nothing) // no row: sql.ErrNoRows
	}
	return tx.Tx.QueryRowContext(ctx, tx.d.bind(q), args...)
}

// ExecContext runs a statement written with ? placeholders.
func (tx *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := tx.d.refuse(q, args); err != nil && err != errRead {
		return nil, err
	}
	return tx.Tx.ExecContext(ctx, tx.d.bind(q), args...)
}

// errRead says a read's arguments hold text the database cannot hold:
// the read finds nothing.
var errRead = errors.New("sqlstore: a read of text the database cannot hold")

// refuse checks a statement's string arguments against Dialect.Refuses:
// for a write, an error matching crm.ErrInvalid quoting the value; for a
// read, errRead; nil when every argument can be held.
func (d *Dialect) refuse(q string, args []any) error {
	if d.Refuses == nil {
		return nil
	}
	for _, a := range args {
		v, ok := a.(string)
		if !ok || !d.Refuses(v) {
			continue
		}
		if strings.HasPrefix(q, "SELECT") {
			return errRead
		}
		return fmt.Errorf("sqlstore: %q: text %s cannot hold (NUL or invalid UTF-8): %w", v, d.Name, crm.ErrInvalid)
	}
	return nil
}

// PrepareContext prepares a statement written with ? placeholders.
func (tx *Tx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return tx.Tx.PrepareContext(ctx, tx.d.bind(q))
}

// bound caches rewritten statements: the store writes a fixed set of them
// (multi-row inserts vary only in their number of rows, up to insertRows).
var bound sync.Map

// bind rewrites the ? placeholders of q as $1, $2, … when the dialect
// numbers them. The store's statements hold no ? inside literals.
func (d *Dialect) bind(q string) string {
	if !d.Numbered || !strings.Contains(q, "?") {
		return q
	}
	if b, ok := bound.Load(q); ok {
		return b.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] != '?' {
			b.WriteByte(q[i])
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	bound.Store(q, b.String())
	return b.String()
}

// Store is every crmkit store on one database. It implements
// crm.CustomerStore, crm.TransactionStore, crm.TouchpointStore and
// crm.ContactIndex itself; Segments, Lifecycle, Feedback, Roadmaps, Cycle,
// Alerts, Contacts, Campaigns and Responses return the other stores, which
// share its connections. It is safe for concurrent use.
type Store struct {
	w, r *DB
	d    *Dialect
}

// New brings the schema of the database behind w up to date and returns
// the store on it. Writes go through w, reads through r (which may be w).
// Closing the store closes both.
func New(ctx context.Context, w, r *sql.DB, d Dialect) (*Store, error) {
	dp := &d
	if err := migrate(ctx, w, dp); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Name, err)
	}
	return &Store{w: &DB{w, dp}, r: &DB{r, dp}, d: dp}, nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s.r.DB == s.w.DB {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// DB returns the writing connection pool, for a host's own statements
// (such as running segment.ToSQL's WHERE clauses over its own tables).
// Statements on it run as written, in the dialect's own placeholders.
func (s *Store) DB() *sql.DB { return s.w.DB }

// Summaries computes in the database the summaries scoring.Summarize
// computes from the stored transactions up to asOf with opt, through
// scoring.NewSummaryQuery over the transactions table (times to the
// nanosecond). It implements cycle.SummarySource, so the loop reads the
// transactions once per run instead of twice.
func (s *Store) Summaries(ctx context.Context, asOf time.Time, opt *scoring.SummaryOptions) ([]scoring.Summary, error) {
	q, err := scoring.NewSummaryQuery(s.d.Engine, scoring.TransactionTable{Nanos: true}, asOf, opt)
	if err != nil {
		return nil, err
	}
	return q.Summaries(ctx, s.r.DB)
}

// SchemaVersion returns the number of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// MigrationNames lists the dialect's migrations by version.
func (d *Dialect) MigrationNames() []string {
	names, _ := fs.Glob(d.Migrations, "*.sql")
	slices.Sort(names)
	for i, n := range names {
		names[i] = path.Base(n)
	}
	return names
}

func migrationVersion(name string) (int, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return 0, fmt.Errorf("migration %s: name must start with a positive number and _", name)
	}
	return v, nil
}

func migrate(ctx context.Context, db *sql.DB, d *Dialect) (err error) {
	// One transaction takes the schema lock before the schema version is
	// read, so that two processes opening a new database at once take
	// turns: the second waits, then finds the schema made and applies
	// nothing.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, d.BeginMigration); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
			return
		}
		_, err = conn.ExecContext(ctx, `COMMIT`)
	}()
	if d.LockMigration != "" {
		if _, err := conn.ExecContext(ctx, d.LockMigration); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return err
	}
	names := d.MigrationNames()
	known := 0
	for _, name := range names {
		v, err := migrationVersion(name)
		if err != nil {
			return err
		}
		known = max(known, v)
	}
	if have > known {
		return fmt.Errorf("database schema version %d is newer than this build knows (%d); refusing to use it", have, known)
	}
	for _, name := range names {
		v, _ := migrationVersion(name)
		if v <= have {
			continue
		}
		body, err := fs.ReadFile(d.Migrations, name)
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if fill := d.Backfills[v]; fill != nil {
			if err := fill(ctx, conn); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, d.bind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			v, name, time.Now().UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// inTx runs f in one write transaction. When the dialect says the server
// aborted it (Dialect.Retry), it runs f again in a new transaction, up to
// maxTries times: f must keep nothing from an aborted try.
func inTx(ctx context.Context, db *DB, f func(*Tx) error) error {
	for try := 1; ; try++ {
		err := runTx(ctx, db, f)
		if err == nil || db.d.Retry == nil || !db.d.Retry(err) || try == maxTries {
			return err
		}
		// A short random pause lets the transaction that won commit.
		wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(try, 6)))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func runTx(ctx context.Context, db *DB, f func(*Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: db.d.Isolation})
	if err != nil {
		return err
	}
	if err := f(&Tx{tx, db.d}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// pageSize is how many rows a stream reads per query.
const pageSize = 512

// paged streams a keyset-paginated query. query returns the SQL and
// arguments of the page after cursor (nil: the first page), which must be
// ordered by the cursor's key and limited to pageSize rows; scan reads one
// row and returns its value and key. No connection is held while yielding.
func paged[T, K any](ctx context.Context, db *DB, query func(after *K) (string, []any), scan func(*sql.Rows) (T, K, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		var cursor *K
		buf := make([]T, 0, pageSize)
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			buf = buf[:0]
			q, args := query(cursor)
			last, err := readPage(ctx, db, q, args, scan, &buf)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, v := range buf {
				if !yield(v, nil) {
					return
				}
			}
			if len(buf) < pageSize {
				return
			}
			cursor = &last
		}
	}
}

func readPage[T, K any](ctx context.Context, db *DB, q string, args []any, scan func(*sql.Rows) (T, K, error), buf *[]T) (K, error) {
	var last K
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return last, err
	}
	defer rows.Close()
	for rows.Next() {
		v, k, err := scan(rows)
		if err != nil {
			return last, err
		}
		*buf = append(*buf, v)
		last = k
	}
	return last, rows.Err()
}

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// checkTime refuses a time this store cannot keep (it stores Unix
// nanoseconds), with an error matching crm.ErrInvalid.
func checkTime(field string, t time.Time) error {
	if t.Year() < 1678 || t.Year() > 2261 {
		return fmt.Errorf("%s %s is outside the years 1678–2261 this store keeps: %w", field, t.Format(time.RFC3339), crm.ErrInvalid)
	}
	return nil
}
