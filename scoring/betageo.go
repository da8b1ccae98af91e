package scoring

import (
	"context"
	"fmt"
	"math"

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
			psiR, psiB, psiAB = mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
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
				psiABx := mathext.Digamma(a + b + x + shift)
				dR += w * (mathext.Digamma(r+x) - psiR + logAlpha)
				dAlpha += w * r / alpha
				dA += w * (psiAB - psiABx)
				dB += w * (psiAB + mathext.Digamma(b+x+shift) - psiB - psiABx)
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

func fitBetaGeo(ctx context.Context, model string, rows []Row, shift float64, opt *FitOptions) (params, se []float64, ll, total float64, err error) {
	if err := validateRows(model, rows, false); err != nil {
		return nil, nil, 0, 0, err
	}
	h := newHistories(rows)
	meanT := 0.0
	for _, r := range rows {
		meanT += r.Weight * r.T
	}
	meanT /= h.total
	names := []string{"r", "alpha", "a", "b"}
	params, se, ll, err = fitLogParams(ctx, model, names, betaGeoObjective(h, shift), true, h.total, []float64{1, math.Max(1, meanT), 1, 1}, opt)
	if err != nil {
		return nil, nil, 0, 0, err
	}
	if name, v, ok := runaway(names, params, []float64{1, meanT, 1, 1}); ok {
		reason := fmt.Sprintf("parameter %s ran to %g: the data do not determine it", name, v)
		if drop := params[2] / (params[2] + params[3]); drop < 1e-3 {
			reason = fmt.Sprintf("the data show no drop-out: a/(a+b), the chance of leaving after a purchase, ran to %g (a = %g, b = %g)", drop, params[2], params[3])
		}
		return nil, nil, 0, 0, &FitError{Model: model, Reason: reason,
			Remedy: "set FitOptions.Penalizer (e.g. 0.01) to keep the parameters finite, or observe the customers for longer"}
	}
	return params, se, ll, h.total, nil
}
