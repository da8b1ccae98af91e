package scoring_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/scoring"
)

// Compress and SpendRows (a radix sort on the floats' bits) give what a
// stable comparison sort with cmp.Compare and a merge of equal runs gives:
// over random summaries with repeats, NaN, ±0, ±Inf, negatives and
// fractions.
func TestCompressAgreesWithComparisonSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pick := func() float64 {
		switch rng.IntN(12) {
		case 0:
			return math.NaN()
		case 1:
			return math.Copysign(0, -1)
		case 2:
			return 0
		case 3:
			return math.Inf(1 - 2*rng.IntN(2))
		case 4:
			return -float64(rng.IntN(5))
		case 5:
			return rng.Float64() * 1000
		}
		return float64(rng.IntN(20))
	}
	for round := range 30 {
		sums := make([]scoring.Summary, 1+rng.IntN(3000))
		for i := range sums {
			sums[i] = scoring.Summary{CustomerID: fmt.Sprint(i), Frequency: rng.IntN(6), Recency: pick(), T: pick(), Monetary: pick()}
		}
		// The reference: a stable sort by cmp.Compare, runs of == keys merged.
		var want []scoring.Row
		rows := make([]scoring.Row, len(sums))
		for i, s := range sums {
			rows[i] = scoring.Row{Frequency: float64(s.Frequency), Recency: s.Recency, T: s.T, Weight: 1}
		}
		slices.SortStableFunc(rows, func(a, b scoring.Row) int {
			return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Recency, b.Recency), cmp.Compare(a.T, b.T))
		})
		for _, r := range rows {
			if n := len(want); n > 0 && want[n-1].Frequency == r.Frequency && want[n-1].Recency == r.Recency && want[n-1].T == r.T {
				want[n-1].Weight++
				continue
			}
			want = append(want, r)
		}
		require.Equal(t, fmt.Sprint(want), fmt.Sprint(scoring.Compress(sums)), "round %d", round)

		var wantSpend []scoring.SpendRow
		var spend []scoring.SpendRow
		for _, s := range sums {
			if s.Frequency >= 1 && s.Monetary > 0 {
				spend = append(spend, scoring.SpendRow{Frequency: float64(s.Frequency), Monetary: s.Monetary, Weight: 1})
			}
		}
		slices.SortStableFunc(spend, func(a, b scoring.SpendRow) int {
			return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Monetary, b.Monetary))
		})
		for _, r := range spend {
			if n := len(wantSpend); n > 0 && wantSpend[n-1].Frequency == r.Frequency && wantSpend[n-1].Monetary == r.Monetary {
				wantSpend[n-1].Weight++
				continue
			}
			wantSpend = append(wantSpend, r)
		}
		require.Equal(t, fmt.Sprint(wantSpend), fmt.Sprint(scoring.SpendRows(sums)), "round %d", round)
	}
	require.Empty(t, scoring.Compress(nil))
	require.Empty(t, scoring.SpendRows(nil))
}
