package roadmap_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/roadmap"
	"github.com/crmkit/crm/roadmap/roadmaptest"
)

var planned = time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)

func usd(s string) crm.Money { return crm.Money{Amount: decimal.RequireFromString(s), Currency: "USD"} }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// goodPlan is a plan with no errors.
func goodPlan() roadmap.Content {
	return roadmap.Content{
		Account: "ACME Logistics", Vision: "Be the partner ACME cannot imagine working without", Owner: "Ada Park",
		Team: []roadmap.Member{{Name: "Ada Park", Department: "sales", Role: "account lead"}, {Name: "Sam Ortiz", Department: "service", Role: "service manager"}},
		ExternalGoals: []roadmap.ExternalGoal{{ID: "E1", Situation: "a shipment is late", Promise: "we call before you notice",
			Commitment: &roadmap.KPI{Name: "proactive delay calls", Unit: "%", Baseline: 20, Target: 90, Deadline: day(2025, 12, 31), Weight: 2}}},
		InternalGoals: []roadmap.InternalGoal{{ID: "I1", Perspective: roadmap.Financial, FinancialLink: "share of wallet drives revenue",
			KPI: &roadmap.KPI{Name: "share of wallet", Unit: "%", Baseline: 30, Target: 45, Deadline: day(2025, 12, 31), Weight: 3}}},
		Initiatives: []roadmap.Initiative{
			{ID: "N1", Name: "Delay alert training", Kind: roadmap.Education, Owner: "Sam Ortiz", Departments: []string{"service"},
				Start: day(2025, 5, 1), End: day(2025, 6, 30), Budget: usd("20000"), FiscalYear: 2025},
			{ID: "N2", Name: "Tracking portal", Kind: roadmap.Technology, Owner: "Ada Park", Departments: []string{"sales", "it"},
				Start: day(2025, 2, 1), End: day(2025, 9, 30), Budget: usd("60000"), FiscalYear: 2025},
		},
		Phases:  []roadmap.Phase{{Name: "Foundations", Start: day(2025, 2, 1), End: day(2025, 6, 30), Priorities: []string{"N2", "E1"}}},
		Budgets: []roadmap.YearBudget{{FiscalYear: 2025, Amount: usd("100000")}},
	}
}

func codes(fs []roadmap.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code+" "+string(f.Severity)+" "+f.Path)
	}
	return out
}

// balanced adds internal goals from the other three perspectives of the
// balanced scorecard.
func balanced(c roadmap.Content) roadmap.Content {
	c.InternalGoals = append(c.InternalGoals,
		roadmap.InternalGoal{ID: "I2", Perspective: roadmap.CustomerView, FinancialLink: "retained accounts keep revenue",
			KPI: &roadmap.KPI{Name: "renewal rate", Unit: "%", Baseline: 80, Target: 90, Deadline: day(2025, 12, 31), Weight: 1}},
		roadmap.InternalGoal{ID: "I3", Perspective: roadmap.InternalProcess, FinancialLink: "fewer delays cut service cost",
			KPI: &roadmap.KPI{Name: "late shipments", Unit: "%", Baseline: 12, Target: 5, Deadline: day(2025, 12, 31), Weight: 1, LowerIsBetter: true}},
		roadmap.InternalGoal{ID: "I4", Perspective: roadmap.LearningGrowth, FinancialLink: "trained staff resolve delays in one call",
			KPI: &roadmap.KPI{Name: "staff trained", Unit: "%", Baseline: 10, Target: 80, Deadline: day(2025, 12, 31), Weight: 1}})
	return c
}

func TestEveryValidationFinding(t *testing.T) {
	c := balanced(goodPlan())
	r := roadmap.Roadmap{ID: "r", Content: c}
	require.Equal(t, []string{
		"missing_sign_off warning sign_offs", "missing_sign_off warning sign_offs", "missing_sign_off warning sign_offs",
	}, codes(r.Validate(planned)), "a good plan only lacks its sign-offs")
	r = roadmap.Roadmap{ID: "r", Content: goodPlan()}
	require.Equal(t, []string{
		"missing_sign_off warning sign_offs", "missing_sign_off warning sign_offs", "missing_sign_off warning sign_offs",
		"perspective_missing warning internal_goals", "perspective_missing warning internal_goals", "perspective_missing warning internal_goals",
	}, codes(r.Validate(planned)), "one internal goal leaves three perspectives of the scorecard out")

	thin := goodPlan()
	thin.Vision = " "
	thin.Owner = "Lee Chan" // not on the team
	thin.ExternalGoals = nil
	thin.InternalGoals = nil
	r = roadmap.Roadmap{ID: "r", Content: thin}
	require.Equal(t, []string{
		"missing_sign_off warning sign_offs", "missing_sign_off warning sign_offs", "missing_sign_off warning sign_offs",
		"no_external_goal error external_goals", "no_internal_goal error internal_goals", "no_vision error vision", "owner_not_on_team error owner",
	}, codes(r.Validate(planned)))
	unlinked := balanced(goodPlan())
	unlinked.InternalGoals[2].FinancialLink = ""
	r = roadmap.Roadmap{ID: "r", Content: unlinked}
	require.Contains(t, codes(r.Validate(planned)), `no_financial_link warning internal_goals[2] "I3".financial_link`)

	bad := balanced(goodPlan())
	bad.Owner = ""
	bad.Team = bad.Team[:1]
	bad.Initiatives[0].Owner = ""
	bad.Initiatives[0].Departments = nil
	bad.Initiatives[1].Departments = []string{"sales"}
	bad.Initiatives = append(bad.Initiatives,
		roadmap.Initiative{ID: "N3", Name: "Launch mailing", Kind: roadmap.Communication, Owner: "Ada Park", Start: day(2025, 3, 1), End: day(2025, 3, 31), Budget: usd("30000"), FiscalYear: 2025},
		roadmap.Initiative{ID: "N4", Name: "Loyalty bonus", Kind: roadmap.Incentive, Owner: "Ada Park", Start: day(2025, 9, 1), End: day(2025, 12, 31), Budget: usd("5000"), FiscalYear: 2026})
	bad.ExternalGoals[0].Commitment = nil
	bad.InternalGoals[0].KPI.Weight = 0
	bad.Phases[0].Priorities = []string{"N1", "N2", "N3", "E1"}
	r = roadmap.Roadmap{ID: "r", Content: bad}
	require.Equal(t, []string{
		"bad_weight error internal_goals[0] \"I1\".weight",
		"goal_no_kpi error external_goals[0] \"E1\"",
		"initiative_no_owner error initiatives[0] \"N1\".owner",
		"lead_time_long warning initiatives[3] \"N4\".start",
		"lead_time_short error initiatives[2] \"N3\".start",
		"missing_sign_off warning sign_offs",
		"no_budget error budgets[2026]",
		"no_owner error owner",
		"not_cross_functional error team",
		"over_budget error budgets[0]",
		"too_many_priorities error phases[0] \"Foundations\"",
	}, codes(r.Validate(planned)))
	msgs := ""
	for _, f := range r.Validate(planned) {
		msgs += f.Message + "\n"
	}
	require.Contains(t, msgs, "fiscal year 2025: initiatives cost 110000.00, the budget is 100000.00 USD")
	require.Contains(t, msgs, "the communication programme starting 2025-03-01 is planned only 45 days ahead")
	require.Contains(t, msgs, "4 priorities; at most 3 at a time")
	require.Len(t, roadmap.Errors(r.Validate(planned)), 9)
}

func TestSignOffAndActivation(t *testing.T) {
	ctx := context.Background()
	now := planned
	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), &roadmap.Options{Clock: func() time.Time { return now }})
	require.NoError(t, err)
	r, err := p.Create(ctx, "acme", goodPlan())
	require.NoError(t, err)
	require.Equal(t, []string{"it", "sales", "service"}, r.Content.Departments())
	_, err = p.SignOff(ctx, "acme", "sales", "Ada")
	require.ErrorContains(t, err, "sign-offs are given in review")
	_, err = p.Submit(ctx, "acme")
	require.NoError(t, err)
	_, err = p.SignOff(ctx, "acme", "legal", "Lee")
	require.ErrorContains(t, err, `"legal" is not a department of this roadmap`)
	for _, d := range []string{"sales", "service"} {
		_, err = p.SignOff(ctx, "acme", d, "lead of "+d)
		require.NoError(t, err)
	}
	_, err = p.Approve(ctx, "acme")
	var te *crm.TransitionError
	require.True(t, errors.As(err, &te))
	require.Equal(t, string(roadmap.InReview), te.From)
	require.Equal(t, string(roadmap.Approved), te.To)
	require.ErrorContains(t, err, "missing sign-offs of the current revision from it")
	r, err = p.SignOff(ctx, "acme", "it", "CIO")
	require.NoError(t, err)

	// Saving the same content keeps the sign-offs; changing it voids them.
	r, err = p.Edit(ctx, "acme", r.Version, r.Content)
	require.NoError(t, err)
	require.Empty(t, r.MissingSignOffs(), "a no-op save keeps every sign-off")
	changed := r.Content
	changed.Vision = "Grow ACME's share of wallet to 45%"
	r, err = p.Edit(ctx, "acme", r.Version, changed)
	require.NoError(t, err)
	require.Equal(t, []string{"it", "sales", "service"}, r.MissingSignOffs())
	_, err = p.Edit(ctx, "acme", r.Version-1, changed)
	require.ErrorIs(t, err, crm.ErrConflict)
	for _, d := range []string{"it", "sales", "service"} {
		_, err = p.SignOff(ctx, "acme", d, "lead")
		require.NoError(t, err)
	}
	r, err = p.Approve(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, roadmap.Approved, r.Status)

	// A change after approval returns it to review; activation waits.
	broken := r.Content
	broken.Owner = ""
	r, err = p.Edit(ctx, "acme", r.Version, broken)
	require.NoError(t, err)
	require.Equal(t, roadmap.InReview, r.Status)
	for _, d := range []string{"it", "sales", "service"} {
		_, err = p.SignOff(ctx, "acme", d, "lead")
		require.NoError(t, err)
	}
	_, err = p.Approve(ctx, "acme")
	require.NoError(t, err)
	_, err = p.Activate(ctx, "acme")
	require.ErrorContains(t, err, "no_owner at owner")
	r, err = p.Get(ctx, "acme")
	require.NoError(t, err)
	fixed := r.Content
	fixed.Owner = "Ada Park"
	r, err = p.Edit(ctx, "acme", r.Version, fixed) // approved → in review again
	require.NoError(t, err)
	for _, d := range []string{"it", "sales", "service"} {
		_, err = p.SignOff(ctx, "acme", d, "lead")
		require.NoError(t, err)
	}
	_, err = p.Approve(ctx, "acme")
	require.NoError(t, err)
	r, err = p.Activate(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, roadmap.Active, r.Status)
	_, err = p.Submit(ctx, "acme")
	require.ErrorContains(t, err, "active → in_review is not allowed; allowed from active: completed, cancelled")
	r, err = p.Complete(ctx, "acme")
	require.NoError(t, err)
	_, err = p.Edit(ctx, "acme", r.Version, goodPlan())
	require.ErrorContains(t, err, "a finished roadmap cannot change")
	_, err = p.Cancel(ctx, "acme")
	require.Error(t, err)
}

func TestGapsAndPhases(t *testing.T) {
	// Score = weight × (shortfall to target + shortfall to benchmark).
	gaps, err := roadmap.Gaps([]roadmap.Metric{
		{Name: "on-time delivery", Current: 82, Target: 95, Benchmark: new(97.0), Weight: 3},                      // (13/95 + 15/97) × 3 = 0.8744
		{Name: "complaint backlog", Current: 40, Target: 10, Benchmark: new(5.0), Weight: 1, LowerIsBetter: true}, // (30/10 + 35/5) × 1 = 10
		{Name: "NPS", Current: 20, Target: 40, Benchmark: new(50.0), Weight: 2},                                   // (20/40 + 30/50) × 2 = 2.2
		{Name: "portal adoption", Current: 60, Target: 50, Benchmark: new(70.0), Weight: 1},                       // met, but behind benchmark: 10/70
		{Name: "training hours", Current: 10, Target: 20, Benchmark: new(25.0), Weight: 0.5},                      // (10/20 + 15/25) × 0.5 = 0.55
		{Name: "returns", Current: 8, Target: 4, Weight: 0.25, LowerIsBetter: true},                               // no benchmark: 4/4 × 0.25 = 0.25
	})
	require.NoError(t, err)
	var names []string
	for _, g := range gaps {
		names = append(names, g.Metric.Name)
	}
	require.Equal(t, []string{"complaint backlog", "NPS", "on-time delivery", "training hours", "returns", "portal adoption"}, names)
	require.InDelta(t, 10, gaps[0].Score, 1e-12)
	require.InDelta(t, 2.2, gaps[1].Score, 1e-12)
	require.InDelta(t, (13.0/95+15.0/97)*3, gaps[2].Score, 1e-12)
	require.InDelta(t, 0.25, gaps[4].Score, 1e-12)
	require.Zero(t, gaps[4].BehindBenchmark, "no benchmark, nothing behind it")
	require.Zero(t, gaps[5].Shortfall)
	require.InDelta(t, 10.0/70, gaps[5].BehindBenchmark, 1e-12)
	require.InDelta(t, 10.0/70, gaps[5].Score, 1e-12)
	phases := roadmap.ProposePhases(gaps, 2)
	require.Equal(t, []roadmap.Phase{
		{Name: "Phase 1", Priorities: []string{"complaint backlog", "NPS"}},
		{Name: "Phase 2", Priorities: []string{"on-time delivery", "training hours"}},
		{Name: "Phase 3", Priorities: []string{"returns", "portal adoption"}},
	}, phases, "a metric behind the benchmark gets a phase though its target is met")
	require.Len(t, roadmap.ProposePhases(gaps, 10), 2, "never everything at once")
	// Equally short of their targets, the one behind the best companies
	// comes first.
	gaps, err = roadmap.Gaps([]roadmap.Metric{
		{Name: "a", Current: 50, Target: 100, Weight: 1},
		{Name: "b", Current: 50, Target: 100, Benchmark: new(120.0), Weight: 1},
	})
	require.NoError(t, err)
	require.Equal(t, "b", gaps[0].Metric.Name)
	_, err = roadmap.Gaps([]roadmap.Metric{{Name: "x", Weight: 0}})
	require.ErrorContains(t, err, "weight 0 must be positive")
}

func TestHealthFromMeasurements(t *testing.T) {
	ctx := context.Background()
	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), &roadmap.Options{Clock: func() time.Time { return planned }})
	require.NoError(t, err)
	_, err = p.Create(ctx, "acme", goodPlan())
	require.NoError(t, err)
	// E1 (weight 2): 20 → 90; I1 (weight 3): 30 → 45.
	r, err := p.Record(ctx, "acme",
		roadmap.Measurement{Goal: "E1", At: day(2025, 3, 1), Value: 30}, roadmap.Measurement{Goal: "E1", At: day(2025, 6, 1), Value: 55},
		roadmap.Measurement{Goal: "I1", At: day(2025, 3, 1), Value: 31}, roadmap.Measurement{Goal: "I1", At: day(2025, 6, 1), Value: 33})
	require.NoError(t, err)
	h, err := r.Assess(day(2025, 6, 2))
	require.NoError(t, err)
	// Progress E1 = 35/70 = 0.5, I1 = 3/15 = 0.2; health = (2·0.5 + 3·0.2)/5 = 32: red.
	require.InDelta(t, 0.5, h.KPIs[0].Progress, 1e-12)
	require.InDelta(t, 0.2, h.KPIs[1].Progress, 1e-12)
	require.InDelta(t, 32, h.Score.Total, 1e-9)
	require.Equal(t, "red", h.Score.Band)
	// E1 rises 25 points in 92 days: by 31 Dec (305 days after 1 March)
	// the line reaches 30 + 25·305/92 ≈ 112.9 ≥ 90: on track. I1 will not.
	require.InDelta(t, 30+25*305.0/92, h.KPIs[0].Forecast, 1e-9)
	require.True(t, h.KPIs[0].OnTrack)
	require.False(t, h.KPIs[1].OnTrack)
	r, err = p.Record(ctx, "acme", roadmap.Measurement{Goal: "E1", At: day(2025, 9, 1), Value: 88}, roadmap.Measurement{Goal: "I1", At: day(2025, 9, 1), Value: 42})
	require.NoError(t, err)
	h, err = r.Assess(day(2025, 9, 2))
	require.NoError(t, err)
	// E1 = 68/70, I1 = 12/15: (2·0.9714 + 3·0.8)/5 = 86.9: green.
	require.Equal(t, "green", h.Score.Band)
	_, err = p.Record(ctx, "acme", roadmap.Measurement{Goal: "N1", At: day(2025, 9, 1), Value: 1})
	require.ErrorContains(t, err, `goal "N1" has no KPI`)
	// Recording the same measurement again writes nothing; a new value at
	// a time already measured replaces the old one.
	again, err := p.Record(ctx, "acme", roadmap.Measurement{Goal: "E1", At: day(2025, 9, 1), Value: 88})
	require.NoError(t, err)
	require.Equal(t, r.Version, again.Version)
	require.Len(t, again.Measurements, 6)
	fixed, err := p.Record(ctx, "acme", roadmap.Measurement{Goal: "E1", At: day(2025, 9, 1), Value: 80})
	require.NoError(t, err)
	require.Equal(t, r.Version+1, fixed.Version)
	require.Len(t, fixed.Measurements, 6)
	h, err = fixed.Assess(day(2025, 9, 2))
	require.NoError(t, err)
	require.InDelta(t, 60.0/70, h.KPIs[0].Progress, 1e-12, "the corrected value counts")
	r, err = p.Report(ctx, "acme", roadmap.Progress{Initiative: "N2", Status: "running", Spent: usd("30000")})
	require.NoError(t, err)
	h, err = r.Assess(day(2025, 9, 2))
	require.NoError(t, err)
	require.InDelta(t, 0.5, h.InitiativeBurn["N2"], 1e-12)
	require.InDelta(t, 0.3, h.Burn[2025], 1e-12)
}

func TestExports(t *testing.T) {
	r := roadmap.Roadmap{ID: "acme/2025", Status: roadmap.Draft, Content: goodPlan()}
	r.Content.Initiatives[0].Name = "Delay alerts, training; and a very long name that needs folding because it goes on and on — über alles"
	ics := r.ICalendar(time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC))
	require.True(t, strings.HasSuffix(ics, "\r\n"))
	lines := strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n")
	require.Equal(t, "BEGIN:VCALENDAR", lines[0])
	require.Equal(t, "END:VCALENDAR", lines[len(lines)-1])
	events, uids := 0, map[string]bool{}
	var unfolded []string
	for _, l := range lines {
		require.NotContains(t, l, "\n", "CRLF only")
		require.LessOrEqual(t, len(l), 75, "RFC 5545 §3.1: lines of at most 75 octets")
		if strings.HasPrefix(l, " ") {
			unfolded[len(unfolded)-1] += l[1:]
			continue
		}
		unfolded = append(unfolded, l)
	}
	for _, l := range unfolded {
		switch {
		case l == "BEGIN:VEVENT":
			events++
		case strings.HasPrefix(l, "UID:"):
			require.False(t, uids[l], "unique UIDs")
			uids[l] = true
		}
	}
	require.Equal(t, 4, events, "two initiatives and two milestones")
	require.Len(t, uids, 4)
	require.Contains(t, unfolded, "VERSION:2.0")
	require.Contains(t, unfolded, "PRODID:-//crmkit//roadmap//EN")
	require.Contains(t, unfolded, "DTSTAMP:20250115T103000Z")
	require.Contains(t, unfolded, "DTSTART;VALUE=DATE:20250501")
	require.Contains(t, unfolded, "DTEND;VALUE=DATE:20250701", "the exclusive end of an all-day event")
	require.Contains(t, unfolded, `SUMMARY:Delay alerts\, training\; and a very long name that needs folding because it goes on and on — über alles`)
	require.Contains(t, unfolded, "UID:initiative-N1@acme_2025.roadmap.crmkit")

	g := r.Gantt()
	require.True(t, strings.HasPrefix(g, "gantt\n    title ACME Logistics\n    dateFormat YYYY-MM-DD\n"))
	require.Contains(t, g, "    Foundations :phase1, 2025-02-01, 2025-06-30\n")
	require.Contains(t, g, "    Tracking portal :N2, 2025-02-01, 2025-09-30\n")
	md := r.Markdown(planned)
	for _, want := range []string{"# Customer roadmap: ACME Logistics", "| Sam Ortiz | service | service manager |", "- it: **missing**", "## Findings", "`missing_sign_off`"} {
		require.Contains(t, md, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := roadmap.Roadmap{ID: "acme", Status: roadmap.Active, Content: goodPlan(),
		SignOffs:     []roadmap.SignOff{{Department: "sales", By: "Ada", Revision: goodPlan().Revision(), At: planned}},
		Measurements: []roadmap.Measurement{{Goal: "E1", At: planned, Value: 30}}, Version: 7}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	var back roadmap.Roadmap
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, r.Content.Revision(), back.Content.Revision())
	require.True(t, back.Content.Initiatives[0].Budget.Equal(r.Content.Initiatives[0].Budget))
	b2, err := json.Marshal(back)
	require.NoError(t, err)
	require.JSONEq(t, string(b), string(b2))
}

func TestMemoryStore(t *testing.T) {
	roadmaptest.TestStore(t, crmtest.Harness[roadmap.Store]{New: func(t *testing.T) roadmap.Store { return roadmap.NewMemoryStore() }})
}

// A planner needs a store: a nil one is refused when the planner is made,
// not by a panic at the first call.
func TestNewPlannerRefusesNilStore(t *testing.T) {
	var err error
	require.NotPanics(t, func() { _, err = roadmap.NewPlanner(nil, nil) })
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "nil store")
	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), nil)
	require.NoError(t, err, "a nil clock is time.Now")
	_, err = p.Get(context.Background(), "none")
	require.ErrorIs(t, err, crm.ErrNotFound)
}

// NaN, infinities and times past year 9999 cannot be stored: every entry
// point says so with the path of the value, and none panics (Revision,
// Validate and MissingSignOffs used to, on "json: unsupported value").
func TestValuesNoStoreCanHold(t *testing.T) {
	ctx := context.Background()
	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), &roadmap.Options{Clock: func() time.Time { return planned }})
	require.NoError(t, err)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		edit func(*roadmap.Content)
		path string
	}{
		"NaN target":   {func(c *roadmap.Content) { c.ExternalGoals[0].Commitment.Target = math.NaN() }, "external_goals[0].commitment.target"},
		"+Inf weight":  {func(c *roadmap.Content) { c.InternalGoals[0].KPI.Weight = math.Inf(1) }, "internal_goals[0].kpi.weight"},
		"-Inf base":    {func(c *roadmap.Content) { c.InternalGoals[0].KPI.Baseline = math.Inf(-1) }, "internal_goals[0].kpi.baseline"},
		"year 10000":   {func(c *roadmap.Content) { c.Initiatives[1].End = far }, "initiatives[1].end"},
		"phase before": {func(c *roadmap.Content) { c.Phases[0].Start = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC) }, "phases[0].start"},
	} {
		content := goodPlan()
		c.edit(&content)
		var rev string
		require.NotPanics(t, func() { rev = content.Revision() }, name)
		require.Empty(t, rev, name)
		r := roadmap.Roadmap{ID: "r", Content: content}
		var fs []roadmap.Finding
		require.NotPanics(t, func() { fs = r.Validate(planned) }, name)
		require.Contains(t, codes(fs), "bad_value error "+c.path, name)
		require.NotContains(t, codes(fs), "missing_sign_off warning sign_offs", name)
		require.Equal(t, []string{"it", "sales", "service"}, r.MissingSignOffs(), name)
		_, err := p.Create(ctx, "x", content)
		var ve *crm.ValidationError
		require.ErrorAs(t, err, &ve, name)
		require.ErrorContains(t, err, c.path, name)
		_, err = p.Get(ctx, "x")
		require.ErrorIs(t, err, crm.ErrNotFound, "nothing stored for %s", name)
	}
	r, err := p.Create(ctx, "acme", goodPlan())
	require.NoError(t, err)
	bad := goodPlan()
	bad.Phases[0].End = far
	_, err = p.Edit(ctx, "acme", r.Version, bad)
	require.ErrorContains(t, err, "phases[0].end: year 10000 is outside 0–9999")
	for _, m := range []roadmap.Measurement{{Goal: "E1", At: day(2025, 3, 1), Value: math.NaN()}, {Goal: "E1", At: far, Value: 1}} {
		_, err = p.Record(ctx, "acme", m)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, "measurements[0]")
	}
	got, err := p.Get(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, r, got, "the refused writes changed nothing")
}

func TestInitiativesFromCauses(t *testing.T) {
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	causes := []feedback.RootCause{
		{ParetoRow: feedback.ParetoRow{Cause: "late_delivery", Count: 5, Share: 5.0 / 12, VitalFew: true}, Label: "Late delivery"},
		{ParetoRow: feedback.ParetoRow{Cause: "price", Count: 4, Share: 4.0 / 12, VitalFew: true}, Label: "Too expensive"},
		{ParetoRow: feedback.ParetoRow{Cause: "faulty", Count: 1, Share: 1.0 / 12}, Label: "Faulty product"},
	}
	got := roadmap.InitiativesFromCauses(causes, "lena", start, 6)
	require.Len(t, got, 2, "the vital few only")
	require.Equal(t, "fix-late_delivery", got[0].ID)
	require.Equal(t, "Fix: Late delivery (5 mentions, 42% of all)", got[0].Name)
	require.Equal(t, roadmap.Process, got[1].Kind)
	require.Equal(t, "lena", got[1].Owner)
	require.True(t, got[1].End.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
}
