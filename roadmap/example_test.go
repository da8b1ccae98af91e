package roadmap_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/roadmap"
)

func ExampleRoadmap_Validate() {
	c := goodPlan()
	c.Owner = ""
	c.Initiatives[0].Start = time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC) // training in two weeks
	r := roadmap.Roadmap{ID: "acme", Content: c}
	for _, f := range roadmap.Errors(r.Validate(time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC))) {
		fmt.Printf("%s at %s: %s\n", f.Code, f.Path, f.Message)
	}
	// Output:
	// lead_time_short at initiatives[0] "N1".start: the education programme starting 2025-02-01 is planned only 17 days ahead; plan 3–6 months ahead
	// no_owner at owner: the roadmap needs one accountable owner
}

func ExamplePlanner_SignOff() {
	ctx := context.Background()
	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), &roadmap.Options{Clock: func() time.Time { return time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		panic(err)
	}
	r, _ := p.Create(ctx, "acme", goodPlan())
	_, _ = p.Submit(ctx, "acme")
	for _, d := range r.Content.Departments() {
		r, _ = p.SignOff(ctx, "acme", d, "head of "+d)
	}
	fmt.Println("missing:", r.MissingSignOffs())
	c := r.Content
	c.Vision = "A sharper vision"
	r, _ = p.Edit(ctx, "acme", r.Version, c)
	fmt.Println("after a change, missing:", r.MissingSignOffs())
	_, err = p.Approve(ctx, "acme")
	fmt.Println(err)
	// Output:
	// missing: []
	// after a change, missing: [it sales service]
	// roadmap: roadmap "acme": in_review → approved is refused: missing sign-offs of the current revision from it, sales, service
}

func ExampleGaps() {
	gaps, _ := roadmap.Gaps([]roadmap.Metric{
		{Name: "on-time delivery %", Current: 82, Target: 95, Benchmark: new(97.0), Weight: 3},
		{Name: "open complaints", Current: 40, Target: 10, Benchmark: new(5.0), Weight: 1, LowerIsBetter: true},
		{Name: "NPS", Current: 20, Target: 40, Benchmark: new(50.0), Weight: 2},
	})
	for _, g := range gaps {
		fmt.Printf("%-20s shortfall %4.0f%%  score %.2f\n", g.Metric.Name, 100*g.Shortfall, g.Score)
	}
	for _, ph := range roadmap.ProposePhases(gaps, 2) {
		fmt.Println(ph.Name, ph.Priorities)
	}
	// Output:
	// open complaints      shortfall  300%  score 10.00
	// NPS                  shortfall   50%  score 2.20
	// on-time delivery %   shortfall   14%  score 0.87
	// Phase 1 [open complaints NPS]
	// Phase 2 [on-time delivery %]
}

// A charter's promise is checked against the desk's SLA policies that
// keep it: an answer within 2 business hours is more than a 4-hour
// first-response target allows.
func ExampleCharter_Check() {
	desk := &feedback.Options{Tiers: []string{"Platinum"}, SLA: []feedback.SLAPolicy{
		{FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour},
		{Tier: "Platinum", FirstResponse: time.Hour, Resolution: 8 * time.Hour},
	}}
	c := roadmap.Charter{Promises: []roadmap.Promise{
		{ID: "R1", Situation: "a Platinum customer complains", Promise: "an answer within 2 business hours",
			Metric: "performance.first_response_median_hours", Target: 2, LowerIsBetter: true, Within: 2 * time.Hour,
			SLA: &roadmap.SLABinding{Tier: "Platinum", Target: "first_response"}},
		{ID: "R2", Situation: "any customer complains", Promise: "an answer within 2 business hours",
			Metric: "performance.first_response_median_hours", Target: 2, LowerIsBetter: true, Within: 2 * time.Hour,
			SLA: &roadmap.SLABinding{Severity: feedback.Critical, Target: "first_response"}},
	}}
	for _, f := range c.Check(desk, nil, nil) {
		fmt.Println(f.Code, f.Path)
		fmt.Println(" ", f.Message)
	}
	// Output:
	// sla_weaker_than_promise promises[1] "R2".sla
	//   "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for critical items (first_response)
}
