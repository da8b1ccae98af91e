package scoring_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mathext"

	"github.com/crmkit/crm/scoring"
)

func TestFitMBGNBDOnCDNOW(t *testing.T) {
	m, err := scoring.FitMBGNBD(context.Background(), cdnowRows(t), nil)
	require.NoError(t, err)
	requirePublished(t, published{[]string{"r", "alpha", "a", "b"}, []float64{0.525, 6.183, 0.891, 1.614}, -9582.13},
		[]float64{m.R, m.Alpha, m.A, m.B}, m.StdErr[:], m.LogLikelihood, 2)
	requireJSONRoundTrip(t, m)
}

// The MBG/NBD predictions must agree with brute-force integration of the
// model's story over p (λ integrated analytically), which checks the closed
// forms independently of how they were derived.
func TestMBGNBDPredictionsMatchIntegration(t *testing.T) {
	m := &scoring.MBGNBD{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614}
	for _, tt := range []float64{0.5, 1, 10, 39, 78} {
		// E[X(t)] = E_p[(1−p)(1 − (α/(α+pt))^r)/p].
		want := betaIntegral(m.A, m.B, func(p float64) float64 {
			return (1 - p) * (1 - math.Pow(m.Alpha/(m.Alpha+p*tt), m.R)) / p
		})
		require.InDelta(t, want, m.ExpectedPurchases(tt), 1e-6*math.Max(1, want), "E[X(%v)]", tt)
	}
	for _, h := range [][3]float64{{0, 0, 39}, {2, 30.43, 38.86}, {5, 10, 38}, {20, 38, 39}} {
		x, tx, T := h[0], h[1], h[2]
		// Joint density of the history with and without being alive at T.
		lgRx, _ := math.Lgamma(m.R + x)
		lgR, _ := math.Lgamma(m.R)
		g := func(s float64) float64 {
			return math.Exp(lgRx - lgR + m.R*math.Log(m.Alpha) - (m.R+x)*math.Log(m.Alpha+s))
		}
		alive := betaIntegral(m.A, m.B, func(p float64) float64 { return math.Pow(1-p, x+1) * g(T) })
		dead := betaIntegral(m.A, m.B, func(p float64) float64 { return p * math.Pow(1-p, x) * g(tx) })
		require.InDelta(t, alive/(alive+dead), m.ProbabilityAlive(x, tx, T), 1e-6, "P(alive | %v)", h)
		// E[Y(39) | history] integrates the active branch's future.
		future := betaIntegral(m.A, m.B, func(p float64) float64 {
			return math.Pow(1-p, x+1) * g(T) * (1 - math.Pow((m.Alpha+T)/(m.Alpha+T+p*39), m.R+x)) / p
		}) / (alive + dead)
		require.InDelta(t, future, m.ConditionalExpectedPurchases(39, x, tx, T), 1e-6*math.Max(1, future), "E[Y | %v]", h)
	}
	sum := 0.0
	for n := range 400 {
		sum += m.ProbabilityOfPurchases(n, 39)
	}
	require.InDelta(t, 1, sum, 1e-6)
	// P(X(t) = 0) = E[p + (1−p)·NB(0)] directly.
	p0 := betaIntegral(m.A, m.B, func(p float64) float64 {
		return p + (1-p)*math.Pow(m.Alpha/(m.Alpha+39), m.R)
	})
	require.InDelta(t, p0, m.ProbabilityOfPurchases(0, 39), 1e-6)
}

func TestMBGNBDSanity(t *testing.T) {
	m := &scoring.MBGNBD{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614}
	require.Less(t, m.ProbabilityAlive(0, 0, 39), 1.0)
	require.Greater(t, m.ProbabilityAlive(0, 0, 1), m.ProbabilityAlive(0, 0, 39))
	require.Equal(t, 0.0, m.ProbabilityAlive(1000, 10, 100))
	e := m.ConditionalExpectedPurchases(39, 2000, 100, 100)
	require.False(t, math.IsNaN(e) || math.IsInf(e, 0))
	require.Greater(t, e, 0.0)
}

// betaIntegral is E[f(p)] for p ~ Beta(a, b) by Gauss–Legendre quadrature,
// after substitutions that remove the density's endpoint singularities:
// u = p^a on [0, ½] and v = (1−p)^b on [½, 1].
func betaIntegral(a, b float64, f func(p float64) float64) float64 {
	lb := mathext.Lbeta(a, b)
	lower := quad.Fixed(func(u float64) float64 {
		p := math.Pow(u, 1/a)
		return f(p) * math.Pow(1-p, b-1)
	}, 0, math.Pow(0.5, a), 400, quad.Legendre{}, 0) / a
	upper := quad.Fixed(func(v float64) float64 {
		p := 1 - math.Pow(v, 1/b)
		return f(p) * math.Pow(p, a-1)
	}, 0, math.Pow(0.5, b), 400, quad.Legendre{}, 0) / b
	return (lower + upper) / math.Exp(lb)
}

// BG/NBD's expected purchases are smooth through a = 1, where the closed
// form has a removable singularity and, near it, cancels: checked against
// the defining integral E_p[(1 − (α/(α+pt))^r)/p] on both sides, close in
// and at the edge of the interpolated band.
func TestBGNBDNearAOne(t *testing.T) {
	worst := 0.0
	for _, a := range []float64{0.7, 1 - 3e-3, 1 - 2e-3, 1 - 1e-3, 1 - 4e-4, 1 - 1e-6, 1 - 1e-9, 1, 1 + 1e-12, 1 + 1e-9, 1 + 1e-7, 1 + 5e-4, 1 + 1e-3, 1 + 2e-3, 1.3} {
		m := &scoring.BGNBD{R: 0.243, Alpha: 4.414, A: a, B: 2.426}
		for _, tt := range []float64{1, 39, 78} {
			want := betaIntegral(m.A, m.B, func(p float64) float64 { return (1 - math.Pow(m.Alpha/(m.Alpha+p*tt), m.R)) / p })
			got := m.ExpectedPurchases(tt)
			rel := math.Abs(got-want) / want
			worst = max(worst, rel)
			require.Less(t, rel, 1e-9, "a = %v, t = %v: %v, integral %v", a, tt, got, want)
		}
	}
	t.Logf("worst relative difference from the integral: %.2g", worst)
}
