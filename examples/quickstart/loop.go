package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
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
// churn, segments and lifecycle stages — what the report reads. The
// per-customer summaries and churn signals are freed once the profiles are
// built; at a million customers they are worth a few hundred megabytes.
type snapshot struct {
	asOf      time.Time
	customers int
	buyers    int
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
	churn     churnTally
	segments  map[string]*segment.Membership // by segmentation name; counts only (the members are in the store)
	stages    []lifecycle.Classification
}

// churnTally is the churn signals in the report's terms: customers and
// CLV at stake by kind of churn.
type churnTally struct {
	absolute, relative, warning  int
	absoluteValue, relativeValue float64
}

func tallyChurn(signals []lifecycle.ChurnSignal) churnTally {
	var t churnTally
	for _, c := range signals {
		v := c.AtStake.Amount.InexactFloat64()
		switch {
		case c.Absolute:
			t.absolute++
			t.absoluteValue += v
		case c.Relative:
			t.relative++
			t.relativeValue += v
		case c.Warning:
			t.warning++
		}
	}
	return t
}

// forComparison drops what the report does not read of the earlier date:
// it compares segment counts and stages, not values.
func (s *snapshot) forComparison() {
	s.rfm, s.values, s.tiers, s.model, s.spend = nil, nil, nil, nil, nil
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
	segOrder map[string][]string // segment names in priority order, by segmentation
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

// loop runs the CRM loop: the analysis a quarter ago and now (each saving
// its segment snapshots), the lifecycle tracker over both, a month on the
// complaint desk and the key account's roadmap.
func loop(ctx context.Context, src *source, p *progress) (*result, error) {
	res := &result{source: src.name, resumed: src.resumed, segOrder: map[string][]string{}}
	for _, def := range segmentations() {
		for _, seg := range def.Segments {
			res.segOrder[def.Name] = append(res.segOrder[def.Name], seg.Name)
		}
		// A resumed database has the definitions already.
		if _, err := src.segments.CreateSegmentation(ctx, *def); err != nil && !errors.Is(err, crm.ErrExists) {
			return nil, err
		}
	}
	done := p.step(fmt.Sprintf("analysing the portfolio as of %s and a quarter earlier", src.asOf.Format("2006-01-02")))
	// One date after the other: each analysis spreads its own work over
	// the processors, and the earlier date's records are freed before the
	// later one's are built.
	var err error
	if res.then, err = analyse(ctx, src, src.asOf.Add(-quarter)); err != nil {
		return nil, err
	}
	res.then.forComparison()
	if res.now, err = analyse(ctx, src, src.asOf); err != nil {
		return nil, err
	}
	done()
	// What changed this quarter, from the saved snapshots, as a host
	// would compare this run's segments with an earlier run's.
	before, err := src.segments.Snapshot(ctx, "rfm", res.then.asOf)
	if err != nil {
		return nil, err
	}
	after, err := src.segments.Snapshot(ctx, "rfm", res.now.asOf)
	if err != nil {
		return nil, err
	}
	res.rfmDiff = segment.Diff(before, after)

	done = p.step("tracking lifecycle stages")
	if err := track(ctx, src, res); err != nil {
		return nil, err
	}
	res.then.stages = nil
	done()

	done = p.step("running a month on the complaint desk")
	if res.desk, err = simulateDesk(ctx, src, res.now); err != nil {
		return nil, err
	}
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
// classifier as they stream. The memberships are saved as snapshots.
func analyse(ctx context.Context, src *source, asOf time.Time) (*snapshot, error) {
	s := &snapshot{asOf: asOf, segments: map[string]*segment.Membership{}}
	sums, err := scoring.Summarize(ctx, until(src.transactions(ctx), asOf), asOf, nil)
	if err != nil {
		return nil, err
	}
	if len(sums) == 0 {
		return nil, fmt.Errorf("no customer bought anything before %s", asOf.Format("2006-01-02"))
	}
	s.buyers, s.currency = len(sums), sums[0].Currency
	for i := range sums {
		s.revenue = s.revenue.Add(sums[i].Total)
		s.purchases += sums[i].Count
	}
	if s.rfm, s.cuts, err = scoring.RFM(sums, nil); err != nil {
		return nil, err
	}
	rows := scoring.Compress(sums)
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
	if s.spend, err = scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil); err != nil {
		return nil, err
	}
	if s.values, err = scoring.CustomerValues(ctx, s.model, s.spend, sums, &scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01, UnitsPerMonth: scoring.DaysPerMonth}); err != nil {
		return nil, err
	}
	if s.tiers, err = scoring.TiersByCLV(s.values, scoring.DefaultTiers()); err != nil {
		return nil, err
	}
	scores := segment.Scores{Summaries: sums, RFM: s.rfm, Values: s.values, Tiering: s.tiers}
	churn, err := lifecycle.Churn(ctx, until(src.transactions(ctx), asOf), scores, asOf, nil)
	if err != nil {
		return nil, err
	}
	s.churn = tallyChurn(churn)

	schema := lifecycle.Schema()
	classifier, err := lifecycle.NewClassifier(schema, nil)
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
	s.stages = make([]lifecycle.Classification, 0, len(sums)+len(sums)/4)
	customers := signedUpBy(src.customers(ctx), asOf)
	for p, err := range lifecycle.StageProfiles(ctx, customers, lifecycle.Inputs{Scores: scores, Churn: churn}, schema, asOf) {
		if err != nil {
			return nil, err
		}
		s.customers++
		for _, a := range assigners {
			if err := a.Add(s.segments[a.Segmentation().Name], p); err != nil {
				return nil, err
			}
		}
		if cl, ok := classifier.Classify(p); ok {
			s.stages = append(s.stages, cl)
		}
	}
	// Save the snapshots (a resumed database has them) and keep only the
	// counts.
	for _, m := range s.segments {
		if err := src.segments.AppendSnapshot(ctx, m); err != nil && !errors.Is(err, crm.ErrExists) {
			return nil, err
		}
		m.Members = nil
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
	tracker, err := lifecycle.NewTracker(src.lifecycle, nil)
	if err != nil {
		return err
	}
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
	// Every move up to then gives the stages customers were in then.
	upToThen, err := lifecycle.Flows(ctx, src.lifecycle, time.Time{}, then)
	if err != nil {
		return err
	}
	moves, err := lifecycle.Flows(ctx, src.lifecycle, then, now)
	if err != nil {
		return err
	}
	stay := map[string]int{}
	for _, f := range upToThen {
		stay[f.To] += f.Count
		if f.From != "" {
			stay[f.From] -= f.Count
		}
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
