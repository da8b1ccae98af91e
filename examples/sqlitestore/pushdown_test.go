package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/examples/internal/pushdown"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
	"github.com/crmkit/crm/examples/sqlitestore"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/segment"
)

// Every rule selects the same customers in memory and in SQLite.
func TestPushdownMatchesMemory(t *testing.T) {
	db, err := sqlitestore.OpenDB(filepath.Join(t.TempDir(), "pushdown.db"))
	require.NoError(t, err)
	defer db.Close()
	n, rules := 10_000, 3000
	if raceEnabled {
		n, rules = 2000, 300
	}
	pushdown.Run(t, db, segment.SQLite, "profiles", n, rules)
}

// A column name that does not exist is an error in SQLite, not a string:
// "do_not_contactt" in double quotes would compare the text
// 'do_not_contactt' and "not (do_not_contact = true)" would select every
// row, which for an opt-out rule is the worst possible answer.
func TestPushdownMisnamedColumnIsAnError(t *testing.T) {
	db, err := sqlitestore.OpenDB(filepath.Join(t.TempDir(), "quote.db"))
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec("CREATE TABLE p (id TEXT, do_not_contact INTEGER, `we``ird\"` TEXT)")
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO p VALUES ('a', 1, 'x'), ('b', 0, 'y')")
	require.NoError(t, err)
	schema := segment.DefaultSchema()
	count := func(rule string, cols map[string]string) (int, error) {
		r, err := segment.Parse(rule)
		require.NoError(t, err)
		where, args, err := segment.ToSQL(r, schema, segment.SQLite, &segment.SQLOptions{Columns: cols})
		require.NoError(t, err)
		var n int
		err = db.QueryRow(`SELECT count(*) FROM p WHERE `+where, args...).Scan(&n)
		return n, err
	}
	n, err := count(`not (do_not_contact = true)`, map[string]string{"do_not_contact": "do_not_contact"})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = count(`not (do_not_contact = true)`, map[string]string{"do_not_contact": "do_not_contactt"})
	require.ErrorContains(t, err, "no such column")
	// Quotes inside a name are escaped, not a way out of the identifier.
	n, err = count(`country = "x"`, map[string]string{"country": "we`ird\""})
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// Windowed fields computed in memory (segment.Profiles) and in SQL (per
// customer over the transactions table, as a host's materialised view
// would) agree, and rules over them select the same customers, refunds
// included.
func TestWindowsMatchInSQL(t *testing.T) {
	ctx := context.Background()
	n := 1500
	if raceEnabled {
		n = 300
	}
	d := pushdown.NewWindowData(t, n)
	s := open(t)
	sqlstoretest.AppendAll(t, s.Store, d.Stream)
	ns := func(days int) int64 { return d.At.AddDate(0, 0, -days).UnixNano() }
	window := `t.customer_id = c.id AND t.at >= ? AND t.at < ?`
	signed := `CASE t.kind WHEN 'refund' THEN -1 ELSE 1 END`
	_, err := s.DB().ExecContext(ctx, `CREATE TABLE wprofiles AS SELECT c.id AS customer_id,
		(SELECT COUNT(*) FROM transactions t WHERE `+window+` AND t.kind = 'purchase') AS purchases_365d,
		(SELECT COUNT(*) FROM transactions t WHERE `+window+` AND t.kind = 'purchase') AS purchases_90d,
		(SELECT COALESCE(SUM(`+signed+` * CAST(t.amount AS REAL)), 0) FROM transactions t WHERE `+window+`) AS spend_90d,
		(SELECT COALESCE(SUM(`+signed+` * CAST(json_extract(i.value, '$.unit_price') AS REAL) * json_extract(i.value, '$.quantity')), 0)
			FROM transactions t, json_each(COALESCE(t.items, '[]')) i WHERE `+window+` AND json_extract(i.value, '$.category') = 'category-03') AS cat3_spend_365d,
		(SELECT json_group_array(DISTINCT json_extract(i.value, '$.category'))
			FROM transactions t, json_each(COALESCE(t.items, '[]')) i WHERE `+window+` AND t.kind = 'purchase') AS categories_365d
		FROM (SELECT DISTINCT customer_id AS id FROM transactions) c`,
		ns(365), d.At.UnixNano(), ns(90), d.At.UnixNano(), ns(90), d.At.UnixNano(), ns(365), d.At.UnixNano(), ns(365), d.At.UnixNano())
	require.NoError(t, err)
	d.Check(t, s.DB(), crm.SQLite, "wprofiles")
}

// Open cases counted in memory (segment.Profiles over cycle.Cases) and in
// SQL (a count over the feedback_items table at the same instant) agree,
// and rules over them select the same customers.
func TestOpenCasesMatchInSQL(t *testing.T) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 1500
	if raceEnabled {
		cfg.Customers = 300
	}
	gen, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	s := open(t)
	require.NoError(t, gen.Load(ctx, s))
	require.NoError(t, sampledata.WorkDesk(ctx, s.Feedback(), s.Touchpoints(ctx), cfg.End.AddDate(0, -3, 0), cfg.End, nil))
	// The generated desk closes what it opens within days; a few customers
	// also leave two complaints and an inquiry, or an inquiry alone, open
	// for weeks.
	clock := cfg.End.AddDate(0, 0, -60)
	agents := sampledata.DeskAgents()
	desk, err := feedback.NewDesk(s.Feedback(), agents, &feedback.Options{Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	n := 0
	for c, err := range s.Customers(ctx) {
		require.NoError(t, err)
		n++
		kinds := []feedback.Kind{feedback.Complaint, feedback.Inquiry, feedback.Complaint}
		switch {
		case n%89 == 0:
			kinds = []feedback.Kind{feedback.Inquiry} // an inquiry alone
		case n%97 != 0:
			continue
		}
		for _, k := range kinds {
			clock = clock.Add(17 * time.Hour)
			_, _, err := desk.Submit(ctx, feedback.Intake{CustomerID: c.ID, Kind: k, Channel: crm.ChannelEmail, Category: "billing", Text: "still waiting"}, agents[0].Name)
			require.NoError(t, err)
		}
	}
	ws := []segment.Window{
		{Name: "open_complaints", Measure: segment.WindowOpenCases, Category: "complaint"},
		{Name: "open_cases_7d", Measure: segment.WindowOpenCases, Days: 7},
	}
	schema, err := segment.NewSchema()
	require.NoError(t, err)
	schema, err = schema.WithWindows(ws...)
	require.NoError(t, err)
	// Times are compared as julian days; the desk's times are whole
	// seconds, so nothing is lost to SQLite's millisecond precision.
	open := `json_extract(i.body, '$.customer_id') = c.id AND julianday(json_extract(i.body, '$.received')) < julianday(?)
		AND (json_extract(i.body, '$.closed_at') LIKE '0001-01-01%' OR julianday(json_extract(i.body, '$.closed_at')) > julianday(?))`
	stamp := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	columns := map[string]string{"open_complaints": "open_complaints", "open_cases_7d": "open_cases_7d"}
	selected := map[string]int{}
	// Several instants through the desk's three months, at odd hours.
	for k, at := range []time.Time{cfg.End.AddDate(0, 0, -80).Add(9 * time.Hour), cfg.End.AddDate(0, 0, -50).Add(14*time.Hour + 30*time.Minute),
		cfg.End.AddDate(0, 0, -20).Add(11 * time.Hour), cfg.End.AddDate(0, 0, -3).Add(16 * time.Hour)} {
		var mem []*segment.Profile
		for p, err := range segment.Profiles(ctx, s.Customers(ctx), segment.Scores{Cases: cycle.Cases(ctx, s.Feedback())}, schema, at) {
			require.NoError(t, err)
			mem = append(mem, p)
		}
		table := fmt.Sprintf("cprofiles%d", k)
		_, err = s.DB().ExecContext(ctx, `CREATE TABLE `+table+` AS SELECT c.id AS id,
			(SELECT COUNT(*) FROM feedback_items i WHERE `+open+` AND json_extract(i.body, '$.kind') = 'complaint') AS open_complaints,
			(SELECT COUNT(*) FROM feedback_items i WHERE `+open+` AND julianday(json_extract(i.body, '$.received')) >= julianday(?)) AS open_cases_7d
			FROM customers c`, stamp(at), stamp(at), stamp(at), stamp(at), stamp(at.AddDate(0, 0, -7)))
		require.NoError(t, err)
		for _, text := range []string{"open_complaints > 0", "open_complaints >= 2", "open_cases_7d > 0", "open_complaints = 0 and open_cases_7d > 0", "not (open_complaints > 0)"} {
			if n := sameInSQL(t, s, table, columns, at, mem, text); n > 0 && n < len(mem) {
				selected[text]++
			}
		}
	}
	t.Logf("instants at which each rule split the customers: %v", selected)
	require.Len(t, selected, 5, "every rule splits the customers at some instant")
}

// sameInSQL checks that the rule selects the same customers from the
// profiles in memory and, through ToSQL, from the table of the same
// fields, and returns how many.
func sameInSQL(t *testing.T, s *sqlitestore.Store, table string, columns map[string]string, at time.Time, mem []*segment.Profile, text string) int {
	t.Helper()
	r, err := segment.Parse(text)
	require.NoError(t, err, text)
	return pushdown.Select(t, s.DB(), table, "id", segment.SQLite, &segment.SQLOptions{Columns: columns, AsOf: at}, mem, r)
}
