// Command quickstart runs crmkit's CRM loop on a generated retail business
// and prints what it found: the six processes measured over the last
// quarter (portfolio, information, delivery, lifecycle, performance), the
// company's CRM plan with its KPIs measured from the data, the customer
// bill of rights with the promises kept and broken, and the alerts the
// monitor raised.
//
//	go run ./examples/quickstart                   # 10,000 customers
//	go run ./examples/quickstart -customers 2000 -seed 7
//
// Everything lives in the SDK's memory stores. For a million customers,
// SQLite, your own transactions and an HTML report, see examples/scale.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/monitor"
	"github.com/crmkit/crm/roadmap"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	customers := fs.Int("customers", 10_000, "customers of the generated business")
	seed := fs.Uint64("seed", 1, "random seed of the generated business")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *customers <= 0 {
		return fmt.Errorf("-customers must be positive, not %d", *customers)
	}

	// The business: customers signing up during 2024, their purchases and
	// touchpoints on eight channels, in the memory stores.
	cfg := sampledata.DefaultConfig()
	cfg.Customers, cfg.Seed = *customers, *seed
	gen, err := sampledata.NewGenerator(cfg)
	if err != nil {
		return err
	}
	data := crm.NewMemoryStore()
	if err := gen.Load(ctx, data); err != nil {
		return err
	}
	now, then := cfg.End, cfg.End.AddDate(0, -3, 0)

	// What the loop keeps: segmentations to assign, stages, the desk, the
	// plan, results and periods.
	segments := segment.NewMemoryStore()
	for _, def := range []*segment.Segmentation{segment.RFMSegments(), segment.CommunicationGroups(), segment.TierSegments(scoring.DefaultTiers())} {
		if _, err := segments.CreateSegmentation(ctx, *def); err != nil {
			return err
		}
	}
	desk, plans, out := feedback.NewMemoryStore(), roadmap.NewMemoryStore(), cycle.NewMemoryStore()
	if err := startPlan(ctx, plans, then.AddDate(0, -4, 0), now); err != nil {
		return err
	}
	var deskClock time.Time
	deskOptions := sampledata.DeskOptions(&deskClock)
	rights := charter()
	if fs := rights.Check(deskOptions, nil, nil); len(fs) > 0 {
		return fmt.Errorf("the charter: %v", fs)
	}
	loop, err := cycle.New(cycle.Stores{Customers: data, Transactions: data, Touchpoints: data, Segments: segments,
		Lifecycle: lifecycle.NewMemoryStore(), Feedback: desk, Roadmaps: plans, Results: out, Periods: out},
		&cycle.Options{Period: 90 * 24 * time.Hour, Calendar: deskOptions.Calendar, Charter: &rights})
	if err != nil {
		return err
	}
	alerts := monitor.NewMemoryStore()
	mon, err := monitor.New(monitor.Sources{Alerts: alerts, Results: out, Periods: out, Roadmaps: plans, Customers: data}, monitor.StarterRules(), nil)
	if err != nil {
		return err
	}

	// Analyse a quarter ago, work December's complaints on the desk (each
	// customer served by the tier the quarter-ago run gave), analyse now.
	before, err := loop.Run(ctx, then)
	if err != nil {
		return err
	}
	if _, err := mon.Check(ctx, then); err != nil {
		return err
	}
	tier := func(id string) (string, float64) {
		r, _ := out.Result(ctx, id, then)
		return r.Tier, r.CLV.Amount.InexactFloat64()
	}
	if err := sampledata.WorkDesk(ctx, desk, gen.Touchpoints(), now.AddDate(0, -1, 0), now, tier); err != nil {
		return err
	}
	period, err := loop.Run(ctx, now)
	if err != nil {
		return err
	}
	raised, err := mon.Check(ctx, now)
	if err != nil {
		return err
	}

	fmt.Fprintf(w, "crmkit quickstart — a generated retail business of %d customers (seed %d)\n", cfg.Customers, cfg.Seed)
	if err := cycle.WriteReport(w, period, before); err != nil {
		return err
	}
	if err := writePlan(ctx, w, plans, now); err != nil {
		return err
	}
	writeCharter(w, rights, period)
	writeAlerts(w, raised)
	return nil
}

// startPlan agrees and starts the company's CRM plan: each KPI names the
// period metric that measures it, so every run of the loop records it.
func startPlan(ctx context.Context, plans roadmap.Store, planned, deadline time.Time) error {
	kpi := func(name, unit string, base, target float64, metric string, scale float64) *roadmap.KPI {
		return &roadmap.KPI{Name: name, Unit: unit, Baseline: base, Target: target, Deadline: deadline, Weight: 1, Metric: metric, Scale: scale}
	}
	plan := roadmap.Content{Account: "every customer", Owner: "Ana Ruiz",
		Vision: "customers stay because we know them, and tell their friends",
		Team: []roadmap.Member{{Name: "Ana Ruiz", Department: "marketing", Role: "CRM lead"},
			{Name: "Tom Berg", Department: "service", Role: "head of service"}, {Name: "Ines Kahn", Department: "finance", Role: "controller"}},
		ExternalGoals: []roadmap.ExternalGoal{{ID: "E1", Situation: "something goes wrong", Promise: "we put it right the same day",
			Commitment: kpi("complaints answered in time", "%", 70, 95, cycle.MetricSLAAttainment, 100)}},
		InternalGoals: []roadmap.InternalGoal{
			{ID: "I1", Perspective: roadmap.Financial, FinancialLink: "active buyers are next year's revenue",
				KPI: kpi("buyers probably still active", "%", 55, 65, cycle.MetricActiveShare, 100)},
			{ID: "I2", Perspective: roadmap.CustomerView, FinancialLink: "advocates bring customers at no cost",
				KPI: kpi("advocates", "customers", 0, 100, cycle.MetricAdvocates, 1)},
			{ID: "I3", Perspective: roadmap.InternalProcess, FinancialLink: "customers who come back cost nothing to win",
				KPI: kpi("quarterly retention", "%", 60, 75, cycle.MetricRetention, 100)},
			{ID: "I4", Perspective: roadmap.LearningGrowth, FinancialLink: "trained phone agents keep callers",
				KPI: kpi("phone experience index", "points", 40, 60, cycle.MetricExperience, 1)}},
	}
	plan.InternalGoals[3].KPI.Cut = cycle.Cut("channel", "phone")
	p, err := roadmap.NewPlanner(plans, &roadmap.Options{Clock: func() time.Time { return planned }})
	if err != nil {
		return err
	}
	if _, err := p.Create(ctx, "crm-plan", plan); err != nil {
		return err
	}
	if _, err := p.Submit(ctx, "crm-plan"); err != nil {
		return err
	}
	for _, m := range plan.Team {
		if _, err := p.SignOff(ctx, "crm-plan", m.Department, m.Name); err != nil {
			return err
		}
	}
	if _, err := p.Approve(ctx, "crm-plan"); err != nil {
		return err
	}
	_, err = p.Activate(ctx, "crm-plan")
	return err
}

// charter is the customer bill of rights, each promise bound to the
// desk's SLA targets that keep it.
func charter() roadmap.Charter {
	return roadmap.Charter{Promises: []roadmap.Promise{
		{ID: "answer", Situation: "a complaint comes in", Promise: "a person answers within 8 business hours",
			Metric: cycle.MetricFirstResponseHours, Target: 8, LowerIsBetter: true, Within: 8 * time.Hour,
			SLA: &roadmap.SLABinding{Target: "first_response"}},
		{ID: "resolve", Situation: "a complaint comes in", Promise: "resolved within 30 business hours",
			Metric: cycle.MetricResolutionHours, Target: 30, LowerIsBetter: true, Within: 30 * time.Hour,
			SLA: &roadmap.SLABinding{Target: "resolution"}},
		{ID: "in-time", Situation: "a complaint comes in", Promise: "nine complaints in ten handled within every service level",
			Metric: cycle.MetricSLAAttainment, Target: 0.9, Within: 30 * time.Hour, SLA: &roadmap.SLABinding{Target: "resolution"}},
	}}
}

func writePlan(ctx context.Context, w io.Writer, plans roadmap.Store, now time.Time) error {
	r, err := plans.Roadmap(ctx, "crm-plan")
	if err != nil {
		return err
	}
	h, err := r.Assess(now)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== plan %q (%s), owner %s: health %s (%.0f/100), KPIs measured from the periods\n", r.ID, r.Status, r.Content.Owner, h.Score.Band, h.Score.Total)
	names := map[string]string{}
	for _, g := range r.Content.ExternalGoals {
		names[g.ID] = g.Commitment.Name
	}
	for _, g := range r.Content.InternalGoals {
		names[g.ID] = g.KPI.Name
	}
	for _, k := range h.KPIs {
		fmt.Fprintf(w, "%-3s %-34s latest %10.1f  %3.0f%% of the way  on track %t\n", k.Goal, names[k.Goal], k.Latest, 100*k.Progress, k.OnTrack)
	}
	return nil
}

func writeCharter(w io.Writer, c roadmap.Charter, p *cycle.Period) {
	broken, _ := p.Value(cycle.MetricBrokenPromises, "")
	fmt.Fprintf(w, "\n== customer bill of rights: %.0f of %d promises broken this period\n", broken, len(c.Promises))
	for _, pr := range c.Promises {
		kept, measured := p.Value(cycle.MetricPromiseKept, cycle.Cut("promise", pr.ID))
		v, _ := p.Value(pr.Metric, pr.Cut)
		state := map[bool]string{true: "kept", false: "BROKEN"}[kept == 1]
		if !measured {
			state = "not measured"
		}
		fmt.Fprintf(w, "%-7s %-58s %-12s (%s = %.3g)\n", pr.ID, pr.Promise, state, pr.Metric, v)
	}
}

func writeAlerts(w io.Writer, raised []monitor.Alert) {
	fmt.Fprintf(w, "\n== alerts raised now: %d\n", len(raised))
	byRule := map[string][]monitor.Alert{}
	var order []string
	for _, a := range raised {
		if len(byRule[a.Rule]) == 0 {
			order = append(order, a.Rule)
		}
		byRule[a.Rule] = append(byRule[a.Rule], a)
	}
	for _, rule := range order {
		as := byRule[rule]
		fmt.Fprintf(w, "%-28s %4d  %-8s e.g. %s → %v\n", rule, len(as), as[0].Severity, as[0].Message, as[0].To)
	}
}
