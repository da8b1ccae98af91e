package feedback

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/crmkit/crm"
)

// SurveyType is a satisfaction measure.
type SurveyType string

// Survey types and their scales.
const (
	CSAT SurveyType = "csat" // 1–5, 5 very satisfied
	NPS  SurveyType = "nps"  // 0–10 likelihood to recommend
	CES  SurveyType = "ces"  // 1–7, 7 very easy
)

func (t SurveyType) scale() (int, int) {
	switch t {
	case CSAT:
		return 1, 5
	case NPS:
		return 0, 10
	case CES:
		return 1, 7
	}
	return 1, 0
}

// CSATScore is the share of satisfied answers (4 or 5 on 1–5).
func CSATScore(scores []int) float64 {
	if len(scores) == 0 {
		return 0
	}
	n := 0
	for _, s := range scores {
		if s >= 4 {
			n++
		}
	}
	return float64(n) / float64(len(scores))
}

// CESScore is the mean effort score and its scale (1–7, higher = easier).
func CESScore(scores []int) (mean float64, lo, hi int) {
	lo, hi = CES.scale()
	if len(scores) == 0 {
		return 0, lo, hi
	}
	sum := 0
	for _, s := range scores {
		sum += s
	}
	return float64(sum) / float64(len(scores)), lo, hi
}

// NPSResult is a Net Promoter Score with its adjusted-Wald 95% interval.
type NPSResult struct {
	// N counts the answers; Promoters, Passives and Detractors each kind.
	N, Promoters, Passives, Detractors int
	// Score is promoters minus detractors as a share of answers, −1..1
	// (multiply by 100 for the usual points).
	Score float64
	// Low and High bound the adjusted-Wald 95% confidence interval (Rocks
	// 2016; Sauro & Lewis): add 3 to n and ¾ to the promoters and to the
	// detractors, and use the variance of a difference of two proportions
	// of one multinomial, (p + d − (p − d)²)/(n + 3).
	Low, High float64
	adjusted  float64
	variance  float64
}

// NPSScore scores likelihood-to-recommend answers (0–10): 9–10 promoters,
// 0–6 detractors.
func NPSScore(scores []int) (NPSResult, error) {
	var pro, pas, det int
	for _, s := range scores {
		switch {
		case s < 0 || s > 10:
			return NPSResult{}, fmt.Errorf("feedback: NPS answer %d is outside 0..10: %w", s, crm.ErrInvalid)
		case s >= 9:
			pro++
		case s <= 6:
			det++
		default:
			pas++
		}
	}
	return NPSFromCounts(pro, pas, det)
}

// NPSFromCounts is the NPS of answers already counted: promoters (9–10),
// passives (7–8) and detractors (0–6). A negative count is an error.
func NPSFromCounts(promoters, passives, detractors int) (NPSResult, error) {
	if promoters < 0 || passives < 0 || detractors < 0 {
		return NPSResult{}, fmt.Errorf("feedback: NPS counts %d, %d, %d: a count is negative: %w", promoters, passives, detractors, crm.ErrInvalid)
	}
	r := NPSResult{Promoters: promoters, Passives: passives, Detractors: detractors, N: promoters + passives + detractors}
	if r.N > 0 {
		r.Score = float64(r.Promoters-r.Detractors) / float64(r.N)
	}
	n := float64(r.N) + 3
	p := (float64(r.Promoters) + 0.75) / n
	d := (float64(r.Detractors) + 0.75) / n
	r.adjusted = p - d
	r.variance = (p + d - (p-d)*(p-d)) / n
	half := 1.959963984540054 * math.Sqrt(r.variance)
	r.Low, r.High = math.Max(-1, r.adjusted-half), math.Min(1, r.adjusted+half)
	return r, nil
}

// NPSChange tests whether NPS really changed between two periods: a z-test
// on the difference of the adjusted scores with the sum of their variances.
// It returns the difference (after − before), z and the two-sided p-value.
func NPSChange(before, after NPSResult) (diff, z, p float64) {
	diff = after.adjusted - before.adjusted
	se := math.Sqrt(before.variance + after.variance)
	if se == 0 {
		return diff, 0, 1
	}
	z = diff / se
	p = 2 * distuv.UnitNormal.Survival(math.Abs(z))
	return diff, z, p
}
