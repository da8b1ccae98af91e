package scoring_test

import (
	"context"
	"fmt"

	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/scoring"
)

func ExampleFitBGNBD() {
	cfg := crmtest.DefaultConfig() // true r = 1, α = 30 days, a = 0.6, b = 6
	cfg.Customers = 5000
	g, _ := crmtest.NewGenerator(cfg)
	sums, err := scoring.Summarize(context.Background(), g.Transactions(), cfg.End, scoring.SummaryOptions{})
	if err != nil {
		panic(err)
	}
	m, err := scoring.FitBGNBD(context.Background(), scoring.Compress(sums), nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("r=%.2f alpha=%.1f a=%.2f b=%.1f\n", m.R, m.Alpha, m.A, m.B)
	for _, s := range sums[:3] {
		fmt.Printf("customer %s: x=%d t_x=%.0f T=%.0f, P(alive)=%.2f, next 90 days: %.2f purchases\n",
			s.CustomerID, s.Frequency, s.Recency, s.T, m.ProbabilityAlive(float64(s.Frequency), s.Recency, s.T),
			m.ConditionalExpectedPurchases(90, float64(s.Frequency), s.Recency, s.T))
	}
	// Output:
	// r=1.01 alpha=31.6 a=0.58 b=6.0
	// customer C0000000: x=4 t_x=14 T=535, P(alive)=0.00, next 90 days: 0.00 purchases
	// customer C0000001: x=1 t_x=4 T=617, P(alive)=0.03, next 90 days: 0.01 purchases
	// customer C0000002: x=8 t_x=547 T=567, P(alive)=0.94, next 90 days: 1.24 purchases
}
