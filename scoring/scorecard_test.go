package scoring_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// handCard: two criteria, weights 3:1, on 0..100.
func handCard(missing scoring.MissingPolicy) *scoring.Scorecard {
	return &scoring.Scorecard{
		Name:    "hand",
		Missing: missing,
		Criteria: []scoring.Criterion{
			{Name: "spend", Weight: 3, Direction: scoring.HigherBetter, Normalization: scoring.Normalization{Kind: scoring.NormRange, Min: 0, Max: 1000}},
			{Name: "complaints", Weight: 1, Direction: scoring.LowerBetter, Normalization: scoring.Normalization{Kind: scoring.NormThresholds, Thresholds: []float64{1, 3}}},
		},
		Bands: []scoring.Band{{Name: "red", Min: 0, Max: 40}, {Name: "yellow", Min: 40, Max: 70}, {Name: "green", Min: 70, Max: 100}},
	}
}

func TestScorecardByHand(t *testing.T) {
	sc, err := handCard(scoring.MissingFail).Compile()
	require.NoError(t, err)
	var s scoring.Score
	// spend 600 → 0.6 · 75 = 45; complaints 2 → one threshold passed of
	// two → 0.5, lower better → 0.5 · 25 = 12.5; total 57.5, yellow.
	require.NoError(t, scoreInto(sc, []float64{600, 2}, &s))
	require.InDeltaSlice(t, []float64{45, 12.5}, s.Contributions, 1e-12)
	require.InDelta(t, 57.5, s.Total, 1e-12)
	require.Equal(t, "yellow", s.Band)
	// Clamped above the range, no complaints: 75 + 25 = 100, the top band
	// includes the scale.
	require.NoError(t, scoreInto(sc, []float64{5000, 0}, &s))
	require.Equal(t, 100.0, s.Total)
	require.Equal(t, "green", s.Band)
	// Band edges: 40 is yellow, just below is red.
	require.NoError(t, scoreInto(sc, []float64{0, 0}, &s)) // 0 + 25
	require.Equal(t, "red", s.Band)
	require.NoError(t, scoreInto(sc, []float64{200, 0}, &s)) // 15 + 25 = 40
	require.InDelta(t, 40, s.Total, 1e-12)
	require.Equal(t, "yellow", s.Band)

	// Missing values under each policy.
	_, err = sc.ScoreRecord(map[string]float64{"spend": 600})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `criterion "complaints": value missing`)
	worst, err := handCard(scoring.MissingWorst).Compile()
	require.NoError(t, err)
	got, err := worst.ScoreRecord(map[string]float64{"spend": 600})
	require.NoError(t, err)
	require.InDelta(t, 45, got.Total, 1e-12, "complaints missing counts as worst (0)")
	re, err := handCard(scoring.MissingReweight).Compile()
	require.NoError(t, err)
	got, err = re.ScoreRecord(map[string]float64{"spend": 600})
	require.NoError(t, err)
	require.InDelta(t, 60, got.Total, 1e-12, "spend alone carries the whole weight")
	require.Equal(t, []bool{false, true}, got.Missing)
	require.InDeltaSlice(t, []float64{60, 0}, got.Contributions, 1e-12)
	_, err = re.ScoreRecord(map[string]float64{})
	require.ErrorContains(t, err, "every value is missing")
	_, err = re.ScoreRecord(map[string]float64{"spend": 1, "complains": 2})
	require.ErrorContains(t, err, `complains: not an input of scorecard "hand"`)
	require.ErrorContains(t, scoreInto(sc, []float64{1}, &s), "1 values for 2 criteria")
}

func TestScorecardStepsAndReadyMadeCards(t *testing.T) {
	eval, err := scoring.CustomerEvaluationCard().Compile()
	require.NoError(t, err)
	// value 0.9 · 35 = 31.5; potential 0.8 · 30 = 24; 10 days late → 0.7 ·
	// 20 = 14; 2.5 years → 0.5 · 15 = 7.5; total 77, consolidate.
	got, err := eval.ScoreRecord(map[string]float64{"value": 0.9, "potential": 0.8, "days_late": 10, "tenure_years": 2.5})
	require.NoError(t, err)
	require.InDeltaSlice(t, []float64{31.5, 24, 14, 7.5}, got.Contributions, 1e-9)
	require.Equal(t, "consolidate", got.Band)
	for days, want := range map[float64]float64{-3: 20, 0: 20, 0.9: 20, 1: 14, 15: 14, 16: 8, 60: 2, 61: 0, 400: 0} {
		got, err := eval.ScoreRecord(map[string]float64{"value": 0, "potential": 0, "days_late": days, "tenure_years": 0})
		require.NoError(t, err)
		require.InDelta(t, want, got.Total, 1e-9, "%v days late", days)
	}
	csi, err := scoring.SatisfactionIndexCard().Compile()
	require.NoError(t, err)
	got, err = csi.ScoreRecord(map[string]float64{"product_quality": 5, "service": 3})
	require.NoError(t, err)
	// (30·1 + 25·0.5)/55 · 100 = 77.27…
	require.InDelta(t, 100*(30+12.5)/55, got.Total, 1e-9)
	require.Equal(t, "satisfied", got.Band)
	health, err := scoring.AccountHealthCard().Compile()
	require.NoError(t, err)
	got, err = health.ScoreRecord(map[string]float64{"p_alive": 0.2, "spend_trend": 0.3, "days_since_purchase": 300, "open_complaints": 2, "satisfaction": 40})
	require.NoError(t, err)
	require.Equal(t, "red", got.Band)
	_, err = health.ScoreRecord(map[string]float64{"p_alive": 0.9})
	require.ErrorContains(t, err, "value missing")
}

func TestScorecardRefusesEveryProblem(t *testing.T) {
	bad := &scoring.Scorecard{
		Name:    "bad",
		Missing: "ignore",
		Scale:   -1,
		Criteria: []scoring.Criterion{
			{Name: "a", Weight: 0, Direction: "up", Normalization: scoring.Normalization{Kind: scoring.NormRange, Min: 5, Max: 5}},
			{Name: "a", Weight: -2, Direction: scoring.HigherBetter, Normalization: scoring.Normalization{Kind: scoring.NormThresholds, Thresholds: []float64{3, 1}}},
			{Name: "", Weight: 1, Direction: scoring.HigherBetter, Normalization: scoring.Normalization{Kind: scoring.NormSteps, Steps: []scoring.Step{{At: 0, Score: 2}}}},
			{Name: "d", Weight: 1, Direction: scoring.HigherBetter, Normalization: scoring.Normalization{Kind: "log"}},
		},
		Bands: []scoring.Band{{Name: "low", Min: 0, Max: 60}, {Name: "high", Min: 50, Max: 100}},
	}
	err := bad.Validate(nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{
		`missing: "ignore" is not a policy`, "scale: -1",
		`criteria[0] "a": weight 0 must be positive`, `criteria[0] "a": direction "up"`, `criteria[0] "a": range needs finite min < max`,
		`criteria[1] "a": duplicate name`, `criteria[1] "a": weight -2`, `criteria[1] "a": thresholds [3 1]`,
		`criteria[2]: no name`, `criteria[2]: step 0 score 2 is outside 0..1`,
		`criteria[3] "d": normalization kind "log"`,
		`"high" (50..100) overlaps "low" (0..60)`,
	} {
		require.ErrorContains(t, err, want)
	}
	// Gaps, bands beyond the scale, and inputs the host does not have.
	card := handCard(scoring.MissingFail)
	card.Bands = []scoring.Band{{Name: "low", Min: 10, Max: 40}, {Name: "high", Min: 50, Max: 90}}
	err = card.Validate([]string{"spend"})
	for _, want := range []string{`lowest band "low" starts at 10`, `gap between "low" (ends 40) and "high" (starts 50)`, `highest band "high" ends at 90`, `unknown input "complaints"`} {
		require.ErrorContains(t, err, want)
	}
	_, err = card.Compile()
	require.Error(t, err)
}

func TestScorecardJSON(t *testing.T) {
	for _, card := range []*scoring.Scorecard{scoring.CustomerEvaluationCard(), scoring.SatisfactionIndexCard(), scoring.AccountHealthCard(), handCard(scoring.MissingReweight)} {
		b, err := json.Marshal(card)
		require.NoError(t, err)
		back, err := scoring.ParseScorecard(b)
		require.NoError(t, err)
		require.Equal(t, card, back)
	}
	_, err := scoring.ParseScorecard([]byte(`{"name":"x","criteria":[{"name":"a","wieght":1}]}`))
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `unknown field "wieght"`)
	_, err = scoring.ParseScorecard([]byte(`{"name":"x","missing":"fail","criteria":[{"name":"a","weight":1,"direction":"higher_better","normalization":{"kind":"range","min":0,"max":1}}],"bands":[{"name":"all","min":0,"max":50}]}`))
	require.ErrorContains(t, err, `highest band "all" ends at 50`)
}

func TestPercentileRanks(t *testing.T) {
	got := scoring.PercentileRanks([]float64{30, 10, 20, 20, math.NaN(), 40})
	// Sorted 10, 20, 20, 30, 40: ranks 0, 0.375 (tie of places 1 and 2),
	// 0.75, 1.
	require.Equal(t, 0.75, got[0])
	require.Equal(t, 0.0, got[1])
	require.Equal(t, 0.375, got[2])
	require.Equal(t, 0.375, got[3])
	require.True(t, math.IsNaN(got[4]))
	require.Equal(t, 1.0, got[5])
}

// sixCriteria is a card with every normalisation and direction, for the
// allocation test and the benchmark.
func sixCriteria() *scoring.Scorecard {
	card := scoring.CustomerEvaluationCard()
	card.Missing = scoring.MissingReweight
	card.Criteria = append(card.Criteria,
		scoring.Criterion{Name: "complaints", Weight: 10, Direction: scoring.LowerBetter, Normalization: scoring.Normalization{Kind: scoring.NormThresholds, Thresholds: []float64{1, 2, 4}}},
		scoring.Criterion{Name: "nps", Weight: 10, Direction: scoring.HigherBetter, Normalization: scoring.Normalization{Kind: scoring.NormRange, Min: -100, Max: 100}},
	)
	return card
}

func TestScorerAllocatesOnlyItsResult(t *testing.T) {
	sc, err := sixCriteria().Compile()
	require.NoError(t, err)
	var s scoring.Score
	values := []float64{0.5, 0.2, 12, 3, 1, 20}
	missing := []float64{0.5, math.NaN(), 12, 3, 1, 20}
	require.NoError(t, scoreInto(sc, missing, &s))
	// One slice of contributions, and one of missing flags when a value
	// is missing: nothing per criterion.
	require.LessOrEqual(t, testing.AllocsPerRun(1000, func() { _ = scoreInto(sc, values, &s) }), 1.0)
	require.LessOrEqual(t, testing.AllocsPerRun(1000, func() { _ = scoreInto(sc, missing, &s) }), 2.0)
	sum := 0.0
	for _, c := range s.Contributions {
		sum += c
	}
	require.InDelta(t, s.Total, sum, 1e-9, "contributions add up to the total")
}

// scoreInto scores values into s, as the callers here read it.
func scoreInto(sc *scoring.Scorer, values []float64, s *scoring.Score) error {
	got, err := sc.Score(values)
	*s = got
	return err
}
