package cycle_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
)

func npsPeriod(asOf time.Time, pro, pas, det int, retention float64, retained int) cycle.Period {
	r, _ := feedback.NPSFromCounts(pro, pas, det)
	return cycle.Period{From: asOf.AddDate(0, -1, 0), AsOf: asOf, Metrics: []cycle.Metric{
		{Name: cycle.MetricRetention, Value: retention, N: retained},
		{Name: cycle.MetricNPS, Value: r.Score, N: r.N, Low: r.Low, High: r.High},
		{Name: cycle.MetricNPSDetractors, Value: float64(det)},
		{Name: cycle.MetricNPSPassives, Value: float64(pas)},
		{Name: cycle.MetricNPSPromoters, Value: float64(pro)},
	}}
}

func TestCompare(t *testing.T) {
	jan, feb := date(2025, 1, 31), date(2025, 2, 28)
	before := npsPeriod(jan, 50, 30, 20, 0.5, 100)
	after := npsPeriod(feb, 20, 30, 50, 0.7, 100)
	after.Metrics = append([]cycle.Metric{{Name: cycle.MetricAdvocates, Value: 3}}, after.Metrics...)
	require.NoError(t, before.Validate())
	require.NoError(t, after.Validate())
	moves := cycle.Compare(&before, &after)
	byName := map[string]cycle.Movement{}
	for _, m := range moves {
		byName[m.Name] = m
	}
	require.Len(t, moves, 6)
	require.Equal(t, cycle.MetricAdvocates, moves[0].Name, "in the periods' order")

	nps := byName[cycle.MetricNPS]
	require.InDelta(t, -0.6, nps.Delta, 1e-12)
	b, _ := feedback.NPSFromCounts(50, 30, 20)
	a, _ := feedback.NPSFromCounts(20, 30, 50)
	_, _, p := feedback.NPSChange(b, a)
	require.True(t, nps.Tested)
	require.Equal(t, p, nps.P)
	require.True(t, nps.Significant)

	// Two-proportion z-test, worked by hand: pooled 0.6, se √(0.24·0.02).
	ret := byName[cycle.MetricRetention]
	z := 0.2 / math.Sqrt(0.6*0.4*(2.0/100))
	require.True(t, ret.Tested)
	require.InDelta(t, math.Erfc(z/math.Sqrt2), ret.P, 1e-12)
	require.InDelta(t, 0.0039, ret.P, 1e-4)
	require.True(t, ret.Significant)

	adv := byName[cycle.MetricAdvocates]
	require.False(t, adv.InBefore)
	require.True(t, adv.InAfter)
	require.False(t, adv.Tested, "no test for a metric one period lacks")
	require.False(t, byName[cycle.MetricNPSPromoters].Tested, "no test for counts")

	same := cycle.Compare(&before, &before)
	for _, m := range same {
		require.Zero(t, m.Delta)
		require.False(t, m.Significant, m.Name)
	}
	near := npsPeriod(feb, 48, 31, 21, 0.52, 100)
	for _, m := range cycle.Compare(&before, &near) {
		require.False(t, m.Significant, "%s: a small move is not significant (p %.3f)", m.Name, m.P)
	}
}

func TestPeriodValidate(t *testing.T) {
	p := npsPeriod(date(2025, 1, 31), 1, 1, 1, 0.5, 2)
	p.From = p.AsOf.AddDate(0, 0, 1)
	p.Metrics = append(p.Metrics, cycle.Metric{Name: cycle.MetricNPSPromoters, Value: 2}, cycle.Metric{Value: math.Inf(1)})
	err := p.Validate()
	for _, want := range []string{"from: after as_of", `performance.nps_promoters "" twice`, "metrics[6]: no name", "+Inf"} {
		require.ErrorContains(t, err, want)
	}
	require.Equal(t, "from=new,to=prospect", cycle.Cut("from", "new", "to", "prospect"))
	names := map[string]bool{}
	for i, d := range cycle.Definitions() {
		require.False(t, names[d.Name], "%s defined twice", d.Name)
		names[d.Name] = true
		require.NotEmpty(t, d.Doc, d.Name)
		require.Contains(t, d.Name, string(d.Process)+".", "a metric's name starts with its process")
		if i > 0 {
			require.Less(t, cycle.Definitions()[i-1].Name, d.Name)
		}
	}
}

// The CES interval is the normal approximation around the mean.
func TestCESInterval(t *testing.T) {
	ctx := context.Background()
	s := newSmall(t)
	for i, score := range []int{7, 5, 6, 7, 4} {
		require.NoError(t, s.desk.AppendSurveys(ctx, feedback.Survey{ID: fmt.Sprint("ces", i), CustomerID: "a", Type: feedback.CES, Score: score, At: date(2024, 6, 3)}))
	}
	_, err := s.loop.Run(ctx, date(2024, 6, 1))
	require.NoError(t, err)
	p, err := s.loop.Run(ctx, date(2024, 7, 1))
	require.NoError(t, err)
	m, ok := p.Get(cycle.MetricCES, "")
	require.True(t, ok)
	// Mean 5.8; sample variance (1.44+0.64+0.04+1.44+3.24)/4 = 1.7.
	half := 1.959963984540054 * math.Sqrt(1.7/5)
	require.InDelta(t, 5.8, m.Value, 1e-12)
	require.InDelta(t, 5.8-half, m.Low, 1e-12)
	require.InDelta(t, 5.8+half, m.High, 1e-12)
	require.Equal(t, 5, m.N)
}
