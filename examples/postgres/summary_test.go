package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/examples/internal/pushdown"
	"github.com/crmkit/crm/examples/internal/sqlstore/sqlstoretest"
	"github.com/crmkit/crm/scoring"
)

// transactionsDDL is a transactions table as NewSummaryQuery expects it.
const transactionsDDL = `CREATE TABLE %s (
  id text COLLATE "C" PRIMARY KEY,
  customer_id text COLLATE "C" NOT NULL,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  amount numeric NOT NULL,
  currency text NOT NULL,
  items jsonb -- the line items, NULL when none
)`

// copyTransactions creates table and fills it from the stream with COPY,
// returning the stream's transactions in customer order as stored.
func copyTransactions(t *testing.T, db *sql.DB, table string, txs iter.Seq2[crm.Transaction, error]) []crm.Transaction {
	ctx := context.Background()
	_, err := db.ExecContext(ctx, fmt.Sprintf(transactionsDDL, table))
	require.NoError(t, err)
	var all []crm.Transaction
	for tx, err := range txs {
		require.NoError(t, err)
		all = append(all, tx)
	}
	conn, err := db.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		pg := driverConn.(*stdlib.Conn).Conn()
		_, err := pg.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "customer_id", "at", "kind", "amount", "currency", "items"},
			pgx.CopyFromSlice(len(all), func(i int) ([]any, error) {
				tx := &all[i]
				var items []byte
				if len(tx.Items) > 0 {
					var err error
					if items, err = json.Marshal(tx.Items); err != nil {
						return nil, err
					}
				}
				return []any{tx.ID, tx.CustomerID, tx.Time, string(tx.Kind), tx.Amount.String(), tx.Currency, items}, nil
			}))
		return err
	})
	require.NoError(t, err)
	return all
}

// The summary query computes in PostgreSQL what Summarize computes from
// the same transactions: CDNOW, and 100,000 generated customers with
// refunds of every kind, in every period setting, and in a time zone.
func TestSummaryQueryMatchesSummarize(t *testing.T) {
	db := server(t)
	n := 100_000
	if raceEnabled {
		n = 5000
	}
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	cases := append(pushdown.SummaryCases(), pushdown.SummaryCase{Name: "days in New York", Options: &scoring.SummaryOptions{Location: newYork}},
		pushdown.SummaryCase{Name: "weeks in New York", Options: &scoring.SummaryOptions{Unit: scoring.Week, Location: newYork}})
	pushdown.RunSummaries(t, db, crm.Postgres, n, cases, func(t *testing.T, table string, txs iter.Seq2[crm.Transaction, error]) []crm.Transaction {
		return copyTransactions(t, db, table, txs)
	})
}

// The stores' own transactions table keeps times as Unix nanoseconds in
// bigint; the summary query reads them so (TransactionTable.Nanos), and
// Store.Summaries — what the loop takes as its SummarySource — computes
// what Summarize computes from the store's stream: CDNOW and generated
// customers with refunds, in every period setting and in a time zone.
func TestStoreSummariesMatchSummarize(t *testing.T) {
	ctx := context.Background()
	n := 20_000
	if raceEnabled {
		n = 2000
	}
	newYork, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	cases := append(pushdown.SummaryCases(), pushdown.SummaryCase{Name: "weeks in New York", Options: &scoring.SummaryOptions{Unit: scoring.Week, Location: newYork}})
	generated, end, err := pushdown.Transactions(n)
	require.NoError(t, err)
	for _, data := range []struct {
		name string
		txs  iter.Seq2[crm.Transaction, error]
		asOf time.Time
	}{
		{"CDNOW", datasets.CDNOWMaster(), time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)},
		{"generated", generated, end.AddDate(0, -2, 0).Add(13*time.Hour + 30*time.Minute)},
	} {
		t.Run(data.name, func(t *testing.T) {
			s, err := openStore(t, newSchema(t))
			require.NoError(t, err)
			sqlstoretest.AppendAll(t, s.Store, data.txs)
			for _, c := range cases {
				want, err := scoring.Summarize(ctx, s.Transactions(ctx), data.asOf, c.Options)
				require.NoError(t, err, c.Name)
				got, err := s.Summaries(ctx, data.asOf, c.Options)
				require.NoError(t, err, c.Name)
				pushdown.SameSummaries(t, want, got)
			}
		})
	}
}
