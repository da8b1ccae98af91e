package cycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/cycle/cycletest"
	"github.com/crmkit/crm/segment"
)

func TestMemoryStore(t *testing.T) {
	cycletest.TestStore(t, crmtest.Harness[cycle.Store]{New: func(*testing.T) cycle.Store { return cycle.NewMemoryStore() }})
}

// A run's results as profiles, each with the customer's result of the run
// before, match rules over ResultSchema.
func TestResultProfiles(t *testing.T) {
	ctx := context.Background()
	s := cycle.NewMemoryStore()
	jan, feb := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, s.AppendResults(ctx,
		cycle.Result{CustomerID: "a", AsOf: jan, Stage: "loyal", Tier: "Gold", Buyer: true},
		cycle.Result{CustomerID: "a", AsOf: feb, Stage: "at_risk", Tier: "Gold", Buyer: true, Valued: true, CLV: crm.Money{Amount: decimal.NewFromInt(900), Currency: "EUR"}},
		cycle.Result{CustomerID: "b", AsOf: feb, Stage: "at_risk", Tier: "Gold", Buyer: true},
		cycle.Result{CustomerID: "c", AsOf: jan, Stage: "at_risk"},
		cycle.Result{CustomerID: "c", AsOf: feb, Stage: "at_risk", Tier: "Iron"}))
	rule, err := segment.Parse(`tier = "Gold" and stage = "at_risk" and previous_stage != "at_risk" and clv >= 500`)
	require.NoError(t, err)
	m, err := segment.Compile(rule, cycle.ResultSchema())
	require.NoError(t, err)
	var matched, all []string
	for pr, err := range cycle.ResultProfiles(ctx, s, feb, jan) {
		require.NoError(t, err)
		require.Equal(t, pr.Result.CustomerID, pr.Profile.CustomerID)
		all = append(all, pr.Profile.CustomerID)
		if m.Match(pr.Profile) {
			matched = append(matched, pr.Profile.CustomerID)
		}
	}
	require.Equal(t, []string{"a", "b", "c"}, all)
	require.Equal(t, []string{"a"}, matched, "b has no run before (and no value), c was at risk already")
	for pr, err := range cycle.ResultProfiles(ctx, s, feb, time.Time{}) {
		require.NoError(t, err)
		_, ok := pr.Profile.Get("previous_stage")
		require.False(t, ok, "without a run before, no previous stage")
	}
}
