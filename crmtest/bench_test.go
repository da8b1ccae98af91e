package crmtest_test

import (
	"testing"

	"github.com/crmkit/crm/crmtest"
)

// BenchmarkGenerate measures generation throughput in transactions per
// second for 100,000 customers (about a million transactions).
func BenchmarkGenerate(b *testing.B) {
	cfg := crmtest.DefaultConfig()
	cfg.Customers = 100_000
	g, err := crmtest.NewGenerator(cfg)
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
