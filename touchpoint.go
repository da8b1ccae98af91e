package crm

import (
	"time"
)

// TouchpointKind is what happened at a touchpoint.
type TouchpointKind string

// Common touchpoint kinds; hosts may use other lowercase names.
const (
	TouchVisit     TouchpointKind = "visit"     // browsed, walked in, opened the app
	TouchInquiry   TouchpointKind = "inquiry"   // asked a question
	TouchPurchase  TouchpointKind = "purchase"  // bought something (the money is a Transaction)
	TouchSupport   TouchpointKind = "support"   // got help with a problem
	TouchComplaint TouchpointKind = "complaint" // complained
	TouchCampaign  TouchpointKind = "campaign"  // received or answered a campaign message
	TouchService   TouchpointKind = "service"   // a service appointment or delivery
	TouchSurvey    TouchpointKind = "survey"    // answered a survey
	TouchReferral  TouchpointKind = "referral"  // referred someone: CustomerID is the referrer, Note may name the referred
)

// Rating is an experience rating on the crmkit scale: 1 very poor, 2 poor,
// 3 acceptable, 4 good, 5 excellent. 0 means not rated.
type Rating int8

// Rating bounds.
const (
	NotRated  Rating = 0
	MinRating Rating = 1
	MaxRating Rating = 5
)

// Touchpoint is one contact between a customer and the company, on any
// channel, with how the customer experienced it.
type Touchpoint struct {
	// ID identifies the touchpoint; appending it again is a no-op.
	ID string `json:"id"`
	// CustomerID is the customer in contact.
	CustomerID string `json:"customer_id"`
	// Time is when the contact happened.
	Time time.Time `json:"time"`
	// Channel is where it happened.
	Channel Channel `json:"channel"`
	// Kind is what it was: a visit, an inquiry, a complaint, …
	Kind TouchpointKind `json:"kind"`
	// Experience is how it went for the customer, 1 (very poor) to 5
	// (excellent); NotRated when unknown.
	Experience Rating `json:"experience,omitempty"`
	// Note is free text.
	Note string `json:"note,omitempty"`
}

// Validate reports every problem with tp at once.
func (tp Touchpoint) Validate() error {
	var p problems
	validateID(&p, "id", tp.ID)
	validateID(&p, "customer_id", tp.CustomerID)
	if tp.Time.IsZero() {
		p.add("time", "must be set")
	} else if msg := timeProblem(tp.Time); msg != "" {
		p.add("time", "%s", msg)
	}
	if !tp.Channel.Valid() {
		p.add("channel", "%q is not a channel name", tp.Channel)
	}
	if !isToken(string(tp.Kind)) {
		p.add("kind", "%q is not a touchpoint kind", tp.Kind)
	}
	if tp.Experience != NotRated && (tp.Experience < MinRating || tp.Experience > MaxRating) {
		p.add("experience", "%d is outside the scale 1..5 (0 = not rated)", tp.Experience)
	}
	return p.errOf("touchpoint", tp.ID)
}

// Equal reports whether tp and o are the same record (times compared with
// time.Time.Equal).
func (tp Touchpoint) Equal(o Touchpoint) bool {
	return tp.ID == o.ID && tp.CustomerID == o.CustomerID && tp.Time.Equal(o.Time) &&
		tp.Channel == o.Channel && tp.Kind == o.Kind && tp.Experience == o.Experience && tp.Note == o.Note
}
