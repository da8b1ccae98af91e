package scoring_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// AliveColumns gives every customer the P(alive) ProbabilityAlive gives:
// generated customers in days and in weeks (whole periods: the table of
// logarithms), the same in fractional units (no table), and ages past the
// table's bound.
func TestAliveColumnsAgreesWithProbabilityAlive(t *testing.T) {
	ctx := context.Background()
	sums, _ := generatedSummaries(t, 5000)
	m, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
	require.NoError(t, err)
	x, tx, T := scoring.SummaryColumns(sums)
	require.Len(t, x, len(sums))
	check := func(name string, x, tx, T []float64) {
		out := make([]float64, len(x))
		require.NoError(t, m.AliveColumns(ctx, x, tx, T, out), name)
		for i := range x {
			want := m.ProbabilityAlive(x[i], tx[i], T[i])
			require.InEpsilon(t, want, out[i], 1e-12, "%s: row %d (x %v, tx %v, T %v)", name, i, x[i], tx[i], T[i])
		}
	}
	check("days", x, tx, T)
	scaled := func(c []float64, f, add float64) []float64 {
		out := make([]float64, len(c))
		for i, v := range c {
			out[i] = v*f + add
		}
		return out
	}
	check("weeks (fractional)", x, scaled(tx, 1.0/7, 0), scaled(T, 1.0/7, 0))
	check("past the table", x, scaled(tx, 1, 70_000), scaled(T, 1, 70_000))
	zeros := 0
	for _, v := range x {
		if v == 0 {
			zeros++
		}
	}
	require.Positive(t, zeros, "the data has one-time buyers (P(alive) = 1)")
}

// Bad columns are refused with the row named, and out is left as it was.
func TestAliveColumnsRefusesBadRows(t *testing.T) {
	ctx := context.Background()
	m := &scoring.BGNBD{R: 0.24, Alpha: 4.41, A: 0.79, B: 2.43}
	out := []float64{-1, -1}
	for name, c := range map[string][3][]float64{
		"T before tx":  {{1, 2}, {3, 5}, {4, 4}},
		"negative x":   {{1, -1}, {3, 2}, {4, 4}},
		"fractional x": {{1, 1.5}, {3, 2}, {4, 4}},
		"NaN T":        {{1, 1}, {3, 2}, {4, math.NaN()}},
		"infinite T":   {{1, 1}, {3, 2}, {4, math.Inf(1)}},
		"NaN x":        {{1, math.NaN()}, {3, 2}, {4, 4}},
		"infinite x":   {{1, math.Inf(1)}, {3, 2}, {4, 4}},
		"NaN tx":       {{1, 1}, {3, math.NaN()}, {4, 4}},
	} {
		err := m.AliveColumns(ctx, c[0], c[1], c[2], out)
		require.ErrorIs(t, err, crm.ErrInvalid, name)
		require.ErrorContains(t, err, "row 1", name)
		require.Equal(t, []float64{-1, -1}, out, name)
	}
	// A whole x past 2^53 is a count like any other (every such float64 is whole).
	huge := []float64{0}
	require.NoError(t, m.AliveColumns(ctx, []float64{1 << 60}, []float64{3}, []float64{4}, huge))
	require.Equal(t, m.ProbabilityAlive(1<<60, 3, 4), huge[0])
	require.ErrorContains(t, m.AliveColumns(ctx, []float64{1}, []float64{1, 2}, []float64{1, 2}, out), "differ")
	require.ErrorIs(t, (&scoring.BGNBD{R: 1, Alpha: -1, A: 1, B: 1}).AliveColumns(ctx, nil, nil, nil, nil), crm.ErrInvalid)
	var nilModel *scoring.BGNBD
	require.ErrorIs(t, nilModel.AliveColumns(ctx, nil, nil, nil, nil), crm.ErrInvalid)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, m.AliveColumns(cctx, []float64{1}, []float64{1}, []float64{2}, []float64{0}), context.Canceled)
}

// Over random models and columns — shapes from flat to steep, ages up to
// 60,000 periods, purchase counts past the integer-power bound — every row
// agrees with ProbabilityAlive: no overflow turns into NaN, even where
// (α+T)^(r+x) passes float64's range.
func TestAliveColumnsRandomModels(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	for k := range 20 {
		ages := []int{5000, 60_000}[k%2]
		m := &scoring.BGNBD{R: 0.05 + rng.Float64()*10, Alpha: 0.1 + rng.Float64()*100, A: 0.1 + rng.Float64()*10, B: 0.1 + rng.Float64()*10}
		n := []int{2000, 130_000}[k%2] // the table covers 4,096 + n/2 ages
		x, tx, T := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range n {
			T[i] = float64(rng.IntN(ages))
			tx[i] = math.Floor(rng.Float64() * T[i])
			x[i] = float64(rng.IntN(80))
			if x[i] == 0 || i%50 == 0 {
				tx[i] = 0
			}
		}
		out := make([]float64, n)
		require.NoError(t, m.AliveColumns(ctx, x, tx, T, out))
		for i := range n {
			want := m.ProbabilityAlive(x[i], tx[i], T[i])
			require.False(t, math.IsNaN(out[i]), "%+v row %d", m, i)
			require.InDelta(t, want, out[i], math.Max(1e-12*want, 1e-300), "%+v row %d (x %v, tx %v, T %v)", m, i, x[i], tx[i], T[i])
		}
	}
}

// A fit is reproducible to the bit: the same rows give the same model,
// run after run (a sum over a map's order once made Gamma-Gamma's Newton
// steps, and so its answer, differ in the last bits).
func TestFitsAreReproducible(t *testing.T) {
	ctx := context.Background()
	sums, _ := generatedSummaries(t, 3000)
	first, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
	require.NoError(t, err)
	firstBG, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
	require.NoError(t, err)
	for range 8 {
		again, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
		require.NoError(t, err)
		require.Equal(t, *first, *again)
		againBG, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
		require.NoError(t, err)
		require.Equal(t, *firstBG, *againBG)
	}
}
