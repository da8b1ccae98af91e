package segment

import (
	"context"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/join"
	"github.com/crmkit/crm/scoring"
)

// Built-in profile fields, filled by Profiles from the customer record and
// a scoring run, in the order of builtinFields.
const (
	fieldCustomerID = iota
	fieldCountry
	fieldRegion
	fieldAgeBand
	fieldSignupChannel
	fieldSignupDate
	fieldTags
	fieldStyle
	fieldAccountManager
	fieldDoNotContact
	fieldPreferredChannels
	fieldPurchases
	fieldTotalSpend
	fieldFrequency
	fieldRecencyDays
	fieldTenureDays
	fieldMonetary
	fieldFirstPurchase
	fieldLastPurchase
	fieldCLV
	fieldPAlive
	fieldRScore
	fieldFScore
	fieldMScore
	fieldRFMCell
	fieldTier
	numBuiltin
)

var builtinFields = [numBuiltin]Field{
	fieldCustomerID:        {"customer_id", String, "the customer's ID"},
	fieldCountry:           {"country", String, "ISO 3166 country code"},
	fieldRegion:            {"region", String, "the host's region"},
	fieldAgeBand:           {"age_band", String, "age band, such as 25-34"},
	fieldSignupChannel:     {"signup_channel", String, "channel the customer signed up on"},
	fieldSignupDate:        {"signup_date", Time, "when the customer record was created"},
	fieldTags:              {"tags", StringSet, "the customer's tags"},
	fieldStyle:             {"style", String, "relationship style: automated or personal"},
	fieldAccountManager:    {"account_manager", String, "the accountable manager, if any"},
	fieldDoNotContact:      {"do_not_contact", Bool, "the customer asked not to be contacted"},
	fieldPreferredChannels: {"preferred_channels", StringSet, "the channels the customer prefers (prefers the phone: preferred_channels contains \"phone\")"},
	fieldPurchases:         {"purchases", Number, "purchases so far (0 for prospects)"},
	fieldTotalSpend:        {"total_spend", Number, "spend so far, net of refunds (0 for prospects)"},
	fieldFrequency:         {"frequency", Number, "repeat purchase periods (missing for prospects)"},
	fieldRecencyDays:       {"recency_days", Number, "days since the last purchase (missing for prospects)"},
	fieldTenureDays:        {"tenure_days", Number, "days since the first purchase (missing for prospects)"},
	fieldMonetary:          {"monetary", Number, "mean spend of the repeat periods (missing for prospects)"},
	fieldFirstPurchase:     {"first_purchase", Time, "first purchase (missing for prospects)"},
	fieldLastPurchase:      {"last_purchase", Time, "last purchase (missing for prospects)"},
	fieldCLV:               {"clv", Number, "expected value over the CLV horizon (when values were computed)"},
	fieldPAlive:            {"p_alive", Number, "probability the customer is still active (when values were computed)"},
	fieldRScore:            {"r_score", Number, "RFM recency score (when RFM was computed)"},
	fieldFScore:            {"f_score", Number, "RFM frequency score"},
	fieldMScore:            {"m_score", Number, "RFM monetary score"},
	fieldRFMCell:           {"rfm_cell", String, "RFM cell, such as 545"},
	fieldTier:              {"tier", String, "value tier, such as Platinum (when tiers were assigned)"},
}

// DefaultSchema returns the built-in profile fields. Add the host's custom
// attributes with Schema.With; Profiles fills a field that is not built in
// from the customer attribute of the same name.
func DefaultSchema() *Schema {
	s, err := NewSchema(builtinFields[:]...)
	if err != nil {
		panic(err) // the built-in fields are valid
	}
	return s
}

// Scores is a scoring run's results, matched to customers by ID. Any part
// may be empty; the fields it would fill stay missing. In the customer
// stream's order (as a store's streams and the analyses over them give)
// the join costs no index; in any other order it still works.
type Scores struct {
	// Summaries fill purchases, frequency, recency and spend.
	Summaries []scoring.Summary
	// RFM fills the r, f and m scores and the cell.
	RFM []scoring.RFMScore
	// Values fill clv and p_alive.
	Values []scoring.CustomerValue
	// Tiering fills tier: the tiers scoring.TiersByCLV made from Values
	// (its Of is indexed like Values).
	Tiering *scoring.Tiering
	// Transactions fill the schema's windowed fields (Schema.WithWindows):
	// the customers' transactions by customer ID, as the stores stream
	// them, read once alongside the customers (which must come by ID
	// too). Required only when the schema has windows.
	Transactions iter.Seq2[crm.Transaction, error]
	// Touchpoints fill the contacts and last_contact windows, the same way:
	// by customer ID, read once alongside the customers.
	Touchpoints iter.Seq2[crm.Touchpoint, error]
	// Cases fill the open_cases windows: every case, in any order, read
	// once while the profiles start; the counts of the customers with
	// cases open at the observation time are held (memory grows with
	// them, not with all cases).
	Cases iter.Seq2[Case, error]
}

// Profiles streams one profile per customer, built against schema at asOf
// from the customer record and the scoring results: the one call from
// stores and a scoring run to what rules read. A custom field (one not
// built in) is read from the customer's attribute of that name, which must
// have the field's type (number, string, bool or time).
func Profiles(ctx context.Context, customers iter.Seq2[crm.Customer, error], scores Scores, schema *Schema, asOf time.Time) iter.Seq2[*Profile, error] {
	return func(yield func(*Profile, error) bool) {
		if schema == nil {
			yield(nil, fmt.Errorf("segment: profiles: nil schema: %w", crm.ErrInvalid))
			return
		}
		if err := checkTiering(scores); err != nil {
			yield(nil, err)
			return
		}
		b := newProfileBuilder(scores, schema, asOf)
		win, err := newWindowing(schema, &scores, asOf)
		if err != nil {
			yield(nil, err)
			return
		}
		if win != nil {
			defer win.close()
		}
		for c, err := range crm.WithContext(ctx, customers) {
			if err != nil {
				yield(nil, err)
				return
			}
			p, err := b.build(&c)
			if err == nil && win != nil {
				err = win.fill(p, c.ID)
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// checkTiering refuses a Tiering that does not fit the Values it is read
// with.
func checkTiering(scores Scores) error {
	t := scores.Tiering
	if t == nil {
		return nil
	}
	if len(t.Of) != len(scores.Values) {
		return fmt.Errorf("segment: profiles: the tiering covers %d customers, the values %d: %w", len(t.Of), len(scores.Values), crm.ErrInvalid)
	}
	for i, k := range t.Of {
		if k < 0 || k >= len(t.Reports) {
			return fmt.Errorf("segment: profiles: the tiering puts customer %d in tier %d of %d: %w", i, k, len(t.Reports), crm.ErrInvalid)
		}
	}
	return nil
}

// profileBuilder fills profiles of one schema from one scoring run. The
// schema positions of the fields are looked up once, not per customer.
type profileBuilder struct {
	scores    Scores
	schema    *Schema
	asOf      time.Time
	pos       [numBuiltin]int // schema position of each built-in field, -1 if absent
	custom    []int           // schema positions of fields read from attributes
	sums      *join.Index[scoring.Summary]
	rfm       *join.Index[scoring.RFMScore]
	values    *join.Index[scoring.CustomerValue]
	tierNames []string // tier names of scores.Tiering, by tier
}

func newProfileBuilder(scores Scores, schema *Schema, asOf time.Time) *profileBuilder {
	b := &profileBuilder{scores: scores, schema: schema, asOf: asOf,
		sums:   join.New(scores.Summaries, func(s *scoring.Summary) string { return s.CustomerID }),
		rfm:    join.New(scores.RFM, func(s *scoring.RFMScore) string { return s.CustomerID }),
		values: join.New(scores.Values, func(v *scoring.CustomerValue) string { return v.CustomerID }),
	}
	builtin := map[string]bool{}
	for k, f := range builtinFields {
		builtin[f.Name] = true
		b.pos[k] = -1
		if i, ok := schema.index[f.Name]; ok {
			b.pos[k] = i
		}
	}
	for i, f := range schema.fields {
		if !builtin[f.Name] {
			b.custom = append(b.custom, i)
		}
	}
	if scores.Tiering != nil {
		for _, r := range scores.Tiering.Reports {
			b.tierNames = append(b.tierNames, r.Tier.Name)
		}
	}
	return b
}

// build returns c's profile. Empty strings, zero times, NaN and infinite
// numbers stay missing.
func (b *profileBuilder) build(c *crm.Customer) (*Profile, error) {
	p := b.schema.NewProfile(c.ID, b.asOf)
	str := func(k int, v string) {
		if i := b.pos[k]; i >= 0 && v != "" {
			p.putStr(b.schema.pos[i], v)
		}
	}
	num := func(k int, v float64) {
		if i := b.pos[k]; i >= 0 && v-v == 0 { // not NaN or infinite
			p.nums[b.schema.pos[i]] = v
		}
	}
	at := func(k int, v time.Time) {
		if i := b.pos[k]; i >= 0 && !v.IsZero() {
			p.nums[b.schema.pos[i]] = timeSeconds(v)
		}
	}
	str(fieldCustomerID, c.ID)
	str(fieldCountry, c.Demographics.Country)
	str(fieldRegion, c.Demographics.Region)
	str(fieldAgeBand, c.Demographics.AgeBand)
	str(fieldSignupChannel, string(c.Demographics.SignupChannel))
	at(fieldSignupDate, c.CreatedAt)
	if i := b.pos[fieldTags]; i >= 0 {
		p.setStrings(b.schema.pos[i], c.Tags)
	}
	str(fieldStyle, string(c.Preferences.Style))
	str(fieldAccountManager, c.Preferences.AccountManager)
	if i := b.pos[fieldPreferredChannels]; i >= 0 {
		chs := make([]string, len(c.Preferences.Channels))
		for k, ch := range c.Preferences.Channels {
			chs[k] = string(ch)
		}
		p.setStrings(b.schema.pos[i], chs)
	}
	if i := b.pos[fieldDoNotContact]; i >= 0 {
		p.nums[b.schema.pos[i]] = boolNum(c.Preferences.DoNotContact)
	}
	num(fieldPurchases, 0)
	num(fieldTotalSpend, 0)
	if k := b.sums.Find(c.ID); k >= 0 {
		s := &b.scores.Summaries[k]
		num(fieldPurchases, float64(s.Count))
		num(fieldTotalSpend, s.Total.InexactFloat64())
		num(fieldFrequency, float64(s.Frequency))
		num(fieldRecencyDays, math.Floor(b.asOf.Sub(s.Last).Hours()/24))
		num(fieldTenureDays, math.Floor(b.asOf.Sub(s.First).Hours()/24))
		num(fieldMonetary, s.Monetary)
		at(fieldFirstPurchase, s.First)
		at(fieldLastPurchase, s.Last)
	}
	if k := b.values.Find(c.ID); k >= 0 {
		v := &b.scores.Values[k]
		num(fieldCLV, v.CLV.Amount.InexactFloat64())
		num(fieldPAlive, v.Alive)
		if b.tierNames != nil {
			str(fieldTier, b.tierNames[b.scores.Tiering.Of[k]])
		}
	}
	if k := b.rfm.Find(c.ID); k >= 0 {
		r := &b.scores.RFM[k]
		num(fieldRScore, float64(r.R))
		num(fieldFScore, float64(r.F))
		num(fieldMScore, float64(r.M))
		str(fieldRFMCell, r.Cell)
	}
	for _, i := range b.custom {
		f := b.schema.fields[i]
		v, ok := c.Attributes[f.Name]
		if !ok {
			continue
		}
		if err := setAttribute(p, i, f, v); err != nil {
			return nil, fmt.Errorf("segment: profile of customer %q: %w", c.ID, err)
		}
	}
	return p, nil
}

func setAttribute(p *Profile, i int, f Field, v crm.Value) error {
	k := p.schema.pos[i]
	switch f.Type {
	case Number:
		if n, ok := v.Number(); ok {
			if n-n == 0 { // NaN and infinities stay missing
				p.nums[k] = n
			}
			return nil
		}
	case String:
		if s, ok := v.Str(); ok {
			p.putStr(k, s)
			return nil
		}
	case Bool:
		if b, ok := v.Bool(); ok {
			p.nums[k] = boolNum(b)
			return nil
		}
	case Time:
		if t, ok := v.Time(); ok {
			p.nums[k] = timeSeconds(t)
			return nil
		}
	}
	return fmt.Errorf("attribute %q is a %s, the schema field is a %s: %w", f.Name, v.Kind(), f.Type, crm.ErrInvalid)
}
