package scoring_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// A missing argument is an error that names it, never a panic — not even
// a model returned nil with its fitting error and passed on.
func TestMissingArgumentsAreErrors(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	sums := []scoring.Summary{{CustomerID: "a", Frequency: 1, Recency: 1, T: 2, Monetary: 5, Currency: "USD"}}
	spend := &scoring.GammaGamma{P: 6, Q: 4, Gamma: 15}
	opt := &scoring.CLVOptions{Months: 12, UnitsPerMonth: scoring.DaysPerMonth}
	failedFit, fitErr := scoring.FitBGNBD(ctx, nil, nil)
	require.Error(t, fitErr)
	for name, call := range map[string]func() error{
		"Summarize(nil)": func() error { _, err := scoring.Summarize(ctx, nil, now, nil); return err },
		"SummarizeHoldout(nil)": func() error {
			_, err := scoring.SummarizeHoldout(ctx, nil, now, now.AddDate(0, 1, 0), nil)
			return err
		},
		"TransactionBaskets(nil)": func() error { _, err := scoring.TransactionBaskets(ctx, nil); return err },
		"CustomerBaskets(nil)":    func() error { _, _, err := scoring.CustomerBaskets(ctx, nil); return err },
		"ExperienceIndex(nil)": func() error {
			_, _, err := scoring.ExperienceIndex(ctx, nil, now, nil)
			return err
		},
		"CustomerValues(failed BG/NBD fit)": func() error {
			_, err := scoring.CustomerValues(ctx, failedFit, spend, sums, opt)
			return err
		},
		"CustomerValues(nil *MBGNBD)": func() error {
			_, err := scoring.CustomerValues(ctx, (*scoring.MBGNBD)(nil), spend, sums, opt)
			return err
		},
		"CustomerValues(nil *ParetoNBD)": func() error {
			_, err := scoring.CustomerValues(ctx, (*scoring.ParetoNBD)(nil), spend, sums, opt)
			return err
		},
		"CustomerValues(nil spend)": func() error {
			_, err := scoring.CustomerValues(ctx, &scoring.BGNBD{R: 1, Alpha: 1, A: 1, B: 1}, nil, sums, opt)
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() { err = call() })
			require.ErrorIs(t, err, crm.ErrInvalid)
			require.Regexp(t, `nil|no `, err.Error())
		})
	}
}

// A host's model that panics inside the parallel valuation comes back as
// an error, not a crash on a goroutine the host cannot recover.
func TestCustomerValuesRecoversAPanickingModel(t *testing.T) {
	sums := make([]scoring.Summary, 10_000)
	for i := range sums {
		sums[i] = scoring.Summary{CustomerID: "c", Frequency: 1, Recency: 1, T: 2, Monetary: 5, Currency: "USD"}
	}
	_, err := scoring.CustomerValues(context.Background(), panicky{}, &scoring.GammaGamma{P: 6, Q: 4, Gamma: 15}, sums,
		&scoring.CLVOptions{Months: 12, UnitsPerMonth: scoring.DaysPerMonth})
	require.ErrorContains(t, err, "panicked: model bug")
}

type panicky struct{ scoring.PurchaseModel }

func (panicky) ProbabilityAlive(x, tx, T float64) float64 { panic("model bug") }
func (panicky) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	panic("model bug")
}
