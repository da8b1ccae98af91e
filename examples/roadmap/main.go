// Command roadmap builds a customer roadmap for a key account, shows what
// validation finds, fixes it, walks the plan through departmental sign-off
// to active, records progress, and writes the Markdown report, a Mermaid
// Gantt chart and an iCalendar file of initiatives and milestones.
//
//	go run ./examples/roadmap [-out DIR]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/roadmap"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "roadmap:", err)
		os.Exit(1)
	}
}

func eur(s string) crm.Money { return crm.Money{Amount: decimal.RequireFromString(s), Currency: "EUR"} }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// firstDraft is the plan as the account lead first writes it, with the
// mistakes plans usually have.
func firstDraft() roadmap.Content {
	return roadmap.Content{
		Account: "Nordwind Freight GmbH",
		Vision:  "Nordwind runs its European network on our fleet services because we make its own customers happier",
		Owner:   "", // forgotten
		Team: []roadmap.Member{
			{Name: "Lena Vogt", Department: "sales", Role: "key account manager"},
			{Name: "Piet de Boer", Department: "service", Role: "service lead"},
			{Name: "Mara Costa", Department: "finance", Role: "controller"},
		},
		ExternalGoals: []roadmap.ExternalGoal{
			{ID: "E1", Situation: "a truck breaks down", Promise: "a replacement vehicle within 4 hours, anywhere in the network",
				Commitment: &roadmap.KPI{Name: "replacements within 4 h", Unit: "%", Baseline: 71, Target: 95, Deadline: date(2026, 3, 31), Weight: 3}},
			{ID: "E2", Situation: "an invoice is wrong", Promise: "corrected within two working days, no questions asked"}, // no KPI yet
		},
		InternalGoals: []roadmap.InternalGoal{
			{ID: "I1", Perspective: roadmap.Financial, FinancialLink: "fleet share drives recurring revenue",
				KPI: &roadmap.KPI{Name: "share of Nordwind's fleet", Unit: "%", Baseline: 35, Target: 50, Deadline: date(2026, 12, 31), Weight: 3}},
			{ID: "I2", Perspective: roadmap.LearningGrowth, FinancialLink: "trained dispatchers cut breakdown costs",
				KPI: &roadmap.KPI{Name: "dispatchers certified", Unit: "people", Baseline: 4, Target: 20, Deadline: date(2025, 12, 31), Weight: 1}},
		},
		Initiatives: []roadmap.Initiative{
			{ID: "N1", Name: "Roadside response network", Kind: roadmap.Process, Owner: "Piet de Boer", Departments: []string{"service", "operations"},
				Start: date(2025, 3, 1), End: date(2025, 12, 31), Budget: eur("180000"), FiscalYear: 2025},
			{ID: "N2", Name: "Dispatcher academy", Kind: roadmap.Education, Owner: "", Departments: []string{"service"},
				Start: date(2025, 3, 1), End: date(2025, 6, 30), Budget: eur("40000"), FiscalYear: 2025},
			{ID: "N3", Name: "Partner newsletter", Kind: roadmap.Communication, Owner: "Lena Vogt", Departments: []string{"marketing"},
				Start: date(2025, 6, 1), End: date(2025, 12, 31), Budget: eur("15000"), FiscalYear: 2025},
		},
		Phases: []roadmap.Phase{
			{Name: "Stabilise", Start: date(2025, 3, 1), End: date(2025, 8, 31), Priorities: []string{"E1", "N1", "N2", "I2"}},
			{Name: "Grow", Start: date(2025, 9, 1), End: date(2026, 12, 31), Priorities: []string{"I1", "N3"}},
		},
		Budgets: []roadmap.YearBudget{{FiscalYear: 2025, Amount: eur("200000")}},
	}
}

// fix repairs what validation found.
func fix(c roadmap.Content) roadmap.Content {
	c.Owner = "Lena Vogt"
	c.ExternalGoals[1].Commitment = &roadmap.KPI{Name: "invoice corrections within 2 days", Unit: "%", Baseline: 60, Target: 98, Deadline: date(2025, 9, 30), Weight: 2}
	c.Initiatives[1].Owner = "Piet de Boer"
	c.Initiatives[1].Start, c.Initiatives[1].End = date(2025, 5, 1), date(2025, 8, 31) // three months ahead
	c.Initiatives[0].Budget = eur("140000")
	c.Phases[0].Priorities = []string{"E1", "N1", "N2"}
	c.Phases[1].Priorities = []string{"I1", "I2", "N3"}
	// The balanced scorecard needs the customer and internal-process
	// perspectives too.
	c.InternalGoals = append(c.InternalGoals,
		roadmap.InternalGoal{ID: "I3", Perspective: roadmap.CustomerView, FinancialLink: "a fleet that runs renews its contract",
			KPI: &roadmap.KPI{Name: "contract renewal intent", Unit: "%", Baseline: 60, Target: 85, Deadline: date(2026, 6, 30), Weight: 1}},
		roadmap.InternalGoal{ID: "I4", Perspective: roadmap.InternalProcess, FinancialLink: "fewer breakdowns, fewer replacement costs",
			KPI: &roadmap.KPI{Name: "breakdowns per 100 trucks a month", Unit: "breakdowns", Baseline: 9, Target: 5, Deadline: date(2026, 6, 30), Weight: 1, LowerIsBetter: true}})
	return c
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("roadmap", flag.ContinueOnError)
	out := fs.String("out", "", "directory for the exports (default: a new temporary directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := date(2025, 1, 31)
	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), &roadmap.Options{Clock: func() time.Time { return now }})
	if err != nil {
		return err
	}
	r, err := p.Create(ctx, "nordwind", firstDraft())
	if err != nil {
		return err
	}
	show := func(title string, fs []roadmap.Finding) {
		fmt.Fprintf(w, "%s: %d findings\n", title, len(fs))
		for _, f := range fs {
			fmt.Fprintf(w, "  %-7s %-20s %s\n", f.Severity, f.Code, f.Message)
		}
	}
	show("first draft", r.Validate(now))
	if r, err = p.Edit(ctx, r.ID, r.Version, fix(r.Content)); err != nil {
		return err
	}
	show("after fixes", r.Validate(now))

	if _, err = p.Submit(ctx, r.ID); err != nil {
		return err
	}
	for _, d := range r.Content.Departments() {
		if r, err = p.SignOff(ctx, r.ID, d, "head of "+d); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "signed off by %v on revision %.12s\n", r.Content.Departments(), r.Content.Revision())
	if _, err = p.Approve(ctx, r.ID); err != nil {
		return err
	}
	if r, err = p.Activate(ctx, r.ID); err != nil {
		return err
	}
	fmt.Fprintln(w, "status:", r.Status)

	// Half a year on: measurements and spend.
	now = date(2025, 8, 1)
	if r, err = p.Record(ctx, r.ID,
		roadmap.Measurement{Goal: "E1", At: date(2025, 4, 1), Value: 78}, roadmap.Measurement{Goal: "E1", At: date(2025, 7, 1), Value: 86},
		roadmap.Measurement{Goal: "E2", At: date(2025, 7, 1), Value: 90},
		roadmap.Measurement{Goal: "I1", At: date(2025, 4, 1), Value: 36}, roadmap.Measurement{Goal: "I1", At: date(2025, 7, 1), Value: 38},
		roadmap.Measurement{Goal: "I2", At: date(2025, 7, 1), Value: 12}); err != nil {
		return err
	}
	if r, err = p.Report(ctx, r.ID, roadmap.Progress{Initiative: "N1", Status: "running", Spent: eur("80000")}); err != nil {
		return err
	}
	h, err := r.Assess(now)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "health on %s: %s (%.0f/100), FY2025 budget burn %.0f%%\n", now.Format("2006-01-02"), h.Score.Band, h.Score.Total, 100*h.Burn[2025])
	for _, k := range h.KPIs {
		fmt.Fprintf(w, "  %-3s latest %5g  progress %3.0f%%  forecast %6.1f  on track %v\n", k.Goal, k.Latest, 100*k.Progress, k.Forecast, k.OnTrack)
	}

	dir := *out
	if dir == "" {
		if dir, err = os.MkdirTemp("", "roadmap-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, text := range map[string]string{"roadmap.md": r.Markdown(now), "gantt.mmd": r.Gantt(), "roadmap.ics": r.ICalendar(now)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "wrote roadmap.md, gantt.mmd and roadmap.ics to %s\n", dir)
	return nil
}
