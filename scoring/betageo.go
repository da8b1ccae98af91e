package scoring

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
)

// betaGeoObjective is the negative log-likelihood of BG/NBD (shift 0) or
// MBG/NBD (shift 1) over h, with its analytic gradient in (r, α, a, b).
//
// One history's log-likelihood is
//
//	ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x+k) − ln B(a, b)
//	  − (r+x) ln(α+T) + ln(1 + e^d)
//	d = ln a − ln(b+x+k−1) + (r+x)(ln(α+T) − ln(α+tₓ))
//
// with k the shift; BG/NBD has no e^d term when x = 0 (nobody drops out
// before their first repeat purchase), MBG/NBD always has it.
func betaGeoObjective(h *histories, shift float64) objective {
	nt := len(h.times)
	logs := make([]float64, nt) // ln(α+t)
	invs := make([]float64, nt) // 1/(α+t)
	nx := len(h.xs)
	logDen := make([]float64, nx) // ln(b+x+k−1)
	invDen := make([]float64, nx)
	return func(p, grad []float64) float64 {
		r, alpha, a, b := p[0], p[1], p[2], p[3]
		clear(grad)
		for i, t := range h.times {
			logs[i] = math.Log(alpha + t)
			invs[i] = 1 / (alpha + t)
		}
		// Terms that depend on x only.
		lgR, _ := math.Lgamma(r)
		lgB, _ := math.Lgamma(b)
		lgAB, _ := math.Lgamma(a + b)
		ll := 0.0
		var dR, dAlpha, dA, dB float64
		var psiR, psiB, psiAB float64
		if grad != nil {
			psiR, psiB, psiAB = digamma(r), digamma(b), digamma(a+b)
		}
		logAlpha := math.Log(alpha)
		for i, x := range h.xs {
			w := h.xWeight[i]
			lgRx, _ := math.Lgamma(r + x)
			lgBx, _ := math.Lgamma(b + x + shift)
			lgABx, _ := math.Lgamma(a + b + x + shift)
			ll += w * (lgRx - lgR + r*logAlpha + lgAB + lgBx - lgB - lgABx)
			logDen[i] = math.Log(b + x + shift - 1)
			invDen[i] = 1 / (b + x + shift - 1)
			if grad != nil {
				psiABx := digamma(a + b + x + shift)
				dR += w * (digamma(r+x) - psiR + logAlpha)
				dAlpha += w * r / alpha
				dA += w * (psiAB - psiABx)
				dB += w * (psiAB + digamma(b+x+shift) - psiB - psiABx)
			}
		}
		logA := math.Log(a)
		rowGrad := grad != nil
		ll += parallelRows(len(h.rows), 4, grad, func(lo, hi int, g []float64) float64 {
			var s, gR, gAlpha, gA, gB float64
			// Σ ln(1+e^−|d|) is taken as the log of a running product, one
			// logarithm per few hundred rows: each factor lies in (1, 2], so
			// 512 of them cannot overflow.
			prod, n := 1.0, 0
			for _, row := range h.rows[lo:hi] {
				rx := r + row.x
				lT, iT := logs[row.ti], invs[row.ti]
				if row.x == 0 && shift == 0 {
					s -= row.w * rx * lT
					if rowGrad {
						gR -= row.w * lT
						gAlpha -= row.w * rx * iT
					}
					continue
				}
				lt, it := logs[row.txi], invs[row.txi]
				d := logA - logDen[row.xi] + rx*(lT-lt)
				// ln(1+e^d) = max(d, 0) + ln(1+e^−|d|); wd = e^d/(1+e^d) is
				// the weight of the dropped-out branch.
				var e, wd float64
				if d > 0 {
					e = math.Exp(-d)
					wd = 1 / (1 + e)
					s += row.w * d
				} else {
					e = math.Exp(d)
					wd = e / (1 + e)
				}
				s -= row.w * rx * lT
				if row.w == 1 {
					prod *= 1 + e
					if n++; n == 512 {
						s += math.Log(prod)
						prod, n = 1, 0
					}
				} else {
					s += row.w * math.Log1p(e)
				}
				if rowGrad {
					w0 := 1 - wd
					gR -= row.w * (w0*lT + wd*lt)
					gAlpha -= row.w * rx * (w0*iT + wd*it)
					gA += row.w * wd
					gB -= row.w * wd * invDen[row.xi]
				}
			}
			s += math.Log(prod)
			if g != nil {
				g[0] += gR
				g[1] += gAlpha
				g[2] += gA
				g[3] += gB
			}
			return s
		})
		if grad != nil {
			// The row pass added its part into grad; gA was left unscaled by
			// 1/a to keep the loop short. Negate for the negative likelihood.
			grad[0] = -(grad[0] + dR)
			grad[1] = -(grad[1] + dAlpha)
			grad[2] = -(grad[2]/a + dA)
			grad[3] = -(grad[3] + dB)
		}
		return -ll
	}
}

// betaGeoHessian returns the Hessian of betaGeoObjective's negative
// log-likelihood. With θ = (r, α, a, b), a customer's log-likelihood is
// terms in x alone plus −(r+x) ln(α+T) + ln(1 + e^d), where
// d = ln a − ln(b+x+s−1) + (r+x)(ln(α+T) − ln(α+tx)) (only the first of
// these when x = s = 0). With σ = e^d/(1+e^d), the second derivatives of
// ln(1 + e^d) are σ ∂²d + σ(1−σ) ∂d ∂dᵀ, and
//
//	∂d = (ln(α+T) − ln(α+tx), (r+x)(1/(α+T) − 1/(α+tx)), 1/a, −1/(b+x+s−1))
//	∂²d/∂r∂α = 1/(α+T) − 1/(α+tx)   ∂²d/∂α² = (r+x)(1/(α+tx)² − 1/(α+T)²)
//	∂²d/∂a² = −1/a²                 ∂²d/∂b² = 1/(b+x+s−1)²
//
// while −(r+x) ln(α+T) adds −1/(α+T) to ∂r∂α and (r+x)/(α+T)² to ∂α², and
// the terms in x alone (lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x+s)
// − lnΓ(b) − lnΓ(a+b+x+s)) add trigamma terms and 1/α, −r/α².
func betaGeoHessian(h *histories, shift float64) func(params []float64, hess *mat.SymDense) {
	return func(params []float64, hess *mat.SymDense) {
		r, alpha, a, b := params[0], params[1], params[2], params[3]
		// acc: rr, rα, αα, aa, ab, bb, ra, rb, αa, αb (of the log-likelihood).
		var acc [10]float64
		tR, tAB := trigamma(r), trigamma(a+b)
		tB := trigamma(b)
		for i, x := range h.xs {
			w := h.xWeight[i]
			tABx := trigamma(a + b + x + shift)
			acc[0] += w * (trigamma(r+x) - tR)
			acc[1] += w / alpha
			acc[2] -= w * r / (alpha * alpha)
			acc[3] += w * (tAB - tABx)
			acc[4] += w * (tAB - tABx)
			acc[5] += w * (tAB + trigamma(b+x+shift) - tB - tABx)
		}
		logA := math.Log(a)
		// ln(α+t) and 1/(α+t) once per distinct time, ln and 1/ of
		// b+x+s−1 once per distinct x: a row then costs one exponential.
		logs, invs := make([]float64, len(h.times)), make([]float64, len(h.times))
		for i, t := range h.times {
			logs[i], invs[i] = math.Log(alpha+t), 1/(alpha+t)
		}
		logDen, invDen := make([]float64, len(h.xs)), make([]float64, len(h.xs))
		for i, x := range h.xs {
			logDen[i], invDen[i] = math.Log(b+x+shift-1), 1/(b+x+shift-1)
		}
		rowAcc := make([]float64, 10)
		parallelRows(len(h.rows), 10, rowAcc, func(lo, hi int, g []float64) float64 {
			var s [10]float64
			for _, row := range h.rows[lo:hi] {
				rx := r + row.x
				iT := invs[row.ti]
				s[1] -= row.w * iT
				s[2] += row.w * rx * iT * iT
				if row.x == 0 && shift == 0 {
					continue
				}
				lT, lt, it := logs[row.ti], logs[row.txi], invs[row.txi]
				inv := invDen[row.xi]
				d := logA - logDen[row.xi] + rx*(lT-lt)
				e := math.Exp(-math.Abs(d))
				sig := 1 / (1 + e) // σ(|d|)
				if d < 0 {
					sig = e / (1 + e)
				}
				v := e / ((1 + e) * (1 + e)) // σ(1−σ)
				dd := [4]float64{lT - lt, rx * (iT - it), 1 / a, -inv}
				w := row.w
				s[0] += w * v * dd[0] * dd[0]
				s[1] += w * (sig*(iT-it) + v*dd[0]*dd[1])
				s[2] += w * (sig*rx*(it*it-iT*iT) + v*dd[1]*dd[1])
				s[3] += w * (-sig/(a*a) + v*dd[2]*dd[2])
				s[4] += w * v * dd[2] * dd[3]
				s[5] += w * (sig*inv*inv + v*dd[3]*dd[3])
				s[6] += w * v * dd[0] * dd[2]
				s[7] += w * v * dd[0] * dd[3]
				s[8] += w * v * dd[1] * dd[2]
				s[9] += w * v * dd[1] * dd[3]
			}
			for k := range s {
				g[k] += s[k]
			}
			return 0
		})
		for k := range acc {
			acc[k] += rowAcc[k]
		}
		// The negative log-likelihood's Hessian, in the order r, α, a, b.
		hess.SetSym(0, 0, -acc[0])
		hess.SetSym(0, 1, -acc[1])
		hess.SetSym(1, 1, -acc[2])
		hess.SetSym(2, 2, -acc[3])
		hess.SetSym(2, 3, -acc[4])
		hess.SetSym(3, 3, -acc[5])
		hess.SetSym(0, 2, -acc[6])
		hess.SetSym(0, 3, -acc[7])
		hess.SetSym(1, 2, -acc[8])
		hess.SetSym(1, 3, -acc[9])
	}
}

func fitBetaGeo(ctx context.Context, model string, rows []Row, shift float64, opt *FitOptions) (params, se []float64, ll, total float64, err error) {
	if err := validateRows(model, rows, false); err != nil {
		return nil, nil, 0, 0, err
	}
	if err := identifiable(model, rows, 4); err != nil {
		return nil, nil, 0, 0, err
	}
	h := newHistories(rows)
	meanT := 0.0
	for _, r := range rows {
		meanT += r.Weight * r.T
	}
	meanT /= h.total
	params, se, ll, err = fitLogParams(ctx, fitSpec{
		model: model, names: []string{"r", "alpha", "a", "b"},
		nll: betaGeoObjective(h, shift), analytic: true, weight: h.total, hessian: betaGeoHessian(h, shift),
		initial: []float64{1, math.Max(1, meanT), 1, 1},
		scale:   []float64{1, meanT, 1, 1},
		diagnose: func(p []float64) string {
			if drop := p[2] / (p[2] + p[3]); drop < 1e-6 {
				return fmt.Sprintf("the data show no drop-out: a/(a+b), the chance of leaving after a purchase, ran to %.3g (a = %.3g, b = %.3g)", drop, p[2], p[3])
			}
			return ""
		},
	}, opt)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	return params, se, ll, h.total, nil
}

// betaGeo holds the predictions BG/NBD (shift 0) and MBG/NBD (shift 1)
// share. In both, an active customer buys at rate λ ~ Gamma(r, α) and, with
// probability p ~ Beta(a, b), leaves after each purchase; MBG/NBD also lets
// the customer leave at time zero, before any repeat purchase. So purchase k
// needs k−1+shift survivals, and a customer with x repeat purchases who is
// alive at T has survived x+shift of them.
type betaGeo struct {
	r, alpha, a, b, shift float64
}

// expected is E[X(t)]. Under BG/NBD a new customer is active, so this is
// remaining(t) at the prior; under MBG/NBD the customer must first survive
// the chance to leave at time zero, probability b/(a+b), after which p
// follows Beta(a, b+1).
func (g betaGeo) expected(t float64) float64 {
	if !(t > 0) {
		return 0
	}
	if g.shift == 0 {
		return g.remaining(t, 0, 0, g.b)
	}
	return g.b / (g.a + g.b) * g.remaining(t, 0, 0, g.b+1)
}

// remaining is the expected number of purchases in the next t time units of
// a customer known to be active at T, with posterior λ ~ Gamma(r+x, α+T)
// and p ~ Beta(a, bPost). Given λ and p the count is (1 − e^(−λpt))/p;
// integrating λ leaves (1 − ((α+T)/(α+T+pt))^(r+x))/p, and integrating p
// turns 1/p·Beta(a, bPost) into (a+bPost−1)/(a−1)·Beta(a−1, bPost), under
// which the expectation of the power is a Gauss hypergeometric function:
//
//	(a+bPost−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, bPost; a+bPost−1; t/(α+T+t))]
func (g betaGeo) remaining(t, x, T, bPost float64) float64 {
	if math.Abs(g.a-1) < nearOne/2 {
		// a = 1 is a removable singularity, and near it the bracket
		// cancels (it is of the order of a − 1): interpolate the smooth
		// function from four points a distance nearOne and 2·nearOne away,
		// where the formula keeps its precision, by Lagrange's cubic.
		h := nearOne
		nodes := [4]float64{1 - 2*h, 1 - h, 1 + h, 1 + 2*h}
		sum := 0.0
		for i, ai := range nodes {
			gi := g
			gi.a = ai
			w := 1.0
			for j, aj := range nodes {
				if j != i {
					w *= (g.a - aj) / (ai - aj)
				}
			}
			sum += w * gi.remainingAway(t, x, T, bPost)
		}
		return sum
	}
	return g.remainingAway(t, x, T, bPost)
}

// remainingAway is remaining's closed form, for a away from 1.
func (g betaGeo) remainingAway(t, x, T, bPost float64) float64 {
	a := g.a
	rx := g.r + x
	z := t / (g.alpha + T + t)
	lead := rx * math.Log((g.alpha+T)/(g.alpha+T+t))
	inner := -math.Expm1(lead + logHypergeo(rx, bPost, a+bPost-1, z))
	return (a + bPost - 1) / (a - 1) * inner
}

// nearOne sets the band around a = 1 where remaining interpolates (half
// of it each side) and the distance of its nodes: at that distance the
// cancellation in the closed form costs about 1e-13 relative, and the
// cubic's error is of the order of nearOne⁴.
const nearOne = 1e-3

// conditional is E[Y(t) | x, tx, T] = P(alive) · E[Y(t) | alive].
func (g betaGeo) conditional(t, x, tx, T float64) float64 {
	if !(t > 0) {
		return 0
	}
	return g.alive(x, tx, T) * g.remaining(t, x, T, g.b+x+g.shift)
}

// alive is P(active at T | x, tx, T): the two ways to have made x repeat
// purchases by T are "still active" and "left right after the last one",
// whose odds are a/(b+x+shift−1) · ((α+T)/(α+tx))^(r+x).
func (g betaGeo) alive(x, tx, T float64) float64 {
	if x == 0 && g.shift == 0 {
		return 1
	}
	// One logarithm and one exponential: the odds' power as exp of a
	// product, its constant as a ratio.
	c, e := g.a/(g.b+x+g.shift-1), (g.r+x)*math.Log((g.alpha+T)/(g.alpha+tx))
	if e > 700 {
		// The power alone would overflow (past e ≈ 709.8) where the odds,
		// its constant small, may not: the odds' logarithm instead, and
		// 1/(1+odds) as q/(1+q) with q = 1/odds when the odds are large.
		lo := math.Log(c) + e
		if lo > 0 {
			q := math.Exp(-lo)
			return q / (1 + q)
		}
		return 1 / (1 + math.Exp(lo))
	}
	return 1 / (1 + c*math.Exp(e))
}

// pmf is P(X(t) = n): either the customer survived all n+shift chances to
// leave and the Poisson count is exactly n, or the customer left right after
// purchase n (or at time zero) and the count reached n:
//
//	B(a, b+n+s)/B(a, b) · NB(n) + B(a+1, b+n+s−1)/B(a, b) · P(NB ≥ n)
//
// with NB the gamma-Poisson count at t; the second term needs n+s ≥ 1.
func (g betaGeo) pmf(n int, t float64) float64 {
	if n < 0 {
		return 0
	}
	r, alpha, a, b := g.r, g.alpha, g.a, g.b
	x := float64(n)
	if !(t > 0) {
		if n == 0 {
			return 1
		}
		return 0
	}
	lbeta := mathext.Lbeta(a, b)
	lgRx, _ := math.Lgamma(r + x)
	lgR, _ := math.Lgamma(r)
	lgX1, _ := math.Lgamma(x + 1)
	q := alpha / (alpha + t)
	logNB := lgRx - lgR - lgX1 + r*math.Log(q) + x*math.Log1p(-q)
	p := math.Exp(mathext.Lbeta(a, b+x+g.shift) - lbeta + logNB)
	if x+g.shift >= 1 {
		tail := 1.0 // P(NB ≥ 0)
		if n > 0 {
			tail = mathext.RegIncBeta(x, r, 1-q)
		}
		p += math.Exp(mathext.Lbeta(a+1, b+x+g.shift-1)-lbeta) * tail
	}
	return p
}
