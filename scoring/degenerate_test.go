package scoring_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// Data no purchase model can learn from is a FitError, not a fit that
// predicts: every T = 0 returned the starting point (r = α = a = b = 1),
// no repeat buyers a = b = 1, one customer b = 1.4e-7.
func TestFitsRefuseDegenerateData(t *testing.T) {
	fits := map[string]func([]scoring.Row) error{
		"BG/NBD":     func(r []scoring.Row) error { _, err := scoring.FitBGNBD(context.Background(), r, nil); return err },
		"MBG/NBD":    func(r []scoring.Row) error { _, err := scoring.FitMBGNBD(context.Background(), r, nil); return err },
		"Pareto/NBD": func(r []scoring.Row) error { _, err := scoring.FitParetoNBD(context.Background(), r, nil); return err },
		"BG/BB":      func(r []scoring.Row) error { _, err := scoring.FitBGBB(context.Background(), r, nil); return err },
	}
	for name, data := range map[string]struct {
		rows []scoring.Row
		want string
	}{
		"every T = 0":  {[]scoring.Row{{T: 0, Weight: 500}}, "every customer has T = 0"},
		"no repeats":   {[]scoring.Row{{T: 10, Weight: 300}, {T: 5, Weight: 200}}, "no customer made a repeat purchase"},
		"one customer": {[]scoring.Row{{Frequency: 2, Recency: 4, T: 6, Weight: 1}}, "1 customers cannot determine 4 parameters"},
	} {
		for model, fit := range fits {
			err := fit(data.rows)
			var fe *scoring.FitError
			require.ErrorAs(t, err, &fe, "%s: %s", model, name)
			require.ErrorContains(t, err, data.want, "%s: %s", model, name)
		}
	}
}

// Summaries no summary could be are refused by CustomerValues, naming the
// customer and the field, rather than valued negatively.
func TestCustomerValuesRefusesImpossibleSummaries(t *testing.T) {
	bg := &scoring.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := &scoring.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	good := scoring.Summary{CustomerID: "ok", Frequency: 2, Recency: 20, T: 30, Monetary: 25, Currency: "USD", UnitDays: 7}
	_, err := scoring.CustomerValues(context.Background(), bg, gg, []scoring.Summary{good}, nil)
	require.NoError(t, err)
	for field, edit := range map[string]func(*scoring.Summary){
		`"x".recency: 40 is outside 0..T (30)`: func(s *scoring.Summary) { s.Recency = 40 },
		`"x".frequency: -3 is negative`:        func(s *scoring.Summary) { s.Frequency = -3 },
		`"x".monetary: -25 is not a finite`:    func(s *scoring.Summary) { s.Monetary = -25 },
		`"x".t: NaN is not a finite age`:       func(s *scoring.Summary) { s.T = nan() },
	} {
		bad := good
		bad.CustomerID = "x"
		edit(&bad)
		_, err := scoring.CustomerValues(context.Background(), bg, gg, []scoring.Summary{good, bad}, nil)
		require.ErrorIs(t, err, crm.ErrInvalid, field)
		require.ErrorContains(t, err, "summaries[1] "+field)
	}
}

func nan() float64 { return math.NaN() }
