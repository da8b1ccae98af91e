package cycle_test

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// generated streams a generated business straight from the generator, as
// a host's database would stream it: nothing of it is held.
type generated struct{ g *sampledata.Generator }

func (s generated) Customers(ctx context.Context) iter.Seq2[crm.Customer, error] {
	return crm.WithContext(ctx, s.g.Customers())
}

func (s generated) Transactions(ctx context.Context) iter.Seq2[crm.Transaction, error] {
	return crm.WithContext(ctx, s.g.Transactions())
}

func (s generated) Touchpoints(ctx context.Context) iter.Seq2[crm.Touchpoint, error] {
	return crm.WithContext(ctx, s.g.Touchpoints())
}

// BenchmarkLoop runs the loop at the generated business's end over 100k
// and 1M customers (about ten purchases and a dozen touchpoints each),
// streamed from the generator, with the three standard segmentations,
// into memory stores. Each iteration is a fresh run (new stores). Peak
// memory is the process's, measured outside (BENCHMARKS.md).
func BenchmarkLoop(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			ctx := context.Background()
			cfg := sampledata.DefaultConfig()
			cfg.Customers = n
			gen, err := sampledata.NewGenerator(cfg)
			if err != nil {
				b.Fatal(err)
			}
			src := generated{gen}
			var p *cycle.Period
			for b.Loop() {
				segs, out := segment.NewMemoryStore(), cycle.NewMemoryStore()
				for _, def := range []*segment.Segmentation{segment.RFMSegments(), segment.CommunicationGroups(), segment.TierSegments(scoring.DefaultTiers())} {
					if _, err := segs.CreateSegmentation(ctx, *def); err != nil {
						b.Fatal(err)
					}
				}
				loop, err := cycle.New(cycle.Stores{Customers: src, Transactions: src, Touchpoints: src, Segments: segs,
					Lifecycle: lifecycle.NewMemoryStore(), Feedback: feedback.NewMemoryStore(), Results: out, Periods: out}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if p, err = loop.Run(ctx, cfg.End); err != nil {
					b.Fatal(err)
				}
			}
			v, _ := p.Value(cycle.MetricCustomers, "")
			b.ReportMetric(v, "customers")
		})
	}
}
