package cycle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/internal/bounds"
	"github.com/crmkit/crm/internal/join"
	"github.com/crmkit/crm/internal/stats"
	"github.com/crmkit/crm/internal/suggest"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/roadmap"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// CustomerSource streams the host's customers by ID, as
// crm.CustomerStore does.
type CustomerSource interface {
	// Customers streams every customer by ID.
	Customers(ctx context.Context) iter.Seq2[crm.Customer, error]
}

// TransactionSource streams the host's transactions by customer, then
// time, as crm.TransactionStore does.
type TransactionSource interface {
	// Transactions streams every transaction by customer ID, then time.
	Transactions(ctx context.Context) iter.Seq2[crm.Transaction, error]
}

// TouchpointSource streams the host's touchpoints, as
// crm.TouchpointStore does.
type TouchpointSource interface {
	// Touchpoints streams every touchpoint by customer ID, then time.
	Touchpoints(ctx context.Context) iter.Seq2[crm.Touchpoint, error]
}

// SummarySource computes the customer summaries where the transactions
// live, as scoring.Summarize would compute them from the transaction
// stream at asOf with opt — typically by running scoring.NewSummaryQuery's
// SQL in the host's database (the stores of examples/sqlitestore and
// examples/postgres implement it so).
type SummarySource interface {
	// Summaries returns the summaries at asOf, in customer ID order.
	Summaries(ctx context.Context, asOf time.Time, opt *scoring.SummaryOptions) ([]scoring.Summary, error)
}

// Stores are where the loop reads and writes: the host's own stores.
type Stores struct {
	// Customers and Transactions are read. Required.
	Customers CustomerSource
	// Transactions are read. Required.
	Transactions TransactionSource
	// Summaries, when set, computes the summaries instead of the loop's
	// summarising the transaction stream; the transactions are then read
	// once per run (by the churn pass, which the period's sales figures
	// share) instead of twice.
	Summaries SummarySource
	// Touchpoints, when set, give the experience index per channel,
	// referrals (touchpoints of kind crm.TouchReferral, for advocacy) and
	// the touchpoints' freshness.
	Touchpoints TouchpointSource
	// Segments holds the saved segmentations: each is assigned at every
	// run and its snapshot saved. Required.
	Segments segment.Store
	// Lifecycle keeps the stages; every run's classifications are
	// tracked there. Required.
	Lifecycle lifecycle.Store
	// Feedback, when set, gives the desk's figures for the period and the
	// customers' NPS answers (for advocacy).
	Feedback feedback.Store
	// Roadmaps, when set, are the account plans: every KPI of an active
	// roadmap that names a period metric (roadmap.KPI.Metric) is recorded
	// from each run's period.
	Roadmaps roadmap.Store
	// Results and Periods keep what each run finds. Required; one
	// MemoryStore serves both.
	Results ResultStore
	// Periods keeps each run's period metrics.
	Periods PeriodStore
}

// Options configure the loop. The zero value of each field is its
// default.
type Options struct {
	// Summary configures the customer summaries (default: days).
	Summary *scoring.SummaryOptions
	// CLV sets the value horizon (default 12 months, 1% discount a month).
	CLV *scoring.CLVOptions
	// Tiers cuts customers into value tiers (default scoring.DefaultTiers).
	Tiers *scoring.TierSpec
	// Churn sets the churn thresholds (default lifecycle's).
	Churn *lifecycle.ChurnPolicy
	// Policy is the lifecycle (default lifecycle.DefaultPolicy).
	Policy *lifecycle.Policy
	// Schema is the profiles' schema, which every saved segmentation is
	// compiled against; it must extend lifecycle.Schema (the default).
	Schema *segment.Schema
	// Calendar gives the desk's business hours (nil: every hour).
	Calendar *feedback.Calendar
	// Period is the first run's period length (default 30 days); later
	// runs measure from the previous run's AsOf.
	Period time.Duration
	// Moments and Subjects, when both set, count the moments due in each
	// period (delivery.moments_due).
	Moments []lifecycle.Moment
	// Subjects streams what the moments are computed from.
	Subjects func(ctx context.Context) iter.Seq2[lifecycle.Subject, error]
	// Charter, when set, is the customer bill of rights: each period
	// counts the promises it broke (performance.broken_promises) and says
	// of each whether it was kept (performance.promise_kept). Every
	// promise's metric must be one of Definitions.
	Charter *roadmap.Charter
}

// Loop runs the CRM loop's analysis over a host's stores. Make one with
// New; it is safe for concurrent use, though two runs at the same
// observation time at once may both do the work (the second one's writes
// are no-ops).
type Loop struct {
	st         Stores
	opt        Options
	schema     *segment.Schema
	policy     *lifecycle.Policy
	tracker    *lifecycle.Tracker
	classifier *lifecycle.Classifier
	tiers      scoring.TierSpec
	rfmTable   []scoring.RFMSegment
	planner    *roadmap.Planner
}

// New checks the stores and options and returns the loop.
func New(stores Stores, opt *Options) (*Loop, error) {
	l := &Loop{st: stores}
	if opt != nil {
		l.opt = *opt
	}
	var errs []error
	missing := func(field string, nilValue bool) {
		if nilValue {
			errs = append(errs, &crm.FieldError{Field: field, Problem: "required"})
		}
	}
	missing("stores.customers", stores.Customers == nil)
	missing("stores.transactions", stores.Transactions == nil)
	missing("stores.segments", stores.Segments == nil)
	missing("stores.lifecycle", stores.Lifecycle == nil)
	missing("stores.results", stores.Results == nil)
	missing("stores.periods", stores.Periods == nil)
	if l.opt.Period < 0 {
		errs = append(errs, &crm.FieldError{Field: "options.period", Problem: "negative"})
	}
	if l.opt.Period == 0 {
		l.opt.Period = 30 * 24 * time.Hour
	}
	if c := l.opt.Charter; c != nil {
		for i, p := range c.Promises {
			if _, ok := definition(p.Metric); !ok {
				errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("options.charter.promises[%d] %q.metric", i, p.ID), Problem: unknownMetric(p.Metric)})
			}
		}
	}
	l.schema = l.opt.Schema
	if l.schema == nil {
		l.schema = lifecycle.Schema()
	}
	for _, w := range l.schema.Windows() {
		switch w.Measure {
		case segment.WindowContacts, segment.WindowLastContact:
			missing(fmt.Sprintf("stores.touchpoints (for the window %s)", w.Name), stores.Touchpoints == nil)
		case segment.WindowOpenCases:
			missing(fmt.Sprintf("stores.feedback (for the window %s)", w.Name), stores.Feedback == nil)
		}
	}
	l.policy = l.opt.Policy
	if l.policy == nil {
		l.policy = lifecycle.DefaultPolicy()
	}
	l.tiers = scoring.DefaultTiers()
	if l.opt.Tiers != nil {
		l.tiers = *l.opt.Tiers
	}
	if err := l.tiers.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		var err error
		if l.classifier, err = lifecycle.NewClassifier(l.schema, &lifecycle.Options{Policy: l.policy}); err != nil {
			errs = append(errs, err)
		}
		if l.tracker, err = lifecycle.NewTracker(stores.Lifecycle, &lifecycle.Options{Policy: l.policy}); err != nil {
			errs = append(errs, err)
		}
		if stores.Roadmaps != nil {
			if l.planner, err = roadmap.NewPlanner(stores.Roadmaps, nil); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "cycle", What: "loop", Problems: errs}
	}
	l.rfmTable = scoring.RFMSegments()
	return l, nil
}

// Cases streams the desk's items as segment cases, for the open_cases
// windows: opened when received, closed when closed.
func Cases(ctx context.Context, items feedback.ItemStore) iter.Seq2[segment.Case, error] {
	return func(yield func(segment.Case, error) bool) {
		if items == nil {
			yield(segment.Case{}, fmt.Errorf("cycle: cases: no item store: %w", crm.ErrInvalid))
			return
		}
		for it, err := range items.Items(ctx) {
			if err != nil {
				yield(segment.Case{}, err)
				return
			}
			if !yield(segment.Case{ID: it.ID, CustomerID: it.CustomerID, Kind: string(it.Kind), Opened: it.Received, Closed: it.ClosedAt}, nil) {
				return
			}
		}
	}
}

// run is one run's working state.
type run struct {
	l        *Loop
	asOf     time.Time
	from     time.Time
	currency string
	metrics  []Metric
}

func (r *run) add(name, cut string, v float64) {
	r.metrics = append(r.metrics, Metric{Name: name, Cut: cut, Value: v})
}

func (r *run) addOf(name, cut string, v float64, n int, lo, hi float64) {
	r.metrics = append(r.metrics, Metric{Name: name, Cut: cut, Value: v, N: n, Low: lo, High: hi})
}

// Run runs the loop's analysis at asOf and returns the period it
// measured, after writing every customer's Result and the Period to the
// stores. A period already stored at asOf is returned as it is: a second
// run at the same time changes nothing. A run that failed part way is
// safe to repeat: what it wrote is written again as a no-op.
//
// One run reads the transactions twice (summaries, then churn; once when
// Stores.Summaries computes the summaries), the customers, touchpoints,
// survey answers and desk items once each, and
// holds O(customers): the summaries, scores, values and churn signals,
// one classification per customer and each segmentation's membership.
func (l *Loop) Run(ctx context.Context, asOf time.Time) (*Period, error) {
	if asOf.IsZero() {
		return nil, fmt.Errorf("cycle: run: zero observation time: %w", crm.ErrInvalid)
	}
	if msg := bounds.Time(asOf); msg != "" {
		return nil, fmt.Errorf("cycle: run at %s: %s: %w", asOf.Format(time.RFC3339), msg, crm.ErrInvalid)
	}
	if p, err := l.st.Periods.Period(ctx, asOf); err == nil {
		return &p, nil
	} else if !errors.Is(err, crm.ErrNotFound) {
		return nil, err
	}
	r := &run{l: l, asOf: asOf, from: asOf.Add(-l.opt.Period)}
	for p, err := range l.st.Periods.Periods(ctx) {
		if err != nil {
			return nil, err
		}
		if p.AsOf.Before(asOf) {
			r.from = p.AsOf
		}
	}
	p, err := r.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("cycle: run at %s: %w", asOf.Format(time.RFC3339), err)
	}
	return p, nil
}

func (r *run) run(ctx context.Context) (*Period, error) {
	l := r.l
	// Transactions: summaries, and the period's sales and retention as
	// they pass.
	var sales salesTally
	var sums []scoring.Summary
	var err error
	if l.st.Summaries != nil {
		if sums, err = l.st.Summaries.Summaries(ctx, r.asOf, l.opt.Summary); err != nil {
			return nil, fmt.Errorf("summaries: %w", err)
		}
		for i := 1; i < len(sums); i++ {
			if sums[i].CustomerID <= sums[i-1].CustomerID {
				return nil, fmt.Errorf("summaries: customer %q at %d follows %q: not in strictly increasing customer ID order: %w",
					sums[i].CustomerID, i, sums[i-1].CustomerID, crm.ErrInvalid)
			}
		}
	} else {
		if sums, err = scoring.Summarize(ctx, sales.tap(r, before(l.st.Transactions.Transactions(ctx), r.asOf)), r.asOf, l.opt.Summary); err != nil {
			return nil, err
		}
		sales.finish(r)
	}
	scores, err := r.score(ctx, sums)
	if err != nil {
		return nil, err
	}
	var churn []lifecycle.ChurnSignal
	txs := before(l.st.Transactions.Transactions(ctx), r.asOf)
	if l.st.Summaries != nil {
		// The one pass over the transactions: the sales figures tap it.
		txs = sales.tap(r, txs)
	}
	switch {
	case len(sums) > 0:
		if churn, err = lifecycle.Churn(ctx, txs, scores, r.asOf, l.opt.Churn); err != nil {
			return nil, err
		}
	case l.st.Summaries != nil:
		for _, err := range crm.WithContext(ctx, txs) {
			if err != nil {
				return nil, err
			}
		}
	}
	if l.st.Summaries != nil {
		sales.finish(r)
	}
	r.tallyChurn(churn)
	advocacy, err := r.voice(ctx)
	if err != nil {
		return nil, err
	}
	previous, err := l.tracker.Stages(ctx, r.asOf)
	if err != nil {
		return nil, err
	}
	segs, err := r.segmentations(ctx)
	if err != nil {
		return nil, err
	}
	classes, err := r.profiles(ctx, lifecycle.Inputs{Scores: scores, Churn: churn, Previous: previous, Advocacy: advocacy}, segs)
	if err != nil {
		return nil, err
	}
	if err := r.snapshots(ctx, segs); err != nil {
		return nil, err
	}
	if err := r.track(ctx, classes); err != nil {
		return nil, err
	}
	if err := r.desk(ctx); err != nil {
		return nil, err
	}
	if err := r.moments(ctx); err != nil {
		return nil, err
	}
	r.promises()
	slices.SortFunc(r.metrics, func(a, b Metric) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Cut, b.Cut)) })
	p := Period{From: r.from, AsOf: r.asOf, Currency: r.currency, Metrics: r.metrics}
	if err := l.recordKPIs(ctx, &p); err != nil {
		return nil, err
	}
	if err := l.st.Periods.AppendPeriods(ctx, p); err != nil {
		return nil, err
	}
	return &p, nil
}

// recordKPIs records every bound KPI of the active roadmaps from the
// period, before the period is stored: a run that fails here is repeated
// whole, and recording the same measurement again writes nothing.
func (l *Loop) recordKPIs(ctx context.Context, p *Period) error {
	if l.planner == nil {
		return nil
	}
	var active []roadmap.Roadmap
	for r, err := range l.st.Roadmaps.Roadmaps(ctx) {
		if err != nil {
			return err
		}
		if r.Status == roadmap.Active {
			active = append(active, r)
		}
	}
	for _, r := range active {
		ms, err := Measurements(&r, p)
		if err != nil {
			return err
		}
		if len(ms) == 0 {
			continue
		}
		if _, err := l.planner.Record(ctx, r.ID, ms...); err != nil {
			return err
		}
	}
	return nil
}

// Measurements are a roadmap's KPI measurements from a period: one for
// each KPI that names a metric (roadmap.KPI.Metric) the period has, at
// the period's AsOf, scaled into the KPI's unit. A KPI naming a metric
// that is not one of Definitions is an error that names the goal and
// suggests the nearest name; one whose metric the period lacks (no NPS
// answers in the period, say) is left unmeasured.
func Measurements(r *roadmap.Roadmap, p *Period) ([]roadmap.Measurement, error) {
	var out []roadmap.Measurement
	var errs []error
	measure := func(path, goal string, k *roadmap.KPI) {
		if k == nil || k.Metric == "" {
			return
		}
		if _, ok := definition(k.Metric); !ok {
			errs = append(errs, &crm.FieldError{Field: path + ".metric", Problem: unknownMetric(k.Metric)})
			return
		}
		v, ok := p.Value(k.Metric, k.Cut)
		if !ok {
			return
		}
		if k.Scale != 0 {
			v *= k.Scale
		}
		out = append(out, roadmap.Measurement{Goal: goal, At: p.AsOf, Value: v})
	}
	for i, g := range r.Content.ExternalGoals {
		measure(fmt.Sprintf("external_goals[%d] %q.commitment", i, g.ID), g.ID, g.Commitment)
	}
	for i, g := range r.Content.InternalGoals {
		measure(fmt.Sprintf("internal_goals[%d] %q.kpi", i, g.ID), g.ID, g.KPI)
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "cycle", What: fmt.Sprintf("roadmap %q", r.ID), Problems: errs}
	}
	return out, nil
}

// unknownMetric says a metric name is not defined, with the nearest one.
func unknownMetric(name string) string {
	names := make([]string, len(definitions))
	for i, d := range definitions {
		names[i] = d.Name
	}
	if s := suggest.Nearest(name, names); s != "" {
		return fmt.Sprintf("%q is not a metric; did you mean %q?", name, s)
	}
	return fmt.Sprintf("%q is not a metric (see cycle.Definitions)", name)
}

// before streams the transactions before asOf.
func before(txs iter.Seq2[crm.Transaction, error], asOf time.Time) iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		for tx, err := range txs {
			if err == nil && !tx.Time.Before(asOf) {
				continue
			}
			if !yield(tx, err) {
				return
			}
		}
	}
}

// salesTally counts the period's sales, the data's freshness and
// retention as the transactions stream by, one customer at a time.
type salesTally struct {
	revenue             decimal.Decimal
	purchases           int
	newest              time.Time
	customer            string
	inPrev, inCur       bool
	prevBuyers, stayers int
	// Cohort retention: the customer's first purchase month, whether
	// they bought k months after it, and the totals.
	first              int
	bought             [len(cohortMonths)]bool
	eligible, retained [len(cohortMonths)]int
	lastMonth          int // the last month that ended by asOf
}

// cohortMonths are the months after the first purchase whose retention a
// period reports.
var cohortMonths = [...]int{1, 3, 6, 12}

// monthIndex numbers months: year × 12 + month − 1.
func monthIndex(t time.Time) int {
	y, m, _ := t.UTC().Date()
	return y*12 + int(m) - 1
}

func (s *salesTally) tap(r *run, txs iter.Seq2[crm.Transaction, error]) iter.Seq2[crm.Transaction, error] {
	prevFrom := r.from.Add(-r.asOf.Sub(r.from))
	s.first = -1
	s.lastMonth = monthIndex(r.asOf) - 1 // the month before asOf's has ended by it
	return func(yield func(crm.Transaction, error) bool) {
		for tx, err := range txs {
			if err == nil {
				if tx.CustomerID != s.customer {
					s.closeCustomer()
					s.customer = tx.CustomerID
				}
				if tx.Time.After(s.newest) {
					s.newest = tx.Time
				}
				if tx.Kind == crm.Purchase {
					m := monthIndex(tx.Time)
					if s.first < 0 {
						s.first = m
					}
					for i, k := range cohortMonths {
						if m-s.first == k {
							s.bought[i] = true
						}
					}
					if !tx.Time.Before(r.from) {
						s.purchases++
						s.inCur = true
					} else if !tx.Time.Before(prevFrom) {
						s.inPrev = true
					}
				}
				if !tx.Time.Before(r.from) {
					s.revenue = s.revenue.Add(tx.SignedAmount())
				}
				if r.currency == "" {
					r.currency = tx.Currency
				}
			}
			if !yield(tx, err) {
				return
			}
		}
	}
}

func (s *salesTally) closeCustomer() {
	if s.inPrev {
		s.prevBuyers++
		if s.inCur {
			s.stayers++
		}
	}
	if s.first >= 0 {
		for i, k := range cohortMonths {
			if s.first+k <= s.lastMonth {
				s.eligible[i]++
				if s.bought[i] {
					s.retained[i]++
				}
			}
		}
	}
	s.inPrev, s.inCur, s.first, s.bought = false, false, -1, [len(cohortMonths)]bool{}
}

func (s *salesTally) finish(r *run) {
	s.closeCustomer()
	r.add(MetricRevenue, "", s.revenue.InexactFloat64())
	r.add(MetricPurchases, "", float64(s.purchases))
	if !s.newest.IsZero() {
		r.add(MetricTransactionLag, "", r.asOf.Sub(s.newest).Hours()/24)
	}
	if s.prevBuyers > 0 {
		share := float64(s.stayers) / float64(s.prevBuyers)
		lo, hi := stats.Wilson(s.stayers, s.prevBuyers)
		r.addOf(MetricRetention, "", share, s.prevBuyers, lo, hi)
	}
	for i, k := range cohortMonths {
		if n := s.eligible[i]; n > 0 {
			lo, hi := stats.Wilson(s.retained[i], n)
			r.addOf(MetricCohortRetention, Cut("months", strconv.Itoa(k)), float64(s.retained[i])/float64(n), n, lo, hi)
		}
	}
}

// score fits the purchase and spend models and values every buyer. Data
// the plain fit cannot identify get a small penalizer; data no fit can
// use leave the customers unvalued (no CLV, tier or P(alive)).
func (r *run) score(ctx context.Context, sums []scoring.Summary) (segment.Scores, error) {
	scores := segment.Scores{Summaries: sums}
	r.add(MetricBuyers, "", float64(len(sums)))
	if len(sums) == 0 {
		return scores, nil
	}
	if r.currency == "" {
		r.currency = sums[0].Currency
	}
	repeat := 0
	for i := range sums {
		if sums[i].Frequency > 0 {
			repeat++
		}
	}
	lo, hi := stats.Wilson(repeat, len(sums))
	r.addOf(MetricRepeatRate, "", float64(repeat)/float64(len(sums)), len(sums), lo, hi)
	var err error
	if scores.RFM, _, err = scoring.RFM(sums, nil); err != nil {
		return scores, err
	}
	rows := scoring.Compress(sums)
	model, err := scoring.FitBGNBD(ctx, rows, nil)
	var fe *scoring.FitError
	if errors.As(err, &fe) {
		model, err = scoring.FitBGNBD(ctx, rows, &scoring.FitOptions{Penalizer: 0.01})
	}
	if errors.As(err, &fe) {
		return scores, nil // too little data to value anyone
	}
	if err != nil {
		return scores, err
	}
	spend, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
	if errors.As(err, &fe) {
		return scores, nil
	}
	if err != nil {
		return scores, err
	}
	clv := scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01}
	if r.l.opt.CLV != nil {
		clv = *r.l.opt.CLV
	}
	if scores.Values, err = scoring.CustomerValues(ctx, model, spend, sums, &clv); err != nil {
		return scores, err
	}
	if scores.Tiering, err = scoring.TiersByCLV(scores.Values, r.l.tiers); err != nil {
		return scores, err
	}
	total := decimal.Zero
	expected, active := 0.0, 0
	for i := range scores.Values {
		v := &scores.Values[i]
		total = total.Add(v.CLV.Amount)
		expected += v.Purchases
		if v.Alive > 0.5 {
			active++
		}
	}
	r.add(MetricCLVTotal, "", total.InexactFloat64())
	r.add(MetricExpectedPurchases, "", expected)
	lo, hi = stats.Wilson(active, len(scores.Values))
	r.addOf(MetricActiveShare, "", float64(active)/float64(len(scores.Values)), len(scores.Values), lo, hi)
	for _, rep := range scores.Tiering.Reports {
		cut := Cut("tier", rep.Tier.Name)
		r.add(MetricTierCustomers, cut, float64(rep.Customers))
		r.add(MetricTierValueShare, cut, rep.ValueShare)
	}
	return scores, nil
}

func (r *run) tallyChurn(churn []lifecycle.ChurnSignal) {
	var abs, rel, warn int
	absValue, relValue := decimal.Zero, decimal.Zero
	for i := range churn {
		c := &churn[i]
		switch {
		case c.Absolute:
			abs++
			absValue = absValue.Add(c.AtStake.Amount)
		case c.Relative:
			rel++
			relValue = relValue.Add(c.AtStake.Amount)
		case c.Warning:
			warn++
		}
	}
	r.add(MetricChurnAbsolute, "", float64(abs))
	r.add(MetricChurnRelative, "", float64(rel))
	r.add(MetricChurnWarning, "", float64(warn))
	r.add(MetricAtStakeAbsolute, "", absValue.InexactFloat64())
	r.add(MetricAtStakeRelative, "", relValue.InexactFloat64())
}

// voice reads what customers said and did for the company: each one's
// latest NPS answer and referrals before asOf (the advocacy lifecycle
// reads), the period's survey scores, and the experience index per
// channel.
func (r *run) voice(ctx context.Context) (map[string]lifecycle.Advocacy, error) {
	adv := map[string]lifecycle.Advocacy{}
	if r.l.st.Feedback != nil {
		if err := r.surveys(ctx, adv); err != nil {
			return nil, err
		}
	}
	if r.l.st.Touchpoints == nil {
		return adv, nil
	}
	var newest time.Time
	contacts := map[crm.Channel]int{}
	tps := func(yield func(crm.Touchpoint, error) bool) {
		for tp, err := range r.l.st.Touchpoints.Touchpoints(ctx) {
			if err == nil {
				if !tp.Time.Before(r.asOf) {
					continue
				}
				if tp.Time.After(newest) {
					newest = tp.Time
				}
				if tp.Kind == crm.TouchCampaign && !tp.Time.Before(r.from) {
					contacts[tp.Channel]++
				}
				if tp.Kind == crm.TouchReferral {
					a := adv[tp.CustomerID]
					a.Referrals++
					adv[tp.CustomerID] = a
				}
			}
			if !yield(tp, err) {
				return
			}
		}
	}
	_, channels, err := scoring.ExperienceIndex(ctx, tps, r.asOf, nil)
	if err != nil {
		return nil, err
	}
	for _, ch := range channels {
		r.addOf(MetricExperience, Cut("channel", string(ch.Channel)), ch.Index, ch.Ratings, 0, 0)
	}
	if !newest.IsZero() {
		r.add(MetricTouchpointLag, "", r.asOf.Sub(newest).Hours()/24)
	}
	for ch, n := range contacts {
		r.add(MetricContacts, Cut("channel", string(ch)), float64(n))
	}
	return adv, nil
}

func (r *run) surveys(ctx context.Context, adv map[string]lifecycle.Advocacy) error {
	latest := map[string]time.Time{}
	var csat, ces []int
	var nps [3]int // promoters, passives, detractors
	for s, err := range r.l.st.Feedback.Surveys(ctx) {
		if err != nil {
			return err
		}
		if !s.At.Before(r.asOf) {
			continue
		}
		inPeriod := !s.At.Before(r.from)
		switch s.Type {
		case feedback.NPS:
			if t, ok := latest[s.CustomerID]; !ok || s.At.After(t) {
				latest[s.CustomerID] = s.At
				a := adv[s.CustomerID]
				a.NPSAnswered, a.NPS = true, float64(s.Score)
				adv[s.CustomerID] = a
			}
			if inPeriod {
				switch {
				case s.Score >= 9:
					nps[0]++
				case s.Score >= 7:
					nps[1]++
				default:
					nps[2]++
				}
			}
		case feedback.CSAT:
			if inPeriod {
				csat = append(csat, s.Score)
			}
		case feedback.CES:
			if inPeriod {
				ces = append(ces, s.Score)
			}
		}
	}
	if res, err := feedback.NPSFromCounts(nps[0], nps[1], nps[2]); err == nil && res.N > 0 {
		r.addOf(MetricNPS, "", res.Score, res.N, res.Low, res.High)
		r.add(MetricNPSPromoters, "", float64(nps[0]))
		r.add(MetricNPSPassives, "", float64(nps[1]))
		r.add(MetricNPSDetractors, "", float64(nps[2]))
	}
	if len(csat) > 0 {
		share := feedback.CSATScore(csat)
		satisfied := int(share*float64(len(csat)) + 0.5)
		lo, hi := stats.Wilson(satisfied, len(csat))
		r.addOf(MetricCSAT, "", share, len(csat), lo, hi)
	}
	if len(ces) > 0 {
		mean, _, _ := feedback.CESScore(ces)
		lo, hi := stats.MeanInterval(ces, mean)
		r.addOf(MetricCES, "", mean, len(ces), lo, hi)
	}
	return nil
}

// segmentations compiles every saved segmentation against the schema.
func (r *run) segmentations(ctx context.Context) ([]*segState, error) {
	var out []*segState
	for def, err := range r.l.st.Segments.Segmentations(ctx) {
		if err != nil {
			return nil, err
		}
		a, err := def.Compile(r.l.schema)
		if err != nil {
			return nil, fmt.Errorf("segmentation %q: %w", def.Name, err)
		}
		out = append(out, &segState{a: a, m: a.NewMembership(r.asOf)})
	}
	return out, nil
}

type segState struct {
	a *segment.Assigner
	m *segment.Membership
}

// profiles streams every customer signed up by asOf through the profile
// builder, the segmentations and the classifier, and writes each one's
// Result.
func (r *run) profiles(ctx context.Context, in lifecycle.Inputs, segs []*segState) ([]lifecycle.Classification, error) {
	// The schema's windows are computed in the same pass, from the stores.
	for _, w := range r.l.schema.Windows() {
		switch w.Measure {
		case segment.WindowContacts, segment.WindowLastContact:
			in.Scores.Touchpoints = r.l.st.Touchpoints.Touchpoints(ctx)
		case segment.WindowOpenCases:
			in.Scores.Cases = Cases(ctx, r.l.st.Feedback)
		default:
			in.Scores.Transactions = r.l.st.Transactions.Transactions(ctx)
		}
	}
	var info infoTally
	customers := info.tap(r, r.l.st.Customers.Customers(ctx))
	sums := join.New(in.Scores.Summaries, func(s *scoring.Summary) string { return s.CustomerID })
	rfm := join.New(in.Scores.RFM, func(s *scoring.RFMScore) string { return s.CustomerID })
	values := join.New(in.Scores.Values, func(v *scoring.CustomerValue) string { return v.CustomerID })
	churn := join.New(in.Churn, func(c *lifecycle.ChurnSignal) string { return c.CustomerID })
	var classes []lifecycle.Classification
	batch := make([]Result, 0, 1024)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := r.l.st.Results.AppendResults(ctx, batch...)
		batch = batch[:0]
		return err
	}
	for p, err := range lifecycle.StageProfiles(ctx, customers, in, r.l.schema, r.asOf) {
		if err != nil {
			return nil, err
		}
		for _, s := range segs {
			if err := s.a.Add(s.m, p); err != nil {
				return nil, err
			}
		}
		res := Result{CustomerID: p.CustomerID, AsOf: r.asOf}
		if cl, ok := r.l.classifier.Classify(p); ok {
			classes = append(classes, cl)
			res.Stage = cl.Stage
		}
		if k := sums.Find(p.CustomerID); k >= 0 {
			res.Buyer = true
		}
		if k := rfm.Find(p.CustomerID); k >= 0 {
			sc := in.Scores.RFM[k]
			res.RFMCell, res.RFMSegment = sc.Cell, sc.Segment(r.l.rfmTable)
		}
		if k := values.Find(p.CustomerID); k >= 0 {
			v := in.Scores.Values[k]
			res.Valued = true
			res.CLV, res.ExpectedPurchases, res.ExpectedSpend, res.PAlive = v.CLV, v.Purchases, v.Spend, v.Alive
			if t := in.Scores.Tiering; t != nil && k < len(t.Of) {
				res.Tier = r.l.tiers.Tiers[t.Of[k]].Name
			}
		}
		if k := churn.Find(p.CustomerID); k >= 0 {
			c := in.Churn[k]
			switch {
			case c.Absolute:
				res.Churn, res.AtStake = "absolute", c.AtStake
			case c.Relative:
				res.Churn, res.AtStake = "relative", c.AtStake
			case c.Warning:
				res.Churn = "warning"
			}
		}
		batch = append(batch, res)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	info.finish(r)
	stages := map[string]int{}
	for _, c := range classes {
		stages[c.Stage]++
	}
	for _, s := range r.l.policy.Stages {
		r.add(MetricStage, Cut("stage", s.Name), float64(stages[s.Name]))
	}
	r.add(MetricAdvocates, "", float64(stages[lifecycle.Advocate]))
	return classes, nil
}

// infoTally counts the customers and what is known of them.
type infoTally struct {
	customers, fresh int
	known            [6]int
}

var infoFields = [6]string{"email", "phone", "country", "region", "age_band", "signup_channel"}

func (t *infoTally) tap(r *run, cs iter.Seq2[crm.Customer, error]) iter.Seq2[crm.Customer, error] {
	return func(yield func(crm.Customer, error) bool) {
		for c, err := range cs {
			if err == nil {
				if !c.CreatedAt.Before(r.asOf) {
					continue
				}
				t.customers++
				if !c.CreatedAt.Before(r.from) {
					t.fresh++
				}
				for i, v := range [6]string{c.Email, c.Phone, c.Demographics.Country, c.Demographics.Region, c.Demographics.AgeBand, string(c.Demographics.SignupChannel)} {
					if v != "" {
						t.known[i]++
					}
				}
			}
			if !yield(c, err) {
				return
			}
		}
	}
}

func (t *infoTally) finish(r *run) {
	r.add(MetricCustomers, "", float64(t.customers))
	r.add(MetricNewCustomers, "", float64(t.fresh))
	if t.customers == 0 {
		return
	}
	for i, f := range infoFields {
		lo, hi := stats.Wilson(t.known[i], t.customers)
		r.addOf(MetricCompleteness, Cut("field", f), float64(t.known[i])/float64(t.customers), t.customers, lo, hi)
	}
}

// snapshots saves each segmentation's membership and measures what
// changed since its previous snapshot.
func (r *run) snapshots(ctx context.Context, segs []*segState) error {
	st := r.l.st.Segments
	for _, s := range segs {
		name := s.m.Segmentation
		var prev time.Time
		for t, err := range st.SnapshotTimes(ctx, name) {
			if err != nil {
				return err
			}
			if t.Before(r.asOf) {
				prev = t
			}
		}
		entered, exited := map[string]int{}, map[string]int{}
		if !prev.IsZero() {
			before, err := st.Snapshot(ctx, name, prev)
			if err != nil {
				return err
			}
			for _, c := range segment.Diff(before, s.m) {
				for _, e := range c.Entered {
					entered[e]++
				}
				for _, e := range c.Exited {
					exited[e]++
				}
			}
		}
		// A run repeated after a failure finds its snapshot saved.
		if err := st.AppendSnapshot(ctx, s.m); err != nil && !errors.Is(err, crm.ErrExists) {
			return err
		}
		for _, seg := range s.a.Segmentation().Segments {
			cut := Cut("segmentation", name, "segment", seg.Name)
			r.add(MetricSegmentSize, cut, float64(s.m.Counts[seg.Name]))
			if !prev.IsZero() {
				r.add(MetricSegmentEntered, cut, float64(entered[seg.Name]))
				r.add(MetricSegmentExited, cut, float64(exited[seg.Name]))
			}
		}
	}
	return nil
}

// track records the classifications with the lifecycle tracker and
// measures the period's moves.
func (r *run) track(ctx context.Context, classes []lifecycle.Classification) error {
	_, refused, err := r.l.tracker.ApplyAll(ctx, classes)
	if err != nil {
		return err
	}
	r.add(MetricRefusedMoves, "", float64(len(refused)))
	// Moves at the previous run's time belong to it; this run's are at
	// asOf.
	flows, err := lifecycle.Flows(ctx, r.l.st.Lifecycle, r.from.Add(time.Nanosecond), r.asOf.Add(time.Nanosecond))
	if err != nil {
		return err
	}
	reactivated := 0
	for _, f := range flows {
		from := f.From
		if from == "" {
			from = "new"
		}
		r.add(MetricFlow, Cut("from", from, "to", f.To), float64(f.Count))
		if f.To == lifecycle.Reactivated {
			reactivated += f.Count
		}
	}
	r.add(MetricReactivations, "", float64(reactivated))
	return nil
}

// desk measures the period's desk items and their causes.
func (r *run) desk(ctx context.Context) error {
	if r.l.st.Feedback == nil {
		return nil
	}
	var items, complaints []feedback.Item
	open, closed := 0, 0
	kinds := map[feedback.Kind]int{}
	breached := map[string]int{}
	for it, err := range r.l.st.Feedback.Items(ctx) {
		if err != nil {
			return err
		}
		if !it.Received.Before(r.asOf) {
			continue
		}
		if it.State.Open() {
			open++
		}
		if it.Received.Before(r.from) {
			continue
		}
		items = append(items, it)
		kinds[it.Kind]++
		if !it.State.Open() {
			closed++
		}
		if it.Kind == feedback.Complaint {
			complaints = append(complaints, it)
		}
		if len(it.Breaches) > 0 {
			breached[it.Category]++
		}
	}
	r.add(MetricOpenItems, "", float64(open))
	for _, k := range []feedback.Kind{feedback.Complaint, feedback.Suggestion, feedback.Praise, feedback.Inquiry} {
		r.add(MetricItems, Cut("kind", string(k)), float64(kinds[k]))
	}
	if len(items) == 0 {
		return nil
	}
	rep := feedback.Analyze(items, r.l.opt.Calendar, r.asOf)
	met := int(rep.SLAAttainment*float64(len(items)) + 0.5)
	lo, hi := stats.Wilson(met, len(items))
	r.addOf(MetricSLAAttainment, "", rep.SLAAttainment, len(items), lo, hi)
	if closed > 0 {
		reopened := int(rep.ReopenRate*float64(closed) + 0.5)
		lo, hi := stats.Wilson(reopened, closed)
		r.addOf(MetricReopenRate, "", rep.ReopenRate, closed, lo, hi)
	}
	responded, resolved := 0, 0
	for _, it := range items {
		if !it.FirstResponse.IsZero() {
			responded++
		}
		if !it.ResolvedAt.IsZero() {
			resolved++
		}
	}
	if responded > 0 {
		r.addOf(MetricFirstResponseHours, "", rep.FirstResponse[0].Hours(), responded, 0, 0)
	}
	if resolved > 0 {
		r.addOf(MetricResolutionHours, "", rep.Resolution[0].Hours(), resolved, 0, 0)
	}
	for cause, n := range breached {
		r.add(MetricBreaches, Cut("cause", cause), float64(n))
	}
	for _, row := range feedback.Pareto(complaints, nil, nil) {
		cut := Cut("cause", row.Cause)
		r.add(MetricCause, cut, float64(row.Count))
		r.add(MetricCauseShare, cut, row.Share)
	}
	return nil
}

// promises says of each promise of the charter whether the period kept
// it, and counts the broken ones. A promise whose metric the period lacks
// (no complaints, no answers) is neither.
func (r *run) promises() {
	c := r.l.opt.Charter
	if c == nil {
		return
	}
	have := map[[2]string]float64{}
	for _, m := range r.metrics {
		have[[2]string{m.Name, m.Cut}] = m.Value
	}
	broken := 0
	for _, p := range c.Promises {
		v, ok := have[[2]string{p.Metric, p.Cut}]
		if !ok {
			continue
		}
		kept := 0.0
		if p.Kept(v) {
			kept = 1
		} else {
			broken++
		}
		r.add(MetricPromiseKept, Cut("promise", p.ID), kept)
	}
	r.add(MetricBrokenPromises, "", float64(broken))
}

// moments counts the moments due in the period.
func (r *run) moments(ctx context.Context) error {
	o := r.l.opt
	if len(o.Moments) == 0 || o.Subjects == nil {
		return nil
	}
	due, err := lifecycle.Due(ctx, o.Moments, o.Subjects(ctx), r.from, r.asOf)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, d := range due {
		counts[d.Moment]++
	}
	for _, m := range o.Moments {
		r.add(MetricMomentsDue, Cut("moment", m.Name), float64(counts[m.Name]))
	}
	return nil
}
