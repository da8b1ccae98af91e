package sampledata_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/sampledata"
)

// A month on the desk: every complaint touchpoint of the month becomes
// one item, worked through the standard process; the same month worked
// again adds nothing, and another store gets the same items.
func TestWorkDesk(t *testing.T) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 2000
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	to := cfg.End
	from := to.AddDate(0, -1, 0)
	complaints := 0
	for tp, err := range g.Touchpoints() {
		require.NoError(t, err)
		if tp.Kind == crm.TouchComplaint && !tp.Time.Before(from) && tp.Time.Before(to) {
			complaints++
		}
	}
	require.Positive(t, complaints)
	work := func(store *feedback.MemoryStore) []feedback.Item {
		require.NoError(t, sampledata.WorkDesk(ctx, store, g.Touchpoints(), from, to, func(string) (string, float64) { return "Gold", 100 }))
		var items []feedback.Item
		for it, err := range store.Items(ctx) {
			require.NoError(t, err)
			items = append(items, it)
		}
		return items
	}
	store := feedback.NewMemoryStore()
	items := work(store)
	require.Len(t, items, complaints)
	closed, breached, answers := 0, 0, 0
	for _, it := range items {
		require.False(t, it.Received.Before(from) || !it.Received.Before(to))
		require.Equal(t, "Gold", it.Tier)
		require.NotEmpty(t, it.Category)
		if !it.State.Open() {
			closed++
		}
		if len(it.Breaches) > 0 {
			breached++
		}
	}
	for s, err := range store.Surveys(ctx) {
		require.NoError(t, err)
		require.Equal(t, feedback.NPS, s.Type)
		require.True(t, s.Score >= 0 && s.Score <= 10)
		answers++
	}
	require.Positive(t, closed)
	require.Less(t, closed, len(items), "some are still open at the month's end")
	require.Positive(t, breached)
	require.Equal(t, closed, answers, "every closed complaint's customer answered")
	require.Equal(t, items, work(store), "working the month again adds nothing")
	require.Equal(t, items, work(feedback.NewMemoryStore()), "the same business, the same month")
}
