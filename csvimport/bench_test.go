package csvimport_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
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

// BenchmarkReadAndSummarize is the "read + summarise, streaming"
// row: a file of customer, day and amount (refunds negative) of 100k
// generated customers summarised as it is read, keeping no transaction
// (ns/row): by a TransactionReader straight into scoring.Summarize, and
// by csvimport.Summarize, which gives the same summaries.
func BenchmarkReadAndSummarize(b *testing.B) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 100_000
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	buf.WriteString("customer_id,date,amount\n")
	rows := 0
	for tx, _ := range g.Transactions() {
		sign := ""
		if tx.Kind == crm.Refund {
			sign = "-"
		}
		fmt.Fprintf(&buf, "%s,%s,%s%s\n", tx.CustomerID, tx.Time.Format("2006-01-02"), sign, tx.Amount)
		rows++
	}
	m := csvimport.TransactionMapping{Format: csvimport.Format{Header: true, TimeLayouts: []string{"2006-01-02"}},
		Columns:  csvimport.TransactionColumns{CustomerID: csvimport.ColumnNamed("customer_id"), Time: csvimport.ColumnNamed("date"), Amount: csvimport.ColumnNamed("amount")},
		Currency: "USD", NegativeRefunds: true}
	for _, c := range []struct {
		name string
		run  func() ([]scoring.Summary, error)
	}{
		{"reader into Summarize", func() ([]scoring.Summary, error) {
			tr := csvimport.NewTransactionReader(bytes.NewReader(buf.Bytes()), m)
			return scoring.Summarize(context.Background(), tr.All(), cfg.End, nil)
		}},
		{"csvimport.Summarize", func() ([]scoring.Summary, error) {
			return csvimport.Summarize(context.Background(), bytes.NewReader(buf.Bytes()), m, cfg.End, nil)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				sums, err := c.run()
				if err != nil {
					b.Fatal(err)
				}
				if len(sums) < cfg.Customers/2 {
					b.Fatalf("%d summaries of %d customers", len(sums), cfg.Customers)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
