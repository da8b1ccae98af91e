package scoring

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/integrate/quad"
)

// ParetoNBD is a fitted Pareto/NBD model (Schmittlein, Morrison & Colombo
// 1987): while active a customer buys at rate λ ~ Gamma(R, Alpha), and
// stays active for an exponential lifetime with rate μ ~ Gamma(S, Beta), so
// customers may leave at any moment, not only after a purchase. Times are in
// the unit the summaries were scaled to.
type ParetoNBD struct {
	// R and Alpha are the shape and rate of the purchase rates' gamma
	// distribution.
	R float64 `json:"r"`
	// Alpha is the rate of the purchase rates' gamma distribution.
	Alpha float64 `json:"alpha"`
	// S and Beta are the shape and rate of the dropout rates' gamma
	// distribution.
	S float64 `json:"s"`
	// Beta is the rate of the dropout rates' gamma distribution.
	Beta   float64    `json:"beta"`
	StdErr [4]float64 `json:"std_err"` // of R, Alpha, S, Beta; zeros when the Hessian is not positive definite
	// LogLikelihood is the fit's log-likelihood.
	LogLikelihood float64 `json:"log_likelihood"`
	Customers     float64 `json:"customers"` // total weight fitted
}

// FitParetoNBD fits the model to rows by maximum likelihood. Its likelihood
// needs Gauss hypergeometric functions, so each evaluation costs about a
// microsecond per distinct (frequency, time) pair and gradients are finite
// differences: expect tens of milliseconds for a thousand distinct rows.
func FitParetoNBD(ctx context.Context, rows []Row, opt *FitOptions) (*ParetoNBD, error) {
	const model = "Pareto/NBD"
	if err := validateRows(model, rows, false); err != nil {
		return nil, err
	}
	if err := identifiable(model, rows, 4); err != nil {
		return nil, err
	}
	h := newHistories(rows)
	meanT := 0.0
	for _, r := range rows {
		meanT += r.Weight * r.T
	}
	meanT /= h.total
	pairs := newPairs(h)
	logF := make([]float64, len(pairs.keys))
	nll := func(p []float64) float64 {
		r, alpha, s, beta := p[0], p[1], p[2], p[3]
		for i, k := range pairs.keys {
			if i%256 == 0 && ctx.Err() != nil {
				return math.NaN()
			}
			logF[i] = paretoLogF(r, alpha, s, beta, h.xs[k[0]], h.times[k[1]])
		}
		lgR, _ := math.Lgamma(r)
		ll := h.total * (r*math.Log(alpha) + s*math.Log(beta) - lgR)
		for i, x := range h.xs {
			lgRx, _ := math.Lgamma(r + x)
			ll += h.xWeight[i] * lgRx
		}
		for i, row := range h.rows {
			T := h.times[row.ti]
			alive := -(r+row.x)*math.Log(alpha+T) - s*math.Log(beta+T)
			ll += row.w * logAddExp(alive, paretoLogDead(r, s, row.x, logF[pairs.tx[i]], logF[pairs.t[i]]))
		}
		return -ll
	}
	params, se, ll, err := fitLogParams(ctx, fitSpec{
		model: model, names: []string{"r", "alpha", "s", "beta"},
		nll: numericGradient(nll), weight: h.total,
		initial: []float64{1, math.Max(1, meanT), 1, math.Max(1, meanT)},
		scale:   []float64{1, meanT, 1, meanT},
		diagnose: func(p []float64) string {
			// E[μ]·T̄ = sβ⁻¹T̄: the expected number of drop-outs per customer
			// over the observed time.
			if rate := p[2] / p[3] * meanT; rate < 1e-3 {
				return fmt.Sprintf("the data show no drop-out: the mean drop-out rate s/β over the observed time ran to %.3g (s = %.3g, β = %.3g)", rate, p[2], p[3])
			}
			return ""
		},
	}, opt)
	if err != nil {
		return nil, err
	}
	m := &ParetoNBD{R: params[0], Alpha: params[1], S: params[2], Beta: params[3], LogLikelihood: ll, Customers: h.total}
	copy(m.StdErr[:], se)
	return m, nil
}

// pairs indexes the distinct (frequency, time) pairs the hypergeometric
// terms need: each row's (x, tx) and (x, T).
type pairs struct {
	keys  [][2]int32
	tx, t []int32 // per row
}

func newPairs(h *histories) pairs {
	var p pairs
	index := map[[2]int32]int32{}
	get := func(k [2]int32) int32 {
		i, ok := index[k]
		if !ok {
			i = int32(len(p.keys))
			index[k] = i
			p.keys = append(p.keys, k)
		}
		return i
	}
	p.tx, p.t = make([]int32, len(h.rows)), make([]int32, len(h.rows))
	for i, row := range h.rows {
		p.tx[i] = get([2]int32{row.xi, row.txi})
		p.t[i] = get([2]int32{row.xi, row.ti})
	}
	return p
}

// paretoLogF is ln of ₂F₁(r+s+x, b; r+s+x+1; z(t)) / (m+t)^(r+s+x) with
// m = max(α, β), z = |α−β|/(m+t), and b = s+1 when α ≥ β, r+x otherwise
// (Fader, Hardie & Lee 2005, "A note on deriving the Pareto/NBD model").
// The customer's contribution from dying between tx and T is
// s/(r+s+x) · (F(tx) − F(T)).
func paretoLogF(r, alpha, s, beta, x, t float64) float64 {
	c := r + s + x
	m, b := alpha, s+1
	if alpha < beta {
		m, b = beta, r+x
	}
	z := math.Abs(alpha-beta) / (m + t)
	return logHypergeoNext(c, b, z) - c*math.Log(m+t)
}

// hypergeoTerms bounds the series of logHypergeoNext; past it the rest is
// summed as the geometric series its terms approach.
const hypergeoTerms = 20_000

// logHypergeoNext is ln ₂F₁(c, b; c+1; z) for 0 ≤ z < 1 and b, c > 0, by
// Euler's transformation (1−z)^(1−b) ₂F₁(1, c+1−b; c+1; z): every term of
// that series is positive and at most z times the one before, so the sum
// is stable and its cost bounded whatever the purchase counts and times
// (the general series ran without end for b in the millions).
func logHypergeoNext(c, b, z float64) float64 {
	if z == 0 {
		return 0
	}
	a := c + 1 - b
	sum, term := 1.0, 1.0
	for k := 0.0; k < hypergeoTerms; k++ {
		ratio := (a + k) / (c + 1 + k) * z
		term *= ratio
		sum += term
		if term <= 1e-17*sum {
			break
		}
		if k == hypergeoTerms-1 {
			sum += term * ratio / (1 - ratio)
		}
	}
	return (1-b)*math.Log1p(-z) + math.Log(sum)
}

// paretoLogDead is ln[s/(r+s+x) · (F(tx) − F(T))], −Inf when tx = T.
func paretoLogDead(r, s, x, logFtx, logFT float64) float64 {
	d := logFT - logFtx
	if !(d < 0) {
		return math.Inf(-1)
	}
	return math.Log(s/(r+s+x)) + logFtx + math.Log(-math.Expm1(d))
}

// ProbabilityAlive is P(active at T | x, tx, T).
func (m *ParetoNBD) ProbabilityAlive(x, tx, T float64) float64 {
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	dead := paretoLogDead(r, s, x, paretoLogF(r, alpha, s, beta, x, tx), paretoLogF(r, alpha, s, beta, x, T))
	alive := -(r+x)*math.Log(alpha+T) - s*math.Log(beta+T)
	return 1 / (1 + math.Exp(dead-alive))
}

// ExpectedPurchases is E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)], with
// the limit rβ/α · ln(1 + t/β) at s = 1.
func (m *ParetoNBD) ExpectedPurchases(t float64) float64 {
	if !(t > 0) {
		return 0
	}
	return m.R / m.Alpha * lifetimeIntegral(m.S, m.Beta, t)
}

// ConditionalExpectedPurchases is E[Y(t) | x, tx, T]: the posterior rates
// are Gamma(r+x, α+T) and Gamma(s, β+T) given activity at T.
func (m *ParetoNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if !(t > 0) {
		return 0
	}
	return (m.R + x) / (m.Alpha + T) * lifetimeIntegral(m.S, m.Beta+T, t) * m.ProbabilityAlive(x, tx, T)
}

// lifetimeIntegral is ∫₀ᵗ P(alive at u) du with μ ~ Gamma(s, β):
// β/(s−1) · [1 − (β/(β+t))^(s−1)], or β ln(1+t/β) at s = 1.
func lifetimeIntegral(s, beta, t float64) float64 {
	l := math.Log1p(t / beta)
	if math.Abs(s-1) < 1e-9 {
		return beta * l
	}
	return beta / (s - 1) * -math.Expm1(-(s-1)*l)
}

// ProbabilityOfPurchases is P(X(t) = n) for a new customer: alive
// throughout with n purchases, or leaving at some τ < t after n purchases,
//
//	NB(n; t) (β/(β+t))^s + ∫₀ᵗ NB(n; τ) sβ^s/(β+τ)^(s+1) dτ,
//
// with NB(n; τ) the gamma-Poisson probability of n purchases in τ. The
// integral is computed by Gauss–Legendre quadrature (its integrand is
// smooth), accurate to about 1e-10.
func (m *ParetoNBD) ProbabilityOfPurchases(n int, t float64) float64 {
	if n < 0 {
		return 0
	}
	if !(t > 0) {
		if n == 0 {
			return 1
		}
		return 0
	}
	r, alpha, s, beta := m.R, m.Alpha, m.S, m.Beta
	x := float64(n)
	lgRx, _ := math.Lgamma(r + x)
	lgR, _ := math.Lgamma(r)
	lgX1, _ := math.Lgamma(x + 1)
	logNB := func(tau float64) float64 {
		if tau == 0 {
			if n == 0 {
				return 0
			}
			return math.Inf(-1)
		}
		return lgRx - lgR - lgX1 + r*math.Log(alpha/(alpha+tau)) + x*math.Log(tau/(alpha+tau))
	}
	alive := math.Exp(logNB(t) + s*math.Log(beta/(beta+t)))
	dead := quad.Fixed(func(tau float64) float64 {
		return math.Exp(logNB(tau) + math.Log(s) + s*math.Log(beta) - (s+1)*math.Log(beta+tau))
	}, 0, t, 64, quad.Legendre{}, 0)
	return alive + dead
}

// logAddExp is ln(e^u + e^v) without overflow; −Inf when both are −Inf.
func logAddExp(u, v float64) float64 {
	m := math.Max(u, v)
	if math.IsInf(m, -1) {
		return m
	}
	return m + math.Log1p(math.Exp(-math.Abs(u-v)))
}
