package scoring

import (
	"cmp"
	"slices"
)

// CustomerEvaluationCard is a ready-made scorecard for deciding where each
// customer belongs in the portfolio: divest, maintain, develop or
// consolidate. Its inputs, all to be supplied by the host:
//
//   - value (weight 35): the customer's percentile rank, 0..1, of value so
//     far (e.g. Summary.Total through PercentileRanks).
//   - potential (30): percentile rank, 0..1, of expected value (e.g. CLV).
//   - days_late (20): mean days payments were late. Under a day (or early)
//     scores 1, 1–15 days 0.7, 16–30 days 0.4, 31–60 days 0.1, 61 or more
//     0. Bad credit weighs the customer down however valuable.
//   - tenure_years (15): years as a customer, 0..5 linear, capped.
//
// Bands on 0..100: divest below 25, maintain 25–50, develop 50–75,
// consolidate 75 and over. Missing values count as worst: an unknown
// payment record is not given the benefit of the doubt. Edit the returned
// value (or its JSON) to change any of this.
func CustomerEvaluationCard() *Scorecard {
	return &Scorecard{
		Name:    "customer evaluation",
		Missing: MissingWorst,
		Criteria: []Criterion{
			{Name: "value", Weight: 35, Direction: HigherBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 1},
				Description: "percentile rank of value so far"},
			{Name: "potential", Weight: 30, Direction: HigherBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 1},
				Description: "percentile rank of expected future value"},
			{Name: "days_late", Weight: 20, Direction: HigherBetter, Normalization: Normalization{Kind: NormSteps, Steps: []Step{
				{At: 0, Score: 1}, {At: 1, Score: 0.7}, {At: 16, Score: 0.4}, {At: 31, Score: 0.1}, {At: 61, Score: 0},
			}}, Description: "mean days payments were late"},
			{Name: "tenure_years", Weight: 15, Direction: HigherBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 5},
				Description: "years as a customer"},
		},
		Bands: []Band{
			{Name: "divest", Min: 0, Max: 25, Description: "serve at minimum cost, or let go"},
			{Name: "maintain", Min: 25, Max: 50, Description: "keep the relationship efficient"},
			{Name: "develop", Min: 50, Max: 75, Description: "invest to grow share of wallet"},
			{Name: "consolidate", Min: 75, Max: 100, Description: "protect and deepen: the core of the business"},
		},
	}
}

// SatisfactionIndexCard is a ready-made customer satisfaction index over
// survey indicators on a 1–5 scale (1 = very dissatisfied): product quality
// (weight 30), service (25), delivery (15), price for value (15) and
// complaint handling (15), each mapped linearly from 1..5 to 0..1. Unanswered
// questions are left out and the weights spread over the rest. Bands on
// 0..100: dissatisfied below 50, neutral 50–75, satisfied 75 and over.
func SatisfactionIndexCard() *Scorecard {
	survey := Normalization{Kind: NormRange, Min: 1, Max: 5}
	return &Scorecard{
		Name:    "customer satisfaction index",
		Missing: MissingReweight,
		Criteria: []Criterion{
			{Name: "product_quality", Weight: 30, Direction: HigherBetter, Normalization: survey},
			{Name: "service", Weight: 25, Direction: HigherBetter, Normalization: survey},
			{Name: "delivery", Weight: 15, Direction: HigherBetter, Normalization: survey},
			{Name: "price_value", Weight: 15, Direction: HigherBetter, Normalization: survey},
			{Name: "complaint_handling", Weight: 15, Direction: HigherBetter, Normalization: survey},
		},
		Bands: []Band{
			{Name: "dissatisfied", Min: 0, Max: 50},
			{Name: "neutral", Min: 50, Max: 75},
			{Name: "satisfied", Min: 75, Max: 100},
		},
	}
}

// AccountHealthCard is a ready-made account health score:
//
//   - p_alive (weight 30): probability the customer is still active, 0..1
//     (from a purchase model).
//   - spend_trend (25): spend in the last 90 days over the 90 before; 0
//     (stopped) to 1.5 (growing by half) linear, capped.
//   - days_since_purchase (15): 0 best to 365 worst, linear.
//   - open_complaints (15): none scores 1, one 0.5, two or more 0.
//   - satisfaction (15): latest satisfaction index, 0..100.
//
// A missing value fails the record: health built on guesses misleads.
// Bands on 0..100: red below 40, yellow 40–70, green 70 and over.
func AccountHealthCard() *Scorecard {
	return &Scorecard{
		Name:    "account health",
		Missing: MissingFail,
		Criteria: []Criterion{
			{Name: "p_alive", Weight: 30, Direction: HigherBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 1}},
			{Name: "spend_trend", Weight: 25, Direction: HigherBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 1.5}},
			{Name: "days_since_purchase", Weight: 15, Direction: LowerBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 365}},
			{Name: "open_complaints", Weight: 15, Direction: LowerBetter, Normalization: Normalization{Kind: NormThresholds, Thresholds: []float64{1, 2}}},
			{Name: "satisfaction", Weight: 15, Direction: HigherBetter, Normalization: Normalization{Kind: NormRange, Min: 0, Max: 100}},
		},
		Bands: []Band{
			{Name: "red", Min: 0, Max: 40},
			{Name: "yellow", Min: 40, Max: 70},
			{Name: "green", Min: 70, Max: 100},
		},
	}
}

// PercentileRanks returns each value's percentile rank in 0..1: the share
// of the other values strictly below it plus half the share of those equal
// to it (mid-rank), so ties share a rank, the order of input does not
// matter, and the ranks of n distinct values are evenly spread from 0 to 1.
// NaN values get NaN.
func PercentileRanks(values []float64) []float64 {
	type iv struct {
		v float64
		i int
	}
	sorted := make([]iv, 0, len(values))
	out := make([]float64, len(values))
	for i, v := range values {
		if v != v {
			out[i] = v
			continue
		}
		sorted = append(sorted, iv{v, i})
	}
	slices.SortFunc(sorted, func(a, b iv) int { return cmp.Compare(a.v, b.v) })
	n := len(sorted)
	for lo := 0; lo < n; {
		hi := lo
		for hi < n && sorted[hi].v == sorted[lo].v {
			hi++
		}
		r := 0.0
		if n > 1 {
			// Mid-rank of the tie group lo..hi−1 among n−1 others.
			r = (float64(lo) + float64(hi-lo-1)/2) / float64(n-1)
		}
		for _, e := range sorted[lo:hi] {
			out[e.i] = r
		}
		lo = hi
	}
	return out
}
