package segment_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// A rule nested past MaxDepth is refused by every entry point with an
// error naming the limit, long before the stack could overflow; one at
// the limit round-trips through text and JSON.
func TestNestingLimit(t *testing.T) {
	leaf := segment.Compare{Field: "frequency", Op: segment.Gt, Value: segment.Num(1)}
	nest := func(n int) segment.Rule {
		var r segment.Rule = leaf
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				r = segment.Not{Rule: r}
			} else {
				r = segment.And{Rules: []segment.Rule{r, leaf}}
			}
		}
		return r
	}
	s := testSchema(t)
	ok := nest(segment.MaxDepth)
	back, err := segment.Parse(ok.String())
	require.NoError(t, err)
	require.Equal(t, ok, back)
	b, err := segment.MarshalRule(ok)
	require.NoError(t, err)
	back, err = segment.UnmarshalRule(b)
	require.NoError(t, err)
	require.Equal(t, ok, back)
	_, err = segment.Compile(ok, s)
	require.NoError(t, err)

	deep := nest(segment.MaxDepth + 1)
	limit := "segment.MaxDepth (100)"
	_, err = segment.Parse(deep.String())
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, limit)
	_, err = segment.MarshalRule(deep)
	require.ErrorContains(t, err, limit)
	_, err = segment.Compile(deep, s)
	require.ErrorContains(t, err, limit)
	_, _, err = segment.ToSQL(deep, s, segment.Postgres, &segment.SQLOptions{Columns: columns})
	require.ErrorContains(t, err, limit)

	// A megabyte of parentheses or "not"s: an error, not a stack overflow.
	for _, text := range []string{
		strings.Repeat("(", 1<<20) + "frequency > 1" + strings.Repeat(")", 1<<20),
		strings.Repeat("not ", 1<<18) + "frequency > 1",
	} {
		_, err := segment.Parse(text)
		var se *segment.SyntaxError
		require.ErrorAs(t, err, &se)
		require.Equal(t, segment.MaxDepth, strings.Count(text[:se.Column-1], "(")+strings.Count(text[:se.Column-1], "not "))
		require.ErrorContains(t, err, limit)
	}
	// Deep JSON: refused at the first level past the limit, in time linear
	// in its size (this took 10.8 s and 2.1 GB at 80 KB).
	js := strings.Repeat(`{"not":`, 200_000) + `{"field":"frequency","op":">","value":1}` + strings.Repeat("}", 200_000)
	_, err = segment.UnmarshalRule([]byte(js))
	require.ErrorIs(t, err, crm.ErrInvalid)
	js = strings.Repeat(`{"not":`, 5_000) + `{"field":"frequency","op":">","value":1}` + strings.Repeat("}", 5_000)
	_, err = segment.UnmarshalRule([]byte(js))
	require.ErrorContains(t, err, limit)
	require.ErrorContains(t, err, "at $"+strings.Repeat(".not", segment.MaxDepth))
}

// Printing is linear in the rule's size: 100,000 nested "not"s (built in
// code, past what Parse accepts) print in one pass. It took 8.9 s when every
// level copied the text below it; here it is well under a second.
func TestStringLinear(t *testing.T) {
	var r segment.Rule = segment.Exists{Field: "x"}
	for i := 0; i < 100_000; i++ {
		r = segment.Not{Rule: r}
	}
	text := r.String()
	require.Equal(t, strings.Repeat("not ", 100_000)+"x exists", text)
	require.Equal(t, "() and x exists", segment.And{Rules: []segment.Rule{nil, segment.Exists{Field: "x"}}}.String())
}

// JSON null is not a value: a missing value is tested with "exists".
func TestUnmarshalRuleNull(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"field":"frequency","op":"=","value":null}`, `at $.value: null is not a value`},
		{`{"field":"country","op":"in","values":["US",null]}`, `at $.values[1]: null is not a value`},
		{`{"field":"country","op":"!=","value":null}`, `null is not a value`},
		{`{"field":"frequency","op":"="}`, `at $.value: missing value`},
		{`{"field":null,"op":"exists"}`, `a condition with a "field" string`},
		{`{"and":null}`, `at $.and: want an array of rules`},
		{`{"not":null}`, `at $.not: want an object`},
		{`{"field":"x","op":"exists"} {}`, `more than one JSON value`},
		{`{"field":"frequency","op":"=","value":1e400}`, `1e400 is not a finite number`},
	} {
		_, err := segment.UnmarshalRule([]byte(c.in))
		require.ErrorIs(t, err, crm.ErrInvalid, c.in)
		require.ErrorContains(t, err, c.want, c.in)
	}
}

// Strings a database text column cannot hold are refused by Compile, so a
// rule never means one thing in memory and another in SQL.
func TestCompileRefusesUnstorableStrings(t *testing.T) {
	s := testSchema(t)
	for _, r := range []segment.Rule{
		segment.Compare{Field: "country", Op: segment.Eq, Value: segment.Str("U\x00S")},
		segment.StartsWith{Field: "email", Prefix: "\xe4"},
		segment.In{Field: "country", Values: []segment.Literal{segment.Str("US"), segment.Str("\xff")}},
		segment.Contains{Field: "tags", Value: "v\x00ip"},
	} {
		_, err := segment.Compile(r, s)
		var ce *segment.CompileError
		require.ErrorAs(t, err, &ce, r.String())
		require.Len(t, ce.Problems, 1)
		require.True(t, strings.Contains(err.Error(), "NUL byte") || strings.Contains(err.Error(), "not valid UTF-8"), err.Error())
	}
}

// Times compare to the microsecond, as databases keep them: two instants
// 300 ns apart in the same microsecond are equal, and instants a
// microsecond apart stay in order (float seconds near 2025 are spaced
// 240 ns, which used to split them).
func TestTimeResolutionMicroseconds(t *testing.T) {
	s := testSchema(t)
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	p := s.NewProfile("a", asOf)
	require.NoError(t, p.SetTime("signup_date", base.Add(400*time.Nanosecond)))
	for _, c := range []struct {
		lit  time.Time
		op   segment.Op
		want bool
	}{
		{base.Add(100 * time.Nanosecond), segment.Eq, true},
		{base.Add(100 * time.Nanosecond), segment.Gt, false},
		{base.Add(-300 * time.Nanosecond), segment.Eq, true},
		{base.Add(time.Microsecond), segment.Lt, true},
		{base.Add(-time.Microsecond), segment.Gt, true},
	} {
		m, err := segment.Compile(segment.Compare{Field: "signup_date", Op: c.op, Value: segment.TimeLit(c.lit)}, s)
		require.NoError(t, err)
		require.Equal(t, c.want, m.Match(p), "%s %s", c.op, c.lit.Format(time.RFC3339Nano))
	}
	got, _ := p.Get("signup_date")
	require.Equal(t, base, got)
	_, args, err := segment.ToSQL(segment.Compare{Field: "signup_date", Op: segment.Eq, Value: segment.TimeLit(base.Add(700 * time.Nanosecond))},
		s, segment.Postgres, &segment.SQLOptions{Columns: columns})
	require.NoError(t, err)
	require.Equal(t, []any{base.Add(time.Microsecond)}, args)
	_, args, err = segment.ToSQL(segment.Compare{Field: "signup_date", Op: segment.Eq, Value: segment.TimeLit(base.Add(700 * time.Nanosecond))},
		s, segment.SQLite, &segment.SQLOptions{Columns: columns})
	require.NoError(t, err)
	require.Equal(t, []any{base.Add(time.Microsecond).UTC().Format("2006-01-02T15:04:05.000000Z")}, args)
}
