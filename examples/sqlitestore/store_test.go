package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/campaign/campaigntest"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/cycle/cycletest"
	"github.com/crmkit/crm/examples/sqlitestore"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/feedback/feedbacktest"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/lifecycle/lifecycletest"
	"github.com/crmkit/crm/monitor"
	"github.com/crmkit/crm/monitor/monitortest"
	"github.com/crmkit/crm/roadmap"
	"github.com/crmkit/crm/roadmap/roadmaptest"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/segment"
	"github.com/crmkit/crm/segment/segmenttest"
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

// harness gives a suite stores of one kind from new databases, and the
// reopen that closes the database behind one and opens its file again.
func harness[S any](part func(*sqlitestore.Store) S) crmtest.Harness[S] {
	var mu sync.Mutex
	parents := map[any]*sqlitestore.Store{}
	remember := func(db *sqlitestore.Store) S {
		s := part(db)
		mu.Lock()
		parents[any(s)] = db
		mu.Unlock()
		return s
	}
	return crmtest.Harness[S]{
		New: func(t *testing.T) S { return remember(open(t)) },
		Reopen: func(t *testing.T, s S) S {
			mu.Lock()
			db := parents[any(s)]
			mu.Unlock()
			require.NotNil(t, db, "reopen of a store the harness did not make")
			require.NoError(t, db.Close())
			return remember(openAt(t, db.Path()))
		},
	}
}

func TestCustomerStore(t *testing.T) {
	t.Parallel()
	crmtest.TestCustomerStore(t, harness(func(db *sqlitestore.Store) crm.CustomerStore { return db }))
}

func TestTransactionStore(t *testing.T) {
	t.Parallel()
	crmtest.TestTransactionStore(t, harness(func(db *sqlitestore.Store) crm.TransactionStore { return db }))
}

func TestTouchpointStore(t *testing.T) {
	t.Parallel()
	crmtest.TestTouchpointStore(t, harness(func(db *sqlitestore.Store) crm.TouchpointStore { return db }))
}

func TestSegmentStore(t *testing.T) {
	t.Parallel()
	segmenttest.TestStore(t, harness(func(db *sqlitestore.Store) segment.Store { return db.Segments() }))
}

func TestLifecycleStore(t *testing.T) {
	t.Parallel()
	lifecycletest.TestStore(t, harness(func(db *sqlitestore.Store) lifecycle.Store { return db.Lifecycle() }))
}

func TestFeedbackStore(t *testing.T) {
	t.Parallel()
	feedbacktest.TestStore(t, harness(func(db *sqlitestore.Store) feedback.Store { return db.Feedback() }))
}

func TestRoadmapStore(t *testing.T) {
	t.Parallel()
	roadmaptest.TestStore(t, harness(func(db *sqlitestore.Store) roadmap.Store { return db.Roadmaps() }))
}

// Reopening a database keeps what was stored and applies no migration twice.
func TestCycleStore(t *testing.T) {
	cycletest.TestStore(t, harness(func(s *sqlitestore.Store) cycle.Store { return s.Cycle() }))
}

func TestAlertStore(t *testing.T) {
	monitortest.TestStore(t, harness(func(s *sqlitestore.Store) monitor.Store { return s.Alerts() }))
}

func TestContactIndex(t *testing.T) {
	crmtest.TestContactIndex(t, harness(func(s *sqlitestore.Store) crm.CustomerStore { return s }))
}

func TestResponseStore(t *testing.T) {
	feedbacktest.TestResponseStore(t, harness(func(s *sqlitestore.Store) feedback.ResponseStore { return s.Responses() }))
}

func TestCustomerHistory(t *testing.T) {
	crmtest.TestCustomerHistory(t, harness(func(s *sqlitestore.Store) crm.CustomerStore { return s }))
}

func TestContactStore(t *testing.T) {
	campaigntest.TestStore(t, harness(func(s *sqlitestore.Store) campaign.Store { return s.Contacts() }))
}

func TestCampaignStore(t *testing.T) {
	campaigntest.TestCampaignStore(t, harness(func(s *sqlitestore.Store) campaign.CampaignStore { return s.Campaigns() }))
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crm.db")
	s, err := sqlitestore.Open(path)
	require.NoError(t, err)
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	_, err = s.CreateCustomer(ctx, crm.Customer{ID: "c1", Name: "Ada", CreatedAt: at})
	require.NoError(t, err)
	require.NoError(t, s.AppendTransactions(ctx, crm.Transaction{ID: "t1", CustomerID: "c1", Time: at,
		Amount: decimal.RequireFromString("10.50"), Currency: "EUR", Kind: crm.Purchase}))
	_, err = s.Lifecycle().Move(ctx, lifecycle.State{CustomerID: "c1", Stage: "first_time_buyer", Since: at}, lifecycle.Transition{CustomerID: "c1", To: "first_time_buyer", At: at})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s, err = sqlitestore.Open(path)
	require.NoError(t, err)
	defer s.Close()
	v, err := s.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, len(sqlitestore.Migrations()), v)
	c, err := s.Customer(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, "Ada", c.Name)
	tx, err := s.Transaction(ctx, "t1")
	require.NoError(t, err)
	require.Equal(t, "10.5", tx.Amount.String())
	st, err := s.Lifecycle().State(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, "first_time_buyer", st.Stage)
	var applied int
	require.NoError(t, s.DB().QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied))
	require.Equal(t, len(sqlitestore.Migrations()), applied)
}

// A database written by a newer build is refused, not misread.
func TestRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	s, err := sqlitestore.Open(path)
	require.NoError(t, err)
	_, err = s.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = sqlitestore.Open(path)
	require.ErrorContains(t, err, "schema version 999 is newer")
}

// A stream's loop body may write to the store: no connection is held
// while it runs, and the stream pages past what it has seen.
func TestStreamBodyMayWrite(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1500 {
		_, err := s.CreateCustomer(ctx, crm.Customer{ID: "c" + strconv.Itoa(10000+i), CreatedAt: at})
		require.NoError(t, err)
	}
	n := 0
	for c, err := range s.Customers(ctx) {
		require.NoError(t, err)
		c.Name = "seen"
		_, err = s.UpdateCustomer(ctx, c)
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 1500, n)
	for c, err := range s.Customers(ctx) {
		require.NoError(t, err)
		require.Equal(t, "seen", c.Name)
		require.EqualValues(t, 2, c.Version)
	}
}

// Times outside what the store keeps are refused with a clear error.
func TestRefusesTimesItCannotKeep(t *testing.T) {
	s := open(t)
	err := s.AppendTransactions(context.Background(), crm.Transaction{ID: "t1", CustomerID: "c1", Time: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		Amount: decimal.NewFromInt(1), Currency: "EUR", Kind: crm.Purchase})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "record 0")
	_, err = s.Transaction(context.Background(), "t1")
	require.True(t, errors.Is(err, crm.ErrNotFound))
}

// The snapshot members are rows a host can query with SQL.
func TestSnapshotMembersAreRows(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	segs := s.Segments()
	_, err := segs.CreateSegmentation(ctx, segment.Segmentation{Name: "value", Mode: segment.Overlapping, Segments: []segment.Segment{
		{Name: "big", Priority: 1, Rule: "total_spend >= 100"}, {Name: "any", Priority: 2, Rule: "total_spend >= 0"}}})
	require.NoError(t, err)
	at := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	m := &segment.Membership{Segmentation: "value", AsOf: at, Members: map[string][]string{"a": {"big", "any"}, "b": {"any"}},
		Counts: map[string]int{"big": 1, "any": 2}, Total: 3, Unassigned: 1}
	require.NoError(t, segs.AppendSnapshot(ctx, m))
	var n int
	require.NoError(t, s.DB().QueryRow(`SELECT COUNT(*) FROM segment_members WHERE segmentation = 'value' AND segment = 'any'`).Scan(&n))
	require.Equal(t, 2, n)
	got, err := segs.Snapshot(ctx, "value", at)
	require.NoError(t, err)
	require.Equal(t, m.Members, got.Members, "priority order kept")
	require.Equal(t, m.Counts, got.Counts)
	def, err := segs.Segmentation(ctx, "value")
	require.NoError(t, err)
	require.NoError(t, segs.DeleteSegmentation(ctx, "value", def.Version))
	require.NoError(t, s.DB().QueryRow(`SELECT COUNT(*) FROM segment_members`).Scan(&n))
	require.Zero(t, n, "deleting a segmentation deletes its snapshots")
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

// What no store can keep (NaN, a year past 9999) is refused by the
// packages before any store sees it, so the memory stores and this one
// answer alike, with the package's error, and nothing is stored.
func TestServicesRefuseWhatNoStoreKeepsAlike(t *testing.T) {
	ctx := context.Background()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	type backend struct {
		feedback  feedback.Store
		lifecycle lifecycle.Store
		segments  segment.Store
	}
	db := open(t)
	backends := map[string]backend{
		"memory": {feedback.NewMemoryStore(), lifecycle.NewMemoryStore(), segment.NewMemoryStore()},
		"sqlite": {db.Feedback(), db.Lifecycle(), db.Segments()},
	}
	answers := map[string][]string{}
	for name, b := range backends {
		say := func(err error) {
			require.ErrorIs(t, err, crm.ErrInvalid, name)
			answers[name] = append(answers[name], err.Error())
		}
		clock := now
		desk, err := feedback.NewDesk(b.feedback, []feedback.Agent{{Name: "ana"}}, &feedback.Options{Clock: func() time.Time { return clock }})
		require.NoError(t, err)
		in := feedback.Intake{CustomerID: "c1", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Text: "late", Value: math.NaN()}
		_, _, err = desk.Submit(ctx, in, "ana")
		say(err)
		in.Value = math.Inf(1)
		_, _, err = desk.Submit(ctx, in, "ana")
		say(err)
		in.Value = 120
		clock = far
		_, _, err = desk.Submit(ctx, in, "ana")
		say(err)
		for _, err := range b.feedback.Items(ctx) {
			t.Fatalf("%s: an item was stored (%v)", name, err)
		}
		clock = now
		it, _, err := desk.Submit(ctx, in, "ana")
		require.NoError(t, err, name)
		clock = far
		_, err = desk.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ana")
		say(err)
		_, err = desk.Sweep(ctx, far)
		say(err)
		got, err := b.feedback.Item(ctx, it.ID)
		require.NoError(t, err)
		require.Equal(t, it, got, "%s: the refused step changed nothing", name)

		tracker, err := lifecycle.NewTracker(b.lifecycle, nil)
		require.NoError(t, err)
		_, err = tracker.Apply(ctx, lifecycle.Classification{CustomerID: "c1", Stage: "prospect", AsOf: far})
		say(err)
		_, err = b.lifecycle.State(ctx, "c1")
		require.ErrorIs(t, err, crm.ErrNotFound, name)

		err = b.segments.AppendSnapshot(ctx, &segment.Membership{Segmentation: "value", AsOf: far, Members: map[string][]string{}, Counts: map[string]int{}})
		say(err)
		for tm, err := range b.segments.SnapshotTimes(ctx, "value") {
			t.Fatalf("%s: a snapshot was stored (%v, %v)", name, tm, err)
		}
	}
	require.Equal(t, answers["memory"], answers["sqlite"])
	require.Len(t, answers["memory"], 7)
}

// The loop over every store on SQLite measures exactly what it measures
// over the memory stores: the same periods, the same results.
func TestLoopOnSQLiteAgreesWithMemory(t *testing.T) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 600
	gen, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	db := open(t)
	mem := crm.NewMemoryStore()
	memSegs, memOut := segment.NewMemoryStore(), cycle.NewMemoryStore()
	for _, s := range []sampledata.Store{db, mem} {
		require.NoError(t, gen.Load(ctx, s))
	}
	for _, s := range []segment.Store{db.Segments(), memSegs} {
		_, err := s.CreateSegmentation(ctx, *segment.RFMSegments())
		require.NoError(t, err)
	}
	loops := map[string]*cycle.Loop{}
	for name, st := range map[string]cycle.Stores{
		"sqlite": {Customers: db, Transactions: db, Touchpoints: db, Segments: db.Segments(), Lifecycle: db.Lifecycle(), Feedback: db.Feedback(), Results: db.Cycle(), Periods: db.Cycle()},
		"memory": {Customers: mem, Transactions: mem, Touchpoints: mem, Segments: memSegs, Lifecycle: lifecycle.NewMemoryStore(), Feedback: feedback.NewMemoryStore(), Results: memOut, Periods: memOut},
	} {
		loops[name], err = cycle.New(st, nil)
		require.NoError(t, err)
	}
	for _, asOf := range []time.Time{cfg.End.AddDate(0, -3, 0), cfg.End} {
		onDB, err := loops["sqlite"].Run(ctx, asOf)
		require.NoError(t, err)
		inMem, err := loops["memory"].Run(ctx, asOf)
		require.NoError(t, err)
		require.Equal(t, inMem.Metrics, onDB.Metrics)
		stored, err := db.Cycle().Period(ctx, asOf)
		require.NoError(t, err)
		require.True(t, stored.Equal(*inMem))
		var fromDB, fromMem []cycle.Result
		for r, err := range db.Cycle().ResultsAt(ctx, asOf) {
			require.NoError(t, err)
			fromDB = append(fromDB, r)
		}
		for r, err := range memOut.ResultsAt(ctx, asOf) {
			require.NoError(t, err)
			fromMem = append(fromMem, r)
		}
		require.Len(t, fromDB, cfg.Customers)
		require.Len(t, fromMem, cfg.Customers)
		for i := range fromDB {
			require.True(t, fromMem[i].Equal(fromDB[i]), "%+v\n%+v", fromMem[i], fromDB[i])
		}
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
