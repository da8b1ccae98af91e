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
// The stores' SQL is shared with examples/postgres (examples/internal/sqlstore
// has it, and its package doc says how streams, versions and migrations
// work). What is SQLite's own:
//
//   - Migrations. The schema lives in migrations/NNNN_name.sql, embedded in
//     the binary; Open applies the ones the file has not seen in one
//     BEGIN IMMEDIATE transaction (which takes the write lock, so processes
//     opening a new file at once take turns), and records them in
//     schema_migrations. A file written by a newer build is refused rather
//     than misread.
//   - Connections. Writes go through one connection (so writers queue in Go
//     instead of spinning on SQLITE_BUSY) and each write is one transaction;
//     reads use a pool of read-only connections. The journal is WAL, so
//     readers never wait for the writer.
//   - Text compares bytewise (SQLite's BINARY collation), as Go compares
//     strings, so keyset cursors page in Go's order.
//   - Times are stored as Unix nanoseconds (UTC; years 1678–2261) and come
//     back in UTC; amounts as exact decimal strings.
package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// dialect is SQLite's part of the shared store.
var dialect = sqlstore.Dialect{
	Name:           "sqlitestore",
	Engine:         crm.SQLite,
	Migrations:     must(fs.Sub(migrations, "migrations")),
	Backfills:      map[int]func(context.Context, *sql.Conn) error{5: backfillContactKeys},
	BeginMigration: `BEGIN IMMEDIATE`,
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Store is every crmkit store on one SQLite database. It implements
// crm.CustomerStore, crm.TransactionStore, crm.TouchpointStore and
// crm.ContactIndex itself; Segments, Lifecycle, Feedback, Roadmaps, Cycle,
// Alerts, Contacts, Campaigns and Responses return the other stores, which
// share its connections. It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
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
	r, err := OpenDB(path, "_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s, err := sqlstore.New(context.Background(), w, r, dialect)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return &Store{Store: s, path: path}, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Migrations lists the embedded migrations by version.
func Migrations() []string { return dialect.MigrationNames() }

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

// backfillContactKeys fills in the contact keys of the customers stored
// before migration 5, with the SDK's own key functions.
func backfillContactKeys(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, `SELECT id, body FROM customers`)
	if err != nil {
		return err
	}
	type keys struct{ id, email, phone string }
	var all []keys
	for rows.Next() {
		var id string
		var body []byte
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return err
		}
		var c crm.Customer
		if err := json.Unmarshal(body, &c); err != nil {
			rows.Close()
			return fmt.Errorf("customer %q: corrupt record: %w", id, err)
		}
		all = append(all, keys{id, crm.EmailKey(c.Email), crm.PhoneKey(c.Phone)})
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for _, k := range all {
		if _, err := conn.ExecContext(ctx, `UPDATE customers SET email_key = ?, phone_key = ? WHERE id = ?`, k.email, k.phone, k.id); err != nil {
			return err
		}
	}
	return nil
}
