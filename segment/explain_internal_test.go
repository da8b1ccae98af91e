package segment

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestComparisonsAsIntervals checks that a comparison compiled into an
// interval (v < a as v ≤ the float before a, v != a as not [a, a]) decides
// as Go's operator does, at and beside every literal, the largest and
// smallest floats included.
func TestComparisonsAsIntervals(t *testing.T) {
	s, err := NewSchema(Field{Name: "x", Type: Number})
	require.NoError(t, err)
	literals := []float64{0, 1, -1, 0.1, 1e300, -1e300, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64}
	var values []float64
	for _, a := range literals {
		values = append(values, a, math.Nextafter(a, math.Inf(1)), math.Nextafter(a, math.Inf(-1)))
	}
	ops := map[Op]func(v, a float64) bool{
		Eq: func(v, a float64) bool { return v == a }, Ne: func(v, a float64) bool { return v != a },
		Lt: func(v, a float64) bool { return v < a }, Le: func(v, a float64) bool { return v <= a },
		Gt: func(v, a float64) bool { return v > a }, Ge: func(v, a float64) bool { return v >= a },
	}
	p := s.NewProfile("c", time.Now())
	for op, want := range ops {
		for _, a := range literals {
			m, err := Compile(Compare{Field: "x", Op: op, Value: Num(a)}, s)
			require.NoError(t, err)
			for _, v := range values {
				if math.IsInf(v, 0) {
					continue // not a value a profile holds
				}
				require.NoError(t, p.SetNumber("x", v))
				require.Equal(t, want(v, a), m.Match(p), "%v %s %v", v, op, a)
				require.Equal(t, truth(want(v, a)), m.Eval(p), "%v %s %v", v, op, a)
			}
		}
	}
}

// TestExplainOfAndsIsTheTreeWalk compares ExplainTo's pass for rules Match
// tests as conjunctions with the general walk over the rule's tree (the
// same matcher without its conjunction), explanation for explanation.
func TestExplainOfAndsIsTheTreeWalk(t *testing.T) {
	s := DefaultSchema()
	rules := []string{
		`recency_days <= 30 and frequency >= 3 and monetary >= 500 and country in ("CN", "US")`,
		`recency_days < 30 and frequency > 3 and monetary = 500`, `monetary between 100 and 500 and country = "DE"`,
		`first_purchase >= @2025-06-01 and tier = "Gold"`, `country in ("CN") and clv >= 0.1 and p_alive <= 0.5`,
	}
	rng := rand.New(rand.NewPCG(4, 4))
	var got, want Explanation
	for _, text := range rules {
		m := MustCompile(text, s)
		require.NotNil(t, m.conjunction, text)
		walk := MustCompile(text, s)
		walk.conjunction = nil
		seen := map[Truth]int{}
		for i := range 3000 {
			p := s.NewProfile(fmt.Sprint(i), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			for _, f := range []string{"recency_days", "frequency", "monetary", "clv", "p_alive"} {
				if rng.IntN(6) > 0 {
					require.NoError(t, p.SetNumber(f, []float64{0, 0.1, 0.5, 3, 4, 29, 30, 31, 100, 500, 501}[rng.IntN(11)]))
				}
			}
			for _, f := range []string{"country", "tier"} {
				if rng.IntN(6) > 0 {
					require.NoError(t, p.SetString(f, []string{"CN", "US", "DE", "Gold", ""}[rng.IntN(5)]))
				}
			}
			if rng.IntN(6) > 0 {
				require.NoError(t, p.SetTime("first_purchase", time.Date(2025, time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC)))
			}
			m.ExplainTo(p, &got)
			walk.ExplainTo(p, &want)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("%s on profile %d:\n got %+v\nwant %+v", text, i, got, want)
			}
			seen[got.Result]++
		}
		require.Len(t, seen, 3, "%s: every result met", text)
	}
}
