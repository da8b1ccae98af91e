package crm_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// What no store can keep (and what would change meaning with the server)
// is refused by Validate, with the field named.
func TestValidateRefusesValuesNoStoreKeeps(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	c := crm.Customer{ID: "c", CreatedAt: t0}
	require.NoError(t, c.Validate())
	for _, x := range []struct {
		edit  func(*crm.Customer)
		field string
	}{
		{func(c *crm.Customer) { c.TimeZone = "Local" }, "time_zone"},
		{func(c *crm.Customer) { c.CreatedAt = far }, "created_at: year 10000 is outside 1–9999"},
		{func(c *crm.Customer) { c.Attributes = map[string]crm.Value{"renewal": crm.TimeValue(far)} }, "attributes.renewal: year 10000"},
		{func(c *crm.Customer) {
			c.Attributes = map[string]crm.Value{"bc": crm.TimeValue(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))}
		}, "attributes.bc: year 0"},
	} {
		bad := c.Clone()
		x.edit(&bad)
		err := bad.Validate()
		require.ErrorIs(t, err, crm.ErrInvalid, x.field)
		require.ErrorContains(t, err, x.field)
	}
	_, err := crm.Customer{ID: "c", TimeZone: "Local"}.Location()
	require.ErrorIs(t, err, crm.ErrInvalid)

	tx := crm.Transaction{ID: "t", CustomerID: "c", Time: t0, Amount: decimal.RequireFromString("999999999999999.999999999999"), Currency: "USD", Kind: crm.Purchase}
	require.NoError(t, tx.Validate(), "the largest amount")
	huge := tx
	huge.Amount = decimal.RequireFromString(strings.Repeat("9", 100_000))
	err = huge.Validate()
	require.ErrorContains(t, err, "more than 40 significant digits")
	require.Less(t, len(err.Error()), 300, "the message abbreviates the amount")
	for amount, want := range map[string]string{
		"1000000000000000": "more than 15 whole digits (crm.MaxAmountDigits)",
		"1e400":            "1e400 is out of range",
		"0.0000000000001":  "more than 12 decimal places (crm.MaxAmountPlaces)",
	} {
		huge.Amount = decimal.RequireFromString(amount)
		require.ErrorContains(t, huge.Validate(), want, amount)
	}
	// Exponents of a billion are judged without scaling the number.
	huge.Amount = decimal.New(1, 1_000_000_000)
	require.ErrorContains(t, huge.Validate(), "1e1000000000 is out of range")
	huge.Amount = decimal.New(1, -1_000_000_000)
	require.ErrorContains(t, huge.Validate(), "1e-1000000000 is out of range")
	for _, amount := range []string{"1.000000000000000000000", "0.000000000001", "999999999999999", "5e3"} {
		huge.Amount = decimal.RequireFromString(amount)
		require.NoError(t, huge.Validate(), amount)
	}
	tp := crm.Touchpoint{ID: "p", CustomerID: "c", Time: far, Channel: crm.ChannelPhone, Kind: crm.TouchSupport}
	require.ErrorContains(t, tp.Validate(), "time: year 10000")
}

// One customer's many transactions in one batch, their IDs out of order
// against their times: the store merges them into the customer's list in
// one pass (it copied the list for every record: 10,000 records took
// 98 ms, a million would not finish), and streams them by (time, ID).
func TestMemoryStoreOneCustomerLargeBatch(t *testing.T) {
	ctx := context.Background()
	s := crm.NewMemoryStore()
	day := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	for batch := range 2 {
		var txs []crm.Transaction
		for i := range 100_000 {
			txs = append(txs, crm.Transaction{ID: fmt.Sprintf("b%d-line-%d", batch, i), CustomerID: "c1", Time: day.Add(time.Duration(i%7) * time.Hour),
				Amount: decimal.RequireFromString("1.00"), Currency: "USD", Kind: crm.Purchase})
		}
		require.NoError(t, s.AppendTransactions(ctx, txs...))
	}
	var prev crm.Transaction
	n := 0
	for tx, err := range s.CustomerTransactions(ctx, "c1") {
		require.NoError(t, err)
		if n > 0 {
			require.True(t, prev.Time.Before(tx.Time) || prev.Time.Equal(tx.Time) && prev.ID < tx.ID, "%s %s after %s %s", tx.Time, tx.ID, prev.Time, prev.ID)
		}
		prev = tx
		n++
	}
	require.Equal(t, 200_000, n)
}
