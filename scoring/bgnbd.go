package scoring

import (
	"context"
	"math"
)

// BGNBD is a fitted beta-geometric/negative-binomial model of repeat buying
// (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While
// active, a customer buys at rate λ ~ Gamma(R, Alpha); after each repeat
// purchase the customer drops out for good with probability p ~ Beta(A, B).
// Times are in the unit the summaries were scaled to.
type BGNBD struct {
	// R and Alpha are the shape and rate of the purchase rates' gamma
	// distribution.
	R float64 `json:"r"`
	// Alpha is the rate of the purchase rates' gamma distribution.
	Alpha float64 `json:"alpha"`
	// A and B are the beta distribution of the chance of leaving after a
	// purchase.
	A float64 `json:"a"`
	// B is the second parameter of that beta distribution.
	B      float64    `json:"b"`
	StdErr [4]float64 `json:"std_err"` // of R, Alpha, A, B; zeros when the Hessian is not positive definite
	// LogLikelihood is the fit's log-likelihood.
	LogLikelihood float64 `json:"log_likelihood"`
	Customers     float64 `json:"customers"` // total weight fitted
}

// FitBGNBD fits the model to rows by maximum likelihood.
func FitBGNBD(ctx context.Context, rows []Row, opt *FitOptions) (*BGNBD, error) {
	p, se, ll, total, err := fitBetaGeo(ctx, "BG/NBD", rows, 0, opt)
	if err != nil {
		return nil, err
	}
	m := &BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3], LogLikelihood: ll, Customers: total}
	copy(m.StdErr[:], se)
	return m, nil
}

func (m *BGNBD) model() betaGeo { return betaGeo{m.R, m.Alpha, m.A, m.B, 0} }

// ExpectedPurchases is E[X(t)]: the repeat purchases a new customer is
// expected to make in their first t time units.
func (m *BGNBD) ExpectedPurchases(t float64) float64 {
	return m.model().expected(t)
}

// ConditionalExpectedPurchases is E[Y(t) | x, tx, T]: the purchases a customer
// with that history is expected to make in the next t time units.
func (m *BGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	return m.model().conditional(t, x, tx, T)
}

// ProbabilityAlive is P(active at T | x, tx, T). It is exactly 1 for x = 0:
// in this model nobody leaves before a repeat purchase.
func (m *BGNBD) ProbabilityAlive(x, tx, T float64) float64 {
	return m.model().alive(x, tx, T)
}

// ProbabilityOfPurchases is P(X(t) = n): the probability that a new customer
// makes exactly n repeat purchases in their first t time units.
func (m *BGNBD) ProbabilityOfPurchases(n int, t float64) float64 {
	return m.model().pmf(n, t)
}

// logHypergeo returns ln 2F1(a, b; c; z) for 0 ≤ z < 1, by the Gauss
// series or, when that does not settle (large a and b, z near 1), by
// Euler's transformation 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a, c−b; c; z),
// each summed for at most hypergeoTerms terms: NaN when neither settles,
// never a loop without end (a general-purpose evaluator ran for ever for
// a and b in the billions).
func logHypergeo(a, b, c, z float64) float64 {
	if z == 0 {
		return 0
	}
	if s, ok := hypergeoSeries(a, b, c, z); ok && s > 0 {
		return math.Log(s)
	}
	if s, ok := hypergeoSeries(c-a, c-b, c, z); ok && s > 0 {
		return (c-a-b)*math.Log1p(-z) + math.Log(s)
	}
	return math.NaN()
}

// hypergeoSeries sums the Gauss series of ₂F₁(a, b; c; z) until its terms
// fall below the sum's rounding, for at most hypergeoTerms terms.
func hypergeoSeries(a, b, c, z float64) (float64, bool) {
	sum, term := 1.0, 1.0
	for k := 0.0; k < hypergeoTerms; k++ {
		term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
		sum += term
		if math.IsInf(sum, 0) || math.IsNaN(sum) {
			return 0, false
		}
		if math.Abs(term) <= 1e-17*math.Abs(sum) {
			return sum, true
		}
	}
	return 0, false
}
