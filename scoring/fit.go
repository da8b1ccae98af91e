package scoring

import (
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
	// Frequency is the number of repeat purchase periods (x).
	Frequency float64 `json:"frequency"`
	// Recency is the age at the last purchase (t_x).
	Recency float64 `json:"recency"`
	// T is the age at the observation time.
	T float64 `json:"t"`
	// Weight is how many customers share this history.
	Weight float64 `json:"weight"`
}

// Compress turns summaries into weighted distinct rows, sorted by
// (frequency, recency, T).
func Compress(summaries []Summary) []Row {
	// Sorted, then runs merged: cheaper than a map when, as with daily
	// periods, almost every history is distinct.
	rows := make([]Row, len(summaries))
	for i, s := range summaries {
		rows[i] = Row{Frequency: float64(s.Frequency), Recency: s.Recency, T: s.T, Weight: 1}
	}
	return mergeRuns(rows, 3, func(r *Row, k []float64) { k[0], k[1], k[2] = r.Frequency, r.Recency, r.T },
		func(into *Row, r Row) { into.Weight += r.Weight })
}

// mergeRuns sorts rows by their width keys, which key writes (as
// cmp.Compare orders each, the first most significant), and merges each run of equal ones into its
// first; a row whose key holds a NaN stays apart, as no two NaNs are
// equal.
func mergeRuns[R any](rows []R, width int, key func(r *R, k []float64), merge func(into *R, r R)) []R {
	if len(rows) == 0 {
		return rows
	}
	cols := make([][]uint64, width)
	for c := range cols {
		cols[c] = make([]uint64, len(rows))
	}
	k := make([]float64, width)
	for i := range rows {
		key(&rows[i], k)
		for c, v := range k {
			cols[c][i] = floatKey(v)
		}
	}
	order := sortByKeys(cols)
	sorted := make([]R, 0, len(rows))
	prev, cur := make([]float64, width), make([]float64, width)
	for _, i := range order {
		r := &rows[i]
		key(r, cur)
		if n := len(sorted); n > 0 && slices.Equal(cur, prev) { // == on floats: NaN equals nothing
			merge(&sorted[n-1], *r)
			continue
		}
		sorted = append(sorted, *r)
		prev, cur = cur, prev
	}
	return slices.Clip(sorted)
}

// floatKey maps a float64 to a uint64 that orders as cmp.Compare orders
// floats: NaN first, then −Inf … +Inf, with −0 equal to +0.
func floatKey(f float64) uint64 {
	if f != f {
		return 0
	}
	if f == 0 {
		f = 0 // −0 is +0
	}
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// sortByKeys returns the order of the rows whose keys are the columns
// (cols[0] most significant): a stable least-significant-digit radix sort,
// a byte a pass, skipping each byte every row shares (the low bytes of
// whole numbers held as floats, the high bytes of small numbers).
func sortByKeys(cols [][]uint64) []int32 {
	n := len(cols[0])
	order, tmp := make([]int32, n), make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	for c := len(cols) - 1; c >= 0; c-- {
		col := cols[c]
		and, or := ^uint64(0), uint64(0)
		for _, k := range col {
			and &= k
			or |= k
		}
		varies := and ^ or // the bits not every row shares
		for d := range 8 {
			if byte(varies>>(8*d)) == 0 {
				continue // every row has this byte
			}
			var h [256]int32
			for _, k := range col {
				h[byte(k>>(8*d))]++
			}
			var sum int32
			for b := range h {
				h[b], sum = sum, sum+h[b]
			}
			for _, i := range order {
				b := byte(col[i] >> (8 * d))
				tmp[h[b]] = i
				h[b]++
			}
			order, tmp = tmp, order
		}
	}
	return order
}

// FitOptions control maximum-likelihood fitting. The zero value (or nil)
// fits without penalty from the model's default start.
type FitOptions struct {
	// Penalizer adds Penalizer · Σ (ln θ)² to the mean negative
	// log-likelihood per customer, θ being the parameters: a small value
	// (0.001–0.1) keeps parameters away from both zero and infinity when the
	// data cannot pin them down. (lifetimes penalises Σ θ², which cannot
	// stop a parameter running to zero — the usual failure when the data
	// show no drop-out.) Reported log-likelihoods exclude the penalty.
	Penalizer float64
	// Initial overrides the starting parameters (natural scale).
	Initial []float64
	// MaxIterations bounds the optimiser (default 2000).
	MaxIterations int
}

// FitError reports a fit that did not produce trustworthy parameters, with
// the reason and a remedy.
type FitError struct {
	// Model names the model ("BG/NBD", …).
	Model string
	// Reason says what in the data defeats the model.
	Reason string
	// Remedy says what to do about it.
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
		return &crm.ValidationError{Package: "scoring", What: fmt.Sprintf("fit %s", model), Problems: errs}
	}
	return nil
}

// identifiable refuses data from which a purchase model with params
// parameters cannot be learned, before any optimising: the optimiser would
// otherwise stop at its starting point, or at the edge of the parameter
// space, and report a fit that predicts nonsense.
func identifiable(model string, rows []Row, params int) error {
	var weight, observed, repeat float64
	for _, r := range rows {
		weight += r.Weight
		if r.T > 0 {
			observed += r.Weight
		}
		if r.Frequency > 0 {
			repeat += r.Weight
		}
	}
	switch {
	case observed == 0:
		return &FitError{Model: model, Reason: "every customer has T = 0: nobody has been observed for any time", Remedy: "summarise at a later date than the first purchases"}
	case repeat == 0:
		return &FitError{Model: model, Reason: "no customer made a repeat purchase: the data cannot say how often, or for how long, customers buy", Remedy: "observe the customers for longer"}
	case weight < float64(2*params):
		return &FitError{Model: model, Reason: fmt.Sprintf("%g customers cannot determine %d parameters", weight, params), Remedy: fmt.Sprintf("fit on at least %d customers (hundreds in practice)", 2*params)}
	}
	return nil
}

// objective is a negative log-likelihood at natural parameters p. When grad
// is not nil it also stores the gradient with respect to p there.
type objective func(p, grad []float64) float64

// numericGradient turns a plain negative log-likelihood into an objective
// with central finite-difference gradients, for models whose derivatives
// have no convenient closed form.
func numericGradient(nll func(p []float64) float64) objective {
	return func(p, grad []float64) float64 {
		f := nll(p)
		if grad != nil {
			fd.Gradient(grad, func(q []float64) float64 { return nll(q) }, p, &fd.Settings{Formula: fd.Central, Step: 1e-6})
		}
		return f
	}
}

// fitLogParams minimises the objective over log-parameters with BFGS, then
// computes standard errors of the natural parameters from the Hessian of
// the unpenalised negative log-likelihood.
//
// analytic says the objective's gradient is exact and costs little more
// than its value, so every evaluation computes both and the Hessian comes
// from differences of gradients; otherwise the gradient and the Hessian are
// finite differences of values.
//
// The optimiser sees the negative log-likelihood per unit of weight, so that
// its convergence thresholds mean the same for 100 customers or a million.
//
// A fit whose parameters run off towards zero or infinity — the likelihood
// still improving at the edge of the parameter space — is refused with a
// FitError, whether or not the optimiser claimed convergence.
func fitLogParams(ctx context.Context, spec fitSpec, opt *FitOptions) (params, stdErr []float64, ll float64, err error) {
	model, names, nll, analytic, weight, initial := spec.model, spec.names, spec.nll, spec.analytic, spec.weight, spec.initial
	if opt == nil {
		opt = &FitOptions{}
	}
	if !(opt.Penalizer >= 0) || math.IsInf(opt.Penalizer, 0) {
		return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("penalizer %v must be ≥ 0 and finite", opt.Penalizer)}
	}
	if opt.Initial != nil {
		if len(opt.Initial) != len(initial) {
			return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("%d initial values for %d parameters", len(opt.Initial), len(initial))}
		}
		initial = opt.Initial
	}
	x0 := make([]float64, len(initial))
	for i, v := range initial {
		if !(v > 0) || math.IsInf(v, 0) {
			return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("initial %s = %v is not positive and finite", names[i], v)}
		}
		x0[i] = math.Log(v)
	}
	natural := make([]float64, len(x0))
	gradP := make([]float64, len(x0))
	pen := opt.Penalizer
	eval := func(x, grad []float64) float64 {
		if ctx.Err() != nil { // stop at once; Status reports it
			clear(grad)
			return math.Inf(1)
		}
		sq := 0.0
		for i, v := range x {
			natural[i] = math.Exp(v)
			sq += v * v
		}
		var g []float64
		if grad != nil {
			g = gradP
		}
		f := nll(natural, g)/weight + pen*sq
		if math.IsNaN(f) {
			f = math.Inf(1)
		}
		for i := range grad {
			// Chain rule through p = exp(x).
			grad[i] = g[i]*natural[i]/weight + 2*pen*x[i]
			if math.IsNaN(grad[i]) {
				grad[i] = 0
			}
		}
		return f
	}
	maxIter := opt.MaxIterations
	if maxIter <= 0 {
		maxIter = 2000
	}
	// gonum asks for the value and then the gradient at the same point;
	// when the objective computes both in one pass, remember the last pass.
	var lastX, lastGrad []float64
	var lastF float64
	problem := optimize.Problem{
		Func: func(x []float64) float64 {
			if !analytic {
				return eval(x, nil)
			}
			if lastX == nil {
				lastX, lastGrad = make([]float64, len(x)), make([]float64, len(x))
			}
			copy(lastX, x)
			lastF = eval(x, lastGrad)
			return lastF
		},
		Grad: func(grad, x []float64) {
			if analytic && lastX != nil && slices.Equal(x, lastX) {
				copy(grad, lastGrad)
				return
			}
			eval(x, grad)
		},
		Status: func() (optimize.Status, error) { return optimize.NotTerminated, ctx.Err() },
	}
	var method optimize.Method = &optimize.BFGS{}
	if spec.newton {
		// Newton's method on the log parameters with the model's Hessian:
		// for θ = exp(u), ∂²f/∂u_i∂u_j = θ_i θ_j H_ij + δ_ij θ_i ∂f/∂θ_i,
		// scaled as eval scales f, plus the penalty's 2·Penalizer. gonum's
		// Newton regularises a Hessian that is not positive definite.
		hn := mat.NewSymDense(len(x0), nil)
		gn := make([]float64, len(x0))
		problem.Hess = func(hess *mat.SymDense, x []float64) {
			for i, v := range x {
				natural[i] = math.Exp(v)
			}
			nll(natural, gn)
			spec.hessian(natural, hn)
			for i := range x {
				for j := i; j < len(x); j++ {
					v := natural[i] * natural[j] * hn.At(i, j) / weight
					if i == j {
						v += natural[i]*gn[i]/weight + 2*pen
					}
					hess.SetSym(i, j, v)
				}
			}
		}
		method = &optimize.Newton{}
	}
	settings := &optimize.Settings{MajorIterations: maxIter, GradientThreshold: 1e-6, Recorder: &runawayWatch{spec: spec}}
	res, err := optimize.Minimize(problem, x0, settings, method)
	stalled := err != nil || res == nil || res.Gradient == nil || floats.Norm(res.Gradient, math.Inf(1)) > 1e-5
	if _, newton := method.(*optimize.Newton); newton && stalled && ctx.Err() == nil && !errors.As(err, new(*FitError)) {
		// Newton can fail or stop short of the optimum (gonum counts a
		// value that stops changing as converged) where the Hessian is far
		// from positive definite: finish with BFGS from where it stopped,
		// or from the start.
		from := x0
		if res != nil && res.X != nil && !slices.ContainsFunc(res.X, func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }) {
			from = res.X
		}
		settings = &optimize.Settings{MajorIterations: maxIter, GradientThreshold: 1e-6, Recorder: &runawayWatch{spec: spec}}
		res, err = optimize.Minimize(problem, from, settings, &optimize.BFGS{})
	}
	if ctx.Err() != nil {
		return nil, nil, 0, ctx.Err()
	}
	if err != nil && res != nil && res.Gradient != nil && floats.Norm(res.Gradient, math.Inf(1)) < 1e-5 {
		err = nil // the line search stalled at the optimum, where gradients are rounding noise
	}
	var stopped *FitError
	if errors.As(err, &stopped) {
		return nil, nil, 0, stopped
	}
	if res != nil && res.X != nil {
		params = make([]float64, len(res.X))
		for i, v := range res.X {
			params[i] = math.Exp(v)
		}
		if fe := spec.runaway(params); fe != nil {
			return nil, nil, 0, fe
		}
	}
	if res == nil || err != nil {
		return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("optimiser stopped: %v", err),
			Remedy: "try a small Penalizer such as 0.01, or other Initial values"}
	}
	ll = -nll(params, nil)
	if math.IsInf(ll, 0) || math.IsNaN(ll) {
		return nil, nil, 0, &FitError{Model: model, Reason: fmt.Sprintf("log-likelihood %v at the optimum", ll),
			Remedy: "try a small Penalizer such as 0.01, or other Initial values"}
	}
	if !analytic {
		return params, numericStandardErrors(nll, params), ll, nil
	}
	if spec.hessian != nil {
		h := mat.NewSymDense(len(params), nil)
		spec.hessian(params, h)
		return params, invertedDiagonal(h), ll, nil
	}
	return params, standardErrors(nll, params), ll, nil
}

// fitSpec describes one model's fit to fitLogParams.
type fitSpec struct {
	model    string
	names    []string
	nll      objective
	analytic bool    // exact, cheap gradient: see fitLogParams
	weight   float64 // total weight of the data
	initial  []float64
	// scale holds each parameter's natural magnitude (nil: all 1); a
	// parameter beyond 1e7 times or below 1e-7 times it has run away.
	scale []float64
	// hessian, when set, writes the Hessian of nll at params (natural
	// scale) in one pass: the standard errors then cost one pass instead of
	// two gradients per parameter.
	hessian func(params []float64, h *mat.SymDense)
	// newton fits by Newton's method with hessian instead of BFGS: fewer
	// passes where it converges from the default start (Gamma-Gamma: 13
	// instead of 30). On BG/NBD's generated data its line search failed
	// two steps from the start (the Hessian far from positive definite
	// there), so BG/NBD keeps BFGS and uses its Hessian for the standard
	// errors only.
	newton bool
	// diagnose names a model-specific way of running away, such as "no
	// drop-out", or returns "".
	diagnose func(p []float64) string
}

// runawayWatch stops the optimiser at the first major iteration whose
// parameters the model diagnoses as running away: the likelihood may keep
// creeping along a flat ridge for a long time, and the answer is already
// known.
type runawayWatch struct {
	spec fitSpec
	p    []float64
}

func (w *runawayWatch) Init() error { return nil }

func (w *runawayWatch) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op != optimize.MajorIteration || w.spec.diagnose == nil {
		return nil
	}
	w.p = w.p[:0]
	for _, v := range loc.X {
		w.p = append(w.p, math.Exp(v))
	}
	if reason := w.spec.diagnose(w.p); reason != "" {
		return w.spec.runaway(w.p)
	}
	return nil
}

func (s fitSpec) runaway(params []float64) *FitError {
	remedy := "set FitOptions.Penalizer (e.g. 0.01) to keep the parameters finite"
	if s.diagnose != nil {
		if reason := s.diagnose(params); reason != "" {
			return &FitError{Model: s.model, Reason: reason, Remedy: remedy + ", or observe the customers for longer"}
		}
	}
	for i, v := range params {
		sc := 1.0
		if s.scale != nil && s.scale[i] > 0 {
			sc = s.scale[i]
		}
		if v/sc > 1e7 || v/sc < 1e-7 || math.IsInf(v, 0) {
			return &FitError{Model: s.model, Reason: fmt.Sprintf("parameter %s ran to %g: the data do not determine it", s.names[i], v), Remedy: remedy}
		}
	}
	return nil
}

// standardErrors inverts the Hessian of the negative log-likelihood, built
// by central differences of its gradient. It returns zeros when the Hessian
// is not positive definite (a parameter on the edge of its range).
func standardErrors(nll objective, params []float64) []float64 {
	n := len(params)
	out := make([]float64, n)
	h := mat.NewSymDense(n, nil)
	p := slices.Clone(params)
	gp, gm := make([]float64, n), make([]float64, n)
	cols := make([][]float64, n)
	for j := range n {
		step := 1e-5 * math.Max(math.Abs(params[j]), 1e-3)
		p[j] = params[j] + step
		nll(p, gp)
		p[j] = params[j] - step
		nll(p, gm)
		p[j] = params[j]
		cols[j] = make([]float64, n)
		for i := range n {
			cols[j][i] = (gp[i] - gm[i]) / (2 * step)
		}
	}
	for i := range n {
		for j := i; j < n; j++ {
			v := (cols[j][i] + cols[i][j]) / 2
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return out
			}
			h.SetSym(i, j, v)
		}
	}
	return invertedDiagonal(h)
}

// invertedDiagonal returns the square roots of the diagonal of h⁻¹, or
// zeros when h is not positive definite.
func invertedDiagonal(h *mat.SymDense) []float64 {
	out := make([]float64, h.SymmetricDim())
	var chol mat.Cholesky
	var inv mat.SymDense
	if !chol.Factorize(h) || chol.InverseTo(&inv) != nil {
		return out
	}
	for i := range out {
		out[i] = math.Sqrt(inv.At(i, i))
	}
	return out
}

// numericStandardErrors is standardErrors for objectives without analytic
// gradients: the Hessian comes from second differences of values, taken in
// log-parameters, where every parameter's curvature is on the same scale
// and rounding noise in the likelihood stays small beside it. At the
// optimum the gradient vanishes, so the covariance of θ = e^x is
// D·Cov(x)·D with D = diag(θ): SE(θᵢ) = θᵢ·SE(xᵢ).
func numericStandardErrors(nll objective, params []float64) []float64 {
	n := len(params)
	x := make([]float64, n)
	for i, v := range params {
		x[i] = math.Log(v)
	}
	p := make([]float64, n)
	h := mat.NewSymDense(n, nil)
	fd.Hessian(h, func(x []float64) float64 {
		for i, v := range x {
			p[i] = math.Exp(v)
		}
		return nll(p, nil)
	}, x, &fd.Settings{Step: 1e-4})
	se := invertedDiagonal(h)
	for i := range se {
		se[i] *= params[i]
	}
	return se
}
