package sqlitestore_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/sqlstore"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
	"github.com/crmkit/crm/examples/sqlitestore"
	"github.com/crmkit/crm/feedback"
)

func open(t *testing.T) *sqlitestore.Store {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "crm.db"))
}

func openAt(t *testing.T, path string) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() }) // a reopen may have closed it already
	return s
}

// TestStores runs every conformance suite and the tests the SQL adapters
// share on SQLite files: each store on a new file, reopened by opening
// its file again.
func TestStores(t *testing.T) {
	var mu sync.Mutex
	paths := map[*sqlstore.Store]string{}
	remember := func(s *sqlitestore.Store) *sqlstore.Store {
		mu.Lock()
		defer mu.Unlock()
		paths[s.Store] = s.Path()
		return s.Store
	}
	sqlstoretest.Run(t, sqlstoretest.Harness{
		Name: "sqlite",
		New:  func(t *testing.T) *sqlstore.Store { return remember(open(t)) },
		Reopen: func(t *testing.T, s *sqlstore.Store) (*sqlstore.Store, error) {
			mu.Lock()
			path, ok := paths[s]
			mu.Unlock()
			require.True(t, ok, "reopen of a store the harness did not make")
			require.NoError(t, s.Close())
			re, err := sqlitestore.Open(path)
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { re.Close() })
			return remember(re), nil
		},
		Migrations: len(sqlitestore.Migrations()),
	})
}

// A database made before survey answers had IDs keeps its answers: the
// second migration gives each the ID the desk now writes.
func TestMigrationGivesSurveysIDs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sqlitestore.OpenDB(path)
	require.NoError(t, err)
	first, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, string(first))
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL);
		INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0);
		INSERT INTO feedback_surveys (body) VALUES ('{"item_id":"F1","customer_id":"c1","type":"nps","score":9,"at":"2025-03-03T09:00:00Z"}');`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openAt(t, path)
	got, err := s.Feedback().Survey(ctx, "F1/nps")
	require.NoError(t, err)
	require.Equal(t, feedback.Survey{ID: "F1/nps", ItemID: "F1", CustomerID: "c1", Type: feedback.NPS, Score: 9, At: time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}, got)
}

// Processes opening a new database file at once take turns migrating it:
// none fails (one in four used to, "table customers already exists", when
// the schema version was read outside the migration's transaction).
func TestConcurrentOpenOfANewFile(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("new-%d.db", round))
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				s, err := sqlitestore.Open(path)
				if err == nil {
					err = s.Close()
				}
				errs <- err
			}()
		}
		for range 4 {
			require.NoError(t, <-errs, "round %d", round)
		}
		s, err := sqlitestore.Open(path)
		require.NoError(t, err)
		var n int
		require.NoError(t, s.DB().QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n))
		require.Equal(t, len(sqlitestore.Migrations()), n, "each migration applied once")
		require.NoError(t, s.Close())
	}
}

// Customers stored before migration 5 get their contact keys from the
// SDK's own key functions when the file is opened, and (migration 6) a
// history that starts at their current version.
func TestMigrationGivesCustomersContactKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sqlitestore.OpenDB(path)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	require.NoError(t, err)
	for i, name := range sqlitestore.Migrations()[:4] {
		body, err := os.ReadFile("migrations/" + name)
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, string(body))
		require.NoError(t, err, name)
		_, err = db.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, 0)`, i+1, name)
		require.NoError(t, err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO customers (id, version, body) VALUES ('ana', 3, '{"id":"ana","email":"Ana@Example.ORG","phone":"0049 (30) 123 4567","created_at":"2025-01-02T00:00:00Z"}')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	s := openAt(t, path)
	for _, seq := range []iter.Seq2[crm.Customer, error]{s.CustomersByEmail(ctx, "ana@example.org"), s.CustomersByPhone(ctx, "+49301234567")} {
		var got []string
		for c, err := range seq {
			require.NoError(t, err)
			got = append(got, c.ID)
		}
		require.Equal(t, []string{"ana"}, got)
	}
	c, err := s.Customer(ctx, "ana")
	require.NoError(t, err)
	c.Name, c.UpdatedAt = "Ana", c.CreatedAt.AddDate(0, 1, 0)
	_, err = s.UpdateCustomer(ctx, c)
	require.NoError(t, err)
	var versions []int64
	for v, err := range s.CustomerVersions(ctx, "ana") {
		require.NoError(t, err)
		versions = append(versions, v.Version)
	}
	require.Equal(t, []int64{3, 4}, versions, "the history starts at the version stored before the migration")
}
