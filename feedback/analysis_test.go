package feedback_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

func TestNPSByHand(t *testing.T) {
	// 50 promoters, 30 passives, 20 detractors: NPS 30.
	var scores []int
	for range 50 {
		scores = append(scores, 10)
	}
	for range 30 {
		scores = append(scores, 7)
	}
	for range 20 {
		scores = append(scores, 3)
	}
	r, err := feedback.NPSScore(scores)
	require.NoError(t, err)
	require.Equal(t, 0.3, r.Score)
	// Adjusted Wald: p = 50.75/103, d = 20.75/103, var = (p + d − (p−d)²)/103.
	p, d := 50.75/103, 20.75/103
	half := 1.959963984540054 * math.Sqrt((p+d-(p-d)*(p-d))/103)
	require.InDelta(t, p-d-half, r.Low, 1e-12)
	require.InDelta(t, p-d+half, r.High, 1e-12)
	// By hand: p − d = 0.29126, variance (0.69417 − 0.08483)/103 =
	// 0.0059160, half-width 1.96 · 0.076916 = 0.15075.
	require.InDelta(t, 0.1405, r.Low, 1e-4)
	require.InDelta(t, 0.4420, r.High, 1e-4)
	// A change of 30 → 45 points on 100 answers each is not significant at
	// 5%; on 1,000 answers each it is.
	var later []int
	for range 60 {
		later = append(later, 9)
	}
	for range 25 {
		later = append(later, 8)
	}
	for range 15 {
		later = append(later, 0)
	}
	r2, _ := feedback.NPSScore(later)
	diff, z, pv := feedback.NPSChange(r, r2)
	require.InDelta(t, (60.75-15.75)/103-(50.75-20.75)/103, diff, 1e-12)
	require.Greater(t, pv, 0.05)
	require.Greater(t, z, 0.0)
	big := func(s []int) []int {
		var out []int
		for range 10 {
			out = append(out, s...)
		}
		return out
	}
	b1, _ := feedback.NPSScore(big(scores))
	b2, _ := feedback.NPSScore(big(later))
	_, _, pv = feedback.NPSChange(b1, b2)
	require.Less(t, pv, 0.01)
	_, err = feedback.NPSScore([]int{11})
	require.Error(t, err)

	require.Equal(t, 0.6, feedback.CSATScore([]int{5, 4, 3, 4, 1}))
	mean, lo, hi := feedback.CESScore([]int{7, 5, 6})
	require.Equal(t, 6.0, mean)
	require.Equal(t, [2]int{1, 7}, [2]int{lo, hi})
}

func TestParetoAndReport(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	mk := func(cat string, sev feedback.Severity, n int) []feedback.Item {
		var out []feedback.Item
		for range n {
			out = append(out, feedback.Item{Category: cat, Severity: sev, Received: t0, State: feedback.Received})
		}
		return out
	}
	var items []feedback.Item
	items = append(items, mk("delivery", feedback.Medium, 50)...)
	items = append(items, mk("billing", feedback.High, 25)...)
	items = append(items, mk("product", feedback.Low, 15)...)
	items = append(items, mk("staff", feedback.Critical, 6)...)
	items = append(items, mk("website", feedback.Low, 4)...)
	rows := feedback.Pareto(items, feedback.ByCategory, feedback.Count)
	require.Equal(t, []string{"delivery", "billing", "product", "staff", "website"}, []string{rows[0].Cause, rows[1].Cause, rows[2].Cause, rows[3].Cause, rows[4].Cause})
	require.InDeltaSlice(t, []float64{0.5, 0.75, 0.9, 0.96, 1}, []float64{rows[0].Cumulative, rows[1].Cumulative, rows[2].Cumulative, rows[3].Cumulative, rows[4].Cumulative}, 1e-12)
	// Vital few: up to the cause that reaches 80% — delivery, billing,
	// product (75% before it).
	require.Equal(t, []bool{true, true, true, false, false}, []bool{rows[0].VitalFew, rows[1].VitalFew, rows[2].VitalFew, rows[3].VitalFew, rows[4].VitalFew})
	// By severity impact billing (75) is second, staff (24) passes product (15).
	bySev := feedback.Pareto(items, feedback.ByCategory, feedback.BySeverity)
	require.Equal(t, "staff", bySev[2].Cause)
	require.Equal(t, 100.0, bySev[0].Impact)

	require.Equal(t, []time.Duration{3, 5, 5}, feedback.Percentiles([]time.Duration{5, 1, 3, 4, 2}, 50, 90, 100))
	cal := feedback.WeekdayCalendar(time.UTC, 9*60, 17*60)
	done := feedback.Item{Received: t0, FirstResponse: t0.Add(2 * time.Hour), ResolvedAt: t0.Add(26 * time.Hour), State: feedback.Closed, Reopens: 1,
		Breaches: []feedback.Breach{{Target: "resolution"}}}
	rep := feedback.Analyze(append(items[:3:3], done), cal, t0.Add(50*time.Hour))
	require.Equal(t, 4, rep.Items)
	require.Equal(t, 3, rep.Open)
	require.Equal(t, 2*time.Hour, rep.FirstResponse[0])
	require.Equal(t, 10*time.Hour, rep.Resolution[0], "Monday 9:00 to Tuesday 11:00 is 10 business hours")
	require.Equal(t, 0.75, rep.SLAAttainment)
	require.Equal(t, 1.0, rep.ReopenRate)
	require.Equal(t, [5]int{0, 3, 0, 0, 0}, rep.Backlog)
	trend := feedback.Trend([]feedback.Item{{Received: t0}, {Received: t0.AddDate(0, 0, 3)}, {Received: t0.AddDate(0, 0, 7)}}, feedback.Weekly, nil)
	require.Len(t, trend, 2)
	require.Equal(t, 2, trend[0].Count)
	require.Equal(t, time.Monday, trend[1].Start.Weekday())
	monthly := feedback.Trend([]feedback.Item{{Received: t0}, {Received: t0.AddDate(0, 0, 3)}, {Received: t0.AddDate(0, 1, 0)}}, feedback.Monthly, nil)
	require.Len(t, monthly, 2)
	require.Equal(t, 2, monthly[0].Count)
	require.Equal(t, 1, monthly[1].Start.Day(), "months start on the first")
}

func TestWinBack(t *testing.T) {
	items := []feedback.Item{
		{ID: "F1", CustomerID: "a", Kind: feedback.Complaint, State: feedback.ClosedUnresolved, Value: 500},
		{ID: "F2", CustomerID: "b", Kind: feedback.Complaint, State: feedback.Closed, Value: 2000},
		{ID: "F3", CustomerID: "c", Kind: feedback.Praise, State: feedback.Closed, Value: 50},
		{ID: "F4", CustomerID: "d", Kind: feedback.Inquiry, State: feedback.Closed, Value: 300},
	}
	surveys := []feedback.Survey{{CustomerID: "c", Type: feedback.NPS, Score: 10}, {CustomerID: "d", Type: feedback.CSAT, Score: 2}, {CustomerID: "a", Type: feedback.NPS, Score: 4}}
	got := feedback.WinBackList(items, surveys, map[string]bool{"b": true, "c": true}, nil)
	require.Len(t, got, 3, "the praising promoter is not on the list, lapsed or not")
	require.Equal(t, "b", got[0].CustomerID)
	require.Equal(t, []string{"complained, then lapsed"}, got[0].Reasons)
	require.Equal(t, "a", got[1].CustomerID)
	require.Equal(t, []string{"NPS detractor", "complaint F1 closed unresolved"}, got[1].Reasons)
	require.Contains(t, got[1].FollowUp, "reopen the complaint")
	require.Equal(t, "d", got[2].CustomerID)
	require.Equal(t, 300.0, got[2].AtStake)
}

// NPSFromCounts gives what NPSScore gives for the answers counted, and
// refuses a negative count.
func TestNPSFromCounts(t *testing.T) {
	scores := []int{10, 9, 9, 8, 7, 6, 0, 3, 10}
	want, err := feedback.NPSScore(scores)
	require.NoError(t, err)
	got, err := feedback.NPSFromCounts(4, 2, 3)
	require.NoError(t, err)
	require.Equal(t, want, got)
	_, _, p := feedback.NPSChange(want, got)
	require.Equal(t, 1.0, p)
	_, err = feedback.NPSFromCounts(1, -1, 0)
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = feedback.NPSScore([]int{11})
	require.ErrorIs(t, err, crm.ErrInvalid)
}
