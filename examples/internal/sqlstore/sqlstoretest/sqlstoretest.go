// Package sqlstoretest runs every conformance suite of the SDK, and the
// tests the SQL adapters share, against a store of package sqlstore:
// examples/sqlitestore and examples/postgres call Run with a harness that
// makes and reopens their stores.
package sqlstoretest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
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
	"github.com/crmkit/crm/examples/internal/sqlstore"
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

// Harness makes the stores the tests run on.
type Harness struct {
	// Name names the database in messages ("sqlite", "postgres").
	Name string
	// New returns a store on a new, empty database, closed when the test
	// ends.
	New func(t *testing.T) *sqlstore.Store
	// Reopen closes s and opens its database again, as a restarted
	// process would; the error is Open's.
	Reopen func(t *testing.T, s *sqlstore.Store) (*sqlstore.Store, error)
	// Migrations is how many migrations the adapter has.
	Migrations int
}

// conformance gives a suite stores of one kind from the harness.
func conformance[S any](h Harness, part func(*sqlstore.Store) S) crmtest.Harness[S] {
	var mu sync.Mutex
	parents := map[any]*sqlstore.Store{}
	remember := func(db *sqlstore.Store) S {
		s := part(db)
		mu.Lock()
		parents[any(s)] = db
		mu.Unlock()
		return s
	}
	return crmtest.Harness[S]{
		New: func(t *testing.T) S { return remember(h.New(t)) },
		Reopen: func(t *testing.T, s S) S {
			mu.Lock()
			db := parents[any(s)]
			mu.Unlock()
			require.NotNil(t, db, "reopen of a store the harness did not make")
			db, err := h.Reopen(t, db)
			require.NoError(t, err)
			return remember(db)
		},
	}
}

// Run runs every conformance suite and shared test on the harness's
// stores, each as a subtest.
func Run(t *testing.T, h Harness) {
	suites := []struct {
		name string
		run  func(*testing.T)
	}{
		{"CustomerStore", func(t *testing.T) {
			crmtest.TestCustomerStore(t, conformance(h, func(s *sqlstore.Store) crm.CustomerStore { return s }))
		}},
		{"TransactionStore", func(t *testing.T) {
			crmtest.TestTransactionStore(t, conformance(h, func(s *sqlstore.Store) crm.TransactionStore { return s }))
		}},
		{"TouchpointStore", func(t *testing.T) {
			crmtest.TestTouchpointStore(t, conformance(h, func(s *sqlstore.Store) crm.TouchpointStore { return s }))
		}},
		{"ContactIndex", func(t *testing.T) {
			crmtest.TestContactIndex(t, conformance(h, func(s *sqlstore.Store) crm.CustomerStore { return s }))
		}},
		{"CustomerHistory", func(t *testing.T) {
			crmtest.TestCustomerHistory(t, conformance(h, func(s *sqlstore.Store) crm.CustomerStore { return s }))
		}},
		{"SegmentStore", func(t *testing.T) {
			segmenttest.TestStore(t, conformance(h, func(s *sqlstore.Store) segment.Store { return s.Segments() }))
		}},
		{"LifecycleStore", func(t *testing.T) {
			lifecycletest.TestStore(t, conformance(h, func(s *sqlstore.Store) lifecycle.Store { return s.Lifecycle() }))
		}},
		{"FeedbackStore", func(t *testing.T) {
			feedbacktest.TestStore(t, conformance(h, func(s *sqlstore.Store) feedback.Store { return s.Feedback() }))
		}},
		{"ResponseStore", func(t *testing.T) {
			feedbacktest.TestResponseStore(t, conformance(h, func(s *sqlstore.Store) feedback.ResponseStore { return s.Responses() }))
		}},
		{"RoadmapStore", func(t *testing.T) {
			roadmaptest.TestStore(t, conformance(h, func(s *sqlstore.Store) roadmap.Store { return s.Roadmaps() }))
		}},
		{"CycleStore", func(t *testing.T) {
			cycletest.TestStore(t, conformance(h, func(s *sqlstore.Store) cycle.Store { return s.Cycle() }))
		}},
		{"AlertStore", func(t *testing.T) {
			monitortest.TestStore(t, conformance(h, func(s *sqlstore.Store) monitor.Store { return s.Alerts() }))
		}},
		{"ContactStore", func(t *testing.T) {
			campaigntest.TestStore(t, conformance(h, func(s *sqlstore.Store) campaign.Store { return s.Contacts() }))
		}},
		{"CampaignStore", func(t *testing.T) {
			campaigntest.TestCampaignStore(t, conformance(h, func(s *sqlstore.Store) campaign.CampaignStore { return s.Campaigns() }))
		}},
		{"ReopenKeepsDataAndSchema", func(t *testing.T) { reopenKeepsDataAndSchema(t, h) }},
		{"RefusesNewerSchema", func(t *testing.T) { refusesNewerSchema(t, h) }},
		{"StreamBodyMayWrite", func(t *testing.T) { streamBodyMayWrite(t, h) }},
		{"RefusesTimesItCannotKeep", func(t *testing.T) { refusesTimesItCannotKeep(t, h) }},
		{"SnapshotMembersAreRows", func(t *testing.T) { snapshotMembersAreRows(t, h) }},
		{"ServicesRefuseWhatNoStoreKeepsAlike", func(t *testing.T) { servicesRefuseWhatNoStoreKeepsAlike(t, h) }},
		{"LoopAgreesWithMemory", func(t *testing.T) { loopAgreesWithMemory(t, h, false) }},
		{"LoopWithSummariesInSQLAgreesWithMemory", func(t *testing.T) { loopAgreesWithMemory(t, h, true) }},
		{"ConcurrentWriters", func(t *testing.T) { concurrentWriters(t, h) }},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			s.run(t)
		})
	}
}

// Reopening a database keeps what was stored and applies no migration twice.
func reopenKeepsDataAndSchema(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	_, err := s.CreateCustomer(ctx, crm.Customer{ID: "c1", Name: "Ada", CreatedAt: at})
	require.NoError(t, err)
	require.NoError(t, s.AppendTransactions(ctx, crm.Transaction{ID: "t1", CustomerID: "c1", Time: at,
		Amount: decimal.RequireFromString("10.50"), Currency: "EUR", Kind: crm.Purchase}))
	_, err = s.Lifecycle().Move(ctx, lifecycle.State{CustomerID: "c1", Stage: "first_time_buyer", Since: at}, lifecycle.Transition{CustomerID: "c1", To: "first_time_buyer", At: at})
	require.NoError(t, err)

	s, err = h.Reopen(t, s)
	require.NoError(t, err)
	v, err := s.SchemaVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, h.Migrations, v)
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
	require.Equal(t, h.Migrations, applied)
}

// A database written by a newer build is refused, not misread.
func refusesNewerSchema(t *testing.T, h Harness) {
	s := h.New(t)
	_, err := s.DB().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`)
	require.NoError(t, err)
	_, err = h.Reopen(t, s)
	require.ErrorContains(t, err, "schema version 999 is newer")
}

// A stream's loop body may write to the store: no connection is held
// while it runs, and the stream pages past what it has seen.
func streamBodyMayWrite(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
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
func refusesTimesItCannotKeep(t *testing.T, h Harness) {
	s := h.New(t)
	err := s.AppendTransactions(context.Background(), crm.Transaction{ID: "t1", CustomerID: "c1", Time: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
		Amount: decimal.NewFromInt(1), Currency: "EUR", Kind: crm.Purchase})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "record 0")
	_, err = s.Transaction(context.Background(), "t1")
	require.True(t, errors.Is(err, crm.ErrNotFound))
}

// The snapshot members are rows a host can query with SQL.
func snapshotMembersAreRows(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
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

// What no store can keep (NaN, a year past 9999) is refused by the
// packages before any store sees it, so the memory stores and this one
// answer alike, with the package's error, and nothing is stored.
func servicesRefuseWhatNoStoreKeepsAlike(t *testing.T, h Harness) {
	ctx := context.Background()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	type backend struct {
		feedback  feedback.Store
		lifecycle lifecycle.Store
		segments  segment.Store
	}
	db := h.New(t)
	backends := map[string]backend{
		"memory": {feedback.NewMemoryStore(), lifecycle.NewMemoryStore(), segment.NewMemoryStore()},
		h.Name:   {db.Feedback(), db.Lifecycle(), db.Segments()},
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
	require.Equal(t, answers["memory"], answers[h.Name])
	require.Len(t, answers["memory"], 7)
}

// The loop over every store on the database measures exactly what it
// measures over the memory stores: the same periods, the same results —
// also when the database computes the summaries (cycle.Stores.Summaries).
func loopAgreesWithMemory(t *testing.T, h Harness, summariesInSQL bool) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 600
	gen, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	db := h.New(t)
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
		h.Name:   {Customers: db, Transactions: db, Touchpoints: db, Segments: db.Segments(), Lifecycle: db.Lifecycle(), Feedback: db.Feedback(), Results: db.Cycle(), Periods: db.Cycle()},
		"memory": {Customers: mem, Transactions: mem, Touchpoints: mem, Segments: memSegs, Lifecycle: lifecycle.NewMemoryStore(), Feedback: feedback.NewMemoryStore(), Results: memOut, Periods: memOut},
	} {
		if name == h.Name && summariesInSQL {
			st.Summaries = db
		}
		loops[name], err = cycle.New(st, nil)
		require.NoError(t, err)
	}
	for _, asOf := range []time.Time{cfg.End.AddDate(0, -3, 0), cfg.End} {
		onDB, err := loops[h.Name].Run(ctx, asOf)
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
			if summariesInSQL && fromMem[i].ExpectedSpend != 0 {
				// The database adds the same amounts in another order
				// (scoring.SummaryQuery): the monetary value, and so the
				// expected spend, may differ in the last bits.
				require.InEpsilon(t, fromMem[i].ExpectedSpend, fromDB[i].ExpectedSpend, 1e-9, fromMem[i].CustomerID)
				fromDB[i].ExpectedSpend = fromMem[i].ExpectedSpend
			}
			require.True(t, fromMem[i].Equal(fromDB[i]), "%+v\n%+v", fromMem[i], fromDB[i])
		}
	}
}

// Writers running at once (goroutines of one process here; processes
// sharing a server are the same to the database) see the store's promises
// kept: an update either wins on its version or is a *crm.ConflictError,
// and every win is one version; a record created at once by many is made
// once and the others are told it exists; appends of overlapping batches
// store each record once; a lifecycle move from one version wins once.
func concurrentWriters(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.New(t)
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	const writers, updates = 6, 15
	_, err := s.CreateCustomer(ctx, crm.Customer{ID: "c1", CreatedAt: at})
	require.NoError(t, err)

	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	var wins, conflicts int
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := 0; u < updates; {
				c, err := s.Customer(ctx, "c1")
				if err != nil {
					fail(err)
					return
				}
				c.Name = "writer " + strconv.Itoa(w) + " update " + strconv.Itoa(u)
				_, err = s.UpdateCustomer(ctx, c)
				var conflict *crm.ConflictError
				switch {
				case err == nil:
					u++
					mu.Lock()
					wins++
					mu.Unlock()
				case errors.As(err, &conflict):
					mu.Lock()
					conflicts++
					mu.Unlock()
				default:
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, writers*updates, wins)
	c, err := s.Customer(ctx, "c1")
	require.NoError(t, err)
	require.EqualValues(t, 1+writers*updates, c.Version, "every win is one version (%d conflicts on the way)", conflicts)
	var versions []int64
	for v, err := range s.CustomerVersions(ctx, "c1") {
		require.NoError(t, err)
		versions = append(versions, v.Version)
	}
	require.Len(t, versions, 1+writers*updates, "the history has every version once")
	for i, v := range versions {
		require.EqualValues(t, i+1, v)
	}

	// Many create one customer: one is made, the others exist.
	made, exists := 0, 0
	errs = nil
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.CreateCustomer(ctx, crm.Customer{ID: "c2", CreatedAt: at})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				made++
			case errors.Is(err, crm.ErrExists):
				exists++
			default:
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, 1, made)
	require.Equal(t, writers-1, exists)

	// Overlapping batches of the same transactions: each stored once.
	txs := make([]crm.Transaction, 300)
	for i := range txs {
		txs[i] = crm.Transaction{ID: "t" + strconv.Itoa(i), CustomerID: "c" + strconv.Itoa(i%7), Time: at.Add(time.Duration(i) * time.Hour),
			Amount: decimal.New(int64(100+i), -2), Currency: "EUR", Kind: crm.Purchase}
	}
	errs = nil
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo := w * 30 // batches of 150 that overlap their neighbours'
			if err := s.AppendTransactions(ctx, txs[lo:lo+150]...); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	n := 0
	for tx, err := range s.TransactionsBetween(ctx, at, at.AddDate(1, 0, 0)) {
		require.NoError(t, err)
		require.True(t, tx.Equal(txs[n]), "%v", tx)
		n++
	}
	require.Equal(t, (writers-1)*30+150, n)

	// A lifecycle move from one version wins once.
	moved, refused := 0, 0
	errs = nil
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stage := "stage" + strconv.Itoa(w)
			_, err := s.Lifecycle().Move(ctx, lifecycle.State{CustomerID: "c1", Stage: stage, Since: at},
				lifecycle.Transition{CustomerID: "c1", To: stage, At: at})
			var conflict *crm.ConflictError
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				moved++
			case errors.As(err, &conflict):
				refused++
			default:
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	require.Equal(t, 1, moved)
	require.Equal(t, writers-1, refused)
	nt := 0
	for _, err := range s.Lifecycle().CustomerTransitions(ctx, "c1") {
		require.NoError(t, err)
		nt++
	}
	require.Equal(t, 1, nt, "one transition kept")
}

// BenchLoop measures one run of the loop over every store on a store from
// open, with a generated business of the given size loaded once: as
// sub-benchmarks summaries=go (the loop summarises the transaction
// stream) and summaries=sql (the store's SQL computes them). The first
// run is not measured; each iteration runs an hour after the last (a run
// at a stored time would return the stored period).
func BenchLoop(b *testing.B, open func(b *testing.B) *sqlstore.Store, customers int) {
	for _, inSQL := range []bool{false, true} {
		b.Run(map[bool]string{false: "summaries=go", true: "summaries=sql"}[inSQL], func(b *testing.B) {
			benchLoop(b, open(b), customers, inSQL)
		})
	}
	// The first run on a new store, which records every customer's first
	// stage and segment membership.
	b.Run("first-run", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			s := open(b)
			loop, cfg := benchBusiness(b, s, customers, true)
			b.StartTimer()
			if _, err := loop.Run(ctx, cfg.End); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchBusiness loads a generated business into s and returns the loop
// over it.
func benchBusiness(b *testing.B, s *sqlstore.Store, customers int, summariesInSQL bool) (*cycle.Loop, sampledata.Config) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = customers
	gen, err := sampledata.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Load(ctx, s); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Segments().CreateSegmentation(ctx, *segment.RFMSegments()); err != nil {
		b.Fatal(err)
	}
	st := cycle.Stores{Customers: s, Transactions: s, Touchpoints: s, Segments: s.Segments(), Lifecycle: s.Lifecycle(),
		Feedback: s.Feedback(), Results: s.Cycle(), Periods: s.Cycle()}
	if summariesInSQL {
		st.Summaries = s
	}
	loop, err := cycle.New(st, nil)
	if err != nil {
		b.Fatal(err)
	}
	return loop, cfg
}

func benchLoop(b *testing.B, s *sqlstore.Store, customers int, summariesInSQL bool) {
	ctx := context.Background()
	loop, cfg := benchBusiness(b, s, customers, summariesInSQL)
	// The first run records every customer's first stage (a move each);
	// the runs measured are the ones after it, as a host's are.
	asOf := cfg.End
	if _, err := loop.Run(ctx, asOf); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		asOf = asOf.Add(time.Hour)
		if _, err := loop.Run(ctx, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTransactions are n purchases of 10,000 customers, a minute apart.
func benchTransactions(n int) []crm.Transaction {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]crm.Transaction, n)
	for i := range out {
		out[i] = crm.Transaction{ID: fmt.Sprintf("t%07d", i), CustomerID: fmt.Sprintf("c%05d", i%10_000), Time: t0.Add(time.Duration(i) * time.Minute),
			Amount: decimal.New(int64(1000+i%5000), -2), Currency: "EUR", Kind: crm.Purchase, Channel: crm.ChannelWeb}
	}
	return out
}

// BenchAppend measures appending 100k transactions in batches of 10k to a
// new store from open.
func BenchAppend(b *testing.B, open func(b *testing.B) *sqlstore.Store) {
	txs := benchTransactions(100_000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s := open(b)
		b.StartTimer()
		for lo := 0; lo < len(txs); lo += 10_000 {
			if err := s.AppendTransactions(ctx, txs[lo:lo+10_000]...); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(txs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchStream measures streaming 100k transactions by customer from s.
func BenchStream(b *testing.B, s *sqlstore.Store) {
	txs := benchTransactions(100_000)
	ctx := context.Background()
	if err := s.AppendTransactions(ctx, txs...); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := 0
		for _, err := range s.Transactions(ctx) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != len(txs) {
			b.Fatalf("streamed %d", n)
		}
	}
	b.ReportMetric(float64(len(txs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// AppendAll stores a stream of transactions in s, in batches of 10,000.
func AppendAll(t *testing.T, s *sqlstore.Store, txs iter.Seq2[crm.Transaction, error]) {
	t.Helper()
	ctx := context.Background()
	var batch []crm.Transaction
	for tx, err := range txs {
		require.NoError(t, err)
		if batch = append(batch, tx); len(batch) == 10_000 {
			require.NoError(t, s.AppendTransactions(ctx, batch...))
			batch = batch[:0]
		}
	}
	require.NoError(t, s.AppendTransactions(ctx, batch...))
}
