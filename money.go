package crm

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm/internal/bounds"
)

// iso4217 lists the active ISO 4217 currency codes with their minor units
// (decimal places). Codes absent here are refused, so a typo never becomes a
// currency of its own.
var iso4217 = func() map[string]int32 {
	m := map[string]int32{}
	two := `AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD
BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR
FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD
KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN
NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS
SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD
XCG YER ZAR ZMW ZWG`
	for _, c := range strings.Fields(two) {
		m[c] = 2
	}
	for _, c := range strings.Fields(`BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF`) {
		m[c] = 0
	}
	for _, c := range strings.Fields(`BHD IQD JOD KWD LYD OMR TND`) {
		m[c] = 3
	}
	m["CLF"], m["UYW"] = 4, 4
	return m
}()

// MinorUnits returns the number of decimal places of an ISO 4217 currency
// (2 for USD, 0 for JPY, 3 for KWD) and whether the code is known.
func MinorUnits(currency string) (int32, bool) {
	d, ok := iso4217[currency]
	return d, ok
}

// ValidCurrency reports whether code is an active ISO 4217 currency code.
func ValidCurrency(code string) bool {
	_, ok := iso4217[code]
	return ok
}

// Money is an exact amount in one currency.
type Money struct {
	// Amount is the exact value.
	Amount decimal.Decimal `json:"amount"`
	// Currency is the ISO 4217 code.
	Currency string `json:"currency"`
}

// NewMoney returns amount in currency; it does not validate the code.
func NewMoney(amount decimal.Decimal, currency string) Money {
	return Money{Amount: amount, Currency: currency}
}

// Add returns m + o. Adding different currencies is an error wrapping
// ErrInvalid: crmkit never converts silently. The zero Money (no amount,
// no currency) adds to anything, so a sum can start from it.
func (m Money) Add(o Money) (Money, error) {
	switch {
	case m.isZeroValue():
		return o, nil
	case o.isZeroValue():
		return m, nil
	}
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("crm: add %s to %s: currencies differ: %w", o.Currency, m.Currency, ErrInvalid)
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Round returns m rounded half away from zero to its currency's minor unit
// (unknown currencies round to 2 places).
func (m Money) Round() Money {
	d, ok := MinorUnits(m.Currency)
	if !ok {
		d = 2
	}
	return Money{Amount: m.Amount.Round(d), Currency: m.Currency}
}

// Equal reports whether m and o have the same currency and numerically equal
// amounts (1.5 equals 1.50).
func (m Money) Equal(o Money) bool {
	return m.Currency == o.Currency && m.Amount.Equal(o.Amount)
}

func (m Money) isZeroValue() bool { return m.Currency == "" && m.Amount.IsZero() }

// String returns the amount with at least its currency's minor units and
// the currency code: "4509.60 EUR", "1200 JPY", "0.125 USD" (digits beyond
// the minor unit are shown, not rounded away).
func (m Money) String() string {
	s := m.Amount.String() // trailing zeros trimmed
	places, ok := MinorUnits(m.Currency)
	if !ok {
		return s + " " + m.Currency
	}
	if i := strings.IndexByte(s, '.'); i >= 0 && int32(len(s)-i-1) > places {
		return s + " " + m.Currency
	}
	return m.Amount.StringFixed(places) + " " + m.Currency
}

// MoneyFromFloat converts a model's float64 result to money rounded to the
// currency's minor unit: f's shortest decimal representation, rounded half
// away from zero. This is the one documented point where float results
// become money. f must be finite (it panics on NaN and infinities, like
// decimal.NewFromFloat).
func MoneyFromFloat(f float64, currency string) Money {
	d, ok := MinorUnits(currency)
	if !ok {
		d = 2
	}
	// Fast path: scale and round in binary, unless the scaled value is so
	// large that it loses integer precision or so near a half that binary
	// and decimal rounding could disagree (2.675 is 2.67499999… in binary).
	if d <= 4 && !math.IsNaN(f) {
		v := f * pow10f[d]
		if math.Abs(v) < 1<<50 {
			n := math.Round(v)
			// f's decimal value and v can differ by a few units in the
			// last place of v.
			tol := 1e-9 + math.Abs(v)*0x1p-48
			if frac := math.Abs(v - math.Trunc(v)); math.Abs(frac-0.5) > tol {
				return Money{Amount: decimal.New(int64(n), -d), Currency: currency}
			}
		}
	}
	return Money{Amount: decimal.NewFromFloat(f), Currency: currency}.Round()
}

var pow10f = [...]float64{1, 10, 100, 1000, 10000}

// Limits on the values a record may hold, so that every store (and JSON)
// can keep them and sums stay exact: Validate refuses amounts of more than
// MaxAmountDigits whole digits (a quadrillion and up) or more than
// MaxAmountPlaces decimal places, and times outside years 1–9999.
const (
	MaxAmountDigits = 15
	MaxAmountPlaces = 12
)

// amountProblem says what is wrong with an amount's size, or "". It works
// on the coefficient's digits, never scaling the number, so that an
// exponent of a billion costs no more than one of two.
func amountProblem(d decimal.Decimal) string {
	// Most amounts have a coefficient of at most 18 digits: counted without
	// copying it or writing it out.
	if n := d.NumDigits(); n <= 18 {
		exp := int64(d.Exponent())
		if exp > 40 || exp < -80 {
			return amountProblemBig(d)
		}
		if whole := int64(n) + exp; whole > MaxAmountDigits {
			return amountProblemBig(d)
		}
		if exp < 0 {
			c := d.CoefficientInt64()
			trailing := int64(0)
			for c != 0 && c%10 == 0 {
				c /= 10
				trailing++
			}
			if c == 0 {
				return ""
			}
			if -exp-trailing > MaxAmountPlaces {
				return amountProblemBig(d)
			}
		}
		return ""
	}
	return amountProblemBig(d)
}

// amountProblemBig is amountProblem on the coefficient written out: for
// coefficients past 18 digits, and to word every problem.
func amountProblemBig(d decimal.Decimal) string {
	coef := d.Coefficient()
	if coef.Sign() == 0 {
		return ""
	}
	if coef.BitLen() > 140 {
		return "an amount with more than 40 significant digits"
	}
	digits := strings.TrimLeft(coef.String(), "-")
	exp := int64(d.Exponent())
	if exp > 40 || exp < -80 { // d.String would write every digit
		return fmt.Sprintf("%se%d is out of range: at most %d whole digits (crm.MaxAmountDigits) and %d decimal places (crm.MaxAmountPlaces)",
			coef, exp, MaxAmountDigits, MaxAmountPlaces)
	}
	if whole := int64(len(digits)) + exp; whole > MaxAmountDigits {
		return fmt.Sprintf("%s has more than %d whole digits (crm.MaxAmountDigits)", amountText(d), MaxAmountDigits)
	}
	if exp < 0 {
		places := -exp - int64(len(digits)-len(strings.TrimRight(digits, "0")))
		if places > MaxAmountPlaces {
			return fmt.Sprintf("%s has more than %d decimal places (crm.MaxAmountPlaces)", amountText(d), MaxAmountPlaces)
		}
	}
	return ""
}

// timeProblem says what is wrong with a time's range, or "".
func timeProblem(t time.Time) string { return bounds.Time(t) }

// amountText writes an amount for an error message, briefly however
// large its coefficient or exponent.
func amountText(d decimal.Decimal) string {
	if e := d.Exponent(); e > 40 || e < -80 || d.Coefficient().BitLen() > 140 {
		return "an amount out of range"
	}
	return abbreviate(d.String())
}

// abbreviate shortens a long value for an error message.
func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:20] + "…" + s[len(s)-10:] + fmt.Sprintf(" (%d characters)", len(s))
	}
	return s
}
