package feedback_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/feedback"
)

// Nil helpers mean their documented defaults, never a panic: Analyze on
// every hour, Pareto by category counting items, Trend in UTC.
func TestNilArgumentsMeanDefaults(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	items := []feedback.Item{
		{ID: "a", Category: "delivery", State: feedback.Closed, Received: t0, FirstResponse: t0.Add(2 * time.Hour), ResolvedAt: t0.Add(30 * time.Hour)},
		{ID: "b", Category: "delivery", State: feedback.Received, Received: t0.Add(time.Hour)},
		{ID: "c", Category: "billing", State: feedback.Received, Received: t0.Add(2 * time.Hour)},
	}
	var r feedback.Report
	require.NotPanics(t, func() { r = feedback.Analyze(items, nil, t0.Add(48*time.Hour)) })
	require.Equal(t, 2*time.Hour, r.FirstResponse[0], "every hour counts")
	require.Equal(t, 30*time.Hour, r.Resolution[0])
	var rows []feedback.ParetoRow
	require.NotPanics(t, func() { rows = feedback.Pareto(items, nil, nil) })
	require.Equal(t, feedback.Pareto(items, feedback.ByCategory, feedback.Count), rows)
	require.Equal(t, "delivery", rows[0].Cause)
	require.Equal(t, feedback.Trend(items, feedback.Monthly, time.UTC), feedback.Trend(items, feedback.Monthly, nil))
}
