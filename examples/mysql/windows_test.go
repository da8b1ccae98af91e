package mysql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/pushdown"
)

// Windowed fields computed in memory (segment.Profiles) and in MariaDB
// (per customer over the transactions table, items read with JSON_TABLE)
// agree, and rules over them select the same customers, refunds included.
func TestWindowsMatchInSQL(t *testing.T) {
	db := server(t, "transactions", "customers", "wprofiles")
	ctx := context.Background()
	n := 5000
	if raceEnabled {
		n = 600
	}
	d := pushdown.NewWindowData(t, n)
	loadTransactions(t, db, "transactions", d.Stream)
	for _, stmt := range []string{
		"CREATE INDEX by_customer ON transactions (customer_id, at)",
		"CREATE TABLE customers (id VARBINARY(255) PRIMARY KEY)",
		"INSERT INTO customers SELECT DISTINCT customer_id FROM transactions",
		`CREATE TABLE wprofiles (customer_id VARBINARY(255) PRIMARY KEY, purchases_365d DOUBLE, purchases_90d DOUBLE,
			spend_90d DOUBLE, cat3_spend_365d DOUBLE, categories_365d JSON)`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	stamp := func(t time.Time) string { return "'" + t.UTC().Format("2006-01-02 15:04:05.000000") + "'" }
	in365 := "t.customer_id = c.id AND t.at >= " + stamp(d.At.AddDate(0, 0, -365)) + " AND t.at < " + stamp(d.At)
	in90 := "t.customer_id = c.id AND t.at >= " + stamp(d.At.AddDate(0, 0, -90)) + " AND t.at < " + stamp(d.At)
	signed := "CASE t.kind WHEN 'refund' THEN -1 ELSE 1 END"
	items := `JSON_TABLE(COALESCE(t.items, '[]'), '$[*]' COLUMNS (category LONGTEXT PATH '$.category',
		unit_price DECIMAL(30, 12) PATH '$.unit_price', quantity INT PATH '$.quantity')) AS i`
	query := strings.NewReplacer("IN365", in365, "IN90", in90, "SIGNED", signed, "ITEMS", items).Replace(`INSERT INTO wprofiles SELECT c.id,
		(SELECT COUNT(*) FROM transactions t WHERE IN365 AND t.kind = 'purchase'),
		(SELECT COUNT(*) FROM transactions t WHERE IN90 AND t.kind = 'purchase'),
		(SELECT COALESCE(SUM(SIGNED * t.amount), 0) FROM transactions t WHERE IN90),
		(SELECT COALESCE(SUM(SIGNED * i.unit_price * i.quantity), 0) FROM transactions t, ITEMS
			WHERE IN365 AND CAST(i.category AS BINARY) = 'category-03'),
		(SELECT COALESCE(JSON_ARRAYAGG(DISTINCT i.category), '[]') FROM transactions t, ITEMS
			WHERE IN365 AND t.kind = 'purchase' AND COALESCE(i.category, '') <> '')
		FROM customers c`)
	_, err := db.ExecContext(ctx, query)
	require.NoError(t, err)
	d.Check(t, db, crm.MySQL, "wprofiles")
}
