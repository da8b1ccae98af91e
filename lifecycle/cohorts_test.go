package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

func TestCohortsByHand(t *testing.T) {
	d := func(m time.Month, day int) time.Time { return time.Date(2025, m, day, 12, 0, 0, 0, time.UTC) }
	refund := crm.Transaction{ID: "r", CustomerID: "b", Time: d(3, 2), Amount: decimal.RequireFromString("5"), Currency: "USD", Kind: crm.Refund}
	txs := []crm.Transaction{
		buy("a1", "a", d(1, 5), "10"), buy("a2", "a", d(2, 7), "20"), buy("a3", "a", d(3, 9), "30"),
		buy("b1", "b", d(1, 20), "40"), buy("b2", "b", d(3, 1), "15"), refund,
		buy("c1", "c", d(2, 14), "100"),
		buy("z", "late", d(5, 1), "1"), // after asOf
	}
	table, err := lifecycle.Cohorts(context.Background(), seq(txs...), d(3, 31), lifecycle.Monthly, nil)
	require.NoError(t, err)
	require.Len(t, table.Cohorts, 2)
	jan, feb := table.Cohorts[0], table.Cohorts[1]
	require.Equal(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), jan.Start)
	require.Equal(t, 2, jan.Customers)
	require.Equal(t, []int{2, 1, 2}, jan.Retained)
	require.Equal(t, []float64{50, 20, 40}, jan.Revenue, "March: 30 + 15 − 5 refunded")
	require.Equal(t, 0.5, jan.RetentionRate(1))
	require.Equal(t, 0.8, jan.RevenueRetention(2))
	require.Equal(t, []int{1, 0}, feb.Retained)

	weeks, err := lifecycle.Cohorts(context.Background(), seq(txs...), d(1, 31), lifecycle.Weekly, nil)
	require.NoError(t, err)
	require.Equal(t, time.Date(2025, 1, 20, 0, 0, 0, 0, time.UTC), weeks.Cohorts[1].Start, "weeks start on Monday")
	require.Equal(t, time.Weekday(1), weeks.Cohorts[0].Start.Weekday())
	_, err = lifecycle.Cohorts(context.Background(), seq(txs...), d(1, 31), "day", nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
}
