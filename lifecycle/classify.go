package lifecycle

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/join"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// Lifecycle profile fields, added to segment.DefaultSchema by Schema.
var fields = []segment.Field{
	{Name: "churned", Type: segment.Bool, Description: "absolute churn: no purchase for too long, or P(alive) too low"},
	{Name: "at_risk", Type: segment.Bool, Description: "relative churn (spend falling against the customer's own past) or an early warning"},
	{Name: "gap_ratio", Type: segment.Number, Description: "days since the last purchase over the customer's typical gap"},
	{Name: "typical_gap_days", Type: segment.Number, Description: "the customer's mean days between purchase periods"},
	{Name: "spend_change", Type: segment.Number, Description: "change of spend rate, recent window against baseline (−0.6 = down 60%)"},
	{Name: "referrals", Type: segment.Number, Description: "customers referred (advocacy)"},
	{Name: "nps", Type: segment.Number, Description: "latest likelihood-to-recommend answer, 0–10"},
	{Name: "previous_stage", Type: segment.String, Description: "the stage the tracker last recorded"},
}

// Schema is segment.DefaultSchema with the lifecycle fields: churned,
// at_risk, gap_ratio, typical_gap_days, spend_change, referrals, nps and
// previous_stage.
func Schema() *segment.Schema {
	s, err := segment.DefaultSchema().With(fields...)
	if err != nil {
		panic(err) // the fields are valid
	}
	return s
}

// ChurnPolicy sets the churn thresholds. The zero value means the defaults.
type ChurnPolicy struct {
	// GapMultiple: absolute churn when the days since the last purchase
	// reach this multiple of the customer's typical gap between purchases
	// (default 3). Customers with one purchase period have no typical gap;
	// they have churned after SingleBuyerDays (default 365).
	GapMultiple float64
	// SingleBuyerDays is when a customer with one purchase period has churned
	// (default 365).
	SingleBuyerDays float64
	// MinPAlive: absolute churn when P(alive) is below it (default 0.2).
	MinPAlive float64
	// IgnorePAlive decides churn by purchase gaps alone, even when values
	// give each customer's P(alive).
	IgnorePAlive bool
	// Relative churn compares the rate of the Recent window (default 90
	// days up to asOf) with the Baseline window just before it (default 180
	// days): churn when it fell by at least Drop (default 0.5 = 50%). The
	// rate is of spend, or of purchases when Measure is ByPurchases.
	Recent, Baseline time.Duration
	// Drop is the fall of the rate, against the baseline, that is relative
	// churn (default 0.5).
	Drop float64
	// Measure is what the rate counts: spend (default) or purchases.
	Measure Measure
	// Early warnings (at risk): the gap ratio reaches WarnGapMultiple
	// (default 1.5) or P(alive) is below WarnPAlive (default 0.5).
	WarnGapMultiple float64
	// WarnPAlive is the P(alive) below which a warning is raised (default
	// 0.5).
	WarnPAlive float64
}

// Measure is what relative churn compares.
type Measure string

// Measures.
const (
	BySpend     Measure = "spend"
	ByPurchases Measure = "purchases"
)

func (p ChurnPolicy) withDefaults() ChurnPolicy {
	if p.Measure == "" {
		p.Measure = BySpend
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.GapMultiple, 3)
	def(&p.SingleBuyerDays, 365)
	def(&p.MinPAlive, 0.2)
	def(&p.Drop, 0.5)
	def(&p.WarnGapMultiple, 1.5)
	def(&p.WarnPAlive, 0.5)
	if p.Recent == 0 {
		p.Recent = 90 * 24 * time.Hour
	}
	if p.Baseline == 0 {
		p.Baseline = 180 * 24 * time.Hour
	}
	return p
}

// ChurnSignal is one buying customer's churn assessment, with reasons and
// the value at stake.
type ChurnSignal struct {
	// CustomerID is the customer signalled.
	CustomerID string `json:"customer_id"`
	// Absolute churn: stopped buying. Relative churn: still buying, but
	// spending much less than before. Warning: early signs.
	Absolute bool `json:"absolute"`
	// Relative is set for relative churn: still buying, much less than before.
	Relative bool `json:"relative"`
	// Warning is set for early signs of churn.
	Warning bool `json:"warning"`
	// Reasons say in words what was found.
	Reasons []string `json:"reasons,omitempty"`
	// GapRatio is days since the last purchase over TypicalGapDays (0 for
	// customers with one purchase period).
	GapRatio float64 `json:"gap_ratio"`
	// TypicalGapDays is the customer's mean days between purchase periods.
	TypicalGapDays float64 `json:"typical_gap_days"`
	// DaysSince is the days since the last purchase.
	DaysSince float64 `json:"days_since"`
	// Valued says values were given for the customer: PAlive and AtStake
	// are read only then.
	Valued bool `json:"valued"`
	// PAlive is the customer's P(alive).
	PAlive float64 `json:"p_alive"`
	// RecentSpend and BaselineSpend are the windows' spend, and
	// RecentPurchases and BaselinePurchases their purchases; Change is the
	// relative change of the policy's measure per day (−1 = stopped), 0
	// without a baseline.
	RecentSpend float64 `json:"recent_spend"`
	// BaselineSpend is the baseline window's spend.
	BaselineSpend float64 `json:"baseline_spend"`
	// RecentPurchases counts the recent window's purchases.
	RecentPurchases int `json:"recent_purchases"`
	// BaselinePurchases counts the baseline window's purchases.
	BaselinePurchases int `json:"baseline_purchases"`
	// Change is the relative change of the measure's daily rate (−1:
	// stopped), 0 without a baseline.
	Change float64 `json:"change"`
	// AtStake is the customer's CLV when values were given.
	AtStake crm.Money `json:"at_stake"`
}

// Churn assesses every customer with a summary: absolute churn (no purchase
// for GapMultiple typical gaps, or P(alive) below MinPAlive), relative
// churn (the spend rate in the recent window down by Drop or more against
// the customer's own baseline window) and early warnings. txs supplies the
// window spends (any order; refunds count negative); scores gives the
// summaries and, optionally, CLV and P(alive).
func Churn(ctx context.Context, txs iter.Seq2[crm.Transaction, error], scores segment.Scores, asOf time.Time, options *ChurnPolicy) ([]ChurnSignal, error) {
	var policy ChurnPolicy
	if options != nil {
		policy = *options
	}
	p := policy.withDefaults()
	if p.Drop <= 0 || p.Drop > 1 || p.GapMultiple <= 0 || p.Recent < 0 || p.Baseline < 0 || (p.Measure != BySpend && p.Measure != ByPurchases) {
		return nil, fmt.Errorf("lifecycle: churn policy: drop %v must be in (0, 1], gap multiple %v positive, windows positive, measure %q spend or purchases: %w",
			p.Drop, p.GapMultiple, p.Measure, crm.ErrInvalid)
	}
	recentStart := asOf.Add(-p.Recent)
	baseStart := recentStart.Add(-p.Baseline)
	// Per customer, by summary: recent spend, baseline spend, recent and
	// baseline purchases. Transactions come grouped by customer, so the
	// summary is found once per group.
	sums := join.New(scores.Summaries, func(s *scoring.Summary) string { return s.CustomerID })
	windows := make([][4]float64, len(scores.Summaries))
	current, at, started := "", -1, false
	for tx, err := range crm.WithContext(ctx, txs) {
		if err != nil {
			return nil, err
		}
		if !started || tx.CustomerID != current {
			current, at, started = tx.CustomerID, sums.Find(tx.CustomerID), true
		}
		if at < 0 || tx.Time.After(asOf) || !tx.Time.After(baseStart) {
			continue
		}
		w := &windows[at]
		amount := tx.SignedAmount().InexactFloat64()
		k := 1
		if tx.Time.After(recentStart) {
			k = 0
		}
		w[k] += amount
		if tx.Kind == crm.Purchase {
			w[2+k]++
		}
	}
	values := join.New(scores.Values, func(v *scoring.CustomerValue) string { return v.CustomerID })
	out := make([]ChurnSignal, 0, len(scores.Summaries))
	for i, s := range scores.Summaries {
		c := ChurnSignal{CustomerID: s.CustomerID}
		c.DaysSince = asOf.Sub(s.Last).Hours() / 24
		if s.Frequency > 0 {
			c.TypicalGapDays = s.Last.Sub(s.First).Hours() / 24 / float64(s.Frequency)
			if c.TypicalGapDays > 0 {
				c.GapRatio = c.DaysSince / c.TypicalGapDays
			}
		}
		if k := values.Find(s.CustomerID); k >= 0 {
			c.Valued, c.PAlive, c.AtStake = true, scores.Values[k].Alive, scores.Values[k].CLV
		}
		w := windows[i]
		c.RecentSpend, c.BaselineSpend = w[0], w[1]
		c.RecentPurchases, c.BaselinePurchases = int(w[2]), int(w[3])
		recent, base := w[0], w[1]
		if p.Measure == ByPurchases {
			recent, base = w[2], w[3]
		}
		if base > 0 && p.Baseline > 0 && p.Recent > 0 {
			c.Change = (recent/p.Recent.Hours())/(base/p.Baseline.Hours()) - 1
		}
		switch {
		case s.Frequency > 0 && c.GapRatio >= p.GapMultiple:
			c.Absolute = true
			c.Reasons = append(c.Reasons, fmt.Sprintf("no purchase for %.0f days, %.1f times the usual %.0f", c.DaysSince, c.GapRatio, c.TypicalGapDays))
		case s.Frequency == 0 && c.DaysSince >= p.SingleBuyerDays:
			c.Absolute = true
			c.Reasons = append(c.Reasons, fmt.Sprintf("one purchase, %.0f days ago", c.DaysSince))
		}
		if c.Valued && !p.IgnorePAlive && c.PAlive < p.MinPAlive {
			c.Absolute = true
			c.Reasons = append(c.Reasons, fmt.Sprintf("P(alive) %.2f below %.2f", c.PAlive, p.MinPAlive))
		}
		if base > 0 && c.Change <= -p.Drop {
			c.Relative = true
			c.Reasons = append(c.Reasons, fmt.Sprintf("%s rate down %.0f%% against the previous %.0f days", p.Measure, -100*c.Change, p.Baseline.Hours()/24))
		}
		if !c.Absolute {
			if s.Frequency > 0 && c.GapRatio >= p.WarnGapMultiple {
				c.Warning = true
				c.Reasons = append(c.Reasons, fmt.Sprintf("overdue: %.1f times the usual gap", c.GapRatio))
			}
			if c.Valued && !p.IgnorePAlive && c.PAlive < p.WarnPAlive {
				c.Warning = true
				c.Reasons = append(c.Reasons, fmt.Sprintf("P(alive) %.2f below %.2f", c.PAlive, p.WarnPAlive))
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Advocacy is what a host knows of a customer's advocacy.
type Advocacy struct {
	// Referrals counts the customers this one referred.
	Referrals int
	// NPSAnswered says the customer answered the likelihood-to-recommend
	// question; NPS is the answer, 0–10, and is read only then. A customer
	// never asked has no nps in the profile (not a 0, which would make
	// them a detractor).
	NPSAnswered bool
	// NPS is the answer, 0–10, read only when NPSAnswered.
	NPS float64
}

// Inputs are everything a lifecycle profile is built from.
type Inputs struct {
	// Scores are the scoring run's results.
	Scores segment.Scores
	// Churn are the churn signals, from Churn.
	Churn []ChurnSignal
	// Previous maps each customer to the stage recorded before this
	// classification: Tracker.Stages(ctx, asOf) reads it from the tracker's
	// store. Without it "reactivated" never fires.
	Previous map[string]string
	// Advocacy is what is known of each customer's advocacy, by customer ID.
	Advocacy map[string]Advocacy
}

// StageProfiles streams lifecycle profiles (of Schema, or any schema that
// extends it) built from the customers, the scoring run, churn signals,
// previous stages and advocacy.
func StageProfiles(ctx context.Context, customers iter.Seq2[crm.Customer, error], in Inputs, schema *segment.Schema, asOf time.Time) iter.Seq2[*segment.Profile, error] {
	return func(yield func(*segment.Profile, error) bool) {
		churn := join.New(in.Churn, func(c *ChurnSignal) string { return c.CustomerID })
		for p, err := range segment.Profiles(ctx, customers, in.Scores, schema, asOf) {
			if err != nil {
				yield(nil, err)
				return
			}
			id := p.CustomerID
			var errs []error
			set := func(err error) {
				if err != nil {
					errs = append(errs, fmt.Errorf("%w (the schema must extend lifecycle.Schema)", err))
				}
			}
			bad := func(format string, args ...any) {
				errs = append(errs, fmt.Errorf(format+": %w", append(args, crm.ErrInvalid)...))
			}
			var c *ChurnSignal
			if k := churn.Find(id); k >= 0 {
				c = &in.Churn[k]
			}
			set(p.SetBool("churned", c != nil && c.Absolute))
			set(p.SetBool("at_risk", c != nil && (c.Relative || c.Warning)))
			if c != nil {
				set(p.SetNumber("gap_ratio", c.GapRatio))
				set(p.SetNumber("typical_gap_days", c.TypicalGapDays))
				if c.BaselineSpend > 0 {
					set(p.SetNumber("spend_change", c.Change))
				}
			}
			if a, ok := in.Advocacy[id]; ok {
				if a.Referrals < 0 {
					bad("referrals %d is negative", a.Referrals)
				}
				set(p.SetNumber("referrals", float64(a.Referrals)))
				if a.NPSAnswered {
					if !(a.NPS >= 0 && a.NPS <= 10) {
						bad("nps %v is not an answer from 0 to 10", a.NPS)
					}
					set(p.SetNumber("nps", a.NPS))
				}
			}
			if s, ok := in.Previous[id]; ok {
				set(p.SetString("previous_stage", s))
			}
			if len(errs) > 0 {
				yield(nil, &crm.ValidationError{Package: "lifecycle", What: fmt.Sprintf("profile of %q", id), Problems: errs})
				return
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// Classification is a customer's stage at a time, with the rule that put
// them there.
type Classification struct {
	// CustomerID is the customer classified.
	CustomerID string `json:"customer_id"`
	// Stage is the stage the rules gave.
	Stage string `json:"stage"`
	// Reason is the rule that matched.
	Reason string `json:"reason"`
	// AsOf is the observation time of the profile classified.
	AsOf time.Time `json:"as_of"`
}

// Classifier decides stages by a policy's rules.
type Classifier struct {
	policy   *Policy
	assigner *segment.Assigner
	index    map[string]int // stage name → position in the policy
	rules    []string       // by stage order
}

// NewClassifier compiles the options' policy's rules against the schema
// of the profiles it will classify (Schema, or one that extends it),
// reporting every problem.
func NewClassifier(schema *segment.Schema, opt *Options) (*Classifier, error) {
	if schema == nil {
		return nil, fmt.Errorf("lifecycle: new classifier: nil schema (lifecycle.Schema() describes the profiles of StageProfiles): %w", crm.ErrInvalid)
	}
	policy, err := opt.policy()
	if err != nil {
		return nil, err
	}
	seg := &segment.Segmentation{Name: "lifecycle", Mode: segment.Exclusive}
	c := &Classifier{policy: policy}
	for i, s := range policy.Stages {
		seg.Segments = append(seg.Segments, segment.Segment{Name: s.Name, Priority: i, Rule: s.Rule})
		c.rules = append(c.rules, s.Rule)
	}
	a, err := seg.Compile(schema)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: %w", err)
	}
	c.assigner = a
	c.index = make(map[string]int, len(policy.Stages))
	for i, s := range policy.Stages {
		c.index[s.Name] = i
	}
	return c, nil
}

// Classify returns the profile's stage: the first stage whose rule
// matches, or false when none does (as for a profile whose schema lacks a
// field the rules read: ClassifyAll reports that as an error).
func (c *Classifier) Classify(p *segment.Profile) (Classification, bool) {
	names := c.assigner.Match(p)
	if len(names) == 0 {
		return Classification{}, false
	}
	k := c.index[names[0]]
	return Classification{CustomerID: p.CustomerID, Stage: c.policy.Stages[k].Name, Reason: c.rules[k], AsOf: p.AsOf}, true
}

// ClassifyAll classifies a stream of profiles; profiles no stage matches
// are left out.
func (c *Classifier) ClassifyAll(ctx context.Context, profiles iter.Seq2[*segment.Profile, error]) ([]Classification, error) {
	var out []Classification
	var last *segment.Schema
	for p, err := range crm.WithContext(ctx, profiles) {
		if err != nil {
			return nil, err
		}
		if p == nil || p.Schema() != last {
			if err := c.assigner.Check(p); err != nil {
				return nil, fmt.Errorf("lifecycle: classify: %w", err)
			}
			last = p.Schema()
		}
		if cl, ok := c.Classify(p); ok {
			out = append(out, cl)
		}
	}
	return out, nil
}
