package scoring

import "context"

// MBGNBD is a fitted modified BG/NBD model (Batislam, Denizel & Filiztekin
// 2007): the BG/NBD story, except that a customer may also leave at time
// zero, right after the first purchase. So customers with no repeat
// purchase are not certainly alive, which suits businesses where many
// buyers never return. Times are in the unit the summaries were scaled to.
type MBGNBD struct {
	// R and Alpha are the shape and rate of the purchase rates' gamma
	// distribution.
	R float64 `json:"r"`
	// Alpha is the rate of the purchase rates' gamma distribution.
	Alpha float64 `json:"alpha"`
	// A and B are the beta distribution of the chance of leaving at each
	// purchase, the first included.
	A float64 `json:"a"`
	// B is the second parameter of that beta distribution.
	B      float64    `json:"b"`
	StdErr [4]float64 `json:"std_err"` // of R, Alpha, A, B; zeros when the Hessian is not positive definite
	// LogLikelihood is the fit's log-likelihood.
	LogLikelihood float64 `json:"log_likelihood"`
	Customers     float64 `json:"customers"` // total weight fitted
}

// FitMBGNBD fits the model to rows by maximum likelihood.
func FitMBGNBD(ctx context.Context, rows []Row, opt *FitOptions) (*MBGNBD, error) {
	p, se, ll, total, err := fitBetaGeo(ctx, "MBG/NBD", rows, 1, opt)
	if err != nil {
		return nil, err
	}
	m := &MBGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3], LogLikelihood: ll, Customers: total}
	copy(m.StdErr[:], se)
	return m, nil
}

func (m *MBGNBD) model() betaGeo { return betaGeo{m.R, m.Alpha, m.A, m.B, 1} }

// ExpectedPurchases is E[X(t)]: the repeat purchases a new customer is
// expected to make in their first t time units.
func (m *MBGNBD) ExpectedPurchases(t float64) float64 { return m.model().expected(t) }

// ConditionalExpectedPurchases is E[Y(t) | x, tx, T]: the purchases a customer
// with that history is expected to make in the next t time units.
func (m *MBGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	return m.model().conditional(t, x, tx, T)
}

// ProbabilityAlive is P(active at T | x, tx, T). Unlike BG/NBD it is below 1
// for customers with no repeat purchase.
func (m *MBGNBD) ProbabilityAlive(x, tx, T float64) float64 { return m.model().alive(x, tx, T) }

// ProbabilityOfPurchases is P(X(t) = n) for a new customer.
func (m *MBGNBD) ProbabilityOfPurchases(n int, t float64) float64 { return m.model().pmf(n, t) }
