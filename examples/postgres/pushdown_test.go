package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/examples/internal/pushdown"
	"github.com/crmkit/crm/examples/postgres"
	"github.com/crmkit/crm/segment"
)

// server returns the test database and a fresh schema in it, dropped
// when the test ends; it skips the test without CRM_POSTGRES_URL, and
// fails it then if CRM_REQUIRE_POSTGRES is 1.
func server(t *testing.T) *sql.DB {
	t.Helper()
	url := os.Getenv("CRM_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CRM_REQUIRE_POSTGRES") == "1" {
			t.Fatal("CRM_REQUIRE_POSTGRES=1 but CRM_POSTGRES_URL is not set")
		}
		t.Skip(`no PostgreSQL: set CRM_POSTGRES_URL to run these tests, e.g. eval "$(.ci/postgres start /tmp/pg)" && go test ./examples/postgres`)
	}
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, url)
	require.NoError(t, err)
	schema := fmt.Sprintf("t%d", time.Now().UnixNano())
	_, err = db.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	db.SetMaxOpenConns(1) // one connection, so that search_path holds for every statement
	_, err = db.ExecContext(ctx, "SET search_path TO "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.Close()
	})
	return db
}

// Every rule selects the same customers in memory and in PostgreSQL: the
// RFM presets, the lifecycle rules and random rules, over profiles with
// missing values, awkward strings and times at odd microseconds.
func TestPushdownMatchesMemory(t *testing.T) {
	db := server(t)
	n, rules := 10_000, 3000
	if raceEnabled {
		n, rules = 2000, 300
	}
	pushdown.Run(t, db, segment.Postgres, "profiles", n, rules)
}
