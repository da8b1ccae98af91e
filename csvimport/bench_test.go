package csvimport_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/sampledata"
)

// BenchmarkImportTransactions measures CSV import throughput (rows/s) of
// 100,000 generated rows into a MemoryStore, in one atomic batch and in
// batches of 10,000.
func BenchmarkImportTransactions(b *testing.B) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 10_000
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("id,customer,time,amount,currency,channel\n")
	rows := 0
	for tx, _ := range g.Transactions() {
		fmt.Fprintf(&buf, "%s,%s,%s,%s,%s,%s\n", tx.ID, tx.CustomerID, tx.Time.Format("2006-01-02T15:04:05Z07:00"), tx.Amount, tx.Currency, tx.Channel)
		rows++
	}
	m := csvimport.TransactionMapping{Format: csvimport.Format{Header: true},
		Columns: csvimport.TransactionColumns{ID: csvimport.ColumnNamed("id"), CustomerID: csvimport.ColumnNamed("customer"), Time: csvimport.ColumnNamed("time"),
			Amount: csvimport.ColumnNamed("amount"), Currency: csvimport.ColumnNamed("currency"), Channel: csvimport.ColumnNamed("channel")}}
	for _, batch := range []int{0, 10_000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s := crm.NewMemoryStore()
				if _, err := csvimport.Transactions(context.Background(), s, bytes.NewReader(buf.Bytes()), m, &csvimport.Options{BatchSize: batch}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
