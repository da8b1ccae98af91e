package scoring

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/crmkit/crm"
)

// PurchaseModel is a fitted model of repeat purchases in continuous time:
// BGNBD, MBGNBD and ParetoNBD. Times are in the unit the model was fitted in.
type PurchaseModel interface {
	// ExpectedPurchases is the expected number of repeat purchases of a new
	// customer in time t.
	ExpectedPurchases(t float64) float64
	// ConditionalExpectedPurchases is the expected number of purchases in the
	// next t of a customer with history (x, tx, T).
	ConditionalExpectedPurchases(t, x, tx, T float64) float64
	// ProbabilityAlive is the probability that a customer with history (x, tx,
	// T) is still active.
	ProbabilityAlive(x, tx, T float64) float64
	// ProbabilityOfPurchases is the probability that a new customer makes n
	// repeat purchases in time t.
	ProbabilityOfPurchases(n int, t float64) float64
}

var (
	_ PurchaseModel = (*BGNBD)(nil)
	_ PurchaseModel = (*MBGNBD)(nil)
	_ PurchaseModel = (*ParetoNBD)(nil)
)

// Model time units per month, for CLVOptions.UnitsPerMonth: a month is
// 365.25/12 days.
const (
	DaysPerMonth  = 365.25 / 12
	WeeksPerMonth = DaysPerMonth / 7
)

// CLVOptions control CustomerValues.
type CLVOptions struct {
	// Months is the horizon (default 12).
	Months int
	// MonthlyDiscount is the discount rate per month (0.01 = 1%): month i's
	// value is divided by (1+MonthlyDiscount)^i.
	MonthlyDiscount float64
	// UnitsPerMonth converts months to the purchase model's time unit:
	// DaysPerMonth for summaries in days, WeeksPerMonth for weeks. When 0
	// it is MonthDays over the summaries' UnitDays (as Summarize sets it);
	// it is required only for summaries that do not carry their unit, and
	// refused when it disagrees with the unit they carry.
	UnitsPerMonth float64
	// MonthDays is the length of a month in days (default DaysPerMonth,
	// 365.25/12 = 30.4375, the mean Gregorian month, so that twelve months
	// are a year). lifetimes counts a month as 30 days (4.345 weeks, 30.415
	// days, for weekly data); set 30 (or 30.415) to reproduce its figures.
	MonthDays float64
	// Margin is the share of spend that is profit (default 1: revenue).
	Margin float64
	// Currency of the values when the summaries carry none.
	Currency string
}

// CustomerValue is one customer's expected and historic value.
type CustomerValue struct {
	// CustomerID is the customer valued.
	CustomerID string `json:"customer_id"`
	// CLV is the discounted expected value over the horizon, rounded to the
	// currency's minor unit.
	CLV crm.Money `json:"clv"`
	// Value is the same value unrounded, in the currency's major unit, for
	// ranking and further arithmetic.
	Value float64 `json:"value"`
	// Historic is what the customer has spent so far, net of refunds.
	Historic crm.Money `json:"historic"`
	// Purchases is the expected number of purchases over the horizon
	// (undiscounted); Spend the expected spend per purchase; Alive the
	// probability the customer is still active.
	Purchases float64 `json:"purchases"`
	// Spend is the expected spend per purchase.
	Spend float64 `json:"spend"`
	// Alive is the probability the customer is still active.
	Alive float64 `json:"alive"`
}

// CustomerValues computes each customer's lifetime value over the horizon:
//
//	CLV = margin · E[spend | x, z̄] · Σᵢ (E[Y(i·u)] − E[Y((i−1)·u)]) / (1+d)^i
//
// for months i = 1..Months, u = UnitsPerMonth, with E[Y] the purchase
// model's conditional expectation and E[spend] the Gamma-Gamma estimate
// (the population mean for customers with no repeat purchase). This is the
// discrete monthly sum lifetimes uses, with a month of 365.25/12 days
// where lifetimes takes 30 (or 4.345 weeks): values differ from its by
// about 1% over a year unless MonthDays says 30. It refuses a spend model with
// Q ≤ 1, whose mean spend is infinite (and whose fitted values would be
// negative or meaningless), summaries in mixed currencies, and summaries no
// summary could be (negative frequency or spend, recency outside 0..T),
// naming each (the first 20). The work is
// spread over all processors; results keep the summaries' order.
func CustomerValues(ctx context.Context, purchases PurchaseModel, spend *GammaGamma, summaries []Summary, options *CLVOptions) ([]CustomerValue, error) {
	var opt CLVOptions
	if options != nil {
		opt = *options
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if isNil(purchases) {
		bad("purchases", "no purchase model")
	}
	if spend == nil {
		bad("spend", "no spend model")
	} else if !(spend.Q > 1) {
		bad("spend", "Gamma-Gamma q = %v ≤ 1: the mean spend is infinite, so expected values would be negative or meaningless; refit with more repeat customers or a Penalizer", spend.Q)
	}
	if opt.Months == 0 {
		opt.Months = 12
	}
	if opt.Months < 0 {
		bad("months", "%d is negative", opt.Months)
	}
	if !(opt.MonthlyDiscount >= 0) || math.IsInf(opt.MonthlyDiscount, 0) {
		bad("monthly_discount", "%v must be ≥ 0 and finite", opt.MonthlyDiscount)
	}
	unitDays := 0.0
	for i, s := range summaries {
		if s.UnitDays == 0 {
			continue
		}
		if unitDays == 0 {
			unitDays = s.UnitDays
		}
		if s.UnitDays != unitDays || !(s.UnitDays > 0) || math.IsInf(s.UnitDays, 0) {
			bad(fmt.Sprintf("summaries[%d].unit_days", i), "%v, expected %v: every summary must be in one time unit", s.UnitDays, unitDays)
			break
		}
	}
	if opt.MonthDays == 0 {
		opt.MonthDays = DaysPerMonth
	}
	if !(opt.MonthDays >= 28 && opt.MonthDays <= 31) {
		bad("month_days", "%v is not the length of a month in days (28 to 31)", opt.MonthDays)
	}
	switch {
	case opt.UnitsPerMonth == 0 && unitDays > 0:
		opt.UnitsPerMonth = opt.MonthDays / unitDays
	case !(opt.UnitsPerMonth > 0) || math.IsInf(opt.UnitsPerMonth, 0):
		bad("units_per_month", "%v must be positive: DaysPerMonth for summaries in days, WeeksPerMonth for weeks (or 0 with summaries that carry their unit)", opt.UnitsPerMonth)
	case unitDays > 0 && math.Abs(opt.UnitsPerMonth*unitDays/opt.MonthDays-1) > 1e-9:
		bad("units_per_month", "%v units a month means units of %.4g days in a month of %v days, but the summaries are in units of %v days; leave it 0 to take the summaries' unit",
			opt.UnitsPerMonth, opt.MonthDays/opt.UnitsPerMonth, opt.MonthDays, unitDays)
	}
	if opt.Margin == 0 {
		opt.Margin = 1
	}
	if !(opt.Margin > 0) || math.IsInf(opt.Margin, 0) {
		bad("margin", "%v must be positive", opt.Margin)
	}
	for i, s := range summaries {
		// Checked up to a few dozen, so that a bad stream is not listed whole.
		if len(errs) >= 20 {
			break
		}
		// The field's name is formatted only for a summary that is wrong.
		f := func(field string) string { return fmt.Sprintf("summaries[%d] %q.%s", i, s.CustomerID, field) }
		switch {
		case s.Frequency < 0:
			bad(f("frequency"), "%d is negative", s.Frequency)
		case !(s.T >= 0) || math.IsInf(s.T, 0):
			bad(f("t"), "%v is not a finite age ≥ 0", s.T)
		case !(s.Recency >= 0) || s.Recency > s.T:
			bad(f("recency"), "%v is outside 0..T (%v)", s.Recency, s.T)
		case s.Frequency == 0 && s.Recency != 0:
			bad(f("recency"), "%v with no repeat purchase (want 0)", s.Recency)
		case !(s.Monetary >= 0) || math.IsInf(s.Monetary, 0):
			bad(f("monetary"), "%v is not a finite spend ≥ 0", s.Monetary)
		}
	}
	currency := opt.Currency
	for i := range summaries {
		c := summaries[i].Currency
		if c == "" {
			continue
		}
		if currency == "" {
			currency = c
		}
		if c != currency {
			bad(fmt.Sprintf("summaries[%d]", i), "currency %s, expected %s: values never mix currencies", c, currency)
			break
		}
	}
	if currency == "" {
		bad("currency", "the summaries carry no currency; set CLVOptions.Currency")
	} else if !crm.ValidCurrency(currency) {
		bad("currency", "%q is not an ISO 4217 code", currency)
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "scoring", What: "customer values", Problems: errs}
	}

	// Month weights: purchases in month i are worth 1/(1+d)^i.
	horizons := make([]float64, opt.Months)
	discounts := make([]float64, opt.Months)
	for i := range horizons {
		horizons[i] = float64(i+1) * opt.UnitsPerMonth
		discounts[i] = math.Pow(1+opt.MonthlyDiscount, -float64(i+1))
	}
	out := make([]CustomerValue, len(summaries))
	cums := make([]float64, len(summaries)*len(horizons))
	alive := make([]float64, len(summaries))
	if err := expectedCurves(ctx, purchases, summaries, horizons, cums, alive); err != nil {
		return nil, err
	}
	var nonFinite atomic.Int64 // 1 + index of a customer whose value is not finite
	err := parallel(ctx, len(summaries), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := &summaries[i]
			value, prev := 0.0, 0.0
			for j, c := range cums[i*len(horizons) : (i+1)*len(horizons)] {
				value += (c - prev) * discounts[j]
				prev = c
			}
			perPurchase := spend.ExpectedAverageSpend(float64(s.Frequency), s.Monetary)
			clv := opt.Margin * perPurchase * value
			if math.IsNaN(clv) || math.IsInf(clv, 0) {
				nonFinite.CompareAndSwap(0, int64(i)+1)
				continue
			}
			out[i] = CustomerValue{
				CustomerID: s.CustomerID,
				CLV:        crm.MoneyFromFloat(clv, currency),
				Value:      clv,
				Historic:   crm.Money{Amount: s.Total, Currency: currency},
				Purchases:  prev,
				Spend:      perPurchase,
				Alive:      alive[i],
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if i := nonFinite.Load(); i > 0 {
		s := summaries[i-1]
		return nil, fmt.Errorf("scoring: customer values: customer %q (x = %d, recency %v, T %v, monetary %v): value is not finite: %w",
			s.CustomerID, s.Frequency, s.Recency, s.T, s.Monetary, crm.ErrInvalid)
	}
	return out, nil
}

// Prediction is what a purchase model expects of one customer.
type Prediction struct {
	// CustomerID is the customer.
	CustomerID string `json:"customer_id"`
	// Alive is the probability the customer is still active at T.
	Alive float64 `json:"alive"`
	// Purchases is the number of purchases expected in the next t units.
	Purchases float64 `json:"purchases"`
}

// Predict gives every customer's probability of being alive and expected
// purchases over the next t time units (the summaries' unit) in one call,
// on every processor, in the summaries' order — the batch form of
// ProbabilityAlive and ConditionalExpectedPurchases. Customers sharing a
// purchase count and age share the model's work; t = 0 computes P(alive)
// alone.
func Predict(ctx context.Context, m PurchaseModel, summaries []Summary, t float64) ([]Prediction, error) {
	if isNil(m) {
		return nil, fmt.Errorf("scoring: predict: no purchase model: %w", crm.ErrInvalid)
	}
	if !(t >= 0) || math.IsInf(t, 0) {
		return nil, fmt.Errorf("scoring: predict: horizon %v is not a finite time ≥ 0: %w", t, crm.ErrInvalid)
	}
	out := make([]Prediction, len(summaries))
	if t == 0 { // P(alive) alone
		err := parallel(ctx, len(summaries), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				s := &summaries[i]
				out[i] = Prediction{CustomerID: s.CustomerID, Alive: m.ProbabilityAlive(float64(s.Frequency), s.Recency, s.T)}
			}
		})
		return out, err
	}
	cums := make([]float64, len(summaries))
	alive := make([]float64, len(summaries))
	if err := expectedCurves(ctx, m, summaries, []float64{t}, cums, alive); err != nil {
		return nil, err
	}
	for i := range summaries {
		out[i] = Prediction{CustomerID: summaries[i].CustomerID, Alive: alive[i], Purchases: cums[i]}
	}
	return out, nil
}

// isNil reports whether m is nil or holds a nil pointer (a model returned
// with its fitting error, say).
func isNil(m PurchaseModel) bool {
	if m == nil {
		return true
	}
	switch v := reflect.ValueOf(m); v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// parallel calls fn on contiguous chunks of [0, n), on every processor,
// and returns ctx.Err() if the context ends first. A panic in fn (a host's
// model, say) stops the work and comes back as an error: on a worker
// goroutine the caller could not recover it.
//
// Workers claim chunks from a shared counter, the calling goroutine among
// them: a channel handing chunks out would wake each worker on the
// sender's processor, and the work would run on one processor at a time.
func parallel(ctx context.Context, n int, fn func(lo, hi int)) error {
	return parallelChunks(ctx, n, 4096, fn)
}

// parallelChunks is parallel with chunks of the given length.
func parallelChunks(ctx context.Context, n, chunk int, fn func(lo, hi int)) error {
	var next atomic.Int64
	var stopped atomic.Bool
	var once sync.Once
	var panicked error
	work := func() {
		defer func() {
			if r := recover(); r != nil {
				once.Do(func() { panicked = fmt.Errorf("scoring: a worker panicked: %v", r) })
				stopped.Store(true)
			}
		}()
		for !stopped.Load() && ctx.Err() == nil {
			lo := int(next.Add(int64(chunk))) - chunk
			if lo >= n {
				return
			}
			fn(lo, min(lo+chunk, n))
		}
	}
	var wg sync.WaitGroup
	for range max(1, min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	if panicked != nil {
		return panicked
	}
	return ctx.Err()
}

// activeCurver is a purchase model whose conditional expectation factors as
// P(alive | x, tx, T) times a curve that depends on x and T only: the
// expected purchases of a customer known to be active at T. Customers who
// share (x, T) then share the expensive part.
type activeCurver interface {
	ProbabilityAlive(x, tx, T float64) float64
	activeCurve(x, T float64, horizons, out []float64)
}

func (m *BGNBD) activeCurve(x, T float64, horizons, out []float64) {
	m.model().activeCurve(x, T, horizons, out)
}

func (m *MBGNBD) activeCurve(x, T float64, horizons, out []float64) {
	m.model().activeCurve(x, T, horizons, out)
}

func (g betaGeo) activeCurve(x, T float64, horizons, out []float64) {
	for i, t := range horizons {
		out[i] = g.remaining(t, x, T, g.b+x+g.shift)
	}
}

func (m *ParetoNBD) activeCurve(x, T float64, horizons, out []float64) {
	rate := (m.R + x) / (m.Alpha + T)
	for i, t := range horizons {
		out[i] = rate * lifetimeIntegral(m.S, m.Beta+T, t)
	}
}

// expectedCurves fills cums (len(horizons) values per summary) with each
// customer's cumulative expected purchases at the horizons, and alive with
// P(alive).
func expectedCurves(ctx context.Context, m PurchaseModel, summaries []Summary, horizons, cums, alive []float64) error {
	h := len(horizons)
	ac, ok := m.(activeCurver)
	if !ok {
		return parallel(ctx, len(summaries), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				s := &summaries[i]
				x := float64(s.Frequency)
				for j, t := range horizons {
					cums[i*h+j] = m.ConditionalExpectedPurchases(t, x, s.Recency, s.T)
				}
				alive[i] = m.ProbabilityAlive(x, s.Recency, s.T)
			}
		})
	}
	// Distinct (x, T) pairs, their curves computed once each.
	slot := make([]int32, len(summaries))
	index := map[[2]float64]int32{}
	var keys [][2]float64
	for i := range summaries {
		k := [2]float64{float64(summaries[i].Frequency), summaries[i].T}
		j, seen := index[k]
		if !seen {
			j = int32(len(keys))
			index[k] = j
			keys = append(keys, k)
		}
		slot[i] = j
	}
	curves := make([]float64, len(keys)*h)
	if err := parallel(ctx, len(keys), func(lo, hi int) {
		for j := lo; j < hi; j++ {
			ac.activeCurve(keys[j][0], keys[j][1], horizons, curves[j*h:(j+1)*h])
		}
	}); err != nil {
		return err
	}
	return parallel(ctx, len(summaries), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			s := &summaries[i]
			p := ac.ProbabilityAlive(float64(s.Frequency), s.Recency, s.T)
			alive[i] = p
			c := curves[int(slot[i])*h:]
			for j := range h {
				cums[i*h+j] = p * c[j]
			}
		}
	})
}
