package scoring_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/scoring"
)

// steady buys one purchase per time unit for ever, whatever the history:
// a hand-checkable purchase model that also exercises the generic path.
type steady struct{}

func (steady) ExpectedPurchases(t float64) float64                      { return t }
func (steady) ConditionalExpectedPurchases(t, x, tx, T float64) float64 { return t }
func (steady) ProbabilityAlive(x, tx, T float64) float64                { return 1 }
func (steady) ProbabilityOfPurchases(n int, t float64) float64          { return 0 }

// generic hides a model's type so CustomerValues takes the generic path.
type generic struct{ scoring.PurchaseModel }

func TestCustomerValuesByHand(t *testing.T) {
	spend := &scoring.GammaGamma{P: 6, Q: 4, Gamma: 30} // population mean 6·30/3 = 60
	sums := []scoring.Summary{
		{CustomerID: "new", Currency: "USD", Total: decimal.RequireFromString("25.50")},
		{CustomerID: "regular", Frequency: 9, Recency: 30, T: 40, Monetary: 100, Currency: "USD"},
	}
	vals, err := scoring.CustomerValues(context.Background(), steady{}, spend, sums, &scoring.CLVOptions{
		Months: 12, MonthlyDiscount: 0.01, UnitsPerMonth: 1,
	})
	require.NoError(t, err)
	// One purchase a month for 12 months at 1% a month: an annuity.
	annuity := (1 - math.Pow(1.01, -12)) / 0.01
	require.Equal(t, "new", vals[0].CustomerID)
	require.Equal(t, decimal.NewFromFloat(60*annuity).Round(2).String(), vals[0].CLV.Amount.String())
	require.Equal(t, "USD", vals[0].CLV.Currency)
	require.Equal(t, "25.5", vals[0].Historic.Amount.String())
	require.Equal(t, 12.0, vals[0].Purchases)
	// The regular's spend shrinks from 100 towards 60: 6·(30+900)/(54+3).
	require.InDelta(t, 6*(30+900)/57.0, vals[1].Spend, 1e-12)
	require.Equal(t, decimal.NewFromFloat(6*(30+900)/57.0*annuity).Round(2).String(), vals[1].CLV.Amount.String())

	// Margin scales; no discount gives the plain sum; JPY rounds to yen.
	vals, err = scoring.CustomerValues(context.Background(), steady{}, spend, sums[:1], &scoring.CLVOptions{
		Months: 3, UnitsPerMonth: 2, Margin: 0.25, Currency: "JPY",
	})
	require.ErrorContains(t, err, "currency USD, expected JPY")
	sums[0].Currency = ""
	vals, err = scoring.CustomerValues(context.Background(), steady{}, spend, sums[:1], &scoring.CLVOptions{
		Months: 3, UnitsPerMonth: 2, Margin: 0.25, Currency: "JPY",
	})
	require.NoError(t, err)
	require.Equal(t, "90", vals[0].CLV.Amount.String()) // 0.25 · 60 · 6 purchases
}

func TestCustomerValuesRefusesBadInput(t *testing.T) {
	sums := []scoring.Summary{{CustomerID: "a", Currency: "USD"}, {CustomerID: "b", Currency: "EUR"}}
	_, err := scoring.CustomerValues(context.Background(), steady{}, &scoring.GammaGamma{P: 1, Q: 0.9, Gamma: 1}, sums, &scoring.CLVOptions{MonthlyDiscount: -1})
	require.Error(t, err)
	for _, want := range []string{"q = 0.9 ≤ 1", "units_per_month", "monthly_discount", "summaries[1]: currency EUR"} {
		require.ErrorContains(t, err, want)
	}
	_, err = scoring.CustomerValues(context.Background(), nil, nil, sums[:1], &scoring.CLVOptions{UnitsPerMonth: 1})
	require.ErrorContains(t, err, "no purchase model")
	require.ErrorContains(t, err, "no spend model")
}

// The per-model fast paths agree with the generic path through the
// PurchaseModel interface, and with the conditional expectation itself.
func TestCustomerValuesFastPathsAgree(t *testing.T) {
	sums := cdnowSpend(t)
	for i := range sums {
		sums[i].Currency = "USD"
	}
	spend := &scoring.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	opt := &scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01, UnitsPerMonth: scoring.WeeksPerMonth}
	for _, m := range []scoring.PurchaseModel{
		&scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258},
		&scoring.MBGNBD{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614},
		&scoring.ParetoNBD{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562},
	} {
		fast, err := scoring.CustomerValues(context.Background(), m, spend, sums, opt)
		require.NoError(t, err)
		slow, err := scoring.CustomerValues(context.Background(), generic{m}, spend, sums, opt)
		require.NoError(t, err)
		require.Len(t, fast, len(sums))
		for i := range fast {
			require.Equal(t, sums[i].CustomerID, fast[i].CustomerID)
			require.True(t, fast[i].CLV.Amount.Sub(slow[i].CLV.Amount).Abs().LessThanOrEqual(decimal.RequireFromString("0.01")), "%T customer %d: %v vs %v", m, i, fast[i].CLV, slow[i].CLV)
			x := float64(sums[i].Frequency)
			require.InDelta(t, m.ConditionalExpectedPurchases(12*scoring.WeeksPerMonth, x, sums[i].Recency, sums[i].T), fast[i].Purchases, 1e-9)
			require.False(t, fast[i].CLV.Amount.IsNegative())
		}
	}
}

func TestCustomerValuesCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sums := make([]scoring.Summary, 10_000)
	_, err := scoring.CustomerValues(ctx, steady{}, &scoring.GammaGamma{P: 1, Q: 2, Gamma: 1}, sums, &scoring.CLVOptions{UnitsPerMonth: 1, Currency: "USD"})
	require.ErrorIs(t, err, context.Canceled)
}

// Summaries know their time unit: weekly summaries valued with a
// days-per-month constant are refused, not silently valued 4.3 times too
// far ahead; with UnitsPerMonth left 0 the unit comes from the summaries.
func TestCLVUnitsCannotBeMixed(t *testing.T) {
	ctx := context.Background()
	weekly, err := scoring.Summarize(ctx, datasets.CDNOWSample(), time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), &scoring.SummaryOptions{Scale: 7})
	require.NoError(t, err)
	require.Equal(t, 7.0, weekly[0].UnitDays)
	model := &scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258}
	spend := &scoring.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	_, err = scoring.CustomerValues(ctx, model, spend, weekly, &scoring.CLVOptions{Months: 12, UnitsPerMonth: scoring.DaysPerMonth})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "the summaries are in units of 7 days")
	derived, err := scoring.CustomerValues(ctx, model, spend, weekly, &scoring.CLVOptions{Months: 12})
	require.NoError(t, err)
	explicit, err := scoring.CustomerValues(ctx, model, spend, weekly, &scoring.CLVOptions{Months: 12, UnitsPerMonth: scoring.WeeksPerMonth})
	require.NoError(t, err)
	require.Equal(t, explicit, derived)
	// Summaries in days, months of 4-week periods, and the mixed case.
	for _, c := range []struct {
		opt  scoring.SummaryOptions
		days float64
	}{
		{scoring.SummaryOptions{}, 1},
		{scoring.SummaryOptions{Unit: scoring.Week, Length: 4}, 28},
		{scoring.SummaryOptions{Unit: scoring.Month}, scoring.DaysPerMonth},
	} {
		s, err := scoring.Summarize(ctx, datasets.CDNOWSample(), time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC), &c.opt)
		require.NoError(t, err)
		require.InDelta(t, c.days, s[0].UnitDays, 1e-12)
	}
	mixed := append(slices.Clone(weekly[:2]), weekly[2])
	mixed[1].UnitDays = 1
	_, err = scoring.CustomerValues(ctx, model, spend, mixed, &scoring.CLVOptions{Months: 12})
	require.ErrorContains(t, err, "summaries[1].unit_days: 1, expected 7")
	// Hand-made summaries carry no unit: then UnitsPerMonth is required.
	_, err = scoring.CustomerValues(ctx, model, spend, []scoring.Summary{{CustomerID: "a", Currency: "USD"}}, nil)
	require.ErrorContains(t, err, "units_per_month")

	// A month of 30 days, as lifetimes counts (4.345 weeks = 30.415 days
	// for weekly data): the same values as UnitsPerMonth 4.345 on
	// summaries without a unit, and lower than with the Gregorian month.
	lifetimes, err := scoring.CustomerValues(ctx, model, spend, weekly, &scoring.CLVOptions{Months: 12, MonthDays: 4.345 * 7})
	require.NoError(t, err)
	bare := slices.Clone(weekly)
	for i := range bare {
		bare[i].UnitDays = 0
	}
	byUnits, err := scoring.CustomerValues(ctx, model, spend, bare, &scoring.CLVOptions{Months: 12, UnitsPerMonth: 4.345})
	require.NoError(t, err)
	for i := range lifetimes {
		require.InDelta(t, byUnits[i].Purchases, lifetimes[i].Purchases, 1e-9)
		require.True(t, lifetimes[i].Purchases <= derived[i].Purchases, "a shorter month, fewer purchases a year")
	}
	_, err = scoring.CustomerValues(ctx, model, spend, weekly, &scoring.CLVOptions{Months: 12, MonthDays: 30, UnitsPerMonth: scoring.WeeksPerMonth})
	require.ErrorContains(t, err, "in a month of 30 days, but the summaries are in units of 7 days")
	_, err = scoring.CustomerValues(ctx, model, spend, weekly, &scoring.CLVOptions{Months: 12, MonthDays: 7})
	require.ErrorContains(t, err, "month_days: 7 is not the length of a month")
}

// Predict gives, for every customer at once, what the model's own calls
// give one at a time; CLV's unrounded value rounds to its money.
func TestPredictMatchesTheModel(t *testing.T) {
	sums := cdnowSpend(t)
	for _, m := range []scoring.PurchaseModel{
		&scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258},
		&scoring.MBGNBD{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614},
		&scoring.ParetoNBD{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562},
		generic{&scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258}},
	} {
		got, err := scoring.Predict(context.Background(), m, sums, 39)
		require.NoError(t, err)
		require.Len(t, got, len(sums))
		for i, s := range sums {
			x := float64(s.Frequency)
			require.Equal(t, s.CustomerID, got[i].CustomerID)
			require.InDelta(t, m.ProbabilityAlive(x, s.Recency, s.T), got[i].Alive, 1e-12, "%T %d", m, i)
			require.InDelta(t, m.ConditionalExpectedPurchases(39, x, s.Recency, s.T), got[i].Purchases, 1e-9*math.Max(1, got[i].Purchases), "%T %d", m, i)
		}
	}
	alive, err := scoring.Predict(context.Background(), &scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258}, sums, 0)
	require.NoError(t, err)
	for i, s := range sums {
		require.InDelta(t, (&scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258}).ProbabilityAlive(float64(s.Frequency), s.Recency, s.T), alive[i].Alive, 1e-15)
		require.Zero(t, alive[i].Purchases)
	}
	_, err = scoring.Predict(context.Background(), nil, sums, 39)
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = scoring.Predict(context.Background(), &scoring.BGNBD{R: 1, Alpha: 1, A: 1, B: 1}, sums, math.NaN())
	require.ErrorIs(t, err, crm.ErrInvalid)

	for i := range sums {
		sums[i].Currency = "USD"
	}
	values, err := scoring.CustomerValues(context.Background(), &scoring.BGNBD{R: 0.2426, Alpha: 4.4136, A: 0.7929, B: 2.4258},
		&scoring.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}, sums, &scoring.CLVOptions{Months: 12, UnitsPerMonth: scoring.WeeksPerMonth})
	require.NoError(t, err)
	for _, v := range values {
		require.True(t, v.CLV.Amount.Equal(decimal.NewFromFloat(v.Value).Round(2)), "%v rounds to %v", v.Value, v.CLV)
	}
}
