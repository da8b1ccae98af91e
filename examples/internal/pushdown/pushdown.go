// Package pushdown is the differential test of segment.ToSQL that every
// database adapter under examples runs: profiles with missing values and
// awkward strings, stored through segment.Table, and rules (the RFM
// presets, the lifecycle rules and random rules of every operator) that
// must select exactly the customers the in-memory matcher selects.
package pushdown

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// AsOf is the observation time of the profiles.
var AsOf = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// Fields are the profile fields of the test: every type.
var Fields = []string{"recency_days", "frequency", "monetary", "purchases", "country", "tags", "do_not_contact",
	"signup_date", "last_purchase", "r_score", "f_score", "m_score", "rfm_cell", "tier", "churned", "at_risk", "referrals", "nps", "previous_stage"}

var (
	// Strings include what trips databases: case and accents, a trailing
	// space, quotes, a backslash, a right-to-left mark, an emoji, an
	// HTML-escaped character in JSON, U+2028.
	countries = []string{"CN", "US", "DE", "GB", "FR", "JP", "Bücher", "", "US ", "us", "O'Brien", `a\b`, "\u200fעב", "😀", "R&D", "x\u2028y"}
	tagValues = []string{"vip", "newsletter", "b2b", "churn-risk", "ä", "R&D", "Vip", "a\"b", "😀"}
	tiers     = []string{"Platinum", "Gold", "Iron", "Lead"}
	stages    = []string{"lapsed", "loyal", "prospect", "at_risk", "Lapsed", "lapsed "}
)

// Schema is the lifecycle schema cut to Fields.
func Schema(t testing.TB) *segment.Schema {
	s, err := lifecycle.Schema().Only(Fields...)
	require.NoError(t, err)
	return s
}

// Profiles makes n profiles with about 15% of every field missing, times
// at awkward instants (odd microseconds, leap days, the epoch's day).
func Profiles(t testing.TB, schema *segment.Schema, n int) []*segment.Profile {
	rng := rand.New(rand.NewPCG(42, 42))
	out := make([]*segment.Profile, 0, n)
	for i := range n {
		p := schema.NewProfile(fmt.Sprintf("C%05d", i), AsOf)
		for _, f := range Fields {
			if rng.IntN(100) < 15 {
				continue
			}
			fd, _ := schema.Field(f)
			switch fd.Type {
			case segment.Number:
				var v float64
				switch f {
				case "r_score", "f_score", "m_score":
					v = float64(1 + rng.IntN(5))
				case "nps":
					v = float64(rng.IntN(11))
				default:
					v = float64(rng.IntN(400)) / 4
				}
				require.NoError(t, p.SetNumber(f, v))
			case segment.String:
				var v string
				switch f {
				case "tier":
					v = tiers[rng.IntN(len(tiers))]
				case "previous_stage":
					v = stages[rng.IntN(len(stages))]
				case "rfm_cell":
					v = fmt.Sprintf("%d%d%d", 1+rng.IntN(5), 1+rng.IntN(5), 1+rng.IntN(5))
				default:
					v = countries[rng.IntN(len(countries))]
				}
				require.NoError(t, p.SetString(f, v))
			case segment.Bool:
				require.NoError(t, p.SetBool(f, rng.IntN(2) == 0))
			case segment.Time:
				require.NoError(t, p.SetTime(f, Instant(rng)))
			case segment.StringSet:
				v := []string{} // present and empty as often as not
				for _, tag := range tagValues {
					if rng.IntN(4) == 0 {
						v = append(v, tag)
					}
				}
				require.NoError(t, p.SetStrings(f, v))
			}
		}
		out = append(out, p)
	}
	return out
}

// Instant is a time within three years before AsOf: on the hour, at an
// odd microsecond, between two microseconds (profiles and literals round
// to the microsecond the servers keep), or on a leap day.
func Instant(rng *rand.Rand) time.Time {
	t := AsOf.Add(-time.Duration(rng.IntN(3*365*24)) * time.Hour)
	switch rng.IntN(5) {
	case 0:
		t = t.Add(time.Duration(rng.IntN(3_600_000_000)) * time.Microsecond)
	case 1:
		t = time.Date(2024, 2, 29, rng.IntN(24), 0, 0, 999_999_000, time.UTC)
	case 2:
		t = t.Add(time.Duration(rng.IntN(3_600_000_000_000)) * time.Nanosecond)
	}
	return t
}

// Load creates table's table in db and inserts the profiles in one
// transaction.
func Load(t testing.TB, db *sql.DB, table *segment.Table, ps []*segment.Profile) {
	ctx := context.Background()
	_, err := db.ExecContext(ctx, table.Create())
	require.NoError(t, err, table.Create())
	tx, err := db.BeginTx(ctx, nil)
	require.NoError(t, err)
	stmt, err := tx.PrepareContext(ctx, table.Insert())
	require.NoError(t, err)
	for _, p := range ps {
		row, err := table.Row(p)
		require.NoError(t, err)
		_, err = stmt.ExecContext(ctx, row...)
		require.NoError(t, err, "%s: %v", p.CustomerID, row)
	}
	require.NoError(t, stmt.Close())
	require.NoError(t, tx.Commit())
}

// RandomRule makes a type-correct rule over Fields.
func RandomRule(rng *rand.Rand, schema *segment.Schema, depth int) segment.Rule {
	if depth > 0 && rng.IntN(3) == 0 {
		switch rng.IntN(3) {
		case 0:
			return segment.Not{Rule: RandomRule(rng, schema, depth-1)}
		default:
			rules := make([]segment.Rule, 2+rng.IntN(2))
			for i := range rules {
				rules[i] = RandomRule(rng, schema, depth-1)
			}
			if rng.IntN(2) == 0 {
				return segment.And{Rules: rules}
			}
			return segment.Or{Rules: rules}
		}
	}
	f := Fields[rng.IntN(len(Fields))]
	fd, _ := schema.Field(f)
	if rng.IntN(12) == 0 {
		return segment.Exists{Field: f}
	}
	ops := []segment.Op{segment.Eq, segment.Ne, segment.Lt, segment.Le, segment.Gt, segment.Ge}
	switch fd.Type {
	case segment.Number:
		num := func() segment.Literal { return segment.Num(float64(rng.IntN(420))/4 - 2) }
		switch rng.IntN(3) {
		case 0:
			lo := num()
			hi := segment.Num(lo.Num + float64(rng.IntN(40)))
			return segment.Between{Field: f, Low: lo, High: hi}
		case 1:
			vals := []segment.Literal{}
			for range rng.IntN(4) {
				vals = append(vals, segment.Num(float64(rng.IntN(6))))
			}
			return segment.In{Field: f, Values: vals, Not: rng.IntN(2) == 0}
		}
		return segment.Compare{Field: f, Op: ops[rng.IntN(6)], Value: num()}
	case segment.String:
		pool := append(append(append(slices.Clone(countries), tiers...), stages...), "5", "55", "", "U", "Bü")
		str := func() segment.Literal { return segment.Str(pool[rng.IntN(len(pool))]) }
		switch rng.IntN(3) {
		case 0:
			vals := []segment.Literal{}
			for range rng.IntN(4) {
				vals = append(vals, str())
			}
			return segment.In{Field: f, Values: vals, Not: rng.IntN(2) == 0}
		case 1:
			// Prefixes cut at characters: Compile refuses a cut UTF-8 character.
			s := []rune(str().Str)
			return segment.StartsWith{Field: f, Prefix: string(s[:rng.IntN(len(s)+1)])}
		}
		return segment.Compare{Field: f, Op: ops[rng.IntN(2)], Value: str()}
	case segment.Bool:
		return segment.Compare{Field: f, Op: ops[rng.IntN(2)], Value: segment.BoolLit(rng.IntN(2) == 0)}
	case segment.Time:
		at := func() segment.Literal { return segment.TimeLit(Instant(rng)) }
		switch rng.IntN(3) {
		case 0:
			return segment.Within{Field: f, Last: time.Duration(1+rng.IntN(400)) * 24 * time.Hour}
		case 1:
			a, b := at(), at()
			if a.Time.After(b.Time) {
				a, b = b, a
			}
			return segment.Between{Field: f, Low: a, High: b}
		}
		return segment.Compare{Field: f, Op: ops[rng.IntN(6)], Value: at()}
	}
	return segment.Contains{Field: f, Value: tagValues[rng.IntN(len(tagValues))]}
}

// Same checks that rule selects the same customers from ps in memory and
// from table in db through ToSQL, and returns how many.
func Same(t testing.TB, db *sql.DB, table *segment.Table, name string, dialect segment.Dialect, ps []*segment.Profile, r segment.Rule) int {
	t.Helper()
	return Select(t, db, name, "customer_id", dialect, table.Options(AsOf), ps, r)
}

// Select checks that rule selects the same customers from ps in memory
// and, through ToSQL with opt, from the rows of from (a table or view
// keyed by the column key), and returns how many.
func Select(t testing.TB, db *sql.DB, from, key string, dialect segment.Dialect, opt *segment.SQLOptions, ps []*segment.Profile, r segment.Rule) int {
	t.Helper()
	m, err := segment.Compile(r, ps[0].Schema())
	require.NoError(t, err, r.String())
	var want []string
	var e segment.Explanation
	for i, p := range ps {
		if m.Match(p) {
			want = append(want, p.CustomerID)
		}
		if i%7 == 0 { // the explanation's result, from its clauses', and Match's (its own path for ands) are Eval's
			m.ExplainTo(p, &e)
			if res := m.Eval(p); e.Result != res || e.Matched != (res == segment.True) || len(e.Clauses) != len(m.Clauses()) || m.Match(p) != (res == segment.True) {
				t.Fatalf("%s: %s explained %v (matched %v, %d clauses), evaluated %v", r, p.CustomerID, e.Result, e.Matched, len(e.Clauses), res)
			}
		}
	}
	where, args, err := segment.ToSQL(r, ps[0].Schema(), dialect, opt)
	require.NoError(t, err, r.String())
	rows, err := db.QueryContext(context.Background(), "SELECT "+key+" FROM "+from+" WHERE "+where+" ORDER BY "+key, args...)
	require.NoError(t, err, "%s\n%s", r, where)
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		got = append(got, id)
	}
	require.NoError(t, rows.Err())
	if !slices.Equal(want, got) {
		only := func(a, b []string) []string { // in a, not in b; the first five
			var out []string
			for _, id := range a {
				if _, found := slices.BinarySearch(b, id); !found && len(out) < 5 {
					out = append(out, id)
				}
			}
			return out
		}
		t.Fatalf("%s at %s: memory selects %d customers, SQL %d; only in memory: %v; only in SQL: %v\nWHERE %s %v",
			r, opt.AsOf, len(want), len(got), only(want, got), only(got, want), where, args)
	}
	return len(want)
}

// Run loads n profiles into a new table called name and checks the RFM
// presets, the default lifecycle rules and the given number of random
// rules.
func Run(t *testing.T, db *sql.DB, dialect segment.Dialect, name string, n, rules int) {
	schema := Schema(t)
	table, err := segment.NewTable(schema, dialect, name)
	require.NoError(t, err)
	ps := Profiles(t, schema, n)
	Load(t, db, table, ps)
	var texts []string
	for _, s := range segment.RFMSegments().Segments {
		texts = append(texts, s.Rule)
	}
	for _, s := range lifecycle.DefaultPolicy().Stages {
		texts = append(texts, s.Rule)
	}
	for _, text := range texts {
		r, err := segment.Parse(text)
		require.NoError(t, err)
		Same(t, db, table, name, dialect, ps, r)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	nonEmpty := 0
	for range rules {
		if Same(t, db, table, name, dialect, ps, RandomRule(rng, schema, 3)) > 0 {
			nonEmpty++
		}
	}
	require.Greater(t, nonEmpty, rules/3, "the rules select customers, not only nobody")
}

// SummaryCase is one way of summarising, for the summary query's test.
type SummaryCase struct {
	Name    string
	Options *scoring.SummaryOptions
}

// SummaryCases are the period settings the summary query is checked
// with: days, days counted in weeks (CDNOW's convention), calendar weeks
// and months, and periods of several days.
func SummaryCases() []SummaryCase {
	return []SummaryCase{
		{"days", nil},
		{"days in weeks", &scoring.SummaryOptions{Scale: 7}},
		{"weeks", &scoring.SummaryOptions{Unit: scoring.Week}},
		{"months", &scoring.SummaryOptions{Unit: scoring.Month}},
		{"3-day periods", &scoring.SummaryOptions{Length: 3, Scale: 2}},
	}
}

// SameSummaries checks that the summary query's summaries are
// Summarize's: every field equal, Monetary to 1e-12 relative (the same
// amounts added in another order).
func SameSummaries(t testing.TB, want, got []scoring.Summary) {
	t.Helper()
	require.Equal(t, len(want), len(got), "customers")
	for i := range want {
		w, g := want[i], got[i]
		require.InDelta(t, w.Monetary, g.Monetary, 1e-12*max(1, w.Monetary), "%s: monetary", w.CustomerID)
		require.True(t, w.Total.Equal(g.Total), "%s: total %s, want %s", w.CustomerID, g.Total, w.Total)
		require.True(t, w.First.Equal(g.First) && w.Last.Equal(g.Last), "%s: first %s last %s, want %s %s", w.CustomerID, g.First, g.Last, w.First, w.Last)
		w.Monetary, w.Total, w.First, w.Last = 0, g.Total, g.First, g.Last
		g.Monetary = 0
		require.Equal(t, w, g)
	}
}

// Transactions are the generated business's transactions for n customers
// with refunds added, grouped by customer: about one purchase in six is
// partly, wholly or more than wholly refunded (at the same instant, or
// hours to months later, past asOf too), and one customer in 40 has a
// refund before the first purchase.
func Transactions(n int) (iter.Seq2[crm.Transaction, error], time.Time, error) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = n
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		return nil, time.Time{}, err
	}
	return func(yield func(crm.Transaction, error) bool) {
		rng := rand.New(rand.NewPCG(3, 5))
		current, k := "", 0
		for tx, err := range g.Transactions() {
			if err != nil {
				yield(tx, err)
				return
			}
			if tx.CustomerID != current {
				current = tx.CustomerID
				if rng.IntN(40) == 0 {
					early := tx
					early.ID, early.Kind, early.Items = tx.ID+"-early", crm.Refund, nil
					early.Time = tx.Time.AddDate(0, 0, -10)
					if !yield(early, nil) {
						return
					}
				}
			}
			if !yield(tx, nil) {
				return
			}
			if tx.Kind != crm.Purchase || rng.IntN(6) != 0 {
				continue
			}
			k++
			r := tx
			r.ID, r.Kind, r.Items = fmt.Sprintf("%s-r%d", tx.ID, k), crm.Refund, nil
			r.Amount = tx.Amount.Mul(decimal.NewFromFloat([]float64{0.3, 1, 1.7, 0.01}[rng.IntN(4)])).Round(2)
			if rng.IntN(3) > 0 {
				r.Time = tx.Time.Add(time.Duration(rng.IntN(3000)) * time.Hour)
			} else {
				r.ID = "!" + r.ID // at the purchase's instant, and first by ID: the purchase still comes first
			}
			if !yield(r, nil) {
				return
			}
		}
	}, cfg.End, nil
}

// RunSummaries checks the summary query against Summarize on CDNOW and on
// n generated customers with refunds, in every case: load creates the
// named table in db, fills it from the stream and returns the
// transactions it stored.
func RunSummaries(t *testing.T, db *sql.DB, dialect crm.Dialect, n int, cases []SummaryCase,
	load func(t *testing.T, table string, txs iter.Seq2[crm.Transaction, error]) []crm.Transaction) {
	ctx := context.Background()
	generated, end, err := Transactions(n)
	require.NoError(t, err)
	for _, data := range []struct {
		name, table string
		txs         iter.Seq2[crm.Transaction, error]
		asOf        time.Time
	}{
		{"CDNOW", "cdnow", datasets.CDNOWMaster(), time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)},
		{"generated", "generated", generated, end.AddDate(0, -2, 0).Add(13*time.Hour + 30*time.Minute)},
	} {
		t.Run(data.name, func(t *testing.T) {
			all := load(t, data.table, data.txs)
			stream := func(yield func(crm.Transaction, error) bool) {
				for _, tx := range all {
					if !yield(tx, nil) {
						return
					}
				}
			}
			for _, c := range cases {
				want, err := scoring.Summarize(ctx, stream, data.asOf, c.Options)
				require.NoError(t, err, c.Name)
				q, err := scoring.NewSummaryQuery(dialect, scoring.TransactionTable{Name: data.table}, data.asOf, c.Options)
				require.NoError(t, err)
				got, err := q.Summaries(ctx, db)
				require.NoError(t, err, c.Name)
				SameSummaries(t, want, got)
			}
		})
	}
}

// Windows are the windowed fields of the windows' differential test: two
// purchase counts, a spend, a category's spend and the categories bought.
func Windows() []segment.Window {
	return []segment.Window{
		{Name: "purchases_365d", Measure: segment.WindowPurchases, Days: 365},
		{Name: "purchases_90d", Measure: segment.WindowPurchases, Days: 90},
		{Name: "spend_90d", Measure: segment.WindowSpend, Days: 90},
		{Name: "cat3_spend_365d", Measure: segment.WindowSpend, Days: 365, Category: "category-03"},
		{Name: "categories_365d", Measure: segment.WindowCategories, Days: 365},
	}
}

// WindowRules are the rules the windows' differential test checks.
var WindowRules = []string{
	"purchases_365d >= 6", "purchases_90d >= 2", "purchases_90d = 0", "spend_90d >= 500", "spend_90d < 50 and purchases_365d > 0",
	`categories_365d contains "category-03"`, `not (categories_365d contains "category-07") and purchases_365d >= 3`,
	"cat3_spend_365d >= 100", "cat3_spend_365d > 0 and spend_90d = 0",
}

// WindowData is a generated business of n customers with refunds, its
// windowed profiles computed in memory (segment.Profiles) at an odd hour
// six months before its end, and what a database needs to compute them.
type WindowData struct {
	At           time.Time
	Schema       *segment.Schema
	Profiles     []*segment.Profile
	Customers    []string // IDs, in order
	Transactions []crm.Transaction
}

// NewWindowData makes the windows' test data.
func NewWindowData(t testing.TB, n int) *WindowData {
	ctx := context.Background()
	txs, end, err := Transactions(n)
	require.NoError(t, err)
	d := &WindowData{At: end.AddDate(0, -6, 0).Add(7*time.Hour + 30*time.Minute)}
	for tx, err := range txs {
		require.NoError(t, err)
		d.Transactions = append(d.Transactions, tx)
		if k := len(d.Customers); k == 0 || d.Customers[k-1] != tx.CustomerID {
			d.Customers = append(d.Customers, tx.CustomerID)
		}
	}
	require.True(t, slices.IsSorted(d.Customers), "the generator's customers come by ID")
	schema, err := segment.NewSchema()
	require.NoError(t, err)
	d.Schema, err = schema.WithWindows(Windows()...)
	require.NoError(t, err)
	customers := func(yield func(crm.Customer, error) bool) {
		for _, id := range d.Customers {
			if !yield(crm.Customer{ID: id}, nil) {
				return
			}
		}
	}
	for p, err := range segment.Profiles(ctx, customers, segment.Scores{Transactions: d.Stream}, d.Schema, d.At) {
		require.NoError(t, err)
		d.Profiles = append(d.Profiles, p)
	}
	return d
}

// Stream streams the transactions.
func (d *WindowData) Stream(yield func(crm.Transaction, error) bool) {
	for _, tx := range d.Transactions {
		if !yield(tx, nil) {
			return
		}
	}
}

// Check runs WindowRules against the windows' table (keyed by
// customer_id, a column per window) and requires most to select someone.
func (d *WindowData) Check(t *testing.T, db *sql.DB, dialect crm.Dialect, table string) {
	columns := map[string]string{}
	for _, w := range Windows() {
		columns[w.Name] = w.Name
	}
	nonEmpty := 0
	for _, text := range WindowRules {
		r, err := segment.Parse(text)
		require.NoError(t, err, text)
		if Select(t, db, table, "customer_id", dialect, &segment.SQLOptions{Columns: columns, AsOf: d.At}, d.Profiles, r) > 0 {
			nonEmpty++
		}
	}
	require.Greater(t, nonEmpty, 6, "the rules select customers")
}
