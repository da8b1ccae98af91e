package mysql_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/examples/internal/pushdown"
	"github.com/crmkit/crm/examples/mysql"
	"github.com/crmkit/crm/segment"
)

// server returns the test database, whose tables the test drops when it
// ends; it skips the test without CRM_MYSQL_DSN, and fails it then if
// CRM_REQUIRE_MYSQL is 1.
func server(t *testing.T, tables ...string) *sql.DB {
	t.Helper()
	dsn := os.Getenv("CRM_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("CRM_REQUIRE_MYSQL") == "1" {
			t.Fatal("CRM_REQUIRE_MYSQL=1 but CRM_MYSQL_DSN is not set")
		}
		t.Skip(`no MySQL or MariaDB: set CRM_MYSQL_DSN to run these tests, e.g. eval "$(.ci/mariadb start /tmp/my)" && go test ./examples/mysql`)
	}
	ctx := context.Background()
	db, err := mysql.Open(ctx, dsn)
	require.NoError(t, err)
	drop := func() {
		for _, table := range tables {
			db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+table)
		}
	}
	drop()
	t.Cleanup(func() {
		drop()
		db.Close()
	})
	return db
}

// Every rule selects the same customers in memory and in MariaDB (or
// MySQL): the RFM presets, the lifecycle rules and random rules, over
// profiles with missing values, awkward strings (trailing spaces, case,
// accents, "R&D" in JSON) and times at odd microseconds.
func TestPushdownMatchesMemory(t *testing.T) {
	db := server(t, "profiles")
	n, rules := 10_000, 3000
	if raceEnabled {
		n, rules = 2000, 300
	}
	pushdown.Run(t, db, segment.MySQL, "profiles", n, rules)
}
