package scoring_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/scoring"
)

// cdnowSpend returns the published CDNOW summary with mean repeat spend.
func cdnowSpend(t testing.TB) []scoring.Summary {
	sums, err := datasets.CDNOWSummary()
	require.NoError(t, err)
	require.Len(t, sums, 2357)
	return sums
}

func TestFitGammaGammaOnCDNOW(t *testing.T) {
	sums := cdnowSpend(t)
	rows := scoring.SpendRows(sums)
	total := 0.0
	for _, r := range rows {
		total += r.Weight
	}
	require.Equal(t, 946.0, total)
	m, err := scoring.FitGammaGamma(context.Background(), rows, nil)
	require.NoError(t, err)
	requirePublished(t, published{[]string{"p", "q", "gamma"}, []float64{6.25, 3.74, 15.44}, -4055.92},
		[]float64{m.P, m.Q, m.Gamma}, m.StdErr[:], m.LogLikelihood, 10)

	// Published: the first 10 customers in file order. The data README
	// says "repeat customers", but the values are those of the first ten
	// customers of any frequency: 35.17 is the population mean that a
	// customer with no repeat purchase gets (customers 3, 4, 5, 8, 10).
	want := []float64{24.66, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17}
	fitted := &scoring.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	var got []float64
	for _, s := range sums[:len(want)] {
		got = append(got, fitted.ExpectedAverageSpend(float64(s.Frequency), s.Monetary))
	}
	require.Equal(t, 0, sums[2].Frequency)
	require.InDeltaSlice(t, want, got, 0.1)
	// Shrinkage: the estimate lies between the population mean and the
	// customer's own mean, nearer the own mean with more purchases.
	mean := fitted.MeanSpend()
	require.InDelta(t, 6.25*15.44/2.74, mean, 1e-9)
	few, many := fitted.ExpectedAverageSpend(1, 100), fitted.ExpectedAverageSpend(50, 100)
	require.True(t, mean < few && few < many && many < 100)
	require.Equal(t, mean, fitted.ExpectedAverageSpend(0, 0))

	requireJSONRoundTrip(t, m)
}

func TestFitGammaGammaRecoversGeneratedParameters(t *testing.T) {
	sums, cfg := generatedSummaries(t, 20_000)
	m, err := scoring.FitGammaGamma(context.Background(), scoring.SpendRows(sums), nil)
	require.NoError(t, err)
	truth := cfg.Spend
	requireRel(t, truth.P, m.P, 0.1, "p")
	requireRel(t, truth.Q, m.Q, 0.1, "q")
	requireRel(t, truth.Gamma, m.Gamma, 0.1, "gamma")
}

func TestFitGammaGammaRefusesBadRows(t *testing.T) {
	_, err := scoring.FitGammaGamma(context.Background(), []scoring.SpendRow{{Frequency: 0, Monetary: 1, Weight: 1}, {Frequency: 2, Monetary: -3, Weight: 1}}, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "rows[0]")
	require.Contains(t, err.Error(), "rows[1]")
	_, err = scoring.FitGammaGamma(context.Background(), nil, nil)
	require.ErrorContains(t, err, "no customers")
}
