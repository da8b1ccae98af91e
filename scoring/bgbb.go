package scoring

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGBB is a fitted beta-geometric/beta-Bernoulli model (Fader, Hardie &
// Shang 2010) for discrete opportunities to buy — a yearly donation, an
// annual event. At each opportunity an active customer buys with
// probability p ~ Beta(Alpha, Beta), and between opportunities leaves for
// good with probability θ ~ Beta(Gamma, Delta). Histories are counted in
// opportunities: x purchases, the last at opportunity tx, out of n.
type BGBB struct {
	// Alpha and Beta are the beta distribution of the chance of a transaction
	// at each opportunity.
	Alpha float64 `json:"alpha"`
	// Beta is the second parameter of that beta distribution.
	Beta float64 `json:"beta"`
	// Gamma and Delta are the beta distribution of the chance of leaving
	// before each opportunity.
	Gamma float64 `json:"gamma"`
	// Delta is the second parameter of that beta distribution.
	Delta  float64    `json:"delta"`
	StdErr [4]float64 `json:"std_err"` // of Alpha, Beta, Gamma, Delta; zeros when the Hessian is not positive definite
	// LogLikelihood is the fit's log-likelihood.
	LogLikelihood float64 `json:"log_likelihood"`
	Customers     float64 `json:"customers"` // total weight fitted
}

// FitBGBB fits the model to rows whose Frequency, Recency and T are whole
// numbers of opportunities (x ≤ tx ≤ n), by maximum likelihood.
func FitBGBB(ctx context.Context, rows []Row, opt *FitOptions) (*BGBB, error) {
	const model = "BG/BB"
	if err := validateRows(model, rows, true); err != nil {
		return nil, err
	}
	if err := identifiable(model, rows, 4); err != nil {
		return nil, err
	}
	total := 0.0
	for i, r := range rows {
		if r.Recency != math.Trunc(r.Recency) || r.T != math.Trunc(r.T) {
			return nil, fmt.Errorf("scoring: fit %s: rows[%d]: recency %v and periods %v must be whole numbers of opportunities", model, i, r.Recency, r.T)
		}
		total += r.Weight
	}
	nll := func(p []float64) float64 {
		m := BGBB{Alpha: p[0], Beta: p[1], Gamma: p[2], Delta: p[3]}
		s := 0.0
		for _, r := range rows {
			s += r.Weight * m.logLikelihood(r.Frequency, r.Recency, r.T)
		}
		return -s
	}
	params, se, ll, err := fitLogParams(ctx, fitSpec{
		model: model, names: []string{"alpha", "beta", "gamma", "delta"},
		nll: numericGradient(nll), weight: total, initial: []float64{1, 1, 1, 1},
		diagnose: func(p []float64) string {
			if drop := p[2] / (p[2] + p[3]); drop < 1e-6 {
				return fmt.Sprintf("the data show no drop-out: the chance of leaving between opportunities, γ/(γ+δ), ran to %.3g (γ = %.3g, δ = %.3g)", drop, p[2], p[3])
			}
			return ""
		},
	}, opt)
	if err != nil {
		return nil, err
	}
	m := &BGBB{Alpha: params[0], Beta: params[1], Gamma: params[2], Delta: params[3], LogLikelihood: ll, Customers: total}
	copy(m.StdErr[:], se)
	return m, nil
}

// logLikelihood of x purchases, the last at tx, in n opportunities: alive
// throughout, or leaving after opportunity tx+i for some i < n−tx,
//
//	B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//	  + Σᵢ B(α+x, β+tx−x+i)/B(α, β) · B(γ+1, δ+tx+i)/B(γ, δ).
func (m *BGBB) logLikelihood(x, tx, n float64) float64 {
	lbAB, lbGD := mathext.Lbeta(m.Alpha, m.Beta), mathext.Lbeta(m.Gamma, m.Delta)
	l := mathext.Lbeta(m.Alpha+x, m.Beta+n-x) - lbAB + mathext.Lbeta(m.Gamma, m.Delta+n) - lbGD
	for i := 0.0; i < n-tx; i++ {
		l = logAddExp(l, mathext.Lbeta(m.Alpha+x, m.Beta+tx-x+i)-lbAB+mathext.Lbeta(m.Gamma+1, m.Delta+tx+i)-lbGD)
	}
	return l
}

// ProbabilityAlive is the probability that a customer with x purchases, the
// last at opportunity tx, out of n, is still active at the next
// opportunity, n+1 (Fader, Hardie & Shang's P(alive in period n+1)): it
// counts the chance of having left right after opportunity n.
func (m *BGBB) ProbabilityAlive(x, tx, n int) float64 {
	return m.aliveAfter(x, tx, n, 1)
}

// aliveAfter is P(active at opportunity n+k | x, tx, n).
func (m *BGBB) aliveAfter(x, tx, n, k int) float64 {
	fx, ftx, fn := float64(x), float64(tx), float64(n)
	alive := mathext.Lbeta(m.Alpha+fx, m.Beta+fn-fx) - mathext.Lbeta(m.Alpha, m.Beta) + mathext.Lbeta(m.Gamma, m.Delta+fn+float64(k)) - mathext.Lbeta(m.Gamma, m.Delta)
	return math.Exp(alive - m.logLikelihood(fx, ftx, fn))
}

// ExpectedPurchases is E[X(n)]: a new customer's expected purchases in the
// first n opportunities, α/(α+β) · Σₖ₌₁ⁿ B(γ, δ+k)/B(γ, δ).
func (m *BGBB) ExpectedPurchases(n int) float64 {
	return m.Alpha / (m.Alpha + m.Beta) * m.survivalSum(0, n)
}

// survivalSum is Σₖ₌₁ᵏ B(γ, δ+from+k)/B(γ, δ+from): the expected number of
// the next k opportunities at which a customer active at opportunity from
// is still active.
func (m *BGBB) survivalSum(from, k int) float64 {
	base := mathext.Lbeta(m.Gamma, m.Delta+float64(from))
	s := 0.0
	for j := 1; j <= k; j++ {
		s += math.Exp(mathext.Lbeta(m.Gamma, m.Delta+float64(from+j)) - base)
	}
	return s
}

// ConditionalExpectedPurchases is the expected number of purchases in the
// next future opportunities of a customer with x purchases, the last at
// tx, in n: P(active at n) times the posterior purchase probability
// (α+x)/(α+β+n) times the expected active opportunities ahead.
func (m *BGBB) ConditionalExpectedPurchases(future, x, tx, n int) float64 {
	if future <= 0 {
		return 0
	}
	p := (m.Alpha + float64(x)) / (m.Alpha + m.Beta + float64(n))
	return m.aliveAfter(x, tx, n, 0) * p * m.survivalSum(n, future)
}

// ProbabilityOfPurchases is P(X(n) = x) for a new customer:
//
//	C(n, x) B(α+x, β+n−x)/B(α, β) · B(γ, δ+n)/B(γ, δ)
//	  + Σᵢ₌ₓⁿ⁻¹ C(i, x) B(α+x, β+i−x)/B(α, β) · B(γ+1, δ+i)/B(γ, δ).
func (m *BGBB) ProbabilityOfPurchases(x, n int) float64 {
	if x < 0 || x > n {
		return 0
	}
	lbAB, lbGD := mathext.Lbeta(m.Alpha, m.Beta), mathext.Lbeta(m.Gamma, m.Delta)
	fx := float64(x)
	p := math.Exp(logChoose(n, x) + mathext.Lbeta(m.Alpha+fx, m.Beta+float64(n)-fx) - lbAB + mathext.Lbeta(m.Gamma, m.Delta+float64(n)) - lbGD)
	for i := x; i < n; i++ {
		fi := float64(i)
		p += math.Exp(logChoose(i, x) + mathext.Lbeta(m.Alpha+fx, m.Beta+fi-fx) - lbAB + mathext.Lbeta(m.Gamma+1, m.Delta+fi) - lbGD)
	}
	return p
}

func logChoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
