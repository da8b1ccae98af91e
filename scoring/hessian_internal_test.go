package scoring

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"
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

// spendRows are n customers of 1–15 repeat periods with spends drawn
// log-normal around 20.
func spendRows(n int) []SpendRow {
	rng := rand.New(rand.NewPCG(7, 8))
	sums := make([]Summary, n)
	for i := range sums {
		sums[i] = Summary{Frequency: 1 + rng.IntN(15), Monetary: 20 * math.Exp(rng.NormFloat64()*0.6)}
	}
	return SpendRows(sums)
}

// The Gamma-Gamma Hessian in closed form gives the standard errors the
// finite differences of the gradient give (20,000 customers).
func TestGammaGammaHessianAgreesWithFiniteDifferences(t *testing.T) {
	rows := spendRows(20000)
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

// The BG/NBD and MBG/NBD Hessians in closed form equal the finite
// differences of the analytic gradient, entry by entry, at several points
// (not only optima), over histories with one-time buyers, repeat buyers
// and weights. (No parameter sits near 5, where gonum's Digamma, which the
// gradient uses, is off by about 2e-6 relative and so are its differences.)
func TestBetaGeoHessianAgreesWithFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var rows []Row
	for range 5000 {
		T := float64(1 + rng.IntN(700))
		x := float64(rng.IntN(12))
		tx := 0.0
		if x > 0 {
			tx = math.Floor(rng.Float64()*T) + 1
			tx = min(tx, T)
		}
		rows = append(rows, Row{Frequency: x, Recency: tx, T: T, Weight: float64(1 + rng.IntN(3))})
	}
	h := newHistories(rows)
	for _, shift := range []float64{0, 1} {
		obj := betaGeoObjective(h, shift)
		hessian := betaGeoHessian(h, shift)
		for _, p := range [][]float64{{0.24, 4.4, 0.79, 2.4}, {1.7, 60, 0.3, 4.6}, {0.5, 200, 2.5, 0.9}} {
			an := mat.NewSymDense(4, nil)
			hessian(p, an)
			q := slices.Clone(p)
			gp, gm := make([]float64, 4), make([]float64, 4)
			for j := range 4 {
				step := 1e-6 * p[j]
				q[j] = p[j] + step
				obj(q, gp)
				q[j] = p[j] - step
				obj(q, gm)
				q[j] = p[j]
				for i := range 4 {
					fd := (gp[i] - gm[i]) / (2 * step)
					require.InDelta(t, fd, an.At(i, j), 1e-5*math.Max(1, math.Abs(fd)), "shift %v at %v: H[%d][%d]", shift, p, i, j)
				}
			}
		}
	}
}

// digamma against its closed forms: ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2,
// ψ(n+1) = ψ(n) + 1/n, across the switch to the series at 8; and trigamma
// is its derivative.
func TestDigamma(t *testing.T) {
	const euler = 0.57721566490153286060651209
	require.InDelta(t, -euler, digamma(1), 5e-14)
	require.InDelta(t, -euler-2*math.Ln2, digamma(0.5), 5e-14)
	want := -euler
	for n := 1; n < 60; n++ {
		want += 1 / float64(n)
		require.InDelta(t, want, digamma(float64(n+1)), 1e-13, "ψ(%d)", n+1)
	}
	for _, x := range []float64{0.3, 1.7, 4.99, 5, 5.01, 7.99, 8.01, 30.5} {
		h := 1e-5 * x
		require.InEpsilon(t, trigamma(x), (digamma(x+h)-digamma(x-h))/(2*h), 1e-8, "ψ'(%v)", x)
	}
	require.True(t, math.IsNaN(digamma(0)))
}

// A Newton fit that fails or stops short of the optimum — here with a
// Hessian spoiled on purpose: a NaN in it, scaled down a billion times,
// negated — is finished by BFGS, and ends where BFGS alone ends.
func TestNewtonStalledIsFinishedByBFGS(t *testing.T) {
	rows := spendRows(3000)
	obj, total, mean := gammaGammaObjective(rows)
	spec := fitSpec{model: "GG", names: []string{"p", "q", "gamma"}, nll: obj, analytic: true, weight: total,
		initial: []float64{1, 2, mean}, scale: []float64{1, 1, mean}}
	want, _, wantLL, err := fitLogParams(context.Background(), spec, nil)
	require.NoError(t, err)
	good := gammaGammaHessian(rows)
	for name, hess := range map[string]func([]float64, *mat.SymDense){
		"nan": func(p []float64, h *mat.SymDense) {
			good(p, h)
			h.SetSym(0, 0, math.NaN())
		},
		"tiny": func(p []float64, h *mat.SymDense) {
			good(p, h)
			h.ScaleSym(1e-9, h)
		},
		"negated": func(p []float64, h *mat.SymDense) {
			good(p, h)
			h.ScaleSym(-1, h)
		},
		"true": good,
	} {
		spec.hessian, spec.newton = hess, true
		got, _, ll, err := fitLogParams(context.Background(), spec, nil)
		require.NoError(t, err, name)
		require.InEpsilonSlice(t, want, got, 1e-4, name)
		require.InDelta(t, wantLL, ll, 1e-3, name)
	}
}

// newHistories numbers values as a map in order of appearance would:
// whole values (found in a slice), fractions, −0 and +0 (one value), NaN
// (each its own) and values past the slice's bound (found in the map).
func TestHistoriesIndexLikeAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	pick := []float64{0, math.Copysign(0, -1), 1, 2, 7, 365, 0.5, 1.25, denseIndex, denseIndex + 3, 3e9, math.NaN()}
	var rows []Row
	for range 2000 {
		rows = append(rows, Row{Frequency: float64(rng.IntN(9)), Recency: pick[rng.IntN(len(pick))], T: pick[rng.IntN(len(pick))], Weight: 1})
	}
	h := newHistories(rows)
	var times []float64
	seen := map[float64]int32{}
	index := func(v float64) int32 {
		if i, ok := seen[v]; ok {
			return i
		}
		seen[v] = int32(len(times))
		times = append(times, v)
		return int32(len(times) - 1)
	}
	for i, r := range rows {
		require.Equal(t, index(r.Recency), h.rows[i].txi, "row %d recency %v", i, r.Recency)
		require.Equal(t, index(r.T), h.rows[i].ti, "row %d T %v", i, r.T)
	}
	require.Equal(t, len(times), len(h.times))
	for i := range times {
		require.Equal(t, math.Float64bits(times[i]), math.Float64bits(h.times[i]), "time %d", i)
	}
}
