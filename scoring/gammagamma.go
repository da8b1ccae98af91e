package scoring

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/crmkit/crm"
)

// SpendRow is one customer's (or, with Weight > 1, several identical
// customers') repeat spending: Frequency repeat purchase periods with mean
// spend Monetary.
type SpendRow struct {
	// Frequency is the number of repeat purchase periods.
	Frequency float64 `json:"frequency"`
	// Monetary is their mean spend.
	Monetary float64 `json:"monetary"`
	// Weight is how many customers share this pair.
	Weight float64 `json:"weight"`
}

// SpendRows picks the customers the spend model can learn from — those
// with at least one repeat purchase period and positive mean spend — and
// merges identical (frequency, monetary) pairs, sorted by them.
func SpendRows(summaries []Summary) []SpendRow {
	rows := make([]SpendRow, 0, len(summaries))
	for _, s := range summaries {
		if s.Frequency >= 1 && s.Monetary > 0 {
			rows = append(rows, SpendRow{Frequency: float64(s.Frequency), Monetary: s.Monetary, Weight: 1})
		}
	}
	return mergeRuns(rows, 2, func(r *SpendRow, k []float64) { k[0], k[1] = r.Frequency, r.Monetary },
		func(into *SpendRow, r SpendRow) { into.Weight += r.Weight })
}

// GammaGamma is a fitted Gamma-Gamma model of spend per transaction (Fader,
// Hardie & Lee 2005; Fader & Hardie 2013): each spend is Gamma(P, ν) around
// the customer's mean P/ν, and ν varies across customers as Gamma(Q, Gamma).
// The population mean spend is P·Gamma/(Q−1), finite only for Q > 1. The
// model assumes spend is independent of purchase frequency.
type GammaGamma struct {
	// P is the shape of each purchase amount's gamma distribution.
	P float64 `json:"p"`
	// Q and Gamma are the shape and rate of the gamma distribution of each
	// customer's ν.
	Q float64 `json:"q"`
	// Gamma is the rate of the ν distribution.
	Gamma  float64    `json:"gamma"`
	StdErr [3]float64 `json:"std_err"` // of P, Q, Gamma; zeros when the Hessian is not positive definite
	// LogLikelihood is the fit's log-likelihood.
	LogLikelihood float64 `json:"log_likelihood"`
	Customers     float64 `json:"customers"` // total weight fitted
}

// FitGammaGamma fits the spend model to customers with repeat purchases by
// maximum likelihood. The log-likelihood of one customer with x repeat
// periods of mean spend z̄ is
//
//	ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln z̄ + px ln x − (px+q) ln(γ + x z̄).
func FitGammaGamma(ctx context.Context, rows []SpendRow, opt *FitOptions) (*GammaGamma, error) {
	const model = "Gamma-Gamma"
	var errs []error
	for i, r := range rows {
		switch {
		case !(r.Weight > 0) || math.IsInf(r.Weight, 0):
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("rows[%d]", i), Problem: fmt.Sprintf("weight %v must be positive and finite", r.Weight)})
		case !(r.Frequency >= 1) || r.Frequency != math.Trunc(r.Frequency) || math.IsInf(r.Frequency, 0):
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("rows[%d]", i), Problem: fmt.Sprintf("frequency %v must be a whole number ≥ 1", r.Frequency)})
		case !(r.Monetary > 0) || math.IsInf(r.Monetary, 0):
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("rows[%d]", i), Problem: fmt.Sprintf("monetary %v must be positive and finite", r.Monetary)})
		}
	}
	if len(rows) == 0 {
		errs = append(errs, &crm.FieldError{Field: "rows", Problem: "no customers with repeat purchases"})
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "scoring", What: fmt.Sprintf("fit %s", model), Problems: errs}
	}
	obj, total, mean := gammaGammaObjective(rows)
	params, se, ll, err := fitLogParams(ctx, fitSpec{
		model: model, names: []string{"p", "q", "gamma"},
		nll: obj, analytic: true, weight: total, hessian: gammaGammaHessian(rows), newton: true,
		initial: []float64{1, 2, mean}, scale: []float64{1, 1, mean},
	}, opt)
	if err != nil {
		return nil, err
	}
	m := &GammaGamma{P: params[0], Q: params[1], Gamma: params[2], LogLikelihood: ll, Customers: total}
	copy(m.StdErr[:], se)
	return m, nil
}

// gammaGammaObjective returns the negative log-likelihood with its gradient,
// the total weight and the weighted mean spend. Terms in x alone are
// computed once per distinct x, and the data-only sums once per fit.
func gammaGammaObjective(rows []SpendRow) (objective, float64, float64) {
	xIndex := map[float64]int{}
	var xs, xWeight []float64
	var total, mean, c1, c2 float64 // c1 = Σ w x (ln z̄ + ln x), c2 = Σ w ln z̄
	for _, r := range rows {
		k, ok := xIndex[r.Frequency]
		if !ok {
			k = len(xs)
			xIndex[r.Frequency] = k
			xs = append(xs, r.Frequency)
			xWeight = append(xWeight, 0)
		}
		xWeight[k] += r.Weight
		total += r.Weight
		mean += r.Weight * r.Monetary
		lz := math.Log(r.Monetary)
		c1 += r.Weight * r.Frequency * (lz + math.Log(r.Frequency))
		c2 += r.Weight * lz
	}
	mean /= total
	obj := func(par, grad []float64) float64 {
		p, q, gamma := par[0], par[1], par[2]
		clear(grad)
		lgQ, _ := math.Lgamma(q)
		ll := -total*lgQ + total*q*math.Log(gamma) + p*c1 - c2
		var dP, dQ, dG float64
		if grad != nil {
			dP = c1
			dQ = total * (math.Log(gamma) - digamma(q))
			dG = total * q / gamma
		}
		for k, x := range xs {
			w := xWeight[k]
			lgA, _ := math.Lgamma(p*x + q)
			lgB, _ := math.Lgamma(p * x)
			ll += w * (lgA - lgB)
			if grad != nil {
				psiA := digamma(p*x + q)
				dP += w * x * (psiA - digamma(p*x))
				dQ += w * psiA
			}
		}
		// Σ w (px+q) ln(γ + x z̄) and its derivatives, over rows.
		ll -= parallelRows(len(rows), 3, grad, func(lo, hi int, g []float64) float64 {
			var s, sx, gG float64
			for i := lo; i < hi; i++ {
				r := &rows[i]
				den := gamma + r.Frequency*r.Monetary
				l := math.Log(den)
				s += r.Weight * l
				sx += r.Weight * r.Frequency * l
				if g != nil {
					gG += r.Weight * (p*r.Frequency + q) / den
				}
			}
			if g != nil {
				g[0] += sx
				g[1] += s
				g[2] += gG
			}
			return p*sx + q*s
		})
		if grad != nil {
			grad[0] = -(dP - grad[0])
			grad[1] = -(dQ - grad[1])
			grad[2] = -(dG - grad[2])
		}
		return -ll
	}
	return obj, total, mean
}

// gammaGammaHessian returns the Hessian of the negative log-likelihood,
// from the second derivatives of one customer's term
//
//	∂²/∂p² = x²(ψ'(px+q) − ψ'(px))   ∂²/∂p∂q = x ψ'(px+q)   ∂²/∂p∂γ = −x/(γ+xz̄)
//	∂²/∂q² = ψ'(px+q) − ψ'(q)         ∂²/∂q∂γ = 1/γ − 1/(γ+xz̄)
//	∂²/∂γ² = −q/γ² + (px+q)/(γ+xz̄)²
//
// (of the log-likelihood; the Hessian is their negated weighted sum): the
// trigamma terms once per distinct x, the rest in one pass over the rows.
func gammaGammaHessian(rows []SpendRow) func(params []float64, h *mat.SymDense) {
	// Distinct frequencies in order of appearance, once (a map's order
	// would make the sums, and so the fit, differ from run to run).
	xIndex := map[float64]int{}
	var xs, xWeight []float64
	var total float64
	for i := range rows {
		r := &rows[i]
		k, ok := xIndex[r.Frequency]
		if !ok {
			k = len(xs)
			xIndex[r.Frequency] = k
			xs, xWeight = append(xs, r.Frequency), append(xWeight, 0)
		}
		xWeight[k] += r.Weight
		total += r.Weight
	}
	return func(params []float64, h *mat.SymDense) {
		p, q, gamma := params[0], params[1], params[2]
		var spq, sqq, sp, s1, sgg float64
		for i := range rows {
			r := &rows[i]
			den := gamma + r.Frequency*r.Monetary
			sp += r.Weight * r.Frequency / den
			s1 += r.Weight / den
			sgg += r.Weight * (p*r.Frequency + q) / (den * den)
		}
		var spp float64
		for k, x := range xs {
			w := xWeight[k]
			tA := trigamma(p*x + q)
			spp += w * x * x * (tA - trigamma(p*x))
			spq += w * x * tA
			sqq += w * tA
		}
		sqq -= total * trigamma(q)
		h.SetSym(0, 0, -spp)
		h.SetSym(0, 1, -spq)
		h.SetSym(0, 2, sp)
		h.SetSym(1, 1, -sqq)
		h.SetSym(1, 2, -(total/gamma - s1))
		h.SetSym(2, 2, -(-total*q/(gamma*gamma) + sgg))
	}
}

// digamma is ψ(x) for x > 0: the recurrence ψ(x) = ψ(x+1) − 1/x up to
// x ≥ 8, then the asymptotic series (absolute error about 1e-14). gonum's
// mathext.Digamma is off by about 2e-6 relative near 5, enough to make the
// gradient disagree with the likelihood it differentiates.
func digamma(x float64) float64 {
	if !(x > 0) {
		return math.NaN()
	}
	acc := 0.0
	for x < 8 {
		acc -= 1 / x
		x++
	}
	z := 1 / (x * x)
	// ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸)
	// − 1/(132x¹⁰) + 691/(32760x¹²)
	series := math.Log(x) - 0.5/x - z*(1.0/12-z*(1.0/120-z*(1.0/252-z*(1.0/240-z*(1.0/132-z*691.0/32760)))))
	return acc + series
}

// trigamma is ψ'(x) for x > 0: the recurrence ψ'(x) = ψ'(x+1) + 1/x² up
// to x ≥ 8, then the asymptotic series (relative error below 1e-11).
func trigamma(x float64) float64 {
	if !(x > 0) {
		return math.NaN()
	}
	acc := 0.0
	for x < 8 {
		acc += 1 / (x * x)
		x++
	}
	z := 1 / (x * x)
	// 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹)
	series := 1/x + z/2 + z/x*(1.0/6+z*(-1.0/30+z*(1.0/42+z*(-1.0/30+z*5.0/66))))
	return acc + series
}

// ExpectedAverageSpend is the expected mean spend per purchase of a customer
// with x repeat periods of mean spend zbar: a weighted average of the
// population mean and the customer's own,
//
//	(q−1)/(px+q−1) · pγ/(q−1) + px/(px+q−1) · z̄.
//
// With x = 0 it is the population mean. It is +Inf when Q ≤ 1 and x = 0.
func (m *GammaGamma) ExpectedAverageSpend(x, zbar float64) float64 {
	if x <= 0 {
		return m.MeanSpend()
	}
	return m.P * (m.Gamma + x*zbar) / (m.P*x + m.Q - 1)
}

// MeanSpend is the population's mean spend per purchase, pγ/(q−1); +Inf
// when Q ≤ 1, where the mean does not exist.
func (m *GammaGamma) MeanSpend() float64 {
	if m.Q <= 1 {
		return math.Inf(1)
	}
	return m.P * m.Gamma / (m.Q - 1)
}
