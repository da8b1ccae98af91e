// Package mysql is crmkit on MySQL and MariaDB, through database/sql and
// the pure-Go driver go-sql-driver/mysql.
//
// What is here so far: Open, and three proofs on a real MariaDB server
// (the tests; see the README's "At a million customers, and past one
// machine"): the SQL segment.ToSQL writes for MySQL selects exactly the
// customers the in-memory matcher selects, over profiles stored in the
// table segment.NewTable defines; windowed fields computed by SQL over
// the transactions equal the ones segment.Profiles computes; and the
// query scoring.NewSummaryQuery writes computes the summaries
// scoring.Summarize computes. The stores on MySQL are not written.
//
// The tests need a server: set CRM_MYSQL_DSN to a database they may
// create tables in, such as the throw-away server .ci/mariadb starts:
//
//	eval "$(.ci/mariadb start /tmp/my)" && go test ./examples/mysql
//
// Without it they skip, saying so; with CRM_REQUIRE_MYSQL=1 (as CI sets)
// a skip is a failure.
package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/crmkit/crm"
)

// Open connects to the database named by dsn (go-sql-driver/mysql's
// form, user:password@tcp(host:port)/database) and checks that it
// answers. Times are read and written in UTC (loc=UTC, parseTime=true),
// whatever the DSN says, so that DATETIME(6) columns hold UTC instants.
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	if dsn == "" {
		return nil, fmt.Errorf("mysql: empty DSN: %w", crm.ErrInvalid)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: DSN: %w", err)
	}
	cfg.ParseTime, cfg.Loc = true, time.UTC
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("mysql: connect: %w", err)
	}
	return db, nil
}
