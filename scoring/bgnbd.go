package scoring

import (
	"context"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBD is a fitted beta-geometric/negative-binomial model of repeat buying
// (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While
// active, a customer buys at rate λ ~ Gamma(R, Alpha); after each repeat
// purchase the customer drops out for good with probability p ~ Beta(A, B).
// Times are in the unit the summaries were scaled to.
type BGNBD struct {
	R             float64    `json:"r"`
	Alpha         float64    `json:"alpha"`
	A             float64    `json:"a"`
	B             float64    `json:"b"`
	StdErr        [4]float64 `json:"std_err"` // of R, Alpha, A, B; zeros when the Hessian is not positive definite
	LogLikelihood float64    `json:"log_likelihood"`
	Customers     float64    `json:"customers"` // total weight fitted
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

// ExpectedPurchases is E[X(t)]: the purchases a new customer is expected to
// make in their first t time units (after the first purchase).
func (m *BGNBD) ExpectedPurchases(t float64) float64 {
	if t <= 0 {
		return 0
	}
	z := t / (m.Alpha + t)
	logLead := m.R * math.Log(m.Alpha/(m.Alpha+t))
	return (m.A + m.B - 1) / (m.A - 1) * (1 - math.Exp(logLead+logHypergeo(m.R, m.B, m.A+m.B-1, z)))
}

// ConditionalExpectedPurchases is E[Y(t) | x, tx, T]: the purchases a customer
// with that history is expected to make in the next t time units.
func (m *BGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	z := t / (alpha + T + t)
	logLead := (r + x) * math.Log((alpha+T)/(alpha+T+t))
	inner := 1 - math.Exp(logLead+logHypergeo(r+x, b+x, a+b+x-1, z))
	return (a + b + x - 1) / (a - 1) * inner * m.ProbabilityAlive(x, tx, T)
}

// ProbabilityAlive is P(active at T | x, tx, T). It is exactly 1 for x = 0.
func (m *BGNBD) ProbabilityAlive(x, tx, T float64) float64 {
	if x == 0 {
		return 1
	}
	logRatio := math.Log(m.A) - math.Log(m.B+x-1) + (m.R+x)*(math.Log(m.Alpha+T)-math.Log(m.Alpha+tx))
	return 1 / (1 + math.Exp(logRatio))
}

// ProbabilityOfPurchases is P(X(t) = n): the probability that a new customer
// makes exactly n repeat purchases in their first t time units.
func (m *BGNBD) ProbabilityOfPurchases(n int, t float64) float64 {
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	x := float64(n)
	lgRx, _ := math.Lgamma(r + x)
	lgR, _ := math.Lgamma(r)
	lgX1, _ := math.Lgamma(x + 1)
	logQ := math.Log(alpha / (alpha + t))
	logP := math.Log(t / (alpha + t))
	first := math.Exp(mathext.Lbeta(a, b+x) - mathext.Lbeta(a, b) + lgRx - lgR - lgX1 + r*logQ + x*logP)
	if n == 0 {
		return first
	}
	sum := 0.0
	for j := 0; j < n; j++ {
		fj := float64(j)
		lgRj, _ := math.Lgamma(r + fj)
		lgJ1, _ := math.Lgamma(fj + 1)
		sum += math.Exp(lgRj - lgR - lgJ1 + fj*logP)
	}
	second := math.Exp(mathext.Lbeta(a+1, b+x-1)-mathext.Lbeta(a, b)) * (1 - math.Exp(r*logQ)*sum)
	return first + second
}

// logHypergeo returns ln 2F1(a, b; c; z) for 0 ≤ z < 1. When the series
// overflows (large a and b, z near 1) it uses Euler's transformation
// 2F1(a,b;c;z) = (1−z)^(c−a−b) 2F1(c−a, c−b; c; z), evaluated in log space.
func logHypergeo(a, b, c, z float64) float64 {
	if z == 0 {
		return 0
	}
	h := mathext.Hypergeo(a, b, c, z)
	if h > 0 && !math.IsInf(h, 0) && !math.IsNaN(h) {
		return math.Log(h)
	}
	e := mathext.Hypergeo(c-a, c-b, c, z)
	return (c-a-b)*math.Log1p(-z) + math.Log(e)
}
