package cycle_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/roadmap"
)

// activePlan creates and activates an account plan whose KPIs name
// period metrics.
func activePlan(t *testing.T, store roadmap.Store, npsMetric string) {
	t.Helper()
	ctx := context.Background()
	deadline := date(2024, 12, 31)
	c := roadmap.Content{Account: "the customer base", Vision: "customers who recommend us", Owner: "Ana",
		Team: []roadmap.Member{{Name: "Ana", Department: "sales"}, {Name: "Tom", Department: "service"}},
		ExternalGoals: []roadmap.ExternalGoal{{ID: "E1", Situation: "a customer is asked", Promise: "they recommend us",
			Commitment: &roadmap.KPI{Name: "NPS", Unit: "points", Baseline: 20, Target: 60, Deadline: deadline, Weight: 2, Metric: npsMetric, Scale: 100}}},
		InternalGoals: []roadmap.InternalGoal{
			{ID: "I1", Perspective: roadmap.CustomerView, FinancialLink: "advocates bring customers",
				KPI: &roadmap.KPI{Name: "advocates", Unit: "customers", Baseline: 0, Target: 4, Deadline: deadline, Weight: 1, Metric: cycle.MetricAdvocates}},
			{ID: "I2", Perspective: roadmap.Financial, FinancialLink: "revenue",
				KPI: &roadmap.KPI{Name: "monthly revenue", Unit: "EUR", Baseline: 200, Target: 400, Deadline: deadline, Weight: 1, Metric: cycle.MetricRevenue}},
			{ID: "I3", Perspective: roadmap.InternalProcess, FinancialLink: "fast answers keep customers",
				KPI: &roadmap.KPI{Name: "SLA met", Unit: "%", Baseline: 80, Target: 95, Deadline: deadline, Weight: 1, Metric: cycle.MetricSLAAttainment, Scale: 100}},
			{ID: "I4", Perspective: roadmap.LearningGrowth, FinancialLink: "trained staff",
				KPI: &roadmap.KPI{Name: "staff trained", Unit: "people", Baseline: 1, Target: 5, Deadline: deadline, Weight: 1}},
		},
	}
	p, err := roadmap.NewPlanner(store, nil)
	require.NoError(t, err)
	_, err = p.Create(ctx, "base", c)
	require.NoError(t, err)
	_, err = p.Submit(ctx, "base")
	require.NoError(t, err)
	for _, d := range []string{"sales", "service"} {
		_, err = p.SignOff(ctx, "base", d, "head of "+d)
		require.NoError(t, err)
	}
	_, err = p.Approve(ctx, "base")
	require.NoError(t, err)
	_, err = p.Activate(ctx, "base")
	require.NoError(t, err)
}

// Every KPI that names a period metric is recorded from each run, once.
func TestLoopRecordsBoundKPIs(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	plans := roadmap.NewMemoryStore()
	activePlan(t, plans, cycle.MetricNPS)
	stores := s.stores()
	stores.Roadmaps = plans
	loop, err := cycle.New(stores, s.options())
	require.NoError(t, err)
	_, err = loop.Run(ctx, date(2024, 6, 1))
	require.NoError(t, err)
	_, err = loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	r, err := plans.Roadmap(ctx, "base")
	require.NoError(t, err)
	got := map[string][]float64{}
	for _, m := range r.Measurements {
		got[m.Goal] = append(got[m.Goal], m.Value)
	}
	require.Equal(t, map[string][]float64{
		"E1": {100},      // one promoter in June, NPS +1 → 100 points; May had no answers
		"I1": {1, 2},     // b from the first run, a and b from the second
		"I2": {300, 250}, // May: a, b and e; June: a, b and d
		"I3": {100},      // June's one complaint was answered in time
	}, got, "I4 names no metric")
	h, err := r.Assess(date(2024, 7, 2))
	require.NoError(t, err)
	for _, k := range h.KPIs {
		if k.Goal == "E1" {
			require.True(t, k.Measured)
			require.InDelta(t, 1, k.Progress, 1e-12, "20 → 100 points passes the target of 60")
		}
	}
	// A run again at the same time records nothing new.
	_, err = loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	again, err := plans.Roadmap(ctx, "base")
	require.NoError(t, err)
	require.Equal(t, r.Version, again.Version)
}

// A KPI naming a metric that does not exist stops the run with the goal
// and the nearest name, and nothing of the period is stored.
func TestLoopRefusesAnUnknownMetric(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	plans := roadmap.NewMemoryStore()
	activePlan(t, plans, "performance.npss")
	stores := s.stores()
	stores.Roadmaps = plans
	loop, err := cycle.New(stores, s.options())
	require.NoError(t, err)
	_, err = loop.Run(ctx, date(2024, 6, 1))
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `external_goals[0] "E1".commitment.metric: "performance.npss" is not a metric; did you mean "performance.nps"?`)
	_, err = s.out.Period(ctx, date(2024, 6, 1))
	require.ErrorIs(t, err, crm.ErrNotFound)
}

// Each period says of every promise of the charter whether it was kept,
// and counts the broken ones.
func TestLoopCountsBrokenPromises(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	opt := s.options()
	opt.Charter = &roadmap.Charter{Promises: []roadmap.Promise{
		{ID: "answer", Promise: "a person answers within the hour", Metric: cycle.MetricFirstResponseHours, Target: 1, LowerIsBetter: true},
		{ID: "recommend", Promise: "customers recommend us", Metric: cycle.MetricNPS, Target: 0.3},
		{ID: "stay", Promise: "nine in ten customers come back", Metric: cycle.MetricRetention, Target: 0.9},
		{ID: "satisfied", Promise: "satisfied customers", Metric: cycle.MetricCSAT, Target: 0.8},
	}}
	loop, err := cycle.New(s.stores(), opt)
	require.NoError(t, err)
	_, err = loop.Run(ctx, date(2024, 6, 1))
	require.NoError(t, err)
	p, err := loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	require.Equal(t, 1.0, value(t, p, cycle.MetricPromiseKept, "promise=answer"), "answered in half an hour")
	require.Equal(t, 1.0, value(t, p, cycle.MetricPromiseKept, "promise=recommend"), "NPS +1")
	require.Equal(t, 0.0, value(t, p, cycle.MetricPromiseKept, "promise=stay"), "2 of 3 came back")
	_, ok := p.Value(cycle.MetricPromiseKept, "promise=satisfied")
	require.False(t, ok, "no CSAT answers: not measured")
	require.Equal(t, 1.0, value(t, p, cycle.MetricBrokenPromises, ""))

	opt.Charter.Promises[0].Metric = "performance.first_response_hours"
	_, err = cycle.New(s.stores(), opt)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `options.charter.promises[0] "answer".metric: "performance.first_response_hours" is not a metric; did you mean "performance.first_response_median_hours"?`)
}
