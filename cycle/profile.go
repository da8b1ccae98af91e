package cycle

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/crmkit/crm/segment"
)

// ResultSchema is what a rule over the loop's results reads: each
// customer's result of a run and the one before it.
//
//	stage, previous_stage    lifecycle stage at the run and at the run before
//	tier, previous_tier      value tier at the run and at the run before
//	churn                    "absolute", "relative", "warning" (absent: none)
//	clv, at_stake            lifetime value and the CLV at stake, in the currency
//	p_alive                  probability the customer is still active
//	rfm_cell, rfm_segment    the RFM cell ("545") and its segment ("Champions")
//	buyer                    has bought
//
// A field the result lacks (no run before, a prospect's CLV) is missing,
// and a comparison with it is neither true nor false: a rule matches
// only customers it can decide.
func ResultSchema() *segment.Schema {
	s, err := segment.NewSchema(
		segment.Field{Name: "stage", Type: segment.String, Description: "lifecycle stage at this run"},
		segment.Field{Name: "previous_stage", Type: segment.String, Description: "lifecycle stage at the run before"},
		segment.Field{Name: "tier", Type: segment.String, Description: "value tier at this run"},
		segment.Field{Name: "previous_tier", Type: segment.String, Description: "value tier at the run before"},
		segment.Field{Name: "churn", Type: segment.String, Description: "absolute, relative or warning"},
		segment.Field{Name: "clv", Type: segment.Number, Description: "lifetime value over the horizon"},
		segment.Field{Name: "at_stake", Type: segment.Number, Description: "CLV at stake when churning"},
		segment.Field{Name: "p_alive", Type: segment.Number, Description: "probability the customer is still active"},
		segment.Field{Name: "rfm_cell", Type: segment.String, Description: "the RFM cell"},
		segment.Field{Name: "rfm_segment", Type: segment.String, Description: "the RFM cell's segment"},
		segment.Field{Name: "buyer", Type: segment.Bool, Description: "has bought"},
	)
	if err != nil {
		panic(err) // the fields are valid
	}
	return s
}

// ResultProfile is a customer's result as a profile of ResultSchema
// (schema must be ResultSchema or extend it), with the customer's result
// of the run before when there was one (prev nil otherwise).
func ResultProfile(schema *segment.Schema, r Result, prev *Result) (*segment.Profile, error) {
	p := schema.NewProfile(r.CustomerID, r.AsOf)
	var errs []error
	str := func(name, v string) {
		if v != "" {
			errs = append(errs, p.SetString(name, v))
		}
	}
	str("stage", r.Stage)
	str("tier", r.Tier)
	str("churn", r.Churn)
	str("rfm_cell", r.RFMCell)
	str("rfm_segment", r.RFMSegment)
	errs = append(errs, p.SetBool("buyer", r.Buyer))
	if r.Valued {
		errs = append(errs, p.SetNumber("clv", r.CLV.Amount.InexactFloat64()), p.SetNumber("p_alive", r.PAlive))
	}
	if r.Churn == "absolute" || r.Churn == "relative" {
		errs = append(errs, p.SetNumber("at_stake", r.AtStake.Amount.InexactFloat64()))
	}
	if prev != nil {
		str("previous_stage", prev.Stage)
		str("previous_tier", prev.Tier)
	}
	return p, errors.Join(errs...)
}

// Profiled is a customer's result of a run with its profile.
type Profiled struct {
	// Result is the customer's result of the run.
	Result Result
	// Profile is the result as a profile of ResultSchema.
	Profile *segment.Profile
}

// ResultProfiles streams a run's results with their profiles
// (ResultProfile), each with the customer's result of the run before
// (before zero: none), by customer ID. Both runs are streamed side by
// side.
func ResultProfiles(ctx context.Context, store ResultStore, asOf, before time.Time) iter.Seq2[Profiled, error] {
	return func(yield func(Profiled, error) bool) {
		schema := ResultSchema()
		prevs := func(func(Result, error) bool) {}
		if !before.IsZero() {
			prevs = store.ResultsAt(ctx, before)
		}
		next, stop := iter.Pull2(iter.Seq2[Result, error](prevs))
		defer stop()
		prev, prevErr, prevOK := next()
		for r, err := range store.ResultsAt(ctx, asOf) {
			if err != nil {
				yield(Profiled{}, err)
				return
			}
			for prevOK && prevErr == nil && prev.CustomerID < r.CustomerID {
				prev, prevErr, prevOK = next()
			}
			if prevErr != nil {
				yield(Profiled{}, prevErr)
				return
			}
			var pp *Result
			if prevOK && prev.CustomerID == r.CustomerID {
				pp = &prev
			}
			p, err := ResultProfile(schema, r, pp)
			if !yield(Profiled{Result: r, Profile: p}, err) || err != nil {
				return
			}
		}
	}
}
