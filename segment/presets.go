package segment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/crmkit/crm/scoring"
)

// RFMSegments is the named RFM segmentation, exclusive, first match wins,
// on the 1–5 scores r_score, f_score and m_score: the rows of
// scoring.RFMSegments as rules, in the same order, so that a profile's
// segment is always its score's RFMScore.Segment. Every segment is
// reachable and every one of the 125 score cells lands in exactly one.
// Customers without scores (prospects) are in no segment.
func RFMSegments() *Segmentation {
	s := &Segmentation{
		Name:        "rfm",
		Description: "RFM segments: who to reward, develop, win back or let go",
		Mode:        Exclusive,
	}
	for i, row := range scoring.RFMSegments() {
		var conds []string
		for _, c := range []struct {
			field    string
			min, max int
		}{{"r_score", row.RMin, row.RMax}, {"f_score", row.FMin, row.FMax}, {"m_score", row.MMin, row.MMax}} {
			switch {
			case c.min <= 1 && c.max >= 5:
				continue // any score
			case c.min == c.max:
				conds = append(conds, fmt.Sprintf("%s = %d", c.field, c.min))
			case c.min <= 1:
				conds = append(conds, fmt.Sprintf("%s <= %d", c.field, c.max))
			case c.max >= 5:
				conds = append(conds, fmt.Sprintf("%s >= %d", c.field, c.min))
			default:
				conds = append(conds, fmt.Sprintf("%s between %d and %d", c.field, c.min, c.max))
			}
		}
		s.Segments = append(s.Segments, Segment{Name: row.Name, Priority: i + 1, Rule: strings.Join(conds, " and "), Description: row.Description})
	}
	return s
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
