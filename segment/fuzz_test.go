package segment_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/segment"
)

// FuzzParse: the parser never panics, and whatever parses prints to text
// that parses back to the same rule.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`recency_days <= 30 and frequency >= 3 and (country in ("CN", "US") or tags contains "vip")`,
		`not (a = 1) or b between 1 and 2`, `x not in ()`, `t within 30d and t before @2024-01-01`,
		`s starts_with "\u00e9\n" and s exists`, `d > 1.5e-3s`, `a = -0`, `((a = true))`, `"`, `@`, `1e`, `x in (`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := segment.Parse(text)
		if err != nil {
			return
		}
		back, err := segment.Parse(r.String())
		if err != nil {
			t.Fatalf("%q parsed, but its print %q does not: %v", text, r.String(), err)
		}
		if !rulesEqual(r, back) {
			t.Fatalf("%q → %q → %#v, want %#v", text, r.String(), back, r)
		}
	})
}

// rulesEqual compares trees, treating NaN-free float fields with ==.
func rulesEqual(a, b segment.Rule) bool {
	return a.String() == b.String() && equalTree(a, b)
}

func equalTree(a, b segment.Rule) bool {
	switch x := a.(type) {
	case segment.And:
		y, ok := b.(segment.And)
		return ok && equalList(x.Rules, y.Rules)
	case segment.Or:
		y, ok := b.(segment.Or)
		return ok && equalList(x.Rules, y.Rules)
	case segment.Not:
		y, ok := b.(segment.Not)
		return ok && equalTree(x.Rule, y.Rule)
	}
	return a.String() == b.String()
}

func equalList(a, b []segment.Rule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalTree(a[i], b[i]) {
			return false
		}
	}
	return true
}

// Generated rules of every kind print and parse back to equal trees.
func TestGeneratedRulesRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	fields := []string{"a", "b_2", "x.y", "recency_days", "Tag"}
	lit := func() segment.Literal {
		switch rng.IntN(5) {
		case 0:
			v := math.Float64frombits(rng.Uint64())
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = rng.NormFloat64()
			}
			return segment.Num(v)
		case 1:
			b := make([]byte, rng.IntN(8))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return segment.Str(string(b))
		case 2:
			return segment.BoolLit(rng.IntN(2) == 0)
		case 3:
			return segment.TimeLit(time.Unix(rng.Int64N(1<<35)-1<<33, rng.Int64N(1e9)).UTC())
		}
		return segment.Dur(time.Duration(rng.Int64N(1<<62) - 1<<61))
	}
	var gen func(depth int) segment.Rule
	gen = func(depth int) segment.Rule {
		f := fields[rng.IntN(len(fields))]
		k := rng.IntN(11)
		if depth == 0 {
			k = 3 + rng.IntN(8)
		}
		switch k {
		case 0, 1:
			rules := make([]segment.Rule, 2+rng.IntN(3))
			for i := range rules {
				rules[i] = gen(depth - 1)
			}
			if k == 0 {
				return segment.And{Rules: rules}
			}
			return segment.Or{Rules: rules}
		case 2:
			return segment.Not{Rule: gen(depth - 1)}
		case 3:
			ops := []segment.Op{segment.Eq, segment.Ne, segment.Lt, segment.Le, segment.Gt, segment.Ge}
			return segment.Compare{Field: f, Op: ops[rng.IntN(len(ops))], Value: lit()}
		case 4:
			return segment.Between{Field: f, Low: lit(), High: lit()}
		case 5:
			vals := make([]segment.Literal, rng.IntN(4))
			for i := range vals {
				vals[i] = lit()
			}
			return segment.In{Field: f, Values: vals, Not: rng.IntN(2) == 0}
		case 6:
			return segment.Contains{Field: f, Value: lit().String()}
		case 7:
			return segment.Exists{Field: f}
		case 8:
			return segment.StartsWith{Field: f, Prefix: string(rune(rng.IntN(0x10000)))}
		default:
			return segment.Within{Field: f, Last: time.Duration(1 + rng.Int64N(1<<50))}
		}
	}
	for i := range 3000 {
		r := gen(3)
		text := r.String()
		back, err := segment.Parse(text)
		require.NoError(t, err, "rule %d: %s", i, text)
		require.Equal(t, r, back, "rule %d: %s", i, text)
	}
}
