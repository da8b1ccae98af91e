package feedback_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// loadOpen fills a store with n open complaints received over the 30 days
// before t0 through the store directly (intake events).
func loadOpen(b *testing.B, n int, t0 time.Time) *feedback.MemoryStore {
	s := feedback.NewMemoryStore()
	rng := rand.New(rand.NewPCG(1, 1))
	sev := []feedback.Severity{feedback.Low, feedback.Medium, feedback.High, feedback.Critical}
	for i := range n {
		it := feedback.Item{ID: fmt.Sprintf("F%08d", i), CustomerID: "C", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Category: "delivery",
			Severity: sev[rng.IntN(4)], Text: "x", Received: t0.Add(-time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))}
		e := feedback.Event{ItemID: it.ID, Seq: 1, Type: feedback.IntakeEvent, At: it.Received, Owner: "ann", Intake: &it}
		var created feedback.Item
		created.Apply(e)
		if _, err := s.CreateItem(context.Background(), created, e); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkSweep sweeps 1M open items once breaches and escalations are
// recorded (the steady state: a sweep that finds nothing new).
func BenchmarkSweep(b *testing.B) {
	t0 := time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC)
	s := loadOpen(b, 1_000_000, t0)
	d, err := feedback.NewDesk(s, []feedback.Agent{{Name: "ann"}}, &feedback.Options{Calendar: feedback.WeekdayCalendar(time.UTC, 9*60, 17*60),
		SLA:    []feedback.SLAPolicy{{FirstResponse: 4 * time.Hour, Resolution: 40 * time.Hour}},
		Ladder: []feedback.Level{{After: 16 * time.Hour, To: "lead"}}})
	if err != nil {
		b.Fatal(err)
	}
	first, err := d.Sweep(context.Background(), t0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(first.Breaches)), "breaches")
	b.ResetTimer()
	for b.Loop() {
		res, err := d.Sweep(context.Background(), t0)
		if err != nil || len(res.Breaches)+len(res.Escalations) > 0 {
			b.Fatal(err, len(res.Breaches))
		}
	}
}

// BenchmarkTransitions: workflow steps per second on the in-memory store
// (acknowledge, investigate, wait, resume over many items).
func BenchmarkTransitions(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	d, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{{Name: "ann"}}, &feedback.Options{Clock: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	const n = 50_000
	items := make([]feedback.Item, n)
	for i := range items {
		it, _, err := d.Submit(ctx, feedback.Intake{CustomerID: "C", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Text: "x"}, "web")
		if err != nil {
			b.Fatal(err)
		}
		if it, err = d.StepAt(ctx, it, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ann"); err != nil {
			b.Fatal(err)
		}
		if items[i], err = d.StepAt(ctx, it, feedback.Investigate, feedback.Content{}, "ann"); err != nil {
			b.Fatal(err)
		}
	}
	wait, resume := feedback.Content{Note: "photos"}, feedback.Content{Note: "received"}
	b.ResetTimer()
	steps := 0
	for b.Loop() {
		for i := range items {
			var err error
			if items[i], err = d.StepAt(ctx, items[i], feedback.Wait, wait, "ann"); err != nil {
				b.Fatal(err)
			}
			if items[i], err = d.StepAt(ctx, items[i], feedback.Resume, resume, "ann"); err != nil {
				b.Fatal(err)
			}
			steps += 2
		}
	}
	b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
}

// BenchmarkPareto ranks the causes of 1M items by severity impact.
func BenchmarkPareto(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	cats := make([]string, 40)
	for i := range cats {
		cats[i] = fmt.Sprintf("cause-%02d", i)
	}
	sev := []feedback.Severity{feedback.Low, feedback.Medium, feedback.High, feedback.Critical}
	items := make([]feedback.Item, 1_000_000)
	for i := range items {
		items[i] = feedback.Item{Category: cats[int(rng.ExpFloat64()*6)%len(cats)], Severity: sev[rng.IntN(4)]}
	}
	for b.Loop() {
		if rows := feedback.Pareto(items, feedback.ByCategory, feedback.BySeverity); len(rows) == 0 {
			b.Fatal("no rows")
		}
	}
}
