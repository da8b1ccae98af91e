package sqlitestore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/sqlitestore"
)

func benchTransactions(n int) []crm.Transaction {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]crm.Transaction, n)
	for i := range out {
		out[i] = crm.Transaction{ID: fmt.Sprintf("t%07d", i), CustomerID: fmt.Sprintf("c%05d", i%10_000), Time: t0.Add(time.Duration(i) * time.Minute),
			Amount: decimal.New(int64(1000+i%5000), -2), Currency: "EUR", Kind: crm.Purchase, Channel: crm.ChannelWeb}
	}
	return out
}

// BenchmarkAppendTransactions: 100k transactions in batches of 10k.
func BenchmarkAppendTransactions(b *testing.B) {
	txs := benchTransactions(100_000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
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

// BenchmarkStreamTransactions: stream 100k transactions by customer.
func BenchmarkStreamTransactions(b *testing.B) {
	txs := benchTransactions(100_000)
	ctx := context.Background()
	s, err := sqlitestore.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
