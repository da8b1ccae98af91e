package scoring_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/scoring"
)

// manyRows are n distinct histories, so that a fit works long enough to be
// cancelled in the middle.
func manyRows(n int, discrete bool) []scoring.Row {
	rng := rand.New(rand.NewPCG(3, 4))
	rows := make([]scoring.Row, n)
	for i := range rows {
		T := float64(10 + rng.IntN(400))
		if discrete {
			T = float64(6 + rng.IntN(6))
		}
		x := float64(rng.IntN(int(T)))
		if discrete {
			x = float64(rng.IntN(int(T) + 1))
		}
		tx := 0.0
		if x > 0 {
			tx = x + rng.Float64()*(T-x)
			if discrete {
				tx = x + float64(rng.IntN(int(T-x)+1))
			}
		}
		rows[i] = scoring.Row{Frequency: x, Recency: tx, T: T, Weight: float64(1 + rng.IntN(3))}
	}
	return rows
}

// Every fit stops with the context's error when it is cancelled in the
// middle. The time from cancelling to returning is logged (go test -v -run
// FitsHonourCancellation); BENCHMARKS.md records it.
func TestFitsHonourCancellation(t *testing.T) {
	rows, discrete := manyRows(40_000, false), manyRows(40_000, true)
	spend := make([]scoring.SpendRow, 40_000)
	for i := range spend {
		spend[i] = scoring.SpendRow{Frequency: float64(1 + i%17), Monetary: 10 + float64(i%991), Weight: 1}
	}
	for name, fit := range map[string]func(context.Context) error{
		"BG/NBD":      func(ctx context.Context) error { _, err := scoring.FitBGNBD(ctx, rows, nil); return err },
		"MBG/NBD":     func(ctx context.Context) error { _, err := scoring.FitMBGNBD(ctx, rows, nil); return err },
		"Pareto/NBD":  func(ctx context.Context) error { _, err := scoring.FitParetoNBD(ctx, rows, nil); return err },
		"BG/BB":       func(ctx context.Context) error { _, err := scoring.FitBGBB(ctx, discrete, nil); return err },
		"Gamma-Gamma": func(ctx context.Context) error { _, err := scoring.FitGammaGamma(ctx, spend, nil); return err },
	} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, fit(ctx), context.Canceled, "%s with a cancelled context", name)

		// Cancelled 2 ms in: each fit takes far longer on these rows.
		ctx, cancel = context.WithCancel(context.Background())
		at := make(chan time.Time, 1)
		time.AfterFunc(2*time.Millisecond, func() { at <- time.Now(); cancel() })
		err := fit(ctx)
		done := time.Now()
		require.ErrorIs(t, err, context.Canceled, "%s cancelled in the middle", name)
		t.Logf("%s returned %v after cancellation", name, done.Sub(<-at))
		cancel()
	}
}
