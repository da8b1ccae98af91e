// Package postgres is crmkit on PostgreSQL, through database/sql and the
// pure-Go driver pgx (github.com/jackc/pgx/v5): every store of the SDK,
// the profile table segment.NewTable defines, segment.ToSQL's conditions
// and scoring.NewSummaryQuery's summaries, all on one server. It is an
// example of a host storage adapter — crmkit's own packages never import
// it.
//
//	st, err := postgres.Open(ctx, "postgres://crm@db.internal/crm?search_path=crm")
//	…
//	defer st.Close()
//	st.CreateCustomer(ctx, c)                  // crm.CustomerStore, TransactionStore, TouchpointStore, ContactIndex
//	tracker, err := lifecycle.NewTracker(st.Lifecycle(), nil)
//	loop, err := cycle.New(cycle.Stores{Customers: st, Transactions: st, …, Results: st.Cycle(), Periods: st.Cycle()}, nil)
//	sums, err := scoring.NewSummaryQuery(crm.Postgres, table, asOf, nil) // then .Summaries(ctx, st.DB())
//
// The stores' SQL is shared with examples/sqlitestore
// (examples/internal/sqlstore has it, and its package doc says how
// streams, versions and migrations work). What is PostgreSQL's own:
//
//   - Migrations. The schema is migrations/NNNN_name.sql, embedded; Open
//     applies what the database has not seen in one transaction holding an
//     advisory lock on the schema's name, so servers starting at once take
//     turns. The tables go in the connection's current schema: put
//     search_path in the URL to choose it.
//   - Concurrency. Writers run side by side on a pool of connections. Each
//     write is a SERIALIZABLE transaction, and one the server aborts to
//     keep it so (serialization failure 40001, deadlock 40P01, or a key
//     taken by a transaction that committed first, 23505) is run again,
//     whole, up to 20 times with a short random pause: to its caller a
//     write either happened once or returned an error, as on SQLite, where
//     writers queue. Optimistic versions still decide who wins an update.
//   - Text. Keys are text COLLATE "C" (bytewise, as Go compares strings),
//     so keyset cursors page in Go's order whatever the database's locale.
//     PostgreSQL text cannot hold NUL or invalid UTF-8: a write with such
//     a key is refused before it is sent (an error matching
//     crm.ErrInvalid that quotes it) and stores nothing, and a read of
//     such a key finds nothing, as no such key can have been stored.
//   - Times are Unix nanoseconds in bigint (UTC; years 1678–2261, as on
//     SQLite), so they round-trip to the nanosecond; amounts are exact
//     decimal strings; records JSON text kept byte for byte.
//   - Errors of the stores begin "sqlstore:"; crm.ErrNotFound, ErrExists,
//     ErrInvalid and *crm.ConflictError match with errors.Is and As.
//
// The tests need a server: set CRM_POSTGRES_URL to a database they may
// create schemas in, such as the throw-away cluster .ci/postgres starts:
//
//	eval "$(.ci/postgres start /tmp/pg)" && go test ./examples/postgres
//
// Without it they skip, saying so; with CRM_REQUIRE_POSTGRES=1 (as CI
// sets) a skip is a failure. They run every conformance suite of the SDK
// (each store on a new schema, and reopened), the loop over every store
// measuring what it measures in memory, concurrent writers, and the
// pushdown, windows and summary proofs. Command scale
// (examples/postgres/scale) runs the analysis on PostgreSQL at a million
// customers.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

var dialect = sqlstore.Dialect{
	Name:           "postgres",
	Engine:         crm.Postgres,
	Numbered:       true,
	Migrations:     must(fs.Sub(migrations, "migrations")),
	BeginMigration: `BEGIN ISOLATION LEVEL READ COMMITTED`,
	// One lock per schema: the first key is this package's, the second the
	// schema's name hashed.
	LockMigration: `SELECT pg_advisory_xact_lock(20251130, hashtext(current_schema()))`,
	Isolation:     sql.LevelSerializable,
	Refuses:       func(s string) bool { return strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) },
	Retry:         retryable,
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// retryable reports whether the server aborted a transaction that may
// succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"23505": // unique_violation: the row was made by a transaction that committed first
		return true
	}
	return false
}

// Store is every crmkit store on one PostgreSQL schema. It implements
// crm.CustomerStore, crm.TransactionStore, crm.TouchpointStore and
// crm.ContactIndex itself; Segments, Lifecycle, Feedback, Roadmaps, Cycle,
// Alerts, Contacts, Campaigns and Responses return the other stores, which
// share its connections. It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
}

// Open connects to the database at url, brings its schema up to date and
// returns the stores on it. The pool holds at most four connections per
// CPU; DB returns it for a host's own statements (with $1 placeholders).
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := OpenDB(ctx, url)
	if err != nil {
		return nil, err
	}
	n := 4 * runtime.GOMAXPROCS(0)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s, err := sqlstore.New(ctx, db, db, dialect)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{s}, nil
}

// Migrations lists the embedded migrations by version.
func Migrations() []string { return dialect.MigrationNames() }

// OpenDB connects to the PostgreSQL database at url (a postgres:// URL or
// a key=value connection string) as a plain *sql.DB and checks that it
// answers. It applies no migrations.
func OpenDB(ctx context.Context, url string) (*sql.DB, error) {
	if url == "" {
		return nil, fmt.Errorf("postgres: empty connection URL: %w", crm.ErrInvalid)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return db, nil
}
