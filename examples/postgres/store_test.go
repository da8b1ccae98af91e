package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/examples/internal/sqlstore"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
	"github.com/crmkit/crm/examples/postgres"
)

// serverURL returns CRM_POSTGRES_URL; it skips the test without it, and
// fails it then if CRM_REQUIRE_POSTGRES is 1.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("CRM_POSTGRES_URL")
	if u == "" {
		if os.Getenv("CRM_REQUIRE_POSTGRES") == "1" {
			t.Fatal("CRM_REQUIRE_POSTGRES=1 but CRM_POSTGRES_URL is not set")
		}
		t.Skip(`no PostgreSQL: set CRM_POSTGRES_URL to run these tests, e.g. eval "$(.ci/postgres start /tmp/pg)" && go test ./examples/postgres`)
	}
	return u
}

var schemas atomic.Int64

// newSchema makes a schema of its own for the test, dropped when it ends,
// and returns the server's URL with search_path set to it.
func newSchema(t testing.TB) string {
	t.Helper()
	base := serverURL(t)
	ctx := context.Background()
	admin, err := postgres.OpenDB(ctx, base)
	require.NoError(t, err)
	schema := fmt.Sprintf("t%d_%d", time.Now().UnixNano(), schemas.Add(1))
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
		require.NoError(t, err)
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath sets search_path in a postgres:// URL or a key=value
// connection string.
func withSearchPath(t testing.TB, base, schema string) string {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		return base + " search_path=" + schema
	}
	u, err := url.Parse(base)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func openStore(t testing.TB, u string) (*postgres.Store, error) {
	s, err := postgres.Open(context.Background(), u)
	if err == nil {
		t.Cleanup(func() { s.Close() }) // a reopen may have closed it already
	}
	return s, err
}

// TestStores runs every conformance suite and the tests the SQL adapters
// share on PostgreSQL: each store on a schema of its own, reopened by
// connecting to it again.
func TestStores(t *testing.T) {
	serverURL(t)
	var mu sync.Mutex
	urls := map[*sqlstore.Store]string{}
	remember := func(s *postgres.Store, u string) *sqlstore.Store {
		mu.Lock()
		defer mu.Unlock()
		urls[s.Store] = u
		return s.Store
	}
	sqlstoretest.Run(t, sqlstoretest.Harness{
		Name: "postgres",
		New: func(t *testing.T) *sqlstore.Store {
			u := newSchema(t)
			s, err := openStore(t, u)
			require.NoError(t, err)
			return remember(s, u)
		},
		Reopen: func(t *testing.T, s *sqlstore.Store) (*sqlstore.Store, error) {
			mu.Lock()
			u, ok := urls[s]
			mu.Unlock()
			require.True(t, ok, "reopen of a store the harness did not make")
			require.NoError(t, s.Close())
			re, err := openStore(t, u)
			if err != nil {
				return nil, err
			}
			return remember(re, u), nil
		},
		Migrations: len(postgres.Migrations()),
	})
}

// Servers connecting to a new schema at once take turns migrating it (the
// advisory lock): none fails, and each migration is applied once.
func TestConcurrentOpenOfANewSchema(t *testing.T) {
	for round := range 5 {
		u := newSchema(t)
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				s, err := postgres.Open(context.Background(), u)
				if err == nil {
					err = s.Close()
				}
				errs <- err
			}()
		}
		for range 4 {
			require.NoError(t, <-errs, "round %d", round)
		}
		s, err := openStore(t, u)
		require.NoError(t, err)
		var n int
		require.NoError(t, s.DB().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n))
		require.Equal(t, len(postgres.Migrations()), n, "each migration applied once")
	}
}
