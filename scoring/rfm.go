package scoring

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/crmkit/crm"
)

// RFMOptions control RFM scoring. The zero value scores 1–5 by quantiles.
type RFMOptions struct {
	// Bins is the number of scores, 1..Bins (default 5, at most 9 so that
	// the cell stays one digit per dimension).
	Bins int
	// Fixed cut points replace quantiles for a dimension: Bins−1 strictly
	// ascending values on the raw measure (periods since the last purchase,
	// number of purchases, total spend). Nil means quantiles.
	Recency, Frequency, Monetary []float64
}

// RFMScore is one customer's recency, frequency and monetary scores, each
// 1..Bins with higher better (more recent, more frequent, more spend), and
// the raw measures they came from.
type RFMScore struct {
	// CustomerID is the customer scored.
	CustomerID string `json:"customer_id"`
	// R is the recency score, 1 (longest ago) to Bins (most recent).
	R int `json:"r"`
	// F is the frequency score, 1 (fewest purchases) to Bins.
	F int `json:"f"`
	// M is the monetary score, 1 (least spend) to Bins.
	M int `json:"m"`
	// Cell is the three digits RFM, e.g. "545".
	Cell string `json:"cell"`
	// Since is the time since the last purchase (T − recency, in the
	// summaries' unit); Purchases is Summary.Count; Spend is Summary.Total.
	Since float64 `json:"since"`
	// Purchases is the number of purchases scored for F.
	Purchases int `json:"purchases"`
	// Spend is the mean spend per purchase scored for M.
	Spend float64 `json:"spend"`
}

// RFMCuts are the cut points used for each dimension, ascending, on the raw
// measures: a value v scores 1 + the number of cut points strictly below v
// (for recency, Bins minus that, since less time since the last purchase is
// better).
type RFMCuts struct {
	// Recency are the cut points of the R scores, ascending.
	Recency []float64 `json:"recency"`
	// Frequency are the cut points of the F scores, ascending.
	Frequency []float64 `json:"frequency"`
	// Monetary are the cut points of the M scores, ascending.
	Monetary []float64 `json:"monetary"`
}

// RFM scores customers by recency, frequency and monetary value.
//
// Quantile cut points are those of R's quantile type 7 (also numpy's
// default "linear"): for sorted values v₀..vₙ₋₁ the cut at probability k/Bins
// is vⱼ + h·(vⱼ₊₁ − vⱼ) with h·1 = (n−1)·k/Bins − j. A value equal to a
// cut point gets the lower bin — R's cut(..., right = TRUE), which the R
// rfm package uses — so tied values always share a score and a bin may stay
// empty when many customers tie. Cut points come from the sorted values, so
// the scores do not depend on the order of summaries; results keep that
// order.
func RFM(summaries []Summary, options *RFMOptions) ([]RFMScore, RFMCuts, error) {
	var opt RFMOptions
	if options != nil {
		opt = *options
	}
	if opt.Bins == 0 {
		opt.Bins = 5
	}
	var errs []error
	if opt.Bins < 2 || opt.Bins > 9 {
		errs = append(errs, &crm.FieldError{Field: "bins", Problem: fmt.Sprintf("%d is outside 2..9", opt.Bins)})
	}
	scores := make([]RFMScore, len(summaries))
	since := make([]float64, len(summaries))
	count := make([]float64, len(summaries))
	spend := make([]float64, len(summaries))
	for i, s := range summaries {
		since[i] = s.T - s.Recency
		count[i] = float64(s.Count)
		spend[i] = s.Total.InexactFloat64()
		scores[i] = RFMScore{CustomerID: s.CustomerID, Since: since[i], Purchases: s.Count, Spend: spend[i]}
	}
	var cuts RFMCuts
	for _, d := range []struct {
		field  string
		fixed  []float64
		values []float64
		out    *[]float64
	}{{"recency", opt.Recency, since, &cuts.Recency}, {"frequency", opt.Frequency, count, &cuts.Frequency}, {"monetary", opt.Monetary, spend, &cuts.Monetary}} {
		if d.fixed == nil {
			*d.out = quantileCuts(d.values, opt.Bins)
			continue
		}
		if len(d.fixed) != opt.Bins-1 {
			errs = append(errs, &crm.FieldError{Field: d.field, Problem: fmt.Sprintf("%d cut points for %d bins; want %d", len(d.fixed), opt.Bins, opt.Bins-1)})
			continue
		}
		for i, v := range d.fixed {
			if math.IsNaN(v) || math.IsInf(v, 0) || (i > 0 && !(v > d.fixed[i-1])) {
				errs = append(errs, &crm.FieldError{Field: d.field, Problem: fmt.Sprintf("cut points %v must be finite and strictly ascending", d.fixed)})
				break
			}
		}
		*d.out = slices.Clone(d.fixed)
	}
	if len(errs) > 0 {
		return nil, RFMCuts{}, &crm.ValidationError{Package: "scoring", What: "rfm", Problems: errs}
	}
	for i := range scores {
		s := &scores[i]
		s.R = opt.Bins - bin(cuts.Recency, since[i]) + 1
		s.F = bin(cuts.Frequency, count[i])
		s.M = bin(cuts.Monetary, spend[i])
		s.Cell = strconv.Itoa(s.R*100 + s.F*10 + s.M)
	}
	return scores, cuts, nil
}

// bin is 1 + the number of cut points strictly below v.
func bin(cuts []float64, v float64) int {
	i, _ := slices.BinarySearch(cuts, v) // first cut ≥ v
	return i + 1
}

// quantileCuts returns the type-7 quantiles of values at 1/bins, …,
// (bins−1)/bins.
func quantileCuts(values []float64, bins int) []float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	cuts := make([]float64, bins-1)
	n := len(sorted)
	if n == 0 {
		return cuts
	}
	for k := range cuts {
		pos := float64(n-1) * float64(k+1) / float64(bins)
		j := int(pos)
		h := pos - float64(j)
		cuts[k] = sorted[j]
		if j+1 < n && h > 0 {
			cuts[k] += h * (sorted[j+1] - sorted[j])
		}
	}
	return cuts
}

// RFMSegment names the customers whose scores fall in the given inclusive
// ranges.
type RFMSegment struct {
	// Name names the segment ("Champions").
	Name string `json:"name"`
	// RMin and RMax bound the R score, inclusive.
	RMin int `json:"r_min"`
	// RMax is the highest R score of the segment.
	RMax int `json:"r_max"`
	// FMin and FMax bound the F score, inclusive.
	FMin int `json:"f_min"`
	// FMax is the highest F score of the segment.
	FMax int `json:"f_max"`
	// MMin and MMax bound the M score, inclusive.
	MMin int `json:"m_min"`
	// MMax is the highest M score of the segment.
	MMax int `json:"m_max"`
	// Description says who the customers are and what to do for them.
	Description string `json:"description,omitempty"`
}

// RFMSegments returns the one table of named RFM segments of crmkit, for
// 1–5 scores, in priority order: the first matching row wins, every row is
// reachable and each of the 125 score cells falls in exactly one row.
// segment.RFMSegments is the same table as segment rules, so a score's
// Segment and a profile's segment always agree.
//
// It starts from the table of the R rfm package (0.2.x documentation) and
// reorders and narrows it, since as published "Lost" repeats
// "Hibernating"'s ranges and is never reached, "At Risk" hides "Can't Lose
// Them", "Potential Loyalist" hides "New Customers" and some cells fall in
// no row at all:
//
//	priority  segment             R     F     M
//	1         Champions           4–5   4–5   4–5
//	2         Loyal Customers     3–5   3–5   3–5
//	3         Can't Lose Them     1–2   4–5   4–5
//	4         At Risk             1–2   3–5   any
//	5         Potential Loyalist  3–5   2–5   any
//	6         New Customers       5     1     any
//	7         Promising           4     1     any
//	8         About To Sleep      2–3   1     any
//	9         Need Attention      2     2     any
//	10        Hibernating         1     2     any
//	11        Lost                1     1     any
func RFMSegments() []RFMSegment {
	return []RFMSegment{
		{"Champions", 4, 5, 4, 5, 4, 5, "bought recently, buy often and spend the most: reward them"},
		{"Loyal Customers", 3, 5, 3, 5, 3, 5, "spend good money often: upsell, ask for reviews"},
		{"Can't Lose Them", 1, 2, 4, 5, 4, 5, "were among the best, gone quiet: win them back personally"},
		{"At Risk", 1, 2, 3, 5, 1, 5, "bought often, long ago: reconnect before they leave"},
		{"Potential Loyalist", 3, 5, 2, 5, 1, 5, "recent, more than once: offer membership or loyalty"},
		{"New Customers", 5, 5, 1, 1, 1, 5, "bought for the first time very recently: onboard them"},
		{"Promising", 4, 4, 1, 1, 1, 5, "recent first-time buyers: build the habit"},
		{"About To Sleep", 2, 3, 1, 1, 1, 5, "one purchase, fading: a timely offer"},
		{"Need Attention", 2, 2, 2, 2, 1, 5, "drifting: limited-time offers, recommendations"},
		{"Hibernating", 1, 1, 2, 2, 1, 5, "long gone, few purchases: low-cost reactivation"},
		{"Lost", 1, 1, 1, 1, 1, 5, "lowest on every count: ignore or one last try"},
	}
}

// Segment returns the name of the first segment whose ranges contain the
// score, or "Others".
func (s RFMScore) Segment(table []RFMSegment) string {
	for _, seg := range table {
		if s.R >= seg.RMin && s.R <= seg.RMax && s.F >= seg.FMin && s.F <= seg.FMax && s.M >= seg.MMin && s.M <= seg.MMax {
			return seg.Name
		}
	}
	return "Others"
}
