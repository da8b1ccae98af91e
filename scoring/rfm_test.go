package scoring_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/scoring"
)

// rfmSummaries makes customers c1..cn with the given purchases, spend and
// time since the last purchase (T = 100).
func rfmSummaries(count []int, spend []int64, since []float64) []scoring.Summary {
	out := make([]scoring.Summary, len(count))
	for i := range out {
		out[i] = scoring.Summary{CustomerID: "c" + strconv.Itoa(i+1), Count: count[i], Total: decimal.NewFromInt(spend[i]), T: 100, Recency: 100 - since[i]}
	}
	return out
}

func TestRFMQuantilesByHand(t *testing.T) {
	// Purchases 1..10: type-7 quintile cuts are 2.8, 4.6, 6.4, 8.2
	// (numpy.quantile agrees), so pairs share a score.
	count := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	spend := []int64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}
	since := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	scores, cuts, err := scoring.RFM(rfmSummaries(count, spend, since), nil)
	require.NoError(t, err)
	require.InDeltaSlice(t, []float64{2.8, 4.6, 6.4, 8.2}, cuts.Frequency, 1e-12)
	require.InDeltaSlice(t, []float64{28, 46, 64, 82}, cuts.Monetary, 1e-12)
	var cells []string
	for _, s := range scores {
		cells = append(cells, s.Cell)
	}
	// The biggest spenders bought most recently: R rises with them.
	require.Equal(t, []string{"111", "111", "222", "222", "333", "333", "444", "444", "555", "555"}, cells)
	require.Equal(t, "Champions", scores[9].Segment(scoring.RFMSegments()))
	require.Equal(t, "Lost", scores[0].Segment(scoring.RFMSegments()))
}

func TestRFMTiesShareAScore(t *testing.T) {
	// Seven one-time buyers and three others: every cut below the top lies
	// at 1, so all one-time buyers score 1 and bins 2–4 stay empty.
	count := []int{1, 1, 1, 1, 1, 1, 1, 2, 3, 4}
	spend := []int64{5, 5, 5, 5, 5, 5, 5, 5, 5, 5}
	since := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	scores, cuts, err := scoring.RFM(rfmSummaries(count, spend, since), nil)
	require.NoError(t, err)
	require.Equal(t, []float64{1, 1, 1, 2.2}, cuts.Frequency)
	for i, s := range scores {
		// 2 lies above three cuts and at most the fourth.
		want := map[int]int{1: 1, 2: 4, 3: 5, 4: 5}[count[i]]
		require.Equal(t, want, s.F, "customer %d", i)
		require.Equal(t, 1, s.M, "all equal spend ties at the lowest score")
		require.Equal(t, 5, s.R, "all equally recent tie at the best score")
	}
}

func TestRFMDoesNotDependOnOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 500
	count, spend, since := make([]int, n), make([]int64, n), make([]float64, n)
	for i := range n {
		count[i] = 1 + rng.IntN(6)
		spend[i] = int64(rng.IntN(300))
		since[i] = float64(rng.IntN(100))
	}
	sums := rfmSummaries(count, spend, since)
	want, _, err := scoring.RFM(sums, &scoring.RFMOptions{Bins: 4})
	require.NoError(t, err)
	byID := map[string]string{}
	for _, s := range want {
		byID[s.CustomerID] = s.Cell
		require.True(t, s.R >= 1 && s.R <= 4 && s.F >= 1 && s.F <= 4 && s.M >= 1 && s.M <= 4)
	}
	rng.Shuffle(n, func(i, j int) { sums[i], sums[j] = sums[j], sums[i] })
	got, _, err := scoring.RFM(sums, &scoring.RFMOptions{Bins: 4})
	require.NoError(t, err)
	for i, s := range got {
		require.Equal(t, sums[i].CustomerID, s.CustomerID, "results keep input order")
		require.Equal(t, byID[s.CustomerID], s.Cell)
	}
}

func TestRFMFixedThresholds(t *testing.T) {
	sums := rfmSummaries([]int{1, 3, 12}, []int64{50, 500, 5000}, []float64{400, 30, 3})
	scores, _, err := scoring.RFM(sums, &scoring.RFMOptions{
		Bins:      3,
		Recency:   []float64{7, 90}, // ≤ 7 best, ≤ 90 middle, older worst
		Frequency: []float64{1, 5},  // one purchase, up to five, more
		Monetary:  []float64{100, 1000},
	})
	require.NoError(t, err)
	require.Equal(t, "111", scores[0].Cell)
	require.Equal(t, "222", scores[1].Cell)
	require.Equal(t, "333", scores[2].Cell)

	_, _, err = scoring.RFM(sums, &scoring.RFMOptions{Bins: 3, Recency: []float64{90, 7}, Frequency: []float64{1}, Monetary: []float64{1, 2}})
	require.Error(t, err)
	require.ErrorContains(t, err, "recency: cut points [90 7] must be finite and strictly ascending")
	require.ErrorContains(t, err, "frequency: 1 cut points for 3 bins; want 2")
	_, _, err = scoring.RFM(sums, &scoring.RFMOptions{Bins: 12})
	require.ErrorContains(t, err, "bins: 12 is outside 2..9")
}

// The one table: every cell in exactly one reachable row, and the rows
// the published table shadowed now reached.
func TestRFMSegmentsTileEveryCell(t *testing.T) {
	table := scoring.RFMSegments()
	seg := func(r, f, m int) string { return scoring.RFMScore{R: r, F: f, M: m}.Segment(table) }
	require.Equal(t, "Champions", seg(5, 5, 5))
	require.Equal(t, "Loyal Customers", seg(3, 5, 5))
	require.Equal(t, "New Customers", seg(5, 1, 1), "shadowed by Potential Loyalist as published")
	require.Equal(t, "Can't Lose Them", seg(1, 5, 5), "shadowed by At Risk as published")
	require.Equal(t, "Need Attention", seg(2, 2, 2))
	require.Equal(t, "Lost", seg(1, 1, 1), "unreachable as published")
	require.Equal(t, "About To Sleep", seg(3, 1, 2))
	hits := map[string]int{}
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			for m := 1; m <= 5; m++ {
				name := seg(r, f, m)
				require.NotEqual(t, "Others", name, "cell %d%d%d falls in no row", r, f, m)
				hits[name]++
			}
		}
	}
	require.Len(t, hits, len(table), "every row is reachable")
	// A copy each time: changing one does not change the next.
	table[0].Name = "changed"
	require.Equal(t, "Champions", scoring.RFMSegments()[0].Name)
}
