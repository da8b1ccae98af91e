package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// quarter is how far back the loop looks to show what changed.
const quarter = 91 * 24 * time.Hour

// snapshot is the analysis at one time: scores, models, values, tiers,
// churn signals, segments and lifecycle stages.
type snapshot struct {
	asOf      time.Time
	customers int
	sums      []scoring.Summary
	revenue   decimal.Decimal
	purchases int
	currency  string
	rfm       []scoring.RFMScore
	cuts      scoring.RFMCuts
	model     *scoring.BGNBD
	penalized bool // the plain fit found no drop-out
	spend     *scoring.GammaGamma
	values    []scoring.CustomerValue
	tiers     *scoring.Tiering
	churn     []lifecycle.ChurnSignal
	segments  map[string]*segment.Membership // by segmentation name
	stages    []lifecycle.Classification
}

// result is everything the report shows.
type result struct {
	source   string
	resumed  bool
	then     *snapshot
	now      *snapshot
	rfmDiff  []segment.Change
	moved    int
	illegal  int
	flows    []stageFlow
	desk     *deskMonth
	account  *accountPlan
	timings  []timing
	segOrder map[string][]string // segment names in priority order, by segmentation
}

type timing struct {
	step string
	took time.Duration
}

// stageFlow is a Sankey link: customers in stage From a quarter ago and in
// To now ("new" for customers who had no stage then).
type stageFlow struct {
	From, To string
	Count    int
}

func segmentations() []*segment.Segmentation {
	return []*segment.Segmentation{segment.RFMSegments(), segment.CommunicationGroups(), segment.TierSegments(scoring.DefaultTiers())}
}

// loop runs the CRM loop: the analysis a quarter ago and now (in
// parallel), the lifecycle tracker over both, segment snapshots, a month on
// the complaint desk and the key account's roadmap.
func loop(ctx context.Context, src *source, p *progress) (*result, error) {
	res := &result{source: src.name, resumed: src.resumed, segOrder: map[string][]string{}}
	for _, s := range segmentations() {
		for _, seg := range s.Segments {
			res.segOrder[s.Name] = append(res.segOrder[s.Name], seg.Name)
		}
	}
	done := p.step(fmt.Sprintf("analysing the portfolio as of %s and a quarter earlier", src.asOf.Format("2006-01-02")))
	start := time.Now()
	var wg sync.WaitGroup
	var errThen, errNow error
	wg.Add(2)
	go func() { defer wg.Done(); res.then, errThen = analyse(ctx, src, src.asOf.Add(-quarter)) }()
	go func() { defer wg.Done(); res.now, errNow = analyse(ctx, src, src.asOf) }()
	wg.Wait()
	if err := errors.Join(errThen, errNow); err != nil {
		return nil, err
	}
	res.timings = append(res.timings, timing{"analysis (both dates)", time.Since(start)})
	done()
	res.rfmDiff = segment.Diff(res.then.segments["rfm"], res.now.segments["rfm"])

	done = p.step("tracking lifecycle stages and saving segment snapshots")
	start = time.Now()
	if err := track(ctx, src, res); err != nil {
		return nil, err
	}
	if err := saveSnapshots(ctx, src.segments, res); err != nil {
		return nil, err
	}
	res.timings = append(res.timings, timing{"lifecycle tracking and snapshots", time.Since(start)})
	done()

	done = p.step("running a month on the complaint desk")
	start = time.Now()
	var err error
	if res.desk, err = simulateDesk(ctx, src, res.now); err != nil {
		return nil, err
	}
	res.timings = append(res.timings, timing{"complaint desk month", time.Since(start)})
	done()

	done = p.step("planning the key account's roadmap")
	if res.account, err = planAccount(ctx, src.roadmaps, res.now); err != nil {
		return nil, err
	}
	done()
	return res, nil
}

// analyse scores the portfolio at asOf: two passes over the transactions
// (summaries, then churn, which needs the values) and one over the
// customers, whose profiles feed every segmentation and the lifecycle
// classifier as they stream.
func analyse(ctx context.Context, src *source, asOf time.Time) (*snapshot, error) {
	s := &snapshot{asOf: asOf, segments: map[string]*segment.Membership{}}
	var err error
	if s.sums, err = scoring.Summarize(ctx, until(src.transactions(ctx), asOf), asOf, scoring.SummaryOptions{}); err != nil {
		return nil, err
	}
	if len(s.sums) == 0 {
		return nil, fmt.Errorf("no customer bought anything before %s", asOf.Format("2006-01-02"))
	}
	s.currency = s.sums[0].Currency
	for i := range s.sums {
		s.revenue = s.revenue.Add(s.sums[i].Total)
		s.purchases += s.sums[i].Count
	}
	if s.rfm, s.cuts, err = scoring.RFM(s.sums, scoring.RFMOptions{}); err != nil {
		return nil, err
	}
	rows := scoring.Compress(s.sums)
	s.model, err = scoring.FitBGNBD(ctx, rows, nil)
	if fe := (*scoring.FitError)(nil); errors.As(err, &fe) {
		// Data with no drop-out (too short, or customers who never leave)
		// run a parameter to zero; a small penalizer keeps the fit finite.
		s.penalized = true
		s.model, err = scoring.FitBGNBD(ctx, rows, &scoring.FitOptions{Penalizer: 0.01})
	}
	if err != nil {
		return nil, err
	}
	if s.spend, err = scoring.FitGammaGamma(ctx, scoring.SpendRows(s.sums), nil); err != nil {
		return nil, err
	}
	if s.values, err = scoring.CustomerValues(ctx, s.model, s.spend, s.sums, scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01, UnitsPerMonth: scoring.DaysPerMonth}); err != nil {
		return nil, err
	}
	if s.tiers, err = scoring.TiersByCLV(s.values, scoring.DefaultTiers()); err != nil {
		return nil, err
	}
	tierOf := make(map[string]string, len(s.values))
	for i, v := range s.values {
		tierOf[v.CustomerID] = s.tiers.Reports[s.tiers.Of[i]].Tier.Name
	}
	scores := segment.Scores{Summaries: s.sums, RFM: s.rfm, Values: s.values, Tiers: tierOf}
	if s.churn, err = lifecycle.Churn(ctx, until(src.transactions(ctx), asOf), scores, asOf, lifecycle.ChurnPolicy{}); err != nil {
		return nil, err
	}

	schema := lifecycle.Schema()
	classifier, err := lifecycle.NewClassifier(lifecycle.DefaultPolicy(), schema)
	if err != nil {
		return nil, err
	}
	var assigners []*segment.Assigner
	for _, def := range segmentations() {
		a, err := def.Compile(schema)
		if err != nil {
			return nil, err
		}
		assigners = append(assigners, a)
		s.segments[def.Name] = a.NewMembership(asOf)
	}
	customers := signedUpBy(src.customers(ctx), asOf)
	for p, err := range lifecycle.Profiles(ctx, customers, lifecycle.Inputs{Scores: scores, Churn: s.churn}, schema, asOf) {
		if err != nil {
			return nil, err
		}
		s.customers++
		for _, a := range assigners {
			a.Add(s.segments[a.Segmentation().Name], p)
		}
		if cl, ok := classifier.Classify(p); ok {
			s.stages = append(s.stages, cl)
		}
	}
	return s, nil
}

// until streams the transactions before asOf.
func until(txs iter.Seq2[crm.Transaction, error], asOf time.Time) iter.Seq2[crm.Transaction, error] {
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

// signedUpBy streams the customers created before asOf.
func signedUpBy(cs iter.Seq2[crm.Customer, error], asOf time.Time) iter.Seq2[crm.Customer, error] {
	return func(yield func(crm.Customer, error) bool) {
		for c, err := range cs {
			if err == nil && !c.CreatedAt.Before(asOf) {
				continue
			}
			if !yield(c, err) {
				return
			}
		}
	}
}

// track records both classifications with the lifecycle tracker — unless
// the store already holds this run (a resumed database), in which case the
// tracker has nothing to add — and derives the quarter's stage flows from
// the recorded transitions.
func track(ctx context.Context, src *source, res *result) error {
	tracker := lifecycle.NewTracker(src.lifecycle, nil)
	then, now := res.then.asOf, res.now.asOf
	fresh := true
	if len(res.now.stages) > 0 {
		st, err := src.lifecycle.State(ctx, res.now.stages[0].CustomerID)
		if err == nil && !st.Since.Before(then) {
			fresh = false
		} else if err != nil && !errors.Is(err, crm.ErrNotFound) {
			return err
		}
	}
	if fresh {
		for _, cs := range [][]lifecycle.Classification{res.then.stages, res.now.stages} {
			moved, illegal, err := tracker.ApplyAll(ctx, cs)
			if err != nil {
				return err
			}
			res.moved += moved
			res.illegal += len(illegal)
		}
	}
	initial, err := lifecycle.Flows(ctx, src.lifecycle, then, then.Add(time.Nanosecond))
	if err != nil {
		return err
	}
	moves, err := lifecycle.Flows(ctx, src.lifecycle, then.Add(time.Nanosecond), now.Add(time.Nanosecond))
	if err != nil {
		return err
	}
	stay := map[string]int{}
	for _, f := range initial {
		stay[f.To] += f.Count
	}
	for _, f := range moves {
		from := f.From
		if from == "" {
			from = "new"
		} else {
			stay[f.From] -= f.Count
		}
		res.flows = append(res.flows, stageFlow{From: from, To: f.To, Count: f.Count})
	}
	for stage, n := range stay {
		if n > 0 {
			res.flows = append(res.flows, stageFlow{From: stage, To: stage, Count: n})
		}
	}
	slices.SortFunc(res.flows, func(a, b stageFlow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return nil
}

// saveSnapshots stores each segmentation's definition (once) and its
// memberships at both dates; a resumed database already has them.
func saveSnapshots(ctx context.Context, store segment.Store, res *result) error {
	for _, def := range segmentations() {
		if _, err := store.CreateSegmentation(ctx, *def); err != nil && !errors.Is(err, crm.ErrExists) {
			return err
		}
		for _, s := range []*snapshot{res.then, res.now} {
			if err := store.SaveSnapshot(ctx, s.segments[def.Name]); err != nil && !errors.Is(err, crm.ErrExists) {
				return err
			}
		}
	}
	return nil
}
