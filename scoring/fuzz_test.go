package scoring_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/crmkit/crm/scoring"
)

// FuzzScorecard: any scorecard JSON parses or is refused with an error;
// one that parses compiles, and scoring any record never panics and gives
// a total within the card's scale or an error.
func FuzzScorecard(f *testing.F) {
	f.Add(`{"name":"x","missing":"fail","criteria":[{"name":"a","weight":1,"direction":"higher_better","normalization":{"kind":"range","min":0,"max":1}}],"bands":[{"name":"all","min":0,"max":100}]}`, 0.5)
	for _, seed := range []string{
		`{"name":"x","criteria":[{"name":"a","weight":1e308},{"name":"b","weight":1e308}]}`,
		`{"name":"x","scale":1e308,"criteria":[{"name":"a","weight":1,"normalization":{"kind":"range","min":-1e308,"max":1e308}}]}`,
		`{"name":"x","criteria":[]}`, `{"criteria":[{"name":"a","weight":-1}]}`, `null`, `[]`,
	} {
		f.Add(seed, math.Inf(1))
	}
	f.Fuzz(func(t *testing.T, data string, v float64) {
		card, err := scoring.ParseScorecard([]byte(data))
		if err != nil {
			return
		}
		sc, err := card.Compile()
		if err != nil {
			t.Fatalf("a parsed scorecard does not compile: %v", err)
		}
		values := make([]float64, len(card.Criteria))
		for i := range values {
			values[i] = v
		}
		s, err := sc.Score(values)
		if err == nil && (math.IsNaN(s.Total) || s.Total < 0) {
			t.Fatalf("total %v", s.Total)
		}
	})
}

// FuzzModels: fitted models decoded from JSON answer every prediction for
// any history without a panic or a hang (Pareto/NBD's hypergeometric
// terms used to loop for ever), and a fresh fit's answers are
// probabilities.
func FuzzModels(f *testing.F) {
	f.Add(`{"r":0.5534,"alpha":10.5802,"s":0.6061,"beta":11.6562}`, 26.0, 30.86, 31.0)
	f.Add(`{"r":0.5534,"alpha":10.5802,"s":0.6061,"beta":11.6562}`, 1e9, 1.0, 1e9)
	f.Add(`{"r":1e-300,"alpha":1e300,"s":1e300,"beta":1e-300}`, 3.0, 2.0, 740000.0)
	f.Add(`{"r":0.243,"alpha":4.414,"a":0.793,"b":2.426}`, 0.0, 0.0, 0.0)
	f.Fuzz(func(t *testing.T, data string, x, tx, T float64) {
		var p scoring.ParetoNBD
		if json.Unmarshal([]byte(data), &p) == nil {
			_ = p.ProbabilityAlive(x, tx, T)
			_ = p.ConditionalExpectedPurchases(10, x, tx, T)
			_ = p.ExpectedPurchases(T)
		}
		var b scoring.BGNBD
		if json.Unmarshal([]byte(data), &b) == nil {
			_ = b.ProbabilityAlive(x, tx, T)
			_ = b.ConditionalExpectedPurchases(10, x, tx, T)
		}
		good := &scoring.ParetoNBD{R: 0.5534, Alpha: 10.5802, S: 0.6061, Beta: 11.6562}
		if x >= 0 && tx >= 0 && T >= tx && !math.IsInf(T, 0) && x < 1e12 {
			if a := good.ProbabilityAlive(x, tx, T); !(a >= 0 && a <= 1) {
				t.Fatalf("P(alive | %v, %v, %v) = %v", x, tx, T, a)
			}
		}
	})
}
