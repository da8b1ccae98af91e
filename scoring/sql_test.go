package scoring_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// The summary query's refusals, and Scan on rows made by hand (the
// query's results against real databases are checked in
// examples/postgres and examples/sqlitestore).
func TestSummaryQueryRefusals(t *testing.T) {
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	for name, c := range map[string]struct {
		d    crm.Dialect
		asOf time.Time
		opt  *scoring.SummaryOptions
		want string
	}{
		"MySQL in a zone":     {crm.MySQL, asOf, &scoring.SummaryOptions{Location: ny}, "time zone database"},
		"unknown dialect":     {crm.Dialect(9), asOf, nil, "unknown dialect"},
		"SQLite in a zone":    {crm.SQLite, asOf, &scoring.SummaryOptions{Location: ny}, "time zone database"},
		"zero asOf":           {crm.Postgres, time.Time{}, nil, "zero asOf"},
		"bad options":         {crm.Postgres, asOf, &scoring.SummaryOptions{Scale: -1}, "scale"},
		"unknown period unit": {crm.SQLite, asOf, &scoring.SummaryOptions{Unit: 9}, "unit"},
	} {
		_, err := scoring.NewSummaryQuery(c.d, scoring.TransactionTable{}, c.asOf, c.opt)
		require.ErrorIs(t, err, crm.ErrInvalid, name)
		require.ErrorContains(t, err, c.want, name)
	}
	q, err := scoring.NewSummaryQuery(crm.Postgres, scoring.TransactionTable{Name: `crm.tx"s`, Amount: "net"}, asOf, &scoring.SummaryOptions{Unit: scoring.Week, Scale: 2})
	require.NoError(t, err)
	require.Contains(t, q.SQL, `FROM "crm"."tx""s"`)
	require.Contains(t, q.SQL, `CAST("net" AS numeric)`)
	require.Equal(t, []any{asOf, "UTC"}, q.Args)

	// A row: two repeat periods, periods numbered 100..104 in weeks of
	// Scale 2; asOf is in week (2025-01-01 − 4 days)/7.
	row := func(id string, lo, hi string) func(dest ...any) error {
		return func(dest ...any) error {
			vals := []any{id, 2, int64(100), int64(104), 30.0, 5, "12.50", asOf.Add(-time.Hour), asOf.Add(-time.Minute), lo, hi}
			for i, v := range vals {
				switch d := dest[i].(type) {
				case *string:
					*d = v.(string)
				case *int:
					*d = v.(int)
				case *int64:
					*d = v.(int64)
				case *float64:
					*d = v.(float64)
				case *any:
					*d = v
				}
			}
			return nil
		}
	}
	s, err := q.Scan(row("c1", "USD", "USD"))
	require.NoError(t, err)
	weekOfAsOf := float64((asOf.Unix()/86400 - 4) / 7)
	require.Equal(t, scoring.Summary{CustomerID: "c1", Frequency: 2, Recency: 2, T: (weekOfAsOf - 100) / 2, Monetary: 15, Count: 5,
		Total: decimal.RequireFromString("12.50"), Currency: "USD", First: asOf.Add(-time.Hour), Last: asOf.Add(-time.Minute), UnitDays: 14}, s)
	_, err = q.Scan(row("c2", "EUR", "EUR"))
	require.ErrorContains(t, err, `customer "c2": currency EUR, expected USD`)
	_, err = q.Scan(row("c3", "USD", "ZAR"))
	require.ErrorContains(t, err, `customer "c3": currency ZAR, expected USD`)
	bad := func(dest ...any) error {
		require.NoError(t, row("c4", "USD", "USD")(dest...))
		*dest[6].(*string) = "twelve"
		return nil
	}
	_, err = q.Scan(bad)
	require.ErrorContains(t, err, `customer "c4": total "twelve"`)
}
