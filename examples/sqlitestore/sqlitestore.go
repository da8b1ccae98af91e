// Package sqlitestore keeps every crmkit store on a real embedded database:
// SQLite through database/sql with the pure-Go modernc.org/sqlite driver
// (no cgo). It is an example of a host storage adapter — crmkit's own
// packages never import it — and it passes every conformance suite of the
// SDK.
//
//	st, err := sqlitestore.Open("crm.db")
//	…
//	defer st.Close()
//	st.CreateCustomer(ctx, c)                  // crm.CustomerStore, TransactionStore, TouchpointStore
//	tracker, err := lifecycle.NewTracker(st.Lifecycle(), nil)
//	desk, err := feedback.NewDesk(st.Feedback(), &feedback.Options{…})
//	err = st.Responses().AppendResponses(ctx, r) // feedback.ResponseStore; st.Contacts(), st.Cycle(), …
//
// How it works:
//
//   - Migrations. The schema lives in migrations/NNNN_name.sql, embedded in
//     the binary; Open applies the ones the database has not seen, each in a
//     transaction, and records them in schema_migrations. A database written
//     by a newer build is refused rather than misread.
//   - Connections. Writes go through one connection (so writers queue in Go
//     instead of spinning on SQLITE_BUSY) and each write is one transaction;
//     reads use a pool of read-only connections. The journal is WAL, so
//     readers never wait for the writer.
//   - Optimistic concurrency. Versioned records carry a version column; an
//     update is UPDATE … WHERE version = ?, and a stale version is a
//     *crm.ConflictError naming both versions.
//   - Streams. Every stream pages through an index with a keyset cursor
//     (WHERE (k1, k2) > (?, ?) ORDER BY k1, k2 LIMIT n), so it never loads a
//     table, holds no connection while the caller's loop body runs, and the
//     body may write to the store.
//   - Times are stored as Unix nanoseconds (UTC; years 1678–2262) and come
//     back in UTC; amounts as exact decimal strings.
package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"net/url"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/crmkit/crm"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is every crmkit store on one SQLite database. It implements
// crm.CustomerStore, crm.TransactionStore and crm.TouchpointStore itself;
// Segments, Lifecycle, Feedback and Roadmaps return the other stores, which
// share its connections. It is safe for concurrent use.
type Store struct {
	w, r *sql.DB
	path string
}

// Open opens (creating if needed) the database file at path and brings its
// schema up to date.
func Open(path string) (*Store, error) {
	w, err := OpenDB(path, "_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(context.Background(), w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlitestore: %s: %w", path, err)
	}
	r, err := OpenDB(path, "_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{w: w, r: r, path: path}, nil
}

// Close closes the database.
func (s *Store) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

// DB returns the writing connection, for a host's own statements (such as
// running segment.ToSQL's WHERE clauses over its own tables). Statements on
// it queue behind the store's writes.
func (s *Store) DB() *sql.DB { return s.w }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// OpenDB opens the SQLite database at path as a plain *sql.DB with the
// settings every connection of this package uses — WAL journal, foreign
// keys on, a 5-second busy timeout, times read as SQLite text — plus any
// extra DSN parameters ("_pragma=query_only(1)"). It applies no migrations.
func OpenDB(path string, params ...string) (*sql.DB, error) {
	q := url.Values{}
	// The busy timeout first: switching a new file to WAL takes a lock that
	// another process opening it at the same time may hold.
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_time_format", "sqlite")
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		q.Add(k, v)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	// Switching a brand-new file to WAL needs a lock SQLite does not wait
	// for: when another process is creating the same file, try again for
	// up to the busy timeout.
	deadline := time.Now().Add(5 * time.Second)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err = db.Ping()
		if err == nil {
			return db, nil
		}
		if !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			db.Close()
			return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
		}
		time.Sleep(wait)
	}
}

// SchemaVersion returns the number of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Migrations lists the embedded migrations by version.
func Migrations() []string {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
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

// backfills are the steps a migration takes in Go, in its transaction,
// after its SQL: data only the SDK's own functions can compute.
var backfills = map[int]func(context.Context, *sql.Conn) error{
	5: backfillContactKeys,
}

func migrate(ctx context.Context, db *sql.DB) (err error) {
	// One IMMEDIATE transaction takes the write lock before the schema
	// version is read, so that two processes opening a new file at once
	// take turns: the second waits (busy timeout), then finds the schema
	// made and applies nothing.
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)
			return
		}
		_, err = conn.ExecContext(ctx, `COMMIT`)
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL)`); err != nil {
		return err
	}
	var have int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return err
	}
	names := Migrations()
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
		body, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if fill := backfills[v]; fill != nil {
			if err := fill(ctx, conn); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			v, name, time.Now().UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

func inTx(ctx context.Context, db *sql.DB, f func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
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
func paged[T, K any](ctx context.Context, db *sql.DB, query func(after *K) (string, []any), scan func(*sql.Rows) (T, K, error)) iter.Seq2[T, error] {
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

func readPage[T, K any](ctx context.Context, db *sql.DB, q string, args []any, scan func(*sql.Rows) (T, K, error), buf *[]T) (K, error) {
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
