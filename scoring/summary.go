package scoring

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// PeriodUnit is the calendar unit purchases are grouped by.
type PeriodUnit uint8

// Period units.
const (
	Day PeriodUnit = iota + 1
	Week
	Month
)

func (u PeriodUnit) String() string {
	switch u {
	case Day:
		return "day"
	case Week:
		return "week"
	case Month:
		return "month"
	}
	return fmt.Sprintf("PeriodUnit(%d)", uint8(u))
}

// SummaryOptions control Summarize. The zero value means one-day periods in
// UTC, times in days, and the currency of the first transaction.
type SummaryOptions struct {
	// Unit and Length set the period: Length units per period (default 1).
	// Weeks start on Monday.
	Unit PeriodUnit
	// Length is the number of units per period (default 1).
	Length int
	// Scale divides recency and T, converting periods to the model's time
	// unit: one-day periods with Scale 7 give times in weeks (CDNOW's
	// convention). Default 1.
	Scale float64
	// Location decides which calendar day a time falls on; default UTC.
	Location *time.Location
	// Currency, when set, is required of every transaction; otherwise the
	// first transaction's currency is, and a second currency is an error.
	Currency string
}

// Summary is one customer's purchase history reduced to what the
// customer-base models read, following the CLV literature's conventions:
// Frequency is the number of repeat purchase periods (several purchases in
// one period count once); Recency is the customer's age at the last purchase
// period (last − first); T is the age at asOf; Monetary is the mean spend of
// the repeat periods (the first period excluded), 0 when Frequency is 0.
// Recency and T are in periods divided by SummaryOptions.Scale.
//
// Refunds reduce spend: a refund is subtracted from the spend of its own
// period if that period has a purchase, otherwise from the latest purchase
// period before it (it returns something bought earlier); a period's spend
// never goes below zero. A refund never creates or removes a purchase
// period. Refunds before the first purchase are ignored for spend and
// counted in Total.
type Summary struct {
	// CustomerID is the customer summarised.
	CustomerID string `json:"customer_id"`
	// Frequency is the number of repeat purchase periods.
	Frequency int `json:"frequency"`
	// Recency is the age at the last purchase period, in UnitDays units.
	Recency float64 `json:"recency"`
	// T is the age at the observation time, in UnitDays units.
	T float64 `json:"t"`
	// Monetary is the mean spend of the repeat periods, 0 without any.
	Monetary float64         `json:"monetary"`
	Count    int             `json:"count"` // purchases (not periods), refunds excluded
	Total    decimal.Decimal `json:"total"` // net of refunds, exact
	// Currency is the currency of Total and Monetary.
	Currency string `json:"currency"`
	// First is the first purchase.
	First time.Time `json:"first"`
	Last  time.Time `json:"last"` // last purchase
	// UnitDays is the length in days of the unit Recency and T are in: 1
	// for days, 7 for weeks (a month counts 365.25/12 days). Summarize sets
	// it from its options; 0 means unknown, as in summaries made by hand.
	// CustomerValues reads it, so a month is never counted in the wrong
	// unit.
	UnitDays float64 `json:"unit_days,omitempty"`
}

// SummaryError reports a transaction Summarize cannot use.
type SummaryError struct {
	// TransactionID is the transaction Summarize cannot use.
	TransactionID string
	// Problem says why.
	Problem string
}

func (e *SummaryError) Error() string {
	return fmt.Sprintf("scoring: summarize: transaction %q: %s", e.TransactionID, e.Problem)
}

// Unwrap returns crm.ErrInvalid.
func (e *SummaryError) Unwrap() error { return crm.ErrInvalid }

// Summarize reduces a stream of transactions to one Summary per customer
// who made at least one purchase at or before asOf, in the order customers
// first appear. Transactions after asOf are ignored.
//
// The stream must be grouped by customer — each customer's transactions
// contiguous, in any order within the group — which is what
// crm.TransactionStore.Transactions yields. Memory then grows with the
// number of customers plus one customer's history, never with the whole
// stream. A customer appearing in two groups is an error.
func Summarize(ctx context.Context, txs iter.Seq2[crm.Transaction, error], asOf time.Time, options *SummaryOptions) ([]Summary, error) {
	z, err := NewSummarizer(asOf, options)
	if err != nil {
		return nil, err
	}
	if txs == nil {
		return nil, errNilStream
	}
	n := 0
	for tx, err := range txs {
		if err == nil {
			err = checkContext(ctx, &n)
		}
		if err == nil {
			err = z.s.add(&tx)
		}
		if err != nil {
			return nil, err
		}
	}
	return z.Summaries()
}

// checkContext counts a transaction and returns ctx.Err() every 8,192:
// inline in the loop, not through withContext (a second layer of yield
// per transaction costs 15–20% here).
func checkContext(ctx context.Context, n *int) error {
	if *n++; *n%8192 == 0 {
		return ctx.Err()
	}
	return nil
}

var errNilStream = fmt.Errorf("scoring: summarize: nil transaction stream: %w", crm.ErrInvalid)

// A Summarizer is Summarize for a reader that hands transactions over one
// at a time instead of yielding them: the transactions added, in the
// order added, give the summaries and the errors Summarize gives for the
// same stream. After an error from Add or AddParts, Summaries returns that
// error. A Summarizer not made by NewSummarizer refuses everything. It is
// not safe for concurrent use.
type Summarizer struct {
	s   stream[Summary]
	err error
}

var errNoSummarizer = fmt.Errorf("scoring: summarizer: not made by NewSummarizer: %w", crm.ErrInvalid)

// NewSummarizer returns a Summarizer of transactions up to asOf with the
// options (nil: the defaults).
func NewSummarizer(asOf time.Time, options *SummaryOptions) (*Summarizer, error) {
	p, currency, err := periodizerOf(options)
	if err != nil {
		return nil, err
	}
	asOfPeriod := p.index(asOf)
	return &Summarizer{s: stream[Summary]{split: asOf, end: asOf, currency: currency, p: p,
		build: func(s *Summary, c customerTotals, group []entry, periods []periodSpend) ([]periodSpend, bool) {
			periods, ok := summarizeOne(s, group, p, asOfPeriod, periods)
			c.fill(s)
			s.UnitDays = p.unitDays()
			return periods, ok
		},
		idOf: func(s Summary) string { return s.CustomerID }}}, nil
}

// Add adds a transaction, as Summarize takes one from its stream.
func (z *Summarizer) Add(tx *crm.Transaction) error {
	switch {
	case z == nil || z.s.build == nil:
		return errNoSummarizer
	case tx == nil:
		return fmt.Errorf("scoring: summarizer: nil transaction: %w", crm.ErrInvalid)
	case z.err == nil:
		z.err = z.s.add(tx)
	}
	return z.err
}

// AddParts adds the transaction of customer customerID with the given ID
// and time, of amount coef·10^exp (not negative), a refund of that amount
// when refund is set and a purchase otherwise, in currency: what Add does
// with the crm.Transaction of those parts, without the transaction's
// decimal amount. The caller has validated them as
// crm.Transaction.Validate would.
func (z *Summarizer) AddParts(customerID, id string, at time.Time, coef int64, exp int32, refund bool, currency string) error {
	switch {
	case z == nil || z.s.build == nil:
		return errNoSummarizer
	case z.err == nil:
		z.err = z.s.addParts(customerID, id, at, coef, exp, refund, currency)
	}
	return z.err
}

// Summaries returns the summaries of the transactions added (once: after
// it, the Summarizer is spent).
func (z *Summarizer) Summaries() ([]Summary, error) {
	switch {
	case z == nil || z.s.build == nil:
		return nil, errNoSummarizer
	case z.err != nil:
		return nil, z.err
	}
	out, err := z.s.finish()
	z.err = err
	if err == nil {
		z.err = errSpent
	}
	return out, err
}

var errSpent = fmt.Errorf("scoring: summarizer: Summaries was called: %w", crm.ErrInvalid)

// customerTotals is what the stream loop knows of a customer beyond the
// entries.
type customerTotals struct {
	id, currency string
	total        *exactSum
}

func (c customerTotals) fill(s *Summary) {
	s.CustomerID, s.Currency, s.Total = c.id, c.currency, c.total.value()
}

// stream is the grouping loop of Summarize and SummarizeHoldout over
// transactions up to end; the exact total only counts transactions up to
// split. build turns one customer's entries, in byTime order, into the
// record at rec (a zero one; false: no record), using periods as scratch
// space; idOf returns a record's customer.
type stream[T any] struct {
	split, end time.Time
	currency   string
	p          periodizer
	build      func(rec *T, c customerTotals, group []entry, periods []periodSpend) ([]periodSpend, bool)
	idOf       func(T) string
	// Records collect in fixed-size chunks, copied once at the end:
	// growing one slice would copy every record about twice more.
	chunks  [][]T
	chunk   []T
	periods []periodSpend // reused across customers
	done    groupSet
	group   []entry // the current customer's purchases and refunds
	// unsorted is set when an entry came before the one added ahead of
	// it (byTime): the group is sorted only then, and the check costs one
	// comparison with an entry still in cache.
	unsorted bool
	total    exactSum
	current  string
	firstID  string
}

// summarizeStream runs a stream over txs.
func summarizeStream[T any](ctx context.Context, txs iter.Seq2[crm.Transaction, error], split, end time.Time, currency string, p periodizer,
	build func(rec *T, c customerTotals, group []entry, periods []periodSpend) ([]periodSpend, bool), idOf func(T) string) ([]T, error) {
	if txs == nil {
		return nil, errNilStream
	}
	s := stream[T]{split: split, end: end, currency: currency, p: p, build: build, idOf: idOf}
	n := 0
	for tx, err := range txs {
		if err == nil {
			err = checkContext(ctx, &n)
		}
		if err == nil {
			err = s.add(&tx)
		}
		if err != nil {
			return nil, err
		}
	}
	return s.finish()
}

func (s *stream[T]) flush() error {
	if len(s.group) == 0 {
		return nil
	}
	summarised := func(yield func(string)) {
		for _, c := range append(s.chunks, s.chunk) {
			for i := range c {
				yield(s.idOf(c[i]))
			}
		}
	}
	if !s.done.add(s.current, summarised) {
		return &SummaryError{TransactionID: s.firstID, Problem: fmt.Sprintf("customer %q appears again after other customers: the stream must be grouped by customer", s.current)}
	}
	if s.unsorted {
		slices.SortFunc(s.group, byTime)
	}
	if len(s.chunk) == cap(s.chunk) {
		if s.chunk != nil {
			s.chunks = append(s.chunks, s.chunk)
		}
		s.chunk = make([]T, 0, 4096)
	}
	// The record is built in its place in the chunk (a zero slot), not
	// copied there.
	n := len(s.chunk)
	s.chunk = s.chunk[:n+1]
	var ok bool
	if s.periods, ok = s.build(&s.chunk[n], customerTotals{s.current, s.currency, &s.total}, s.group, s.periods[:0]); !ok {
		var zero T
		s.chunk[n], s.chunk = zero, s.chunk[:n]
		s.done.unsummarised(s.current)
	}
	s.group, s.total, s.unsorted = s.group[:0], exactSum{}, false
	return nil
}

// noteOrder notes whether the entry just added keeps the group in order.
func (s *stream[T]) noteOrder() {
	if n := len(s.group); n > 1 && !s.unsorted {
		a, b := &s.group[n-2], &s.group[n-1]
		if c := a.at.Compare(b.at); c > 0 || c == 0 && byTime(*a, *b) > 0 {
			s.unsorted = true
		}
	}
}

// begin reports whether a transaction counts (it is not after end), and
// refuses one not in the stream's currency.
func (s *stream[T]) begin(id string, at time.Time, currency string) (bool, error) {
	if at.After(s.end) {
		return false, nil
	}
	if s.currency == "" {
		s.currency = currency
	}
	if currency != s.currency {
		return false, &SummaryError{TransactionID: id, Problem: fmt.Sprintf("currency %s, expected %s (summaries never mix currencies)", currency, s.currency)}
	}
	return true, nil
}

// customer starts customerID's group, flushing the one before, unless it
// is the current one.
func (s *stream[T]) customer(customerID, id string) error {
	if customerID != s.current {
		if err := s.flush(); err != nil {
			return err
		}
		s.current, s.firstID = customerID, id
	}
	return nil
}

// add takes one transaction.
func (s *stream[T]) add(tx *crm.Transaction) error {
	if in, err := s.begin(tx.ID, tx.Time, tx.Currency); !in {
		return err
	}
	if err := s.customer(tx.CustomerID, tx.ID); err != nil {
		return err
	}
	if tx.Amount.Exponent() > crm.MaxAmountDigits {
		return &SummaryError{TransactionID: tx.ID, Problem: fmt.Sprintf("amount out of range (more than crm.MaxAmountDigits = %d whole digits)", crm.MaxAmountDigits)}
	}
	amount := tx.Amount.InexactFloat64()
	if math.Abs(amount) >= 1e15 {
		return amountRange(tx.ID, amount)
	}
	refund := tx.Kind == crm.Refund
	if !tx.Time.After(s.split) {
		s.total.add(tx.Amount, amount, refund)
	}
	s.group = append(s.group, entry{at: tx.Time, period: s.p.index(tx.Time), amount: amount, refund: refund, id: tx.ID})
	s.noteOrder()
	return nil
}

func amountRange(id string, amount float64) error {
	return &SummaryError{TransactionID: id, Problem: fmt.Sprintf("amount %.4g out of range (more than crm.MaxAmountDigits = %d whole digits)", amount, crm.MaxAmountDigits)}
}

// addParts is add for the transaction of those parts (see
// Summarizer.AddParts): the amount's float64 is coef/10^-exp, which is
// InexactFloat64's for |coef| ≤ 2^53 and −22 ≤ exp ≤ 0 (both operands
// exact, the division correctly rounded); other amounts take the decimal.
func (s *stream[T]) addParts(customerID, id string, at time.Time, coef int64, exp int32, refund bool, currency string) error {
	if exp > 0 || exp < -22 || coef < -1<<53 || coef > 1<<53 {
		kind := crm.Purchase
		if refund {
			kind = crm.Refund
		}
		return s.add(&crm.Transaction{ID: id, CustomerID: customerID, Time: at, Amount: decimal.New(coef, exp), Currency: currency, Kind: kind})
	}
	if in, err := s.begin(id, at, currency); !in {
		return err
	}
	if err := s.customer(customerID, id); err != nil {
		return err
	}
	amount := float64(coef) / pow10f[-exp]
	if math.Abs(amount) >= 1e15 {
		return amountRange(id, amount)
	}
	if !at.After(s.split) {
		s.total.addCoef(coef, exp, amount, refund)
	}
	s.group = append(s.group, entry{at: at, period: s.p.index(at), amount: amount, refund: refund, id: id})
	s.noteOrder()
	return nil
}

// pow10f holds 10^k for k ≤ 22, every one exact in a float64.
var pow10f = [23]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// finish flushes the last customer and returns the records.
func (s *stream[T]) finish() ([]T, error) {
	if err := s.flush(); err != nil {
		return nil, err
	}
	n := len(s.chunk)
	for _, c := range s.chunks {
		n += len(c)
	}
	out := make([]T, 0, n)
	for _, c := range s.chunks {
		out = append(out, c...)
	}
	return append(out, s.chunk...), nil
}

// HoldoutSummary is a customer's summary over a calibration period
// together with what the customer did in the holdout period after it: the
// data for checking a model's forecasts against what happened.
type HoldoutSummary struct {
	Summary // calibration period, as Summarize to calibrationEnd
	// HoldoutFrequency counts the purchase periods after calibrationEnd up
	// to observationEnd (a period already counted in calibration is not
	// counted again); HoldoutMonetary is their mean spend (0 when none);
	// HoldoutDuration is the holdout length in the model's unit.
	HoldoutFrequency int `json:"holdout_frequency"`
	// HoldoutMonetary is the mean spend of the holdout purchase periods, 0
	// when none.
	HoldoutMonetary float64 `json:"holdout_monetary"`
	// HoldoutDuration is the holdout's length in the summary's unit.
	HoldoutDuration float64 `json:"holdout_duration"`
}

// SummarizeHoldout splits each customer's history at calibrationEnd: the
// calibration summary is what Summarize to calibrationEnd gives (Total too
// counts only the calibration period), and the holdout counts purchase
// periods after it up to observationEnd. Customers whose first purchase is
// after calibrationEnd are left out, as they cannot be scored at
// calibrationEnd. Holdout refunds reduce the spend of the latest holdout
// purchase period at or before them, never below zero, and are ignored
// before the first holdout purchase. The stream's requirements are those
// of Summarize.
func SummarizeHoldout(ctx context.Context, txs iter.Seq2[crm.Transaction, error], calibrationEnd, observationEnd time.Time, options *SummaryOptions) ([]HoldoutSummary, error) {
	p, currency, err := periodizerOf(options)
	if err != nil {
		return nil, err
	}
	if !observationEnd.After(calibrationEnd) {
		return nil, fmt.Errorf("scoring: holdout: observation end %s is not after calibration end %s: %w", observationEnd.Format(time.RFC3339), calibrationEnd.Format(time.RFC3339), crm.ErrInvalid)
	}
	calPeriod, endPeriod := p.index(calibrationEnd), p.index(observationEnd)
	duration := float64(endPeriod-calPeriod) / p.scale
	return summarizeStream(ctx, txs, calibrationEnd, observationEnd, currency, p,
		func(h *HoldoutSummary, c customerTotals, group []entry, periods []periodSpend) ([]periodSpend, bool) {
			cut, _ := slices.BinarySearchFunc(group, calibrationEnd, func(e entry, t time.Time) int {
				if e.at.After(t) {
					return 1
				}
				return -1
			})
			periods, ok := summarizeOne(&h.Summary, group[:cut], p, calPeriod, periods)
			if !ok {
				return periods, false
			}
			c.fill(&h.Summary)
			h.UnitDays = p.unitDays()
			lastCal := periods[len(periods)-1].index
			hold := periods[:0]
			for _, e := range group[cut:] {
				last := len(hold) - 1
				switch {
				case e.refund:
					if last >= 0 {
						hold[last].spend = math.Max(0, hold[last].spend-e.amount)
					}
				case e.period == lastCal && last < 0:
					// Same period as the last calibration purchase: not a
					// new period.
				case last >= 0 && hold[last].index == e.period:
					hold[last].spend += e.amount
				default:
					hold = append(hold, periodSpend{index: e.period, spend: e.amount})
				}
			}
			h.HoldoutFrequency = len(hold)
			if len(hold) > 0 {
				sum := 0.0
				for _, ps := range hold {
					sum += ps.spend
				}
				h.HoldoutMonetary = sum / float64(len(hold))
			}
			h.HoldoutDuration = duration
			return hold, true
		},
		func(h HoldoutSummary) string { return h.CustomerID })
}

// entry is the part of a transaction a summary needs.
type entry struct {
	at     time.Time
	period int64
	amount float64
	refund bool
	id     string
}

type periodSpend struct {
	index int64
	spend float64
}

// summarizeOne summarises one customer's entries, in byTime order, into s
// (a zero Summary), using periods (empty) as scratch space, which it
// returns for reuse; false when there is no purchase.
func summarizeOne(s *Summary, group []entry, p periodizer, asOfPeriod int64, periods []periodSpend) ([]periodSpend, bool) {
	for i := range group {
		e := &group[i]
		last := len(periods) - 1
		if e.refund {
			// Subtract from this period if it has a purchase, else from the
			// latest purchase period before it: both are periods[last],
			// because refunds never add periods. With no purchase yet there
			// is nothing to return, and the refund counts in Total only.
			if last >= 0 {
				periods[last].spend = math.Max(0, periods[last].spend-e.amount)
			}
			continue
		}
		s.Count++
		if s.First.IsZero() {
			s.First = e.at
		}
		s.Last = e.at
		if last >= 0 && periods[last].index == e.period {
			periods[last].spend += e.amount
			continue
		}
		periods = append(periods, periodSpend{index: e.period, spend: e.amount})
	}
	if len(periods) == 0 {
		return periods, false
	}
	first, last := periods[0].index, periods[len(periods)-1].index
	s.Frequency = len(periods) - 1
	s.Recency = float64(last-first) / p.scale
	s.T = float64(asOfPeriod-first) / p.scale
	if s.Frequency > 0 {
		sum := 0.0
		for _, ps := range periods[1:] {
			sum += ps.spend
		}
		s.Monetary = sum / float64(s.Frequency)
	}
	return periods, true
}

func byTime(a, b entry) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	// A purchase sorts before a refund at the same instant, so the refund
	// has something to return.
	if a.refund != b.refund {
		if b.refund {
			return -1
		}
		return 1
	}
	return strings.Compare(a.id, b.id)
}

// exactSum adds decimals exactly, in int64 nanounits while they fit and in
// decimal arithmetic after that: exact either way, and cheap on the common
// path.
type exactSum struct {
	nanos int64
	big   decimal.Decimal
	slow  bool
}

// add adds d, or subtracts it when negate is set; f is d as a float64.
func (e *exactSum) add(d decimal.Decimal, f float64, negate bool) {
	if !e.slow && e.addNanos(d.Exponent(), func() int64 { return d.CoefficientInt64() }, f, negate) {
		return
	}
	if negate {
		d = d.Neg()
	}
	e.big = e.big.Add(d)
}

// addCoef is add of coef·10^exp.
func (e *exactSum) addCoef(coef int64, exp int32, f float64, negate bool) {
	if !e.slow && e.addNanos(exp, func() int64 { return coef }, f, negate) {
		return
	}
	d := decimal.New(coef, exp)
	if negate {
		d = d.Neg()
	}
	e.big = e.big.Add(d)
}

// addNanos adds c·10^exp in nanounits when that stays exact and reports
// whether it did; otherwise it switches the sum to decimals (e.slow).
func (e *exactSum) addNanos(exp int32, coef func() int64, f float64, negate bool) bool {
	// d = c·10^exp. With −9 ≤ exp ≤ 0 and |d| < 9·10^9, both the
	// coefficient c and d in nanounits, c·10^(exp+9), are below
	// 9·10^18 < 2^63, so int64 arithmetic is exact.
	if exp >= -9 && exp <= 0 && math.Abs(f) < 9e9 {
		v := coef() * pow10[exp+9]
		if negate {
			v = -v
		}
		if s := e.nanos + v; (v >= 0) == (s >= e.nanos) {
			e.nanos = s
			return true
		}
	}
	e.slow = true
	e.big = decimal.New(e.nanos, -9)
	return false
}

func (e *exactSum) value() decimal.Decimal {
	if e.slow {
		return e.big
	}
	return decimal.New(e.nanos, -9)
}

var pow10 = [10]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

type periodizer struct {
	unit   PeriodUnit
	length int64
	scale  float64
	loc    *time.Location
}

// periodizerOf checks the options (nil: the defaults) and returns their
// periodizer and currency.
func periodizerOf(options *SummaryOptions) (periodizer, string, error) {
	var opt SummaryOptions
	if options != nil {
		opt = *options
	}
	p, err := newPeriodizer(opt)
	return p, opt.Currency, err
}

func newPeriodizer(opt SummaryOptions) (periodizer, error) {
	p := periodizer{unit: opt.Unit, length: int64(opt.Length), scale: opt.Scale, loc: opt.Location}
	var errs []error
	if p.unit == 0 {
		p.unit = Day
	}
	if p.unit > Month {
		errs = append(errs, &crm.FieldError{Field: "unit", Problem: fmt.Sprintf("unknown period unit %d", p.unit)})
	}
	if p.length == 0 {
		p.length = 1
	}
	if p.length < 0 {
		errs = append(errs, &crm.FieldError{Field: "length", Problem: "must be positive"})
	}
	if p.scale == 0 {
		p.scale = 1
	}
	if !(p.scale > 0) || math.IsInf(p.scale, 0) {
		errs = append(errs, &crm.FieldError{Field: "scale", Problem: "must be positive and finite"})
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	if opt.Currency != "" && !crm.ValidCurrency(opt.Currency) {
		errs = append(errs, &crm.FieldError{Field: "currency", Problem: fmt.Sprintf("%q is not an ISO 4217 code", opt.Currency)})
	}
	if len(errs) > 0 {
		return p, &crm.ValidationError{Package: "scoring", What: "summary options", Problems: errs}
	}
	return p, nil
}

// unitDays is the length in days of the unit recency and T are in.
func (p periodizer) unitDays() float64 {
	days := 1.0
	switch p.unit {
	case Week:
		days = 7
	case Month:
		days = DaysPerMonth
	}
	return days * float64(p.length) * p.scale
}

// index returns the number of the period t falls in: consecutive periods
// have consecutive numbers.
func (p periodizer) index(t time.Time) int64 {
	if p.unit == Day && p.loc == time.UTC {
		days := floorDiv(t.Unix(), 86400)
		if p.length == 1 { // no division by 1: a division is 40 cycles
			return days
		}
		return floorDiv(days, p.length)
	}
	y, m, d := t.In(p.loc).Date()
	var i int64
	switch p.unit {
	case Month:
		i = int64(y)*12 + int64(m) - 1
	case Week:
		// Days since Monday 1970-01-05 (days since epoch + 3), floored to weeks.
		i = floorDiv(civilDays(y, m, d)-4, 7)
	default:
		i = civilDays(y, m, d)
	}
	return floorDiv(i, p.length)
}

// civilDays counts days from 1970-01-01 to the given date (negative before).
func civilDays(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// groupSet detects a customer whose transactions come in two groups. While
// the groups arrive in increasing ID order (as store iterators yield them)
// a comparison with the previous ID suffices; the first time they do not,
// it builds a set of every ID so far and uses that from then on. To list
// the IDs so far it is given the summaries' IDs and keeps only those of
// groups that produced no summary.
type groupSet struct {
	last   string
	any    bool
	others []string // groups without a summary, while in order
	set    map[string]struct{}
}

// add records a group's customer ID and reports whether it was new;
// summarised lists the IDs of the summaries made so far.
func (g *groupSet) add(id string, summarised func(yield func(string))) bool {
	if g.set == nil {
		if !g.any || id > g.last {
			g.last, g.any = id, true
			return true
		}
		g.set = map[string]struct{}{}
		summarised(func(s string) { g.set[s] = struct{}{} })
		for _, s := range g.others {
			g.set[s] = struct{}{}
		}
		g.others = nil
	}
	if _, seen := g.set[id]; seen {
		return false
	}
	g.set[id] = struct{}{}
	return true
}

// unsummarised notes that the group just added produced no summary.
func (g *groupSet) unsummarised(id string) {
	if g.set == nil {
		g.others = append(g.others, id)
	}
}
