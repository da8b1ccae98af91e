package crm

import (
	"fmt"
	"strings"
	"time"
)

// Purpose is what a consent allows: contact for marketing, contact for
// service, or using data about the customer.
type Purpose string

// Purposes of consent.
const (
	PurposeMarketing Purpose = "marketing" // offers, news, win-back
	PurposeService   Purpose = "service"   // reminders, service calls, warranty
	PurposeProfiling Purpose = "profiling" // using data the customer did not give (inferred interests)
)

// ConsentSource says where a consent came from.
type ConsentSource string

// Consent sources: given by the customer, or inferred (from a purchase, a
// contract, a default) — which a strict host does not count.
const (
	ConsentProvided ConsentSource = "provided"
	ConsentInferred ConsentSource = "inferred"
)

// Consent is a customer's yes or no to one purpose, on one channel or on
// every channel, with where it came from and when.
type Consent struct {
	// Purpose is what it allows.
	Purpose Purpose `json:"purpose"`
	// Channel is the channel it is for ("" for every channel).
	Channel Channel `json:"channel,omitempty"`
	// Given is the yes; false is a refusal or a withdrawal.
	Given bool `json:"given"`
	// Source says whether the customer gave it or it was inferred.
	Source ConsentSource `json:"source"`
	// At is when it was given, refused or withdrawn.
	At time.Time `json:"at"`
}

// ConsentFor returns the customer's standing consent for a purpose on a
// channel: the newest record for that channel, or else the newest for
// every channel; false when the customer has none.
func (c Customer) ConsentFor(purpose Purpose, ch Channel) (Consent, bool) {
	var best Consent
	found, specific := false, false
	for _, k := range c.Preferences.Consents {
		if k.Purpose != purpose || (k.Channel != "" && k.Channel != ch) {
			continue
		}
		s := k.Channel != ""
		if !found || (s && !specific) || (s == specific && k.At.After(best.At)) {
			best, found, specific = k, true, s
		}
	}
	return best, found
}

func validateConsents(p *problems, cs []Consent) {
	for i, k := range cs {
		f := func(field string) string { return fmt.Sprintf("preferences.consents[%d].%s", i, field) } // formatted only for a problem
		switch k.Purpose {
		case PurposeMarketing, PurposeService, PurposeProfiling:
		default:
			p.add(f("purpose"), "%q is not marketing, service or profiling", k.Purpose)
		}
		if k.Channel != "" && !k.Channel.Valid() {
			p.add(f("channel"), "%q is not a channel name", k.Channel)
		}
		if k.Source != ConsentProvided && k.Source != ConsentInferred {
			p.add(f("source"), "%q is not provided or inferred", k.Source)
		}
		if k.At.IsZero() {
			p.add(f("at"), "must be set")
		} else if msg := timeProblem(k.At); msg != "" {
			p.add(f("at"), "%s", msg)
		}
	}
}

// inferable maps the customer fields that can be inferred to the names
// message templates read them by (lifecycle.TemplateData).
var inferable = map[string]string{
	"interests": "Interests", "important_dates": "ImportantDates", "demographics.country": "Country",
	"demographics.region": "Region", "demographics.age_band": "AgeBand",
}

// InferredField returns the template name of a field that can be marked
// inferred ("interests" → "Interests", "attributes.shoe_size" →
// "shoe_size"), and false for a name that cannot.
func InferredField(name string) (string, bool) {
	if attr, ok := strings.CutPrefix(name, "attributes."); ok {
		return attr, IsIdentifier(attr)
	}
	t, ok := inferable[name]
	return t, ok
}

// MayUseInferred reports whether the customer's own consent allows using
// what the company inferred about them on the channel: a profiling
// consent the customer gave (an inferred consent does not count).
func (c Customer) MayUseInferred(ch Channel) bool {
	k, ok := c.ConsentFor(PurposeProfiling, ch)
	return ok && k.Given && k.Source == ConsentProvided
}
