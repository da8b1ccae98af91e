package campaign_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/lifecycle"
)

// BenchmarkRun decides the contacts of 1M customers — a tenth held out,
// the rest rendered and written to an empty memory contact log.
func BenchmarkRun(b *testing.B) {
	const n = 1_000_000
	all := make([]campaign.Target, n)
	for i := range all {
		all[i] = campaign.Target{Customer: crm.Customer{ID: fmt.Sprintf("C%07d", i), Name: "Ana"}, Stage: lifecycle.RepeatBuyer,
			Data: map[string]any{"offer": "10% off shoes"}}
	}
	ctx := context.Background()
	for b.Loop() {
		m, err := campaign.NewManager(campaign.NewMemoryStore(), campaign.NewMemoryCampaigns(), plays(), nil)
		if err != nil {
			b.Fatal(err)
		}
		c := spring("big", campaign.Sales, 0.1)
		c.Budget = crm.Money{}
		for _, step := range []func() error{
			func() error { _, err := m.Create(ctx, c); return err },
			func() error { _, err := m.Approve(ctx, "big"); return err },
			func() error { _, err := m.Start(ctx, "big"); return err },
		} {
			if err := step(); err != nil {
				b.Fatal(err)
			}
		}
		tally, err := m.Run(ctx, "big", march, targets(all...))
		if err != nil {
			b.Fatal(err)
		}
		if tally.Sent < n*8/10 {
			b.Fatalf("sent %d", tally.Sent)
		}
	}
}
