package scoring_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/scoring"
)

// cdnowRows compresses the published CDNOW summary (the rounded file the
// published parameters were fitted on).
func cdnowRows(t *testing.T) []scoring.Row { return cdnowRowsB(t) }

func cdnowRowsB(t testing.TB) []scoring.Row {
	return scoring.Compress(cdnowSpend(t))
}

func TestFitBGNBDOnCDNOW(t *testing.T) {
	rows := cdnowRows(t)
	total := 0.0
	for _, r := range rows {
		total += r.Weight
	}
	require.Equal(t, 2357.0, total)
	require.Less(t, len(rows), 2357, "compression must merge equal histories")
	m, err := scoring.FitBGNBD(context.Background(), rows, nil)
	require.NoError(t, err)
	requirePublished(t, published{[]string{"r", "alpha", "a", "b"}, []float64{0.2426, 4.4136, 0.7929, 2.4258}, -9582.43},
		[]float64{m.R, m.Alpha, m.A, m.B}, m.StdErr[:], m.LogLikelihood, 1)
	// Predictions at the fitted parameters.
	require.InDelta(t, 1.2259, m.ConditionalExpectedPurchases(39, 2, 30.43, 38.86), 1e-3)
	require.InDelta(t, 0.7266, m.ProbabilityAlive(2, 30.43, 38.86), 1e-3)
}

func TestBGNBDPublishedPredictions(t *testing.T) {
	m := &scoring.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	require.InDelta(t, 0.5737864, m.ProbabilityOfPurchases(0, 39), 1e-3)
	require.InDelta(t, 1.07869e-07, m.ProbabilityOfPurchases(10, 2), 1e-5)
	fitted := &scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258}
	for _, c := range []struct{ t, want float64 }{{0.1429, 0.0078}, {1, 0.0532}, {3, 0.1506}, {31.8571, 1.0405}, {32, 1.0437}, {78, 1.8576}} {
		require.InDelta(t, c.want, fitted.ExpectedPurchases(c.t), 2e-3, "E[X(%v)]", c.t)
	}
	// Probabilities over n sum to one.
	sum := 0.0
	for n := range 200 {
		sum += m.ProbabilityOfPurchases(n, 39)
	}
	require.InDelta(t, 1, sum, 1e-6)
}

func TestBGNBDExtremeCustomers(t *testing.T) {
	m := &scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258}
	require.Equal(t, 1.0, m.ProbabilityAlive(0, 0, 100))
	require.Equal(t, 0.0, m.ProbabilityAlive(1000, 10, 100))
	for _, c := range [][3]float64{{1000, 10, 100}, {2000, 99, 100}, {2000, 100, 100}, {500, 50, 52}} {
		e := m.ConditionalExpectedPurchases(39, c[0], c[1], c[2])
		require.False(t, math.IsNaN(e) || math.IsInf(e, 0), "%v gives %v", c, e)
		require.GreaterOrEqual(t, e, 0.0)
	}
	// A very active customer seen at T keeps buying at about the posterior
	// mean rate (r+x)/(α+T); drop-out can only lower the expectation.
	e := m.ConditionalExpectedPurchases(10, 2000, 100, 100)
	upper := (m.R + 2000) / (m.Alpha + 100) * 10
	require.Less(t, e, upper)
	require.Greater(t, e, 0.9*upper)
}

func TestFitBGNBDRecoversGeneratedParameters(t *testing.T) {
	sums, cfg := generatedSummaries(t, 20_000)
	m, err := scoring.FitBGNBD(context.Background(), scoring.Compress(sums), nil)
	require.NoError(t, err)
	truth := cfg.Purchase
	// Daily periods discretise a continuous process; allow 15%.
	requireRel(t, truth.R, m.R, 0.15, "r")
	requireRel(t, truth.Alpha, m.Alpha, 0.15, "alpha")
	requireRel(t, truth.A, m.A, 0.25, "a")
	requireRel(t, truth.B, m.B, 0.25, "b")
}

func TestFitBGNBDRefusesBadRows(t *testing.T) {
	_, err := scoring.FitBGNBD(context.Background(), []scoring.Row{{Frequency: 1.5, Recency: 1, T: 2, Weight: 1}, {Frequency: 1, Recency: 3, T: 2, Weight: 1}, {Weight: 0}}, nil)
	require.Error(t, err)
	for _, want := range []string{"rows[0]", "rows[1]", "rows[2]"} {
		require.Contains(t, err.Error(), want)
	}
}

func TestBGNBDJSONRoundTrip(t *testing.T) {
	m, err := scoring.FitBGNBD(context.Background(), cdnowRows(t), nil)
	require.NoError(t, err)
	requireJSONRoundTrip(t, m)
}
