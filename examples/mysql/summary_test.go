package mysql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/pushdown"
)

// transactionsDDL is a transactions table as NewSummaryQuery expects it.
const transactionsDDL = `CREATE TABLE %s (
  id VARBINARY(255) PRIMARY KEY,
  customer_id VARBINARY(255) NOT NULL,
  at DATETIME(6) NOT NULL,
  kind VARCHAR(16) NOT NULL,
  amount DECIMAL(30, 12) NOT NULL,
  currency CHAR(3) NOT NULL,
  items JSON NULL -- the line items, NULL when none
)`

// loadTransactions creates table and fills it from the stream with LOAD
// DATA LOCAL INFILE (the driver streams the rows from a reader), returning
// the transactions.
func loadTransactions(t *testing.T, db *sql.DB, table string, txs iter.Seq2[crm.Transaction, error]) []crm.Transaction {
	ctx := context.Background()
	_, err := db.ExecContext(ctx, fmt.Sprintf(transactionsDDL, table))
	require.NoError(t, err)
	var all []crm.Transaction
	var b strings.Builder
	for tx, err := range txs {
		require.NoError(t, err)
		all = append(all, tx)
		// Tab-separated; no field holds a tab, newline or backslash. \N is NULL.
		items := []byte(`\N`)
		if len(tx.Items) > 0 {
			items, err = json.Marshal(tx.Items)
			require.NoError(t, err)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", tx.ID, tx.CustomerID, tx.Time.UTC().Format("2006-01-02 15:04:05.999999"), tx.Kind, tx.Amount, tx.Currency, items)
	}
	name := "crm-" + table
	mysql.RegisterReaderHandler(name, func() io.Reader { return strings.NewReader(b.String()) })
	defer mysql.DeregisterReaderHandler(name)
	_, err = db.ExecContext(ctx, fmt.Sprintf("LOAD DATA LOCAL INFILE 'Reader::%s' INTO TABLE %s (id, customer_id, at, kind, amount, currency, items)", name, table))
	require.NoError(t, err)
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n))
	require.Equal(t, len(all), n, "rows loaded")
	return all
}

// The summary query computes in MariaDB (or MySQL) what Summarize
// computes from the same transactions: CDNOW, and 100,000 generated
// customers with refunds of every kind, in every period setting.
func TestSummaryQueryMatchesSummarize(t *testing.T) {
	db := server(t, "cdnow", "generated")
	n := 100_000
	if raceEnabled {
		n = 5000
	}
	pushdown.RunSummaries(t, db, crm.MySQL, n, pushdown.SummaryCases(), func(t *testing.T, table string, txs iter.Seq2[crm.Transaction, error]) []crm.Transaction {
		return loadTransactions(t, db, table, txs)
	})
}
