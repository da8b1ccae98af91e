package segment

import (
	"strconv"

	"github.com/crmkit/crm/scoring"
)

// RFMSegments is the named RFM segmentation, exclusive, first match wins,
// on the 1–5 scores r_score, f_score and m_score. It starts from the R rfm
// package's table but reorders and narrows it so that every segment is
// reachable and every one of the 125 score cells lands in exactly one
// segment (as published, Lost repeats Hibernating and can never be reached,
// and At Risk hides Can't Lose Them):
//
//	priority  segment             rule
//	1         Champions           R ≥ 4, F ≥ 4, M ≥ 4
//	2         Loyal Customers     R ≥ 3, F ≥ 3, M ≥ 3
//	3         Can't Lose Them     R ≤ 2, F ≥ 4, M ≥ 4
//	4         At Risk             R ≤ 2, F ≥ 3
//	5         Potential Loyalist  R ≥ 3, F ≥ 2
//	6         New Customers       R = 5, F = 1
//	7         Promising           R = 4, F = 1
//	8         About To Sleep      R 2–3, F = 1
//	9         Need Attention      R = 2, F = 2
//	10        Hibernating         R = 1, F = 2
//	11        Lost                R = 1, F = 1
//
// Customers without scores (prospects) are in no segment.
func RFMSegments() *Segmentation {
	return &Segmentation{
		Name:        "rfm",
		Description: "RFM segments: who to reward, develop, win back or let go",
		Mode:        Exclusive,
		Segments: []Segment{
			{Name: "Champions", Priority: 1, Rule: "r_score >= 4 and f_score >= 4 and m_score >= 4", Description: "bought recently, buy often and spend the most: reward them"},
			{Name: "Loyal Customers", Priority: 2, Rule: "r_score >= 3 and f_score >= 3 and m_score >= 3", Description: "spend good money often: upsell, ask for reviews"},
			{Name: "Can't Lose Them", Priority: 3, Rule: "r_score <= 2 and f_score >= 4 and m_score >= 4", Description: "were among the best, gone quiet: win them back personally"},
			{Name: "At Risk", Priority: 4, Rule: "r_score <= 2 and f_score >= 3", Description: "bought often, long ago: reconnect before they leave"},
			{Name: "Potential Loyalist", Priority: 5, Rule: "r_score >= 3 and f_score >= 2", Description: "recent, more than once: offer membership or loyalty"},
			{Name: "New Customers", Priority: 6, Rule: "r_score = 5 and f_score = 1", Description: "bought for the first time very recently: onboard them"},
			{Name: "Promising", Priority: 7, Rule: "r_score = 4 and f_score = 1", Description: "recent first-time buyers: build the habit"},
			{Name: "About To Sleep", Priority: 8, Rule: "r_score between 2 and 3 and f_score = 1", Description: "one purchase, fading: a timely offer"},
			{Name: "Need Attention", Priority: 9, Rule: "r_score = 2 and f_score = 2", Description: "drifting: limited-time offers, recommendations"},
			{Name: "Hibernating", Priority: 10, Rule: "r_score = 1 and f_score = 2", Description: "long gone, few purchases: low-cost reactivation"},
			{Name: "Lost", Priority: 11, Rule: "r_score = 1 and f_score = 1", Description: "lowest on every count: ignore or one last try"},
		},
	}
}

// TierSegments is the exclusive segmentation by value tier (the profile's
// tier field), one segment per tier of spec, with the tier's strategy as
// the segment's description.
func TierSegments(spec scoring.TierSpec) *Segmentation {
	s := &Segmentation{Name: "tiers", Description: "the customer pyramid", Mode: Exclusive}
	for i, t := range spec.Tiers {
		s.Segments = append(s.Segments, Segment{Name: t.Name, Priority: i + 1, Rule: "tier = " + strconv.Quote(t.Name), Description: t.Strategy})
	}
	return s
}

// CommunicationGroups is the exclusive segmentation into the three groups
// that need different communication: prospects (no purchase yet: build
// interest and trust), first-time buyers (one purchase period: raise
// frequency, cross-sell) and mature repeat buyers (appreciation; turn them
// into advocates).
func CommunicationGroups() *Segmentation {
	return &Segmentation{
		Name:        "communication",
		Description: "prospects, first-time buyers and repeat buyers",
		Mode:        Exclusive,
		Segments: []Segment{
			{Name: "Prospects", Priority: 1, Rule: "purchases = 0", Description: "no purchase yet: build interest and trust"},
			{Name: "First-time buyers", Priority: 2, Rule: "purchases >= 1 and frequency = 0", Description: "raise purchase frequency, cross-sell"},
			{Name: "Repeat buyers", Priority: 3, Rule: "frequency >= 1", Description: "show appreciation, turn them into advocates"},
		},
	}
}
