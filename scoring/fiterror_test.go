package scoring_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/scoring"
)

// noDropOutRows simulates customers who never leave: gamma-distributed
// Poisson rates observed for 52 weeks.
func noDropOutRows(n int) []scoring.Row {
	rng := rand.New(rand.NewPCG(1, 2))
	var sums []scoring.Summary
	for range n {
		// λ ~ Gamma(2, 10): the sum of two exponentials, scaled.
		lambda := (rng.ExpFloat64() + rng.ExpFloat64()) / 10
		x, t, last := 0, 0.0, 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > 52 {
				break
			}
			x, last = x+1, t
		}
		sums = append(sums, scoring.Summary{Frequency: x, Recency: float64(int(last*7)) / 7, T: 52})
	}
	return scoring.Compress(sums)
}

func TestFitReportsNoDropOut(t *testing.T) {
	rows := noDropOutRows(3000)
	ctx := context.Background()
	for name, fit := range map[string]func(*scoring.FitOptions) error{
		"BG/NBD":     func(o *scoring.FitOptions) error { _, err := scoring.FitBGNBD(ctx, rows, o); return err },
		"MBG/NBD":    func(o *scoring.FitOptions) error { _, err := scoring.FitMBGNBD(ctx, rows, o); return err },
		"Pareto/NBD": func(o *scoring.FitOptions) error { _, err := scoring.FitParetoNBD(ctx, rows, o); return err },
	} {
		err := fit(nil)
		var fe *scoring.FitError
		require.True(t, errors.As(err, &fe), "%s: want a FitError, got %v", name, err)
		require.Equal(t, name, fe.Model)
		require.Contains(t, fe.Reason, "no drop-out", name)
		require.Contains(t, fe.Remedy, "Penalizer", name)
		require.NoError(t, fit(&scoring.FitOptions{Penalizer: 0.01}), "%s with a penalizer", name)
	}
}

func TestFitOptionsAreChecked(t *testing.T) {
	rows := cdnowRows(t)
	ctx := context.Background()
	_, err := scoring.FitBGNBD(ctx, rows, &scoring.FitOptions{Penalizer: -1})
	require.ErrorContains(t, err, "penalizer")
	_, err = scoring.FitBGNBD(ctx, rows, &scoring.FitOptions{Initial: []float64{1, 2}})
	require.ErrorContains(t, err, "2 initial values for 4 parameters")
	_, err = scoring.FitBGNBD(ctx, rows, &scoring.FitOptions{Initial: []float64{1, 2, 0, 1}})
	require.ErrorContains(t, err, "initial a")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = scoring.FitBGNBD(cancelled, rows, nil)
	require.ErrorIs(t, err, context.Canceled)
	// A penalizer shrinks parameters towards 1 and lowers the fit.
	plain, err := scoring.FitBGNBD(ctx, rows, nil)
	require.NoError(t, err)
	pen, err := scoring.FitBGNBD(ctx, rows, &scoring.FitOptions{Penalizer: 1})
	require.NoError(t, err)
	require.Less(t, pen.Alpha, plain.Alpha)
	require.Less(t, pen.LogLikelihood, plain.LogLikelihood)
}
