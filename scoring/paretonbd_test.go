package scoring_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"

	"github.com/crmkit/crm/scoring"
)

func TestFitParetoNBDOnCDNOW(t *testing.T) {
	m, err := scoring.FitParetoNBD(context.Background(), cdnowRows(t), nil)
	require.NoError(t, err)
	requirePublished(t, published{[]string{"r", "alpha", "s", "beta"}, []float64{0.5533, 10.5776, 0.6062, 11.6674}, -9594.97},
		[]float64{m.R, m.Alpha, m.S, m.Beta}, m.StdErr[:], m.LogLikelihood, 10)
	requireJSONRoundTrip(t, m)
}

func TestParetoNBDPublishedPredictions(t *testing.T) {
	m := &scoring.ParetoNBD{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562}
	require.InDelta(t, 0.9979, m.ProbabilityAlive(26, 30.86, 31), 1e-3)
	require.InDelta(t, 25.46, m.ConditionalExpectedPurchases(52, 26, 30.86, 31), 0.01)
}

// Predictions against direct integration of the model's story.
func TestParetoNBDPredictionsMatchIntegration(t *testing.T) {
	for _, m := range []*scoring.ParetoNBD{
		{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562}, // α < β
		{R: 0.8, Alpha: 12, S: 1.5, Beta: 4},                  // α > β
		{R: 0.8, Alpha: 12, S: 1, Beta: 4},                    // s = 1
	} {
		// E[X(t)] = ∫₀ᵗ E[λ] P(alive at u) du.
		for _, tt := range []float64{1, 39, 78} {
			want := quad.Fixed(func(u float64) float64 {
				return m.R / m.Alpha * math.Pow(m.Beta/(m.Beta+u), m.S)
			}, 0, tt, 200, quad.Legendre{}, 0)
			require.InDelta(t, want, m.ExpectedPurchases(tt), 1e-8, "E[X(%v)] at %+v", tt, m)
		}
		for _, h := range [][3]float64{{0, 0, 39}, {2, 30.43, 38.86}, {7, 15, 39}, {26, 30.86, 31}} {
			x, tx, T := h[0], h[1], h[2]
			// P(alive) = alive part / (alive + ∫_tx^T dying at τ), λ integrated.
			lik := func(tau float64) float64 { return math.Pow(m.Alpha/(m.Alpha+tau), m.R) * math.Pow(1/(m.Alpha+tau), x) }
			alive := lik(T) * math.Pow(m.Beta/(m.Beta+T), m.S)
			dead := quad.Fixed(func(tau float64) float64 {
				return lik(tau) * m.S / m.Beta * math.Pow(m.Beta/(m.Beta+tau), m.S+1)
			}, tx, T, 200, quad.Legendre{}, 0)
			require.InDelta(t, alive/(alive+dead), m.ProbabilityAlive(x, tx, T), 1e-8, "P(alive | %v) at %+v", h, m)
		}
		sum := 0.0
		for n := range 300 {
			sum += m.ProbabilityOfPurchases(n, 39)
		}
		require.InDelta(t, 1, sum, 1e-6, "Σ P(X(39) = n) at %+v", m)
		mean := 0.0
		for n := range 300 {
			mean += float64(n) * m.ProbabilityOfPurchases(n, 39)
		}
		require.InDelta(t, m.ExpectedPurchases(39), mean, 1e-4)
	}
}

func TestParetoNBDExtremeCustomers(t *testing.T) {
	m := &scoring.ParetoNBD{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562}
	for _, c := range [][3]float64{{1000, 10, 100}, {2000, 99, 100}, {2000, 100, 100}, {0, 0, 1000}} {
		p := m.ProbabilityAlive(c[0], c[1], c[2])
		e := m.ConditionalExpectedPurchases(39, c[0], c[1], c[2])
		require.False(t, math.IsNaN(p) || math.IsNaN(e) || math.IsInf(e, 0), "%v gives %v, %v", c, p, e)
		require.True(t, p >= 0 && p <= 1)
	}
	require.Less(t, m.ProbabilityAlive(1000, 10, 100), 1e-12)
	require.Equal(t, 1.0, m.ProbabilityAlive(5, 39, 39))
}

// Extreme histories return, and promptly: 10⁹ purchases over 10⁹ periods
// used to loop for ever inside the hypergeometric function.
func TestParetoNBDExtremeHistoriesReturn(t *testing.T) {
	m := &scoring.ParetoNBD{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562}
	for _, c := range [][3]float64{{1e9, 1, 1e9}, {1e9, 1e9, 1e9}, {1e6, 3, 1e7}, {0, 0, 1e12}, {5, 4, 740_000}} {
		p := m.ProbabilityAlive(c[0], c[1], c[2])
		require.True(t, p >= 0 && p <= 1, "P(alive | %v) = %v", c, p)
	}
	// Active to the end: alive; 10⁹ purchases then silence for 10⁹ periods:
	// gone.
	require.InDelta(t, 1, m.ProbabilityAlive(1e9, 1e9, 1e9), 1e-6)
	require.InDelta(t, 0, m.ProbabilityAlive(1e9, 1, 1e9), 1e-6)
}

// A customer first seen in year 1 (T ≈ 740,000 days) does not hang the
// fit: it ends, with a model or a FitError, well inside its deadline.
func TestFitParetoNBDFarPastCustomer(t *testing.T) {
	rows := append(cdnowRows(t), scoring.Row{Frequency: 3, Recency: 20, T: 739_000, Weight: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := scoring.FitParetoNBD(ctx, rows, nil)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
	if err == nil {
		require.True(t, m.R > 0 && m.Alpha > 0 && m.S > 0 && m.Beta > 0, "%+v", m)
	} else {
		var fe *scoring.FitError
		require.ErrorAs(t, err, &fe)
	}
}
