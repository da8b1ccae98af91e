package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
)

func stream(txs []crm.Transaction) func(func(crm.Transaction, error) bool) {
	return func(yield func(crm.Transaction, error) bool) {
		for _, tx := range txs {
			if !yield(tx, nil) {
				return
			}
		}
	}
}

// The ledger gives back every transaction as it was read, line items
// aside, amounts exactly (scale and all), without allocating.
func TestLedgerRoundTrip(t *testing.T) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 300
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	var want []crm.Transaction
	for tx, err := range g.Transactions() {
		require.NoError(t, err)
		tx.Items = nil
		want = append(want, tx)
	}
	// Amounts the generator does not make: a refund, the same value at
	// another scale, and a coefficient beyond 64 bits.
	huge := decimal.RequireFromString("123456789012345678901234567.89")
	last := want[len(want)-1]
	for i, amount := range []decimal.Decimal{decimal.RequireFromString("12.50"), decimal.RequireFromString("12.5"), huge, huge} {
		tx := last
		tx.ID += "-extra" + string(rune('a'+i))
		tx.Amount, tx.Kind, tx.Currency, tx.Channel = amount, crm.Refund, "EUR", crm.ChannelPhone
		want = append(want, tx)
	}
	// A customer's transactions in two runs stay in stream order.
	again := want[0]
	again.ID = "again"
	want = append(want, again)

	l, err := newLedger(ctx, stream(want), 0)
	require.NoError(t, err)
	require.Equal(t, len(want), l.len())
	var got []crm.Transaction
	for tx, err := range l.transactions(ctx) {
		require.NoError(t, err)
		got = append(got, tx)
	}
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		require.True(t, w.Amount.Equal(g.Amount), "transaction %d: amount %s, got %s", i, w.Amount, g.Amount)
		require.Equal(t, w.Amount.Exponent(), g.Amount.Exponent(), "transaction %d keeps its scale", i)
		require.True(t, w.Time.Equal(g.Time), "transaction %d", i)
		w.Amount, g.Amount, w.Time = decimal.Zero, decimal.Zero, g.Time
		require.Equal(t, w, g, "transaction %d", i)
	}
	distinct := map[string]bool{}
	for _, tx := range want {
		distinct[fmt.Sprintf("%se%d", tx.Amount.Coefficient(), tx.Amount.Exponent())] = true
	}
	require.Equal(t, len(distinct), len(l.amounts), "one decimal per distinct amount and scale")

	allocs := testing.AllocsPerRun(3, func() {
		for _, err := range l.transactions(ctx) {
			require.NoError(t, err)
		}
	})
	require.Less(t, allocs, 10.0, "streaming allocates nothing per transaction")

	// Too many distinct names is refused rather than wrapped round.
	var many []crm.Transaction
	for i := range 300 {
		tx := last
		tx.Channel = crm.Channel("channel-" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		many = append(many, tx)
	}
	_, err = newLedger(ctx, stream(many), 0)
	require.ErrorContains(t, err, "more than 256 combinations of kind, currency and channel")

	long := last
	long.ID = strings.Repeat("x", 70_000)
	_, err = newLedger(ctx, stream([]crm.Transaction{last, long}), 0)
	require.ErrorContains(t, err, "an ID of 70000 bytes is more than it holds")
}
