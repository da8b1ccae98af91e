package sampledata_test

import (
	"testing"

	"github.com/crmkit/crm/sampledata"
)

// BenchmarkGenerate measures generation throughput in transactions per
// second for 100,000 customers (about a million transactions).
func BenchmarkGenerate(b *testing.B) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 100_000
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	rows := 0
	for b.Loop() {
		rows = 0
		for a := range g.Accounts() {
			rows += len(a.Transactions)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(rows), "tx/op")
}
