package scoring

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"github.com/crmkit/crm"
)

// Row is one distinct (frequency, recency, T) history standing for Weight
// customers. Models fit on rows, so fitting cost grows with distinct
// histories, not customers.
type Row struct {
	Frequency float64 `json:"frequency"`
	Recency   float64 `json:"recency"`
	T         float64 `json:"t"`
	Weight    float64 `json:"weight"`
}

// Compress turns summaries into weighted distinct rows, sorted by
// (frequency, recency, T).
func Compress(summaries []Summary) []Row {
	counts := map[[3]float64]float64{}
	for _, s := range summaries {
		counts[[3]float64{float64(s.Frequency), s.Recency, s.T}]++
	}
	rows := make([]Row, 0, len(counts))
	for k, w := range counts {
		rows = append(rows, Row{Frequency: k[0], Recency: k[1], T: k[2], Weight: w})
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Frequency, b.Frequency), cmp.Compare(a.Recency, b.Recency), cmp.Compare(a.T, b.T))
	})
	return rows
}

// FitOptions control maximum-likelihood fitting. The zero value (or nil)
// fits without penalty from the model's default start.
type FitOptions struct {
	// Penalizer adds Penalizer · Σ θ² to the negative log-likelihood, where
	// θ are the parameters: a small value (0.001–0.1) keeps parameters finite
	// when the data cannot pin them down.
	Penalizer float64
	// Initial overrides the starting parameters (natural scale).
	Initial []float64
	// MaxIterations bounds the optimiser (default 2000).
	MaxIterations int
}

// FitError reports a fit that did not produce trustworthy parameters, with
// the reason and a remedy.
type FitError struct {
	Model  string
	Reason string
	Remedy string
}

func (e *FitError) Error() string {
	s := "scoring: fit " + e.Model + ": " + e.Reason
	if e.Remedy != "" {
		s += " (" + e.Remedy + ")"
	}
	return s
}

func validateRows(model string, rows []Row, discrete bool) error {
	var errs []error
	total := 0.0
	for i, r := range rows {
		bad := func(format string, args ...any) {
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("rows[%d]", i), Problem: fmt.Sprintf(format, args...)})
		}
		switch {
		case !(r.Weight > 0) || math.IsInf(r.Weight, 0):
			bad("weight %v must be positive and finite", r.Weight)
		case !(r.Frequency >= 0) || r.Frequency != math.Trunc(r.Frequency) || math.IsInf(r.Frequency, 0):
			bad("frequency %v must be a whole number ≥ 0", r.Frequency)
		case !(r.Recency >= 0) || !(r.T >= r.Recency) || math.IsInf(r.T, 0):
			bad("need 0 ≤ recency (%v) ≤ T (%v)", r.Recency, r.T)
		case r.Frequency == 0 && r.Recency != 0:
			bad("recency must be 0 when frequency is 0")
		case discrete && r.Frequency > r.Recency:
			bad("frequency %v exceeds recency %v in a discrete model", r.Frequency, r.Recency)
		}
		total += r.Weight
	}
	if len(rows) == 0 {
		errs = append(errs, &crm.FieldError{Field: "rows", Problem: "no data"})
	}
	if len(errs) > 0 {
		return fmt.Errorf("scoring: fit %s: %w", model, errors.Join(errs...))
	}
	return nil
}

// fitLogParams minimises nll over log-parameters with BFGS, then computes
// standard errors of the natural parameters from the numerical Hessian of
// the (unpenalised) negative log-likelihood.
//
// The optimiser sees the negative log-likelihood per unit of weight, so that
// its convergence thresholds mean the same for 100 customers or a million.
func fitLogParams(ctx context.Context, model string, names []string, nll func(p []float64) float64, weight float64, initial []float64, opt *FitOptions) (params, stdErr []float64, ll float64, err error) {
	if opt == nil {
		opt = &FitOptions{}
	}
	if opt.Initial != nil {
		if len(opt.Initial) != len(initial) {
			return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("%d initial values for %d parameters", len(opt.Initial), len(initial))}
		}
		initial = opt.Initial
	}
	x0 := make([]float64, len(initial))
	for i, v := range initial {
		if !(v > 0) {
			return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("initial %s = %v is not positive", names[i], v)}
		}
		x0[i] = math.Log(v)
	}
	natural := make([]float64, len(x0))
	objective := func(x []float64) float64 {
		pen := 0.0
		for i, v := range x {
			natural[i] = math.Exp(v)
			pen += natural[i] * natural[i]
		}
		f := (nll(natural) + opt.Penalizer*pen) / weight
		if math.IsNaN(f) {
			return math.Inf(1)
		}
		return f
	}
	maxIter := opt.MaxIterations
	if maxIter <= 0 {
		maxIter = 2000
	}
	problem := optimize.Problem{
		Func: objective,
		Grad: func(grad, x []float64) {
			fd.Gradient(grad, objective, x, &fd.Settings{Formula: fd.Central})
		},
		Status: func() (optimize.Status, error) { return optimize.NotTerminated, ctx.Err() },
	}
	res, err := optimize.Minimize(problem, x0, &optimize.Settings{MajorIterations: maxIter, GradientThreshold: 1e-7}, &optimize.BFGS{})
	if ctx.Err() != nil {
		return nil, nil, 0, ctx.Err()
	}
	if err != nil && res != nil && res.Gradient != nil && floats.Norm(res.Gradient, math.Inf(1)) < 1e-5 {
		err = nil // the line search stalled at the optimum, where numerical gradients are noise
	}
	if res == nil || err != nil {
		return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("optimiser stopped: %v", err),
			Remedy: "try a small Penalizer such as 0.01, or other Initial values"}
	}
	params = make([]float64, len(res.X))
	for i, v := range res.X {
		params[i] = math.Exp(v)
		if v > 25 || v < -25 || math.IsInf(params[i], 0) {
			return nil, nil, 0, &FitError{Model: model,
				Reason: fmt.Sprintf("parameter %s ran to %g: the data do not determine it", names[i], params[i]),
				Remedy: "set FitOptions.Penalizer (e.g. 0.01) to keep it finite"}
		}
	}
	ll = -nll(params)
	stdErr = standardErrors(nll, params)
	return params, stdErr, ll, nil
}

func standardErrors(nll func([]float64) float64, params []float64) []float64 {
	n := len(params)
	h := mat.NewSymDense(n, nil)
	fd.Hessian(h, nll, params, nil)
	var chol mat.Cholesky
	out := make([]float64, n)
	var inv mat.SymDense
	if !chol.Factorize(h) || chol.InverseTo(&inv) != nil {
		return out // zeros: the Hessian is not positive definite
	}
	for i := range out {
		out[i] = math.Sqrt(inv.At(i, i))
	}
	return out
}
