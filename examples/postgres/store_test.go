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

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/sqlstore"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
	"github.com/crmkit/crm/examples/postgres"
	"github.com/crmkit/crm/lifecycle"
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

// PostgreSQL text holds neither NUL nor invalid UTF-8. A write with such a
// key is refused before it is sent, with an error that matches
// crm.ErrInvalid and quotes the key, and stores nothing; a read of such a
// key finds nothing (no such key can have been stored).
func TestTextPostgreSQLCannotHold(t *testing.T) {
	ctx := context.Background()
	s, err := openStore(t, newSchema(t))
	require.NoError(t, err)
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, key := range []string{"a\xffb", "caf\xe9", "a\x00b"} {
		err := s.AppendTransactions(ctx, crm.Transaction{ID: key, CustomerID: "c1", Time: at, Amount: decimal.NewFromInt(5), Currency: "EUR", Kind: crm.Purchase})
		require.ErrorIs(t, err, crm.ErrInvalid, "%q", key)
		require.ErrorContains(t, err, fmt.Sprintf("%q", key))
		_, err = s.Transaction(ctx, key)
		require.ErrorIs(t, err, crm.ErrNotFound, "%q", key)

		_, err = s.Lifecycle().Move(ctx, lifecycle.State{CustomerID: key, Stage: "prospect", Since: at}, lifecycle.Transition{CustomerID: key, To: "prospect", At: at})
		require.ErrorIs(t, err, crm.ErrInvalid, "%q", key)
		_, err = s.Lifecycle().State(ctx, key)
		require.ErrorIs(t, err, crm.ErrNotFound, "%q", key)
		for _, err := range s.CustomerTransactions(ctx, key) {
			t.Fatalf("a stream of %q yielded (%v)", key, err)
		}
	}
	n := 0
	for _, err := range s.Transactions(ctx) {
		require.NoError(t, err)
		n++
	}
	require.Zero(t, n, "nothing stored")
	_, err = s.CreateCustomer(ctx, crm.Customer{ID: "caf\xe9", CreatedAt: at})
	require.ErrorIs(t, err, crm.ErrInvalid)
}
