package scoring_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

func generated(b *testing.B, customers int) []crm.Transaction {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = customers
	cfg.ProspectShare = 0
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var txs []crm.Transaction
	for tx, _ := range g.Transactions() {
		txs = append(txs, tx)
	}
	return txs
}

// BenchmarkSummarize: about 1.1M transactions of 100k customers.
func BenchmarkSummarize(b *testing.B) {
	txs := generated(b, 100_000)
	asOf := sampledata.DefaultConfig().End
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scoring.Summarize(context.Background(), seq(txs...), asOf, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(txs)), "tx")
}

// BenchmarkFitBGNBDCDNOW fits the CDNOW summary (2,357 customers).
func BenchmarkFitBGNBDCDNOW(b *testing.B) {
	rows := cdnowRowsB(b)
	for b.Loop() {
		if _, err := scoring.FitBGNBD(context.Background(), rows, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows)), "rows")
}

// BenchmarkFitBGNBDGenerated fits 100k generated customers, daily
// periods, counted whole: Compress (summaries to distinct rows) and the
// fit; the sub-benchmarks time each.
func BenchmarkFitBGNBDGenerated(b *testing.B) {
	sums := benchSummaries(b)
	rows := scoring.Compress(sums)
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitBGNBD(context.Background(), scoring.Compress(sums), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows)), "rows")
	})
	b.Run("compress", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			scoring.Compress(sums)
		}
	})
	b.Run("fit", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitBGNBD(context.Background(), rows, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFitGammaGamma fits spend of 100k generated customers (the repeat
// buyers among them), counted whole: SpendRows and the fit; the
// sub-benchmarks time each.
func BenchmarkFitGammaGamma(b *testing.B) {
	sums := benchSummaries(b)
	rows := scoring.SpendRows(sums)
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitGammaGamma(context.Background(), scoring.SpendRows(sums), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(rows)), "rows")
	})
	b.Run("spendrows", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			scoring.SpendRows(sums)
		}
	})
	b.Run("fit", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitGammaGamma(context.Background(), rows, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCustomerValues: 12-month CLV of 100k generated customers from a
// BG/NBD and a Gamma-Gamma model, on all processors.
func BenchmarkCustomerValues(b *testing.B) {
	sums := benchSummaries(b)
	purchases, err := scoring.FitBGNBD(context.Background(), scoring.Compress(sums), nil)
	if err != nil {
		b.Fatal(err)
	}
	spend, err := scoring.FitGammaGamma(context.Background(), scoring.SpendRows(sums), nil)
	if err != nil {
		b.Fatal(err)
	}
	opt := scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01, UnitsPerMonth: scoring.DaysPerMonth}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scoring.CustomerValues(context.Background(), purchases, spend, sums, &opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredict: P(alive) and expected purchases over 90 days for 100k
// generated customers in one call (Predict, on all processors), against
// the same one customer at a time through the model's methods.
func BenchmarkPredict(b *testing.B) {
	sums := benchSummaries(b)
	m, err := scoring.FitBGNBD(context.Background(), scoring.Compress(sums), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("batch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := scoring.Predict(context.Background(), m, sums, 90); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("alive batch", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.Predict(context.Background(), m, sums, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("alive columns", func(b *testing.B) {
		x, tx, T := scoring.SummaryColumns(sums)
		out := make([]float64, len(sums))
		for b.Loop() {
			if err := m.AliveColumns(context.Background(), x, tx, T, out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("alive one by one", func(b *testing.B) {
		sink := 0.0
		for b.Loop() {
			for i := range sums {
				sink += m.ProbabilityAlive(float64(sums[i].Frequency), sums[i].Recency, sums[i].T)
			}
		}
		_ = sink
	})
}

// BenchmarkFitOthers fits the other purchase models on the CDNOW
// summary and BG/BB on the donations data.
func BenchmarkFitOthers(b *testing.B) {
	ctx := context.Background()
	rows := cdnowRowsB(b)
	donations := donationRows(b)
	b.Run("MBGNBD-CDNOW", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitMBGNBD(ctx, rows, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParetoNBD-CDNOW", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitParetoNBD(ctx, rows, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BGBB-donations", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.FitBGBB(ctx, donations, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRFM scores 100k generated customers.
func BenchmarkRFM(b *testing.B) {
	sums := benchSummaries(b)
	for b.Loop() {
		if _, _, err := scoring.RFM(sums, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSummaries summarises 100k generated customers with daily periods.
func benchSummaries(b *testing.B) []scoring.Summary {
	sums, _ := generatedSummaries(b, 100_000)
	return sums
}

// BenchmarkScorecard scores 1M records on six criteria (every kind of
// normalisation, one value in 20 missing and re-weighted).
func BenchmarkScorecard(b *testing.B) {
	sc, err := sixCriteria().Compile()
	if err != nil {
		b.Fatal(err)
	}
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(1, 1))
	values := make([]float64, 6*n)
	for i := range values {
		values[i] = rng.Float64() * 50
		if rng.IntN(20) == 0 {
			values[i] = math.NaN()
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < n; i++ {
			if _, err := sc.Score(values[6*i : 6*i+6]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(n, "records")
}

// BenchmarkTiers assigns the default pyramid to 1M customers with
// long-tailed values (some ties).
func BenchmarkTiers(b *testing.B) {
	const n = 1_000_000
	ids := make([]string, n)
	values := make([]float64, n)
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range ids {
		ids[i] = fmt.Sprintf("C%07d", i)
		values[i] = math.Round(math.Exp(rng.NormFloat64()*2)*100) / 100
	}
	for b.Loop() {
		if _, err := scoring.AssignTiers(ids, values, scoring.DefaultTiers()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssociations mines the baskets of 100k generated customers
// (about a million purchases of ~3 items from 2,000 products) at 0.1%
// minimum support, itemsets up to 3.
func BenchmarkAssociations(b *testing.B) {
	g, err := sampledata.NewGenerator(func() sampledata.Config { c := sampledata.DefaultConfig(); c.Customers = 100_000; return c }())
	if err != nil {
		b.Fatal(err)
	}
	baskets, err := scoring.TransactionBaskets(context.Background(), g.Transactions())
	if err != nil {
		b.Fatal(err)
	}
	items := 0
	for _, bk := range baskets {
		items += len(bk)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	var a *scoring.Affinity
	for b.Loop() {
		if a, err = scoring.MineAssociations(context.Background(), baskets, &scoring.AffinityOptions{MinSupport: 0.001, MaxSize: 3}); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(len(baskets)), "baskets")
	b.ReportMetric(float64(items)/float64(len(baskets)), "items/basket")
	b.ReportMetric(float64(len(a.Rules)), "rules")
	b.ReportMetric(float64(after.HeapSys)/(1<<20), "MiB-heap-sys")
}
