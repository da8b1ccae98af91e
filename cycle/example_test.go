package cycle_test

import (
	"context"
	"fmt"
	"log"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/segment"
)

// A host runs the loop over its own stores — here the memory stores,
// filled with a generated business — and reads the period's metrics and
// each customer's result back.
func Example() {
	ctx := context.Background()
	data, segments, out := crm.NewMemoryStore(), segment.NewMemoryStore(), cycle.NewMemoryStore()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 500
	gen, _ := sampledata.NewGenerator(cfg)
	if err := gen.Load(ctx, data); err != nil {
		log.Fatal(err)
	}
	segments.CreateSegmentation(ctx, *segment.RFMSegments())

	loop, err := cycle.New(cycle.Stores{Customers: data, Transactions: data, Touchpoints: data, Segments: segments,
		Lifecycle: lifecycle.NewMemoryStore(), Feedback: feedback.NewMemoryStore(), Results: out, Periods: out}, nil)
	if err != nil {
		log.Fatal(err)
	}
	period, err := loop.Run(ctx, cfg.End)
	if err != nil {
		log.Fatal(err)
	}
	buyers, _ := period.Value(cycle.MetricBuyers, "")
	champions, _ := period.Value(cycle.MetricSegmentSize, cycle.Cut("segmentation", "rfm", "segment", "Champions"))
	r, _ := out.Result(ctx, sampledata.CustomerID(1), cfg.End)
	fmt.Printf("%.0f buyers, %.0f champions\n", buyers, champions)
	fmt.Printf("%s: %s, %s tier, CLV %s %s, P(alive) %.2f\n", r.CustomerID, r.Stage, r.Tier, r.CLV.Amount.StringFixed(2), r.CLV.Currency, r.PAlive)
	// Output:
	// 454 buyers, 101 champions
	// C0000001: lapsed, Lead tier, CLV 2.00 USD, P(alive) 0.03
}
