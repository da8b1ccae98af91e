package crm

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// The fast path of amountProblem answers exactly as the written-out one,
// across coefficients of every length and exponents on both sides of the
// limits.
func TestAmountProblemFastPathAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 1))
	checked := 0
	for range 200_000 {
		digits := 1 + rng.IntN(19)
		c := rng.Int64N(int64(1) << 62)
		for n := 0; n < 19-digits; n++ {
			c /= 10
		}
		if rng.IntN(4) == 0 {
			c *= 1000 // trailing zeros
		}
		if rng.IntN(2) == 0 {
			c = -c
		}
		exp := int32(rng.IntN(130) - 85)
		d := decimal.New(c, exp)
		if got, want := amountProblem(d), amountProblemBig(d); got != want {
			t.Fatalf("%s (coefficient %d, exponent %d): fast %q, written out %q", d.String(), c, exp, got, want)
		}
		checked++
	}
	for _, s := range []string{"0", "0.00", "12.34", "1e20", "99999999999999999999", "0.0000000001", "1.5e-30", "123456789012345678"} {
		d := decimal.RequireFromString(s)
		if got, want := amountProblem(d), amountProblemBig(d); got != want {
			t.Fatalf("%s: fast %q, written out %q", s, got, want)
		}
	}
	t.Logf("%d amounts compared", checked)
}
