package scoring

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAliveColumnsEveryPath builds columns that take each of
// AliveColumns' ways to a customer's P(alive) — the table's rows, the
// first row times a power by squaring past the rows, the logarithm and
// exponential for fractional ages and counts past 63, and the long way
// for an entry that underflowed — and checks every customer against
// ProbabilityAlive, for models with small and large α.
func TestAliveColumnsEveryPath(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(6, 6))
	const n = 20_000
	x, tx, T := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		age := float64(1 + rng.IntN(700))
		switch k := rng.IntN(10); {
		case k < 4: // one-time buyers
			x[i], tx[i], T[i] = 0, 0, age
		case k < 8 || rng.IntN(5) > 0: // few purchases: the table's rows
			x[i], T[i] = float64(1+rng.IntN(5)), age
			tx[i] = float64(rng.IntN(int(age) + 1))
		case k == 8: // many (one in fifty): past the rows, squaring, and past 63
			x[i], T[i] = float64(10+rng.IntN(80)), age
			tx[i] = float64(1 + rng.IntN(int(age)))
		default: // fractional ages
			x[i], T[i] = float64(rng.IntN(6)), age+0.5
			tx[i] = float64(rng.IntN(int(age))) + 0.25
		}
	}
	// Repeat buyers whose last purchase is at 0: for a tiny α the table's
	// entry at age 0 underflows (3 purchases; at age 0 too, both entries
	// are 0: 0/0 without the long way), and the ratio's power overflows
	// (40: P(alive) 0, as ProbabilityAlive's).
	x[0], tx[0], T[0] = 3, 0, 30
	x[1], tx[1], T[1] = 40, 0, 30
	x[2], tx[2], T[2] = 3, 0, 0
	for _, m := range []*BGNBD{
		{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426},
		{R: 2.5, Alpha: 1e-120, A: 0.5, B: 3},
		{R: 0.8, Alpha: 300, A: 1.2, B: 0.9},
		{R: 0.5, Alpha: 1e-10, A: 1e-300, B: 1},
	} {
		var top float64
		var counts [maxPowX + 1]int
		for i := range n {
			top = max(top, T[i])
			counts[int(min(x[i], maxPowX))]++
		}
		table, err := m.powTable(ctx, int(top), counts[:], n)
		require.NoError(t, err)
		require.Greater(t, table.rows, 1, "%+v: rows", m)
		require.Less(t, table.rows, 40, "%+v: rows (customer 1 is squared)", m)
		table.release()

		out := make([]float64, n)
		require.NoError(t, m.AliveColumns(ctx, x, tx, T, out))
		paths := map[string]int{}
		for i := range n {
			switch {
			case x[i] != math.Trunc(x[i]) || T[i] != math.Trunc(T[i]) || tx[i] != math.Trunc(tx[i]) || x[i] > maxPowX:
				paths["logarithm"]++
			case int(x[i]) >= table.rows:
				paths["squaring"]++
			default:
				paths["table"]++
			}
			want := m.ProbabilityAlive(x[i], tx[i], T[i])
			if want == 0 {
				require.Zero(t, out[i], "%+v: row %d", m, i)
				continue
			}
			require.InEpsilon(t, want, out[i], 1e-12, "%+v: row %d (x %v, tx %v, T %v)", m, i, x[i], tx[i], T[i])
		}
		require.Len(t, paths, 3, "%+v: %v", m, paths)
	}
	// For the tiny α, the first three customers went past the table, and
	// still agreed.
	require.Zero(t, math.Pow(1e-120, 2.5+3))
	require.True(t, math.IsInf(math.Pow(30/1e-10, 40), 1))
	// The power overflows, the odds do not (a = 1e-300): P(alive) is
	// e^-lo for the odds' logarithm lo, not 0.
	m := &BGNBD{R: 0.5, Alpha: 1e-10, A: 1e-300, B: 1}
	lo := math.Log(1e-300) - math.Log(1+40-1) + (0.5+40)*math.Log((1e-10+30)/1e-10)
	require.Greater(t, lo, 300.0)
	require.Less(t, lo, 700.0)
	want := math.Exp(-lo)
	require.InEpsilon(t, want, m.ProbabilityAlive(40, 0, 30), 1e-12)
	out := []float64{0}
	require.NoError(t, m.AliveColumns(ctx, []float64{40}, []float64{0}, []float64{30}, out))
	require.InEpsilon(t, want, out[0], 1e-12)
}
