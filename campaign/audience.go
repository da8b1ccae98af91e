package campaign

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/segment"
)

// Audience says who a campaign is for. Every part set must hold (a stage
// and a rule: customers in the stage the rule matches); Customers alone
// is a list; Exclude takes customers out.
type Audience struct {
	// Stages are lifecycle stages the customer must be in (any of them).
	Stages []string `json:"stages,omitempty"`
	// Entered are lifecycle stages the customer must have entered since
	// the run before (TargetSources.Before): a transition starts the
	// campaign ("at_risk": a welcome-back call to whoever just became at
	// risk).
	Entered []string `json:"entered,omitempty"`
	// Rule is a segment rule over the loop's results (cycle.ResultSchema:
	// stage, previous_stage, tier, churn, clv, p_alive, rfm_segment, …).
	Rule string `json:"rule,omitempty"`
	// Moment names a lifecycle moment: customers with an occurrence of it.
	Moment string `json:"moment,omitempty"`
	// Customers, when set, is the list of customers it may reach.
	Customers []string `json:"customers,omitempty"`
	// Exclude is a segment rule over the same results taking customers
	// out ("churn = \"absolute\"").
	Exclude string `json:"exclude,omitempty"`
}

// TargetSources are what a campaign's targets are made from.
type TargetSources struct {
	// Customers holds the records. Required.
	Customers crm.CustomerStore
	// Results are the loop's results and AsOf the run read (the run
	// before it gives previous_stage and previous_tier). Required for
	// Stages, Rule and Exclude.
	Results cycle.ResultStore
	// AsOf is the run's observation time.
	AsOf time.Time
	// Before, when set, is the run before AsOf.
	Before time.Time
	// Occurrences are the moments due (lifecycle.Due), for Moment.
	Occurrences []lifecycle.Occurrence
	// Data, when set, gives each target's play data besides the
	// customer's own (an offer, the product that goes with the last
	// purchase); it is called with the customer and the result.
	Data func(c crm.Customer, r cycle.Result) map[string]any
}

// Targets streams a campaign's audience, by customer ID, as targets for
// Run: each customer its parts select, with the stage from the run's
// result and the data from src.Data. A rule that does not compile is an
// error naming it.
func Targets(ctx context.Context, a Audience, src TargetSources) iter.Seq2[Target, error] {
	return func(yield func(Target, error) bool) {
		fail := func(err error) { yield(Target{}, err) }
		if src.Customers == nil {
			fail(&crm.FieldError{Field: "sources.customers", Problem: "required"})
			return
		}
		match, err := compileAudienceRule(a.Rule, "rule")
		if err != nil {
			fail(err)
			return
		}
		exclude, err := compileAudienceRule(a.Exclude, "exclude")
		if err != nil {
			fail(err)
			return
		}
		var due map[string]bool
		if a.Moment != "" {
			due = map[string]bool{}
			for _, o := range src.Occurrences {
				if o.Moment == a.Moment {
					due[o.CustomerID] = true
				}
			}
		}
		var list map[string]bool
		if a.Customers != nil {
			list = map[string]bool{}
			for _, id := range a.Customers {
				list[id] = true
			}
		}
		emit := func(id string, r cycle.Result) bool {
			c, err := src.Customers.Customer(ctx, id)
			if err != nil {
				yield(Target{}, fmt.Errorf("campaign: target %q: %w", id, err))
				return false
			}
			t := Target{Customer: c, Stage: r.Stage}
			if src.Data != nil {
				t.Data = src.Data(c, r)
			}
			return yield(t, nil)
		}
		needResults := len(a.Stages) > 0 || len(a.Entered) > 0 || match != nil || exclude != nil
		if !needResults {
			// A list or a moment: no results needed.
			ids := make([]string, 0, len(list)+len(due))
			for id := range list {
				if due == nil || due[id] {
					ids = append(ids, id)
				}
			}
			if list == nil {
				for id := range due {
					ids = append(ids, id)
				}
			}
			slices.Sort(ids)
			for _, id := range ids {
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				r := cycle.Result{CustomerID: id}
				if src.Results != nil && !src.AsOf.IsZero() {
					if got, err := src.Results.Result(ctx, id, src.AsOf); err == nil {
						r = got
					}
				}
				if !emit(id, r) {
					return
				}
			}
			return
		}
		if src.Results == nil {
			fail(&crm.FieldError{Field: "sources.results", Problem: "required for stages, entered stages and rules"})
			return
		}
		for pr, err := range cycle.ResultProfiles(ctx, src.Results, src.AsOf, src.Before) {
			if err != nil {
				fail(err)
				return
			}
			p, id := pr.Profile, pr.Profile.CustomerID
			if (list != nil && !list[id]) || (due != nil && !due[id]) {
				continue
			}
			stage, _ := p.Get("stage")
			if len(a.Stages) > 0 && !slices.Contains(a.Stages, fmt.Sprint(stage)) {
				continue
			}
			if len(a.Entered) > 0 {
				prev, _ := p.Get("previous_stage")
				if !slices.Contains(a.Entered, fmt.Sprint(stage)) || prev == stage {
					continue
				}
			}
			if (match != nil && !match.Match(p)) || (exclude != nil && exclude.Match(p)) {
				continue
			}
			if !emit(id, pr.Result) {
				return
			}
		}
	}
}

func compileAudienceRule(text, field string) (*segment.Matcher, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	rule, err := segment.Parse(text)
	if err == nil {
		var m *segment.Matcher
		if m, err = segment.Compile(rule, cycle.ResultSchema()); err == nil {
			return m, nil
		}
	}
	return nil, &crm.ValidationError{Package: "campaign", What: "audience", Problems: []error{&crm.FieldError{Field: field, Problem: err.Error()}}}
}
