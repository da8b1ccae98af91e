package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/pushdown"
)

// Windowed fields computed in memory (segment.Profiles) and in
// PostgreSQL (per customer over the transactions table, as a host's
// materialised view would) agree, and rules over them select the same
// customers, refunds included.
func TestWindowsMatchInSQL(t *testing.T) {
	db := server(t)
	ctx := context.Background()
	n := 5000
	if raceEnabled {
		n = 600
	}
	d := pushdown.NewWindowData(t, n)
	copyTransactions(t, db, "transactions", d.Stream)
	_, err := db.ExecContext(ctx, `CREATE INDEX ON transactions (customer_id, at)`)
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, `CREATE TABLE customers (id text COLLATE "C" PRIMARY KEY)`)
	require.NoError(t, err)
	for _, id := range d.Customers {
		_, err := db.ExecContext(ctx, `INSERT INTO customers VALUES ($1)`, id)
		require.NoError(t, err)
	}
	_, err = db.ExecContext(ctx, `CREATE TABLE wprofiles (customer_id text COLLATE "C" PRIMARY KEY,
		purchases_365d double precision, purchases_90d double precision, spend_90d double precision,
		cat3_spend_365d double precision, categories_365d text[] COLLATE "C")`)
	require.NoError(t, err)
	window := `t.customer_id = c.id AND t.at >= %s AND t.at < $1`
	in365, in90 := fmt.Sprintf(window, "$2"), fmt.Sprintf(window, "$3")
	signed := `CASE t.kind WHEN 'refund' THEN -1 ELSE 1 END`
	items := `jsonb_array_elements(COALESCE(t.items, '[]'::jsonb)) i`
	_, err = db.ExecContext(ctx, `INSERT INTO wprofiles SELECT c.id,
		(SELECT count(*) FROM transactions t WHERE `+in365+` AND t.kind = 'purchase'),
		(SELECT count(*) FROM transactions t WHERE `+in90+` AND t.kind = 'purchase'),
		(SELECT COALESCE(SUM(`+signed+` * t.amount), 0) FROM transactions t WHERE `+in90+`),
		(SELECT COALESCE(SUM(`+signed+` * (i->>'unit_price')::numeric * (i->>'quantity')::numeric), 0)
			FROM transactions t, `+items+` WHERE `+in365+` AND i->>'category' = 'category-03'),
		ARRAY(SELECT DISTINCT i->>'category' FROM transactions t, `+items+`
			WHERE `+in365+` AND t.kind = 'purchase' AND COALESCE(i->>'category', '') <> '' ORDER BY 1)
		FROM customers c`, d.At, d.At.AddDate(0, 0, -365), d.At.AddDate(0, 0, -90))
	require.NoError(t, err)
	d.Check(t, db, crm.Postgres, "wprofiles")
}
