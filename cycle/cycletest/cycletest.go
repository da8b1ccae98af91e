// Package cycletest is the conformance suite for cycle.ResultStore and
// cycle.PeriodStore: a host that keeps the loop's results on its own
// database proves its implementation with one call from a test.
//
//	func TestMyCycleStore(t *testing.T) {
//		cycletest.TestStore(t, crmtest.Harness[cycle.Store]{
//			New:    func(t *testing.T) cycle.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s cycle.Store) cycle.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package cycletest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/cycle"
)

func day(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }

// result is a result of customer id at day d with every field set.
func result(id string, d int) cycle.Result {
	return cycle.Result{CustomerID: id, AsOf: day(d), Stage: "loyal", Buyer: true, Valued: true, Tier: "Gold",
		CLV: crm.Money{Amount: decimal.RequireFromString("1234.56"), Currency: "EUR"}, ExpectedPurchases: 3.25, ExpectedSpend: 41.125,
		PAlive: 0.875, RFMCell: "545", RFMSegment: "Champions", Churn: "relative", AtStake: crm.Money{Amount: decimal.RequireFromString("1234.56"), Currency: "EUR"}}
}

// period is a valid period ending at day d.
func period(d int, nps float64) cycle.Period {
	return cycle.Period{From: day(d - 1), AsOf: day(d), Currency: "EUR", Metrics: []cycle.Metric{
		{Name: cycle.MetricNPS, Value: nps, N: 40, Low: nps - 0.2, High: nps + 0.2},
		{Name: cycle.MetricCustomers, Value: 10},
		{Name: cycle.MetricTierCustomers, Cut: cycle.Cut("tier", "Gold"), Value: 2},
		{Name: cycle.MetricTierCustomers, Cut: cycle.Cut("tier", "Platinum"), Value: 1},
	}}
}

func results(t *testing.T, seq func(func(cycle.Result, error) bool)) []string {
	t.Helper()
	var out []string
	for r, err := range seq {
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%s@%d", r.CustomerID, r.AsOf.Day()))
	}
	return out
}

// TestStore runs both suites on a store that keeps results and periods.
func TestStore(t *testing.T, h crmtest.Harness[cycle.Store]) {
	h.Check(t, "cycletest.TestStore")
	t.Run("Results", func(t *testing.T) {
		TestResultStore(t, crmtest.Harness[cycle.ResultStore]{
			New: func(t *testing.T) cycle.ResultStore { return h.New(t) },
			Reopen: reopen(h.Reopen, func(s cycle.ResultStore) cycle.Store { return s.(cycle.Store) },
				func(s cycle.Store) cycle.ResultStore { return s }),
		})
	})
	t.Run("Periods", func(t *testing.T) {
		TestPeriodStore(t, crmtest.Harness[cycle.PeriodStore]{
			New: func(t *testing.T) cycle.PeriodStore { return h.New(t) },
			Reopen: reopen(h.Reopen, func(s cycle.PeriodStore) cycle.Store { return s.(cycle.Store) },
				func(s cycle.Store) cycle.PeriodStore { return s }),
		})
	})
}

func reopen[S any](r func(*testing.T, cycle.Store) cycle.Store, up func(S) cycle.Store, down func(cycle.Store) S) func(*testing.T, S) S {
	if r == nil {
		return nil
	}
	return func(t *testing.T, s S) S { return down(r(t, up(s))) }
}

// TestResultStore checks a cycle.ResultStore: results round-trip exactly,
// appends are atomic and idempotent, streams come in their documented
// order, concurrent appends lose nothing, a cancelled context stops every
// method, and (with h.Reopen) what was written survives a reopen.
func TestResultStore(t *testing.T, h crmtest.Harness[cycle.ResultStore]) {
	h.Check(t, "cycletest.TestResultStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		want := result("c1", 3)
		require.NoError(t, s.AppendResults(ctx, want))
		got, err := s.Result(ctx, "c1", day(3))
		require.NoError(t, err)
		require.True(t, want.Equal(got), "got %+v", got)
		require.Equal(t, "1234.56", got.CLV.Amount.StringFixed(2))
		require.Equal(t, 0.875, got.PAlive)
		bare := cycle.Result{CustomerID: "p1", AsOf: day(3)}
		require.NoError(t, s.AppendResults(ctx, bare))
		got, err = s.Result(ctx, "p1", day(3))
		require.NoError(t, err)
		require.True(t, bare.Equal(got), "a prospect's result has no values: got %+v", got)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c1", 3)))
		for _, k := range []struct {
			id string
			d  int
		}{{"c2", 3}, {"c1", 4}} {
			_, err := s.Result(ctx, k.id, day(k.d))
			require.ErrorIs(t, err, crm.ErrNotFound)
		}
		require.Empty(t, results(t, s.ResultsAt(ctx, day(4))))
		require.Empty(t, results(t, s.CustomerResults(ctx, "c2")))
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c1", 3), result("c2", 3)))
		require.NoError(t, s.AppendResults(ctx, result("c2", 3), result("c1", 3)), "appending again is a no-op")
		require.Equal(t, []string{"c1@3", "c2@3"}, results(t, s.ResultsAt(ctx, day(3))))
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c1", 3)))
		other := result("c1", 3)
		other.Tier = "Iron"
		err := s.AppendResults(ctx, other)
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := s.Result(ctx, "c1", day(3))
		require.NoError(t, err)
		require.Equal(t, "Gold", got.Tier)
	})
	t.Run("AtomicBatch", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c1", 3)))
		other := result("c1", 3)
		other.Stage = "lapsed"
		err := s.AppendResults(ctx, result("c0", 3), other)
		require.ErrorIs(t, err, crm.ErrExists)
		_, err = s.Result(ctx, "c0", day(3))
		require.ErrorIs(t, err, crm.ErrNotFound, "a refused batch stores nothing")
		err = s.AppendResults(ctx, result("c5", 3), cycle.Result{AsOf: day(3)})
		require.ErrorIs(t, err, crm.ErrInvalid, "a result without a customer")
		_, err = s.Result(ctx, "c5", day(3))
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c2", 5), result("c1", 5), result("c3", 3)))
		require.NoError(t, s.AppendResults(ctx, result("c2", 3), result("c10", 5)))
		require.Equal(t, []string{"c1@5", "c10@5", "c2@5"}, results(t, s.ResultsAt(ctx, day(5))), "by customer ID, byte-wise")
		require.Equal(t, []string{"c2@3", "c3@3"}, results(t, s.ResultsAt(ctx, day(3))))
		require.Equal(t, []string{"c2@3", "c2@5"}, results(t, s.CustomerResults(ctx, "c2")), "oldest run first")
		many := make([]cycle.Result, 3000)
		for i := range many {
			many[i] = result(fmt.Sprintf("m%05d", 2999-i), 7)
		}
		require.NoError(t, s.AppendResults(ctx, many...))
		got := results(t, s.ResultsAt(ctx, day(7)))
		require.Len(t, got, 3000)
		require.Equal(t, "m00000@7", got[0])
		require.Equal(t, "m02999@7", got[2999])
		n := 0
		for _, err := range s.ResultsAt(ctx, day(7)) {
			require.NoError(t, err)
			if n++; n == 2 {
				break // stopping early is allowed
			}
		}
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					if err := s.AppendResults(ctx, result(fmt.Sprintf("w%d-%02d", w, i), 3)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		require.Len(t, results(t, s.ResultsAt(ctx, day(3))), 200)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c1", 3)))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.AppendResults(cctx, result("c2", 3)), context.Canceled, "AppendResults")
		_, err := s.Result(cctx, "c1", day(3))
		require.ErrorIs(t, err, context.Canceled, "Result")
		_, err = s.Result(ctx, "c2", day(3))
		require.ErrorIs(t, err, crm.ErrNotFound, "a cancelled append stores nothing")
		crmtest.RequireCancelled(t, "ResultsAt", s.ResultsAt(cctx, day(3)))
		crmtest.RequireCancelled(t, "CustomerResults", s.CustomerResults(cctx, "c1"))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResults(ctx, result("c1", 3), result("c1", 4)))
		s = h.Reopen(t, s)
		got, err := s.Result(ctx, "c1", day(4))
		require.NoError(t, err)
		require.True(t, result("c1", 4).Equal(got))
		require.Equal(t, []string{"c1@3", "c1@4"}, results(t, s.CustomerResults(ctx, "c1")))
	})
}

// TestPeriodStore checks a cycle.PeriodStore: periods round-trip exactly,
// appends are atomic and idempotent, invalid periods are refused, the
// stream comes oldest first, a cancelled context stops every method, and
// (with h.Reopen) what was written survives a reopen.
func TestPeriodStore(t *testing.T, h crmtest.Harness[cycle.PeriodStore]) {
	h.Check(t, "cycletest.TestPeriodStore")
	ctx := context.Background()
	asOfs := func(t *testing.T, s cycle.PeriodStore) []int {
		var out []int
		for p, err := range s.Periods(ctx) {
			require.NoError(t, err)
			out = append(out, p.AsOf.Day())
		}
		return out
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		want := period(3, 0.25)
		require.NoError(t, s.AppendPeriods(ctx, want))
		got, err := s.Period(ctx, day(3))
		require.NoError(t, err)
		require.True(t, want.Equal(got), "got %+v", got)
		m, ok := got.Get(cycle.MetricNPS, "")
		require.True(t, ok)
		require.Equal(t, 40, m.N)
		require.InDelta(t, 0.45, m.High, 1e-12)
		v, ok := got.Value(cycle.MetricTierCustomers, cycle.Cut("tier", "Platinum"))
		require.True(t, ok)
		require.Equal(t, 1.0, v)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Period(ctx, day(3))
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.Empty(t, asOfs(t, s))
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendPeriods(ctx, period(3, 0.25)))
		require.NoError(t, s.AppendPeriods(ctx, period(3, 0.25)))
		require.Equal(t, []int{3}, asOfs(t, s))
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendPeriods(ctx, period(3, 0.25)))
		require.ErrorIs(t, s.AppendPeriods(ctx, period(3, 0.5)), crm.ErrExists)
		got, err := s.Period(ctx, day(3))
		require.NoError(t, err)
		v, _ := got.Value(cycle.MetricNPS, "")
		require.Equal(t, 0.25, v)
	})
	t.Run("AtomicBatch", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendPeriods(ctx, period(3, 0.25)))
		require.ErrorIs(t, s.AppendPeriods(ctx, period(4, 0.1), period(3, 0.5)), crm.ErrExists)
		bad := period(5, 0.1)
		bad.Metrics[1].Value = math.NaN()
		err := s.AppendPeriods(ctx, period(6, 0.1), bad)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, "NaN")
		unsorted := period(7, 0.1)
		unsorted.Metrics[0], unsorted.Metrics[1] = unsorted.Metrics[1], unsorted.Metrics[0]
		require.ErrorIs(t, s.AppendPeriods(ctx, unsorted), crm.ErrInvalid)
		require.Equal(t, []int{3}, asOfs(t, s), "a refused batch stores nothing")
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendPeriods(ctx, period(9, 0.1), period(3, 0.2)))
		require.NoError(t, s.AppendPeriods(ctx, period(5, 0.3)))
		require.Equal(t, []int{3, 5, 9}, asOfs(t, s))
	})
	t.Run("Copies", func(t *testing.T) {
		s := h.New(t)
		p := period(3, 0.25)
		require.NoError(t, s.AppendPeriods(ctx, p))
		p.Metrics[0].Value = 99
		got, err := s.Period(ctx, day(3))
		require.NoError(t, err)
		got.Metrics[0].Value = 98
		again, err := s.Period(ctx, day(3))
		require.NoError(t, err)
		require.True(t, period(3, 0.25).Equal(again), "the store keeps its own copy")
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.AppendPeriods(ctx, period(2+w, 0.1)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		require.Equal(t, []int{2, 3, 4, 5, 6, 7, 8, 9}, asOfs(t, s))
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendPeriods(ctx, period(3, 0.25)))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.AppendPeriods(cctx, period(4, 0.25)), context.Canceled, "AppendPeriods")
		_, err := s.Period(cctx, day(3))
		require.ErrorIs(t, err, context.Canceled, "Period")
		_, err = s.Period(ctx, day(4))
		require.True(t, errors.Is(err, crm.ErrNotFound), "a cancelled append stores nothing")
		crmtest.RequireCancelled(t, "Periods", s.Periods(cctx))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendPeriods(ctx, period(3, 0.25), period(4, -0.5)))
		s = h.Reopen(t, s)
		got, err := s.Period(ctx, day(4))
		require.NoError(t, err)
		require.True(t, period(4, -0.5).Equal(got))
		require.Equal(t, []int{3, 4}, asOfs(t, s))
	})
}
