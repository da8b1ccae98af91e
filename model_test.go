package crm_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var v *crm.ValidationError
	require.True(t, errors.As(err, &v), "want *ValidationError, got %v", err)
	require.ErrorIs(t, err, crm.ErrInvalid)
	var out []string
	for _, p := range v.Problems {
		var fe *crm.FieldError
		require.True(t, errors.As(p, &fe))
		out = append(out, fe.Field)
	}
	return out
}

func TestCustomerValidateReportsEveryProblem(t *testing.T) {
	c := crm.Customer{
		ID:           " padded",
		Email:        "ada@",
		Phone:        "call me",
		TimeZone:     "Mars/Base",
		Tags:         []string{"vip", "vip", ""},
		Attributes:   map[string]crm.Value{"9lives": crm.StringValue("x"), "score": crm.NumberValue(nanValue()), "unset": {}},
		Demographics: crm.Demographics{Country: "gbr", SignupChannel: "Web Site"},
		Preferences: crm.Preferences{Style: "chatty", Channels: []crm.Channel{"E-mail"}, QuietHours: "25:00-07:00",
			ImportantDates: []crm.ImportantDate{{Label: "", Month: 2, Day: 30}, {Label: "x", Month: 13, Day: 1}}},
	}
	got := fieldsOf(t, c.Validate())
	require.ElementsMatch(t, []string{
		"id", "email", "phone", "time_zone", "created_at", "tags[1]", "tags[2]",
		"attributes.9lives", "attributes.score", "attributes.unset",
		"demographics.country", "demographics.signup_channel",
		"preferences.style", "preferences.channels[0]",
		"preferences.important_dates[0].label", "preferences.important_dates[0].day",
		"preferences.important_dates[1].month", "preferences.quiet_hours",
	}, got)
	ok := crm.Customer{ID: "c1", CreatedAt: time.Now(), Preferences: crm.Preferences{
		ImportantDates: []crm.ImportantDate{{Label: "birthday", Month: time.February, Day: 29}}, QuietHours: "22:00-07:30"}}
	require.NoError(t, ok.Validate(), "29 February without a year is a valid recurring date")
}

func nanValue() float64 { z := 0.0; return z / z }

func TestTransactionAndTouchpointValidate(t *testing.T) {
	tx := crm.Transaction{Amount: decimal.NewFromInt(-5), Currency: "usd", Kind: "gift", Channel: "Web",
		Items: []crm.LineItem{{Quantity: 0, UnitPrice: decimal.NewFromInt(-1)}}}
	require.ElementsMatch(t, []string{"id", "customer_id", "time", "amount", "currency", "kind", "channel",
		"items[0].sku", "items[0].quantity", "items[0].unit_price"}, fieldsOf(t, tx.Validate()))
	tp := crm.Touchpoint{Channel: "", Kind: "Walk In", Experience: 6}
	require.ElementsMatch(t, []string{"id", "customer_id", "time", "channel", "kind", "experience"}, fieldsOf(t, tp.Validate()))
	require.Contains(t, tp.Validate().Error(), "outside the scale 1..5")
}

func TestValueJSONRoundTrip(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 123, time.FixedZone("X", 3600))
	in := map[string]crm.Value{"s": crm.StringValue("a\"b"), "n": crm.NumberValue(-1.5e10), "b": crm.BoolValue(true), "f": crm.BoolValue(false), "t": crm.TimeValue(at)}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	require.Contains(t, string(b), `"n":{"type":"number","value":-15000000000}`)
	var out map[string]crm.Value
	require.NoError(t, json.Unmarshal(b, &out))
	for k, v := range in {
		require.True(t, v.Equal(out[k]), "%s: %v != %v", k, v, out[k])
		require.Equal(t, v.Kind(), out[k].Kind())
	}
	_, err = json.Marshal(crm.NumberValue(nanValue()))
	require.ErrorIs(t, err, crm.ErrInvalid)
	var v crm.Value
	require.ErrorIs(t, json.Unmarshal([]byte(`{"type":"colour","value":"red"}`), &v), crm.ErrInvalid)
	require.Error(t, json.Unmarshal([]byte(`{"type":"number","value":"7"}`), &v))
}

func TestCustomerJSONRoundTrip(t *testing.T) {
	c := crm.Customer{ID: "c1", Name: "Ada", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Tags: []string{"vip"},
		Attributes: map[string]crm.Value{"score": crm.NumberValue(3)}, Demographics: crm.Demographics{Country: "DE"},
		Preferences: crm.Preferences{Style: crm.StyleAutomated, ImportantDates: []crm.ImportantDate{{Label: "birthday", Month: 5, Day: 4}}}, Version: 3}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	var back crm.Customer
	require.NoError(t, json.Unmarshal(b, &back))
	require.True(t, back.Attributes["score"].Equal(c.Attributes["score"]))
	back.Attributes, c.Attributes = nil, nil
	require.Equal(t, c, back)
}

func TestMoney(t *testing.T) {
	a := crm.NewMoney(decimal.RequireFromString("0.1"), "USD")
	b := crm.NewMoney(decimal.RequireFromString("0.2"), "USD")
	sum, err := a.Add(b)
	require.NoError(t, err)
	require.True(t, sum.Equal(crm.NewMoney(decimal.RequireFromString("0.30"), "USD")), "decimal money is exact: %v", sum)
	_, err = a.Add(crm.NewMoney(decimal.NewFromInt(1), "EUR"))
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.Equal(t, "1235 JPY", crm.MoneyFromFloat(1234.5, "JPY").String())
	require.Equal(t, "1.235 KWD", crm.MoneyFromFloat(1.2345, "KWD").String())
	require.Equal(t, "2.68 EUR", crm.MoneyFromFloat(2.675, "EUR").String(), "rounding is of the decimal the float prints as")
	require.Equal(t, "-2.68 EUR", crm.MoneyFromFloat(-2.675, "EUR").String())
	// The binary fast path agrees with decimal rounding everywhere.
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range 200_000 {
		f := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(14)))
		if i%4 == 0 {
			f = math.Round(f*1000) / 1000 // many values on exact decimal halves
		}
		for _, c := range []string{"USD", "JPY", "KWD", "CLF"} {
			places, _ := crm.MinorUnits(c)
			want := decimal.NewFromFloat(f).Round(places)
			require.True(t, want.Equal(crm.MoneyFromFloat(f, c).Amount), "%v %s: want %v, got %v", f, c, want, crm.MoneyFromFloat(f, c))
		}
	}
	d, ok := crm.MinorUnits("CLF")
	require.True(t, ok)
	require.EqualValues(t, 4, d)
	require.False(t, crm.ValidCurrency("ABC"))
}

// Money prints its currency's minor units, and the zero Money starts a sum
// in any currency.
func TestMoneyStringAndZeroSum(t *testing.T) {
	m := func(s, c string) crm.Money { return crm.NewMoney(decimal.RequireFromString(s), c) }
	for _, c := range []struct {
		money crm.Money
		want  string
	}{
		{m("4509.6", "EUR"), "4509.60 EUR"},
		{m("4509.600000", "EUR"), "4509.60 EUR"},
		{m("12", "USD"), "12.00 USD"},
		{m("-0.5", "USD"), "-0.50 USD"},
		{m("1200", "JPY"), "1200 JPY"},
		{m("1.2", "KWD"), "1.200 KWD"},
		{m("0.125", "USD"), "0.125 USD"},
		{m("1.5", "XYZ"), "1.5 XYZ"},
	} {
		require.Equal(t, c.want, c.money.String())
	}
	var total crm.Money
	for _, x := range []crm.Money{m("10.10", "EUR"), m("0.9", "EUR"), {}} {
		var err error
		total, err = total.Add(x)
		require.NoError(t, err)
	}
	require.Equal(t, "11.00 EUR", total.String())
	_, err := total.Add(m("1", "USD"))
	require.ErrorIs(t, err, crm.ErrInvalid, "a started sum still refuses another currency")
	_, err = crm.Money{Amount: decimal.NewFromInt(5)}.Add(m("1", "USD"))
	require.ErrorIs(t, err, crm.ErrInvalid, "an amount without a currency is not the zero Money")
}

func TestParseQuietHours(t *testing.T) {
	s, e, err := crm.ParseQuietHours("22:00-07:30")
	require.NoError(t, err)
	require.Equal(t, []int{22 * 60, 7*60 + 30}, []int{s, e})
	for _, bad := range []string{"", "22:00", "22-07", "08:00-08:00", "7pm-8am"} {
		_, _, err := crm.ParseQuietHours(bad)
		require.ErrorIs(t, err, crm.ErrInvalid, bad)
	}
	require.True(t, crm.Channel("dealer_portal").Valid())
	require.False(t, crm.Channel("Dealer Portal").Valid())
}
