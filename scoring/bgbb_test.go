package scoring_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/combin"

	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/scoring"
)

func donationRows(t testing.TB) []scoring.Row {
	rows, err := datasets.Donations()
	require.NoError(t, err)
	return rows
}

func TestFitBGBBOnDonations(t *testing.T) {
	rows := donationRows(t)
	total := 0.0
	for _, r := range rows {
		total += r.Weight
	}
	require.Equal(t, 11104.0, total)
	m, err := scoring.FitBGBB(context.Background(), rows, nil)
	require.NoError(t, err)
	requirePublished(t, published{[]string{"alpha", "beta", "gamma", "delta"}, []float64{1.204, 0.750, 0.657, 2.783}, -33225.58},
		[]float64{m.Alpha, m.Beta, m.Gamma, m.Delta}, m.StdErr[:], m.LogLikelihood, 1)
	for _, c := range []struct {
		x, tx, n int
		want     float64
	}{{0, 0, 6, 0.11}, {2, 4, 6, 0.59}, {6, 6, 6, 0.93}} {
		require.InDelta(t, c.want, m.ProbabilityAlive(c.x, c.tx, c.n), 0.01, "%+v", c)
	}
	requireJSONRoundTrip(t, m)
}

// Hand-checkable identities of the BG/BB predictions.
func TestBGBBPredictionIdentities(t *testing.T) {
	m := &scoring.BGBB{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	for n := 0; n <= 10; n++ {
		sum, mean := 0.0, 0.0
		for x := 0; x <= n; x++ {
			p := m.ProbabilityOfPurchases(x, n)
			sum += p
			mean += float64(x) * p
		}
		require.InDelta(t, 1, sum, 1e-12, "n = %d", n)
		require.InDelta(t, m.ExpectedPurchases(n), mean, 1e-12, "n = %d", n)
	}
	// One opportunity: P(X(1) = 1) = E[p]·E[1−θ] = α/(α+β) · δ/(γ+δ).
	require.InDelta(t, 1.204/1.954*2.783/3.44, m.ProbabilityOfPurchases(1, 1), 1e-12)
	// A customer who bought at every opportunity is more likely alive and
	// expected to buy more than one who stopped early.
	require.Greater(t, m.ProbabilityAlive(6, 6, 6), m.ProbabilityAlive(2, 2, 6))
	require.Greater(t, m.ConditionalExpectedPurchases(5, 6, 6, 6), m.ConditionalExpectedPurchases(5, 2, 2, 6))
	// Law of total expectation: averaging the conditional forecast for
	// periods 7–11 over all histories after 6 gives E[X(11)] − E[X(6)].
	total := 0.0
	for x := 0; x <= 6; x++ {
		for tx := x; tx <= 6; tx++ {
			if (x == 0) != (tx == 0) {
				continue
			}
			total += historyProbability(m, x, tx, 6) * m.ConditionalExpectedPurchases(5, x, tx, 6)
		}
	}
	require.InDelta(t, m.ExpectedPurchases(11)-m.ExpectedPurchases(6), total, 1e-9)
}

// historyProbability is the chance that a new customer shows the summary
// (x, tx, n): the number of purchase sequences with that summary,
// C(tx−1, x−1), times the likelihood of one, written out independently.
func historyProbability(m *scoring.BGBB, x, tx, n int) float64 {
	b := func(a, c float64) float64 { return math.Exp(mathext.Lbeta(a, c)) }
	fx, ftx, fn := float64(x), float64(tx), float64(n)
	l := b(m.Alpha+fx, m.Beta+fn-fx) / b(m.Alpha, m.Beta) * b(m.Gamma, m.Delta+fn) / b(m.Gamma, m.Delta)
	for i := 0; i < n-tx; i++ {
		fi := float64(i)
		l += b(m.Alpha+fx, m.Beta+ftx-fx+fi) / b(m.Alpha, m.Beta) * b(m.Gamma+1, m.Delta+ftx+fi) / b(m.Gamma, m.Delta)
	}
	if x == 0 {
		return l
	}
	return l * float64(combin.Binomial(tx-1, x-1))
}

func TestBGBBExtremeCustomers(t *testing.T) {
	m := &scoring.BGBB{Alpha: 1.204, Beta: 0.750, Gamma: 0.657, Delta: 2.783}
	for _, c := range [][3]int{{1000, 1000, 1000}, {500, 510, 1000}, {1, 1, 1000}, {0, 0, 1000}} {
		p := m.ProbabilityAlive(c[0], c[1], c[2])
		e := m.ConditionalExpectedPurchases(10, c[0], c[1], c[2])
		require.False(t, math.IsNaN(p) || math.IsNaN(e) || math.IsInf(e, 0), "%v gives %v, %v", c, p, e)
		require.True(t, p >= 0 && p <= 1, "%v: P(alive) = %v", c, p)
	}
	// Buying at all 1000 opportunities: almost surely active, and buying
	// at nearly every one of the next ten.
	require.Greater(t, m.ProbabilityAlive(1000, 1000, 1000), 0.99)
	require.InDelta(t, 10, m.ConditionalExpectedPurchases(10, 1000, 1000, 1000), 0.2)
	require.Less(t, m.ProbabilityAlive(1, 1, 1000), 1e-6)
}
