// Package postgres is crmkit on PostgreSQL, through database/sql and the
// pure-Go driver pgx (github.com/jackc/pgx/v5).
//
// What is here so far: Open, and two proofs (the tests; see the README's
// "At a million customers, and past one machine"): the SQL segment.ToSQL
// writes for PostgreSQL selects exactly the customers the in-memory
// matcher selects, over profiles stored in the table segment.NewTable
// defines (and windowed fields computed by SQL equal segment.Profiles');
// and the query scoring.NewSummaryQuery writes computes the summaries
// scoring.Summarize computes, from a transactions table loaded with COPY.
// Command scale (examples/postgres/scale) runs the analysis on PostgreSQL
// at a million customers. The stores of every package on PostgreSQL
// follow, as examples/sqlitestore has them on SQLite.
//
// The tests need a server: set CRM_POSTGRES_URL to a database they may
// create tables in, such as the throw-away cluster .ci/postgres starts:
//
//	eval "$(.ci/postgres start /tmp/pg)" && go test ./examples/postgres
//
// Without it they skip, saying so; with CRM_REQUIRE_POSTGRES=1 (as CI
// sets) a skip is a failure.
package postgres

import (
	"context"
	"database/sql"
	"fmt"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/crmkit/crm"
)

// Open connects to the PostgreSQL database at url (a postgres:// URL or a
// key=value connection string) and checks that it answers.
func Open(ctx context.Context, url string) (*sql.DB, error) {
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
