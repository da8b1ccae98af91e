package scoring

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// trigamma against its closed forms: ψ'(1) = π²/6, ψ'(1/2) = π²/2,
// ψ'(n+1) = ψ'(n) − 1/n², and the series' region.
func TestTrigamma(t *testing.T) {
	require.InEpsilon(t, math.Pi*math.Pi/6, trigamma(1), 1e-12)
	require.InEpsilon(t, math.Pi*math.Pi/2, trigamma(0.5), 1e-12)
	want := math.Pi * math.Pi / 6
	for n := 1; n < 40; n++ {
		want -= 1 / float64(n*n)
		require.InEpsilon(t, want, trigamma(float64(n+1)), 1e-11, "ψ'(%d)", n+1)
	}
	require.True(t, math.IsNaN(trigamma(0)))
	require.True(t, math.IsNaN(trigamma(-1)))
}

// The Gamma-Gamma Hessian in closed form gives the standard errors the
// finite differences of the gradient give (spends drawn log-normal around
// 20 for 20,000 customers of 1–15 repeat periods).
func TestGammaGammaHessianAgreesWithFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	sums := make([]Summary, 20000)
	for i := range sums {
		sums[i] = Summary{Frequency: 1 + rng.IntN(15), Monetary: 20 * math.Exp(rng.NormFloat64()*0.6)}
	}
	rows := SpendRows(sums)
	m, err := FitGammaGamma(context.Background(), rows, nil)
	require.NoError(t, err)
	obj, _, _ := gammaGammaObjective(rows)
	params := []float64{m.P, m.Q, m.Gamma}
	numeric := standardErrors(obj, params)
	require.InEpsilonSlice(t, numeric, m.StdErr[:], 1e-4)
	for _, se := range numeric {
		require.Positive(t, se)
	}
}
