package datasets_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/scoring"
)

// Summarise the CDNOW sample to the end of its 39-week calibration period,
// in weeks, and fit the purchase model: the published parameters.
func ExampleCDNOWSample() {
	ctx := context.Background()
	asOf := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	sums, err := scoring.Summarize(ctx, datasets.CDNOWSample(), asOf, &scoring.SummaryOptions{Scale: 7})
	if err != nil {
		panic(err)
	}
	m, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d customers: r=%.4f alpha=%.4f a=%.4f b=%.4f\n", len(sums), m.R, m.Alpha, m.A, m.B)
	// Output:
	// 2357 customers: r=0.2426 alpha=4.4136 a=0.7929 b=2.4259
}

// Fit the BG/BB model of discrete-time repeat behaviour on the donors.
func ExampleDonations() {
	rows, err := datasets.Donations()
	if err != nil {
		panic(err)
	}
	m, err := scoring.FitBGBB(context.Background(), rows, nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("alpha=%.3f beta=%.3f gamma=%.3f delta=%.3f\n", m.Alpha, m.Beta, m.Gamma, m.Delta)
	fmt.Printf("P(alive) after 6 of 6 years given: %.2f\n", m.ProbabilityAlive(6, 6, 6))
	// Output:
	// alpha=1.204 beta=0.750 gamma=0.657 delta=2.783
	// P(alive) after 6 of 6 years given: 0.93
}
