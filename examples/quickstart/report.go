package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/roadmap"
)

// writeText prints the report: the loop's six processes in order.
func writeText(w io.Writer, r *result) {
	now, then := r.now, r.then
	cur := now.currency
	pct := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return 100 * a / b
	}
	fmt.Fprintf(w, "crmkit quickstart — %s\nas of %s (changes against %s)\n", r.source, now.asOf.Format("2006-01-02"), then.asOf.Format("2006-01-02"))

	section(w, "1 Portfolio")
	fmt.Fprintf(w, "customers     %9d  (%d bought at least once, %d prospects)\n", now.customers, now.buyers, now.customers-now.buyers)
	fmt.Fprintf(w, "purchases     %9d  (%.1f per buyer)\n", now.purchases, float64(now.purchases)/float64(now.buyers))
	fmt.Fprintf(w, "revenue       %12s %s\n", now.revenue.StringFixed(2), cur)

	section(w, "2 Summaries and RFM")
	fmt.Fprintf(w, "RFM cut points (quantiles; days since last purchase, purchases, spend):\n")
	fmt.Fprintf(w, "  recency %s\n  frequency %s\n  monetary %s\n", floats(now.cuts.Recency, 0), floats(now.cuts.Frequency, 0), floats(now.cuts.Monetary, 0))
	fmt.Fprintf(w, "%-20s %8s %8s %8s\n", "RFM segment", "now", "share", "quarter")
	rfm := now.segments["rfm"]
	for _, name := range r.segOrder["rfm"] {
		fmt.Fprintf(w, "%-20s %8d %7.1f%% %+8d\n", name, rfm.Counts[name], pct(float64(rfm.Counts[name]), float64(rfm.Total)), rfm.Counts[name]-then.segments["rfm"].Counts[name])
	}
	entered := map[string]int{}
	for _, c := range r.rfmDiff {
		for _, s := range c.Entered {
			entered[s]++
		}
	}
	fmt.Fprintf(w, "%d customers changed RFM segment this quarter; %d became Champions, %d slipped to At Risk\n", len(r.rfmDiff), entered["Champions"], entered["At Risk"])

	section(w, "3 Purchase and spend models, lifetime value")
	m, g := now.model, now.spend
	fmt.Fprintf(w, "BG/NBD (time in days): r = %.3f ± %.3f, α = %.2f ± %.2f, a = %.3f ± %.3f, b = %.3f ± %.3f\n",
		m.R, m.StdErr[0], m.Alpha, m.StdErr[1], m.A, m.StdErr[2], m.B, m.StdErr[3])
	if now.penalized {
		fmt.Fprintf(w, "  (the data show no drop-out, so the fit uses a penalizer of 0.01 to keep the parameters finite)\n")
	}
	fmt.Fprintf(w, "Gamma-Gamma: p = %.2f, q = %.2f, γ = %.1f; mean spend per purchase %.2f %s\n", g.P, g.Q, g.Gamma, g.MeanSpend(), cur)
	alive, expected, clv := 0, 0.0, 0.0
	for _, v := range now.values {
		if v.Alive > 0.5 {
			alive++
		}
		expected += v.Purchases
		clv += v.CLV.Amount.InexactFloat64()
	}
	fmt.Fprintf(w, "probably active (P(alive) > 0.5): %d of %d buyers (%.1f%%)\n", alive, len(now.values), pct(float64(alive), float64(len(now.values))))
	fmt.Fprintf(w, "next 12 months: %.0f purchases expected, customer value %.0f %s (discounted 1%%/month)\n", expected, clv, cur)

	section(w, "4 Value tiers (by 12-month CLV)")
	fmt.Fprintf(w, "%-9s %9s %8s %14s %8s  %s\n", "tier", "customers", "share", "CLV", "of value", "strategy")
	for _, t := range now.tiers.Reports {
		strategy, _, _ := strings.Cut(t.Tier.Strategy, ":")
		fmt.Fprintf(w, "%-9s %9d %7.1f%% %14.0f %7.1f%%  %s\n", t.Tier.Name, t.Customers, 100*t.CustomerShare, t.Value, 100*t.ValueShare, strategy)
	}

	section(w, "5 Segments and lifecycle")
	comm := now.segments["communication"]
	fmt.Fprintf(w, "communication groups:")
	for _, name := range r.segOrder["communication"] {
		fmt.Fprintf(w, "  %s %d", name, comm.Counts[name])
	}
	fmt.Fprintln(w)
	stages := map[string]int{}
	for _, c := range now.stages {
		stages[c.Stage]++
	}
	fmt.Fprintf(w, "lifecycle stages:")
	for _, s := range lifecycle.DefaultPolicy().Stages {
		if stages[s.Name] > 0 {
			fmt.Fprintf(w, "  %s %d", s.Name, stages[s.Name])
		}
	}
	fmt.Fprintln(w)
	if r.resumed && r.moved == 0 {
		fmt.Fprintf(w, "tracker: the database already holds these stages; nothing to move\n")
	} else {
		fmt.Fprintf(w, "tracker: %d moves recorded over both dates, %d refused by the policy (regressions must pass through at risk)\n", r.moved, r.illegal)
	}
	ch := now.churn
	fmt.Fprintf(w, "absolute churn (stopped buying): %d customers, %.0f %s of CLV at stake\n", ch.absolute, ch.absoluteValue, cur)
	fmt.Fprintf(w, "relative churn (still buying, spending ≥ 50%% less than before): %d customers, %.0f %s at stake\n", ch.relative, ch.relativeValue, cur)
	fmt.Fprintf(w, "early warnings: %d customers\n", ch.warning)
	fmt.Fprintf(w, "largest stage flows this quarter:\n")
	for _, f := range r.flows[:min(6, len(r.flows))] {
		fmt.Fprintf(w, "  %-17s → %-17s %7d\n", f.From, f.To, f.Count)
	}

	section(w, "6 Complaint desk, "+r.desk.from.Format("2 Jan")+" – "+r.desk.to.AddDate(0, 0, -1).Format("2 Jan 2006"))
	d := r.desk
	if d.report.Items == 0 {
		fmt.Fprintf(w, "no complaints in the month (the data has no complaint touchpoints)\n")
	} else {
		fmt.Fprintf(w, "%d complaints, %d still open at month end; SLA met by %.0f%%; %d targets missed, %d items escalated\n",
			d.report.Items, d.report.Open, 100*d.report.SLAAttainment, d.breaches, d.escalations)
		fmt.Fprintf(w, "business time to first response p50 %s, p90 %s; to resolution p50 %s, p90 %s\n",
			d.report.FirstResponse[0], d.report.FirstResponse[1], d.report.Resolution[0], d.report.Resolution[1])
		fmt.Fprintf(w, "Pareto of causes:\n")
		for _, p := range d.pareto {
			mark := ""
			if p.VitalFew {
				mark = "  ← vital few"
			}
			fmt.Fprintf(w, "  %-16s %5d  %5.1f%%  cum %5.1f%%%s\n", p.Cause, p.Count, 100*p.Share, 100*p.Cumulative, mark)
		}
		for _, l := range []struct {
			name string
			n    npsLine
		}{{"all answers", d.nps}, {"SLA met", d.npsMet}, {"SLA breached", d.npsBreached}} {
			if l.n.ok {
				fmt.Fprintf(w, "NPS %-13s %+4.0f  (95%% CI %+.0f to %+.0f, n = %d)\n", l.name, 100*l.n.Score, 100*l.n.Low, 100*l.n.High, l.n.N)
			}
		}
		fmt.Fprintf(w, "win-back list: %d dissatisfied customers", len(d.winBack))
		if len(d.winBack) > 0 {
			fmt.Fprintf(w, "; first: %s (%.0f %s at stake) — %s", d.winBack[0].CustomerID, d.winBack[0].AtStake, cur, d.winBack[0].FollowUp)
		}
		fmt.Fprintln(w)
	}

	section(w, "Key-account roadmap")
	a := r.account
	fmt.Fprintf(w, "account %s (%s, 12-month CLV %s %s), owner %s, status %s, version %d\n",
		a.value.CustomerID, a.tier, a.value.CLV.Amount.StringFixed(2), cur, a.roadmap.Content.Owner, a.roadmap.Status, a.roadmap.Version)
	if a.resumed {
		fmt.Fprintf(w, "resumed from the database\n")
	} else {
		fmt.Fprintf(w, "first draft (%s): %s\n", a.planned.Format("2006-01-02"), findingCodes(a.draftFindings))
	}
	fmt.Fprintf(w, "as signed off: %s; departments %s\n", findingCodes(a.findings), strings.Join(a.roadmap.Content.Departments(), ", "))
	fmt.Fprintf(w, "health %s (%.0f/100):", a.health.Score.Band, a.health.Score.Total)
	for _, k := range a.health.KPIs {
		fmt.Fprintf(w, "  %s %.0f%%", k.Goal, 100*k.Progress)
	}
	fmt.Fprintln(w)
}

func section(w io.Writer, title string) { fmt.Fprintf(w, "\n== %s\n", title) }

func floats(xs []float64, prec int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.*f", prec, x)
	}
	return strings.Join(parts, " | ")
}

func findingCodes(fs []roadmap.Finding) string {
	if len(fs) == 0 {
		return "no findings"
	}
	var parts []string
	count := map[string]int{}
	for _, f := range fs {
		if count[f.Code]++; count[f.Code] == 1 {
			parts = append(parts, f.Code)
		}
	}
	for i, code := range parts {
		if n := count[code]; n > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", code, n)
		}
	}
	return strings.Join(parts, ", ")
}
