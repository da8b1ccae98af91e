package segment

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// Built-in profile fields, filled by Profiles from the customer record and
// a scoring run.
var builtinFields = []Field{
	{"customer_id", String, "the customer's ID"},
	{"country", String, "ISO 3166 country code"},
	{"region", String, "the host's region"},
	{"age_band", String, "age band, such as 25-34"},
	{"signup_channel", String, "channel the customer signed up on"},
	{"signup_date", Time, "when the customer record was created"},
	{"tags", StringSet, "the customer's tags"},
	{"style", String, "relationship style: automated or personal"},
	{"account_manager", String, "the accountable manager, if any"},
	{"do_not_contact", Bool, "the customer asked not to be contacted"},
	{"purchases", Number, "purchases so far (0 for prospects)"},
	{"total_spend", Number, "spend so far, net of refunds (0 for prospects)"},
	{"frequency", Number, "repeat purchase periods (missing for prospects)"},
	{"recency_days", Number, "days since the last purchase (missing for prospects)"},
	{"tenure_days", Number, "days since the first purchase (missing for prospects)"},
	{"monetary", Number, "mean spend of the repeat periods (missing for prospects)"},
	{"first_purchase", Time, "first purchase (missing for prospects)"},
	{"last_purchase", Time, "last purchase (missing for prospects)"},
	{"clv", Number, "expected value over the CLV horizon (when values were computed)"},
	{"p_alive", Number, "probability the customer is still active (when values were computed)"},
	{"r_score", Number, "RFM recency score (when RFM was computed)"},
	{"f_score", Number, "RFM frequency score"},
	{"m_score", Number, "RFM monetary score"},
	{"rfm_cell", String, "RFM cell, such as 545"},
	{"tier", String, "value tier, such as Platinum (when tiers were assigned)"},
}

// DefaultSchema returns the built-in profile fields. Add the host's custom
// attributes with Schema.With; Profiles fills a field that is not built in
// from the customer attribute of the same name.
func DefaultSchema() *Schema {
	s, err := NewSchema(builtinFields...)
	if err != nil {
		panic(err) // the built-in fields are valid
	}
	return s
}

// Scores is a scoring run's results, matched to customers by ID. Any part
// may be empty; the fields it would fill stay missing.
type Scores struct {
	Summaries []scoring.Summary
	RFM       []scoring.RFMScore
	Values    []scoring.CustomerValue
	Tiers     map[string]string // customer ID → tier name
}

// Profiles streams one profile per customer, built against schema at asOf
// from the customer record and the scoring results: the one call from
// stores and a scoring run to what rules read. A custom field (one not
// built in) is read from the customer's attribute of that name, which must
// have the field's type (number, string, bool or time).
func Profiles(ctx context.Context, customers iter.Seq2[crm.Customer, error], scores Scores, schema *Schema, asOf time.Time) iter.Seq2[*Profile, error] {
	return func(yield func(*Profile, error) bool) {
		sums := make(map[string]*scoring.Summary, len(scores.Summaries))
		for i := range scores.Summaries {
			sums[scores.Summaries[i].CustomerID] = &scores.Summaries[i]
		}
		rfm := make(map[string]*scoring.RFMScore, len(scores.RFM))
		for i := range scores.RFM {
			rfm[scores.RFM[i].CustomerID] = &scores.RFM[i]
		}
		values := make(map[string]*scoring.CustomerValue, len(scores.Values))
		for i := range scores.Values {
			values[scores.Values[i].CustomerID] = &scores.Values[i]
		}
		builtin := map[string]bool{}
		for _, f := range builtinFields {
			builtin[f.Name] = true
		}
		for c, err := range crm.WithContext(ctx, customers) {
			if err != nil {
				yield(nil, err)
				return
			}
			p := schema.NewProfile(c.ID, asOf)
			set := &profileSetter{p: p}
			set.str("customer_id", c.ID)
			set.str("country", c.Demographics.Country)
			set.str("region", c.Demographics.Region)
			set.str("age_band", c.Demographics.AgeBand)
			set.str("signup_channel", string(c.Demographics.SignupChannel))
			set.time("signup_date", c.CreatedAt)
			set.strings("tags", c.Tags)
			set.str("style", string(c.Preferences.Style))
			set.str("account_manager", c.Preferences.AccountManager)
			set.bool("do_not_contact", c.Preferences.DoNotContact)
			set.num("purchases", 0)
			set.num("total_spend", 0)
			if s := sums[c.ID]; s != nil {
				set.num("purchases", float64(s.Count))
				set.num("total_spend", s.Total.InexactFloat64())
				set.num("frequency", float64(s.Frequency))
				set.num("recency_days", math.Floor(asOf.Sub(s.Last).Hours()/24))
				set.num("tenure_days", math.Floor(asOf.Sub(s.First).Hours()/24))
				set.num("monetary", s.Monetary)
				set.time("first_purchase", s.First)
				set.time("last_purchase", s.Last)
			}
			if v := values[c.ID]; v != nil {
				set.num("clv", v.CLV.Amount.InexactFloat64())
				set.num("p_alive", v.Alive)
			}
			if r := rfm[c.ID]; r != nil {
				set.num("r_score", float64(r.R))
				set.num("f_score", float64(r.F))
				set.num("m_score", float64(r.M))
				set.str("rfm_cell", r.Cell)
			}
			if t, ok := scores.Tiers[c.ID]; ok {
				set.str("tier", t)
			}
			for i, f := range schema.fields {
				if builtin[f.Name] {
					continue
				}
				v, ok := c.Attributes[f.Name]
				if !ok {
					continue
				}
				if err := setAttribute(p, i, f, v); err != nil {
					set.err = fmt.Errorf("segment: profile of customer %q: %w", c.ID, err)
				}
			}
			if set.err != nil {
				yield(nil, set.err)
				return
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// profileSetter sets built-in fields the schema has, skipping empty
// strings and zero times (they stay missing).
type profileSetter struct {
	p   *Profile
	err error
}

func (s *profileSetter) slot(name string) *slot {
	i, ok := s.p.schema.index[name]
	if !ok {
		return nil
	}
	return &s.p.slots[i]
}

func (s *profileSetter) str(name, v string) {
	if sl := s.slot(name); sl != nil && v != "" {
		*sl = slot{str: v, ok: true}
	}
}

func (s *profileSetter) num(name string, v float64) {
	if sl := s.slot(name); sl != nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		*sl = slot{num: v, ok: true}
	}
}

func (s *profileSetter) bool(name string, v bool) {
	if sl := s.slot(name); sl != nil {
		*sl = slot{ok: true}
		if v {
			sl.num = 1
		}
	}
}

func (s *profileSetter) time(name string, v time.Time) {
	if sl := s.slot(name); sl != nil && !v.IsZero() {
		*sl = slot{num: timeSeconds(v), ok: true}
	}
}

func (s *profileSetter) strings(name string, v []string) {
	if sl := s.slot(name); sl != nil {
		s.p.setStrings(sl, v)
	}
}

func setAttribute(p *Profile, i int, f Field, v crm.Value) error {
	sl := &p.slots[i]
	switch f.Type {
	case Number:
		if n, ok := v.Number(); ok {
			*sl = slot{num: n, ok: true}
			return nil
		}
	case String:
		if s, ok := v.Str(); ok {
			*sl = slot{str: s, ok: true}
			return nil
		}
	case Bool:
		if b, ok := v.Bool(); ok {
			*sl = slot{ok: true}
			if b {
				sl.num = 1
			}
			return nil
		}
	case Time:
		if t, ok := v.Time(); ok {
			*sl = slot{num: timeSeconds(t), ok: true}
			return nil
		}
	}
	return fmt.Errorf("attribute %q is a %s, the schema field is a %s: %w", f.Name, v.Kind(), f.Type, crm.ErrInvalid)
}
