package segment_test

import (
	"math"
	"math/rand/v2"
	"strings"
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
		// Hostile: nesting past MaxDepth, a cut UTF-8 character, a NUL.
		strings.Repeat("(", 150) + "a = 1" + strings.Repeat(")", 150), strings.Repeat("not ", 150) + "a exists",
		`s starts_with "\xe4"`, `s = "\x00"`, `t = @10000-01-01`, `d > 9223372036854775807ns`,
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

// FuzzUnmarshalRule: the JSON decoder never panics, and whatever it
// accepts marshals and decodes back to the same rule.
func FuzzUnmarshalRule(f *testing.F) {
	for _, seed := range []string{
		`{"and":[{"field":"recency_days","op":"<=","value":30},{"field":"last_purchase","op":"within","value":{"duration":"30d"}}]}`,
		`{"or":[{"not":{"field":"country","op":"in","values":["CN","US"]}},{"field":"t","op":">","value":{"time":"2024-01-31T00:00:00Z"}}]}`,
		`{"field":"m","op":"between","values":[1,2.5]}`, `{"field":"x","op":"exists"}`, `{"field":"s","op":"starts_with","value":"a"}`,
		// Hostile: deep nesting, null, huge numbers, trailing data.
		strings.Repeat(`{"not":`, 150) + `{"field":"x","op":"exists"}` + strings.Repeat("}", 150),
		`{"field":"x","op":"=","value":null}`, `{"field":"x","op":"=","value":1e400}`, `{"field":"x","op":"exists"} {}`,
		`{"and":null}`, `{"field":"x","op":"within","value":{"duration":"9223372036854775807ns"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := segment.UnmarshalRule(data)
		if err != nil {
			return
		}
		b, err := segment.MarshalRule(r)
		if err != nil {
			t.Fatalf("%s decoded, but does not marshal: %v", data, err)
		}
		back, err := segment.UnmarshalRule(b)
		if err != nil {
			t.Fatalf("%s → %s does not decode: %v", data, b, err)
		}
		if !rulesEqual(r, back) {
			t.Fatalf("%s → %s → %#v, want %#v", data, b, back, r)
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
