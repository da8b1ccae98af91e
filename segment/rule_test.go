package segment_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

var asOf = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

func testSchema(t testing.TB) *segment.Schema {
	s, err := segment.NewSchema(
		segment.Field{Name: "recency_days", Type: segment.Number},
		segment.Field{Name: "frequency", Type: segment.Number},
		segment.Field{Name: "monetary", Type: segment.Number},
		segment.Field{Name: "country", Type: segment.String},
		segment.Field{Name: "email", Type: segment.String},
		segment.Field{Name: "tags", Type: segment.StringSet},
		segment.Field{Name: "vip", Type: segment.Bool},
		segment.Field{Name: "signup_date", Type: segment.Time},
		segment.Field{Name: "last_purchase", Type: segment.Time},
		segment.Field{Name: "avg_session", Type: segment.Duration},
	)
	require.NoError(t, err)
	return s
}

// alice is a recent, frequent buyer from CN with the vip tag; her email is
// missing.
func alice(t testing.TB, s *segment.Schema) *segment.Profile {
	p := s.NewProfile("alice", asOf)
	require.NoError(t, p.SetNumber("recency_days", 12))
	require.NoError(t, p.SetNumber("frequency", 5))
	require.NoError(t, p.SetNumber("monetary", 640))
	require.NoError(t, p.SetString("country", "CN"))
	require.NoError(t, p.SetStrings("tags", []string{"vip", "newsletter"}))
	require.NoError(t, p.SetBool("vip", true))
	require.NoError(t, p.SetTime("signup_date", time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC)))
	require.NoError(t, p.SetTime("last_purchase", asOf.AddDate(0, 0, -12)))
	require.NoError(t, p.SetDuration("avg_session", 90*time.Second))
	return p
}

func TestParsePrintRoundTrip(t *testing.T) {
	for _, text := range []string{
		`recency_days <= 30 and frequency >= 3 and (country in ("CN", "US") or tags contains "vip")`,
		`not (vip = true) or monetary between 100 and 500.5`,
		`country not in ("DE") and email starts_with "info@" and email exists`,
		`last_purchase within 30d and signup_date before @2024-01-01 and signup_date after @2020-02-29T12:30:00+02:00`,
		`avg_session > 90s and avg_session != 2w and monetary = -1.5e+06`,
		`not not frequency = 0 or (a.b = "x\n\"y\"" and country in ())`,
		`(a = 1 and b = 2) and c = 3`,
		`a = 1 or (b = 2 or c = 3)`,
	} {
		r, err := segment.Parse(text)
		require.NoError(t, err, text)
		printed := r.String()
		back, err := segment.Parse(printed)
		require.NoError(t, err, printed)
		require.Equal(t, r, back, "%s\nprinted as %s", text, printed)
		require.Equal(t, printed, back.String())
	}
	r, err := segment.Parse(`signup_date before @2024-01-01`)
	require.NoError(t, err)
	require.Equal(t, segment.Compare{Field: "signup_date", Op: segment.Lt, Value: segment.TimeLit(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))}, r)
	r, err = segment.Parse(`a = 1 and b = 2 or c = 3`)
	require.NoError(t, err)
	require.IsType(t, segment.Or{}, r, "and binds tighter than or")
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{`recency_days <=`, `line 1, column 16: expected a value (number, string, true, false, @time or duration), found the end of the rule`},
		{"frequency >= 3 and\n  (country = \"CN\"", `line 2, column 18: expected ")", found the end of the rule`},
		{`frequency 3`, `line 1, column 11: expected an operator`},
		{`frequency >= 3 country = "CN"`, `line 1, column 16: expected "and", "or" or the end of the rule, found field name "country"`},
		{`x in ("a" "b")`, `line 1, column 11: expected "," or ")"`},
		{`x between 1 or 2`, `expected "and" (between low and high)`},
		{`x within 30`, `expected a duration such as 30d`},
		{`x = 30y`, `column 5: expected a number, or a duration such as 30d`},
		{`x = "open`, `column 5: expected a closing '"'`},
		{`x ! 3`, `expected an operator ("!=" rather than "!")`},
		{`x = @2024-13-01`, `expected a time such as @2024-01-31`},
		{`x before 3`, `expected a time such as @2024-01-31`},
		{`x contains 3`, `expected a string`},
		{`and x = 1`, `column 1: expected a field name, "not" or "("`},
		{`x = 1 # comment`, `column 7: expected a field, value or operator, found '#'`},
		{`x not = 1`, `expected "in" (not in)`},
		{`x true`, `column 3: expected an operator after the field name, found "true"`},
	} {
		_, err := segment.Parse(c.text)
		require.Error(t, err, c.text)
		var se *segment.SyntaxError
		require.True(t, errors.As(err, &se), "%s: %v", c.text, err)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.Contains(t, err.Error(), c.want, c.text)
	}
}

func TestCompileErrors(t *testing.T) {
	s := testSchema(t)
	r, err := segment.Parse(`recency_dayz <= 30 and country > "CN" and frequency = "3" and tags = "vip" and monetary between 500 and 100 and last_purchase within -3d and email contains "x" and vip < true and countryy exists and zzz = 1`)
	require.NoError(t, err)
	_, err = segment.Compile(r, s)
	var ce *segment.CompileError
	require.True(t, errors.As(err, &ce))
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{
		`recency_dayz: unknown field in "recency_dayz <= 30"; did you mean "recency_days"?`,
		`country: "country > \"CN\"": a string field takes = and != only, not >`,
		`frequency: "frequency = \"3\"": "3" is a string, the field is a number`,
		`tags: "tags = \"vip\"": the operator does not apply to a string set field`,
		`monetary: "monetary between 500 and 100": empty range, 500 is above 100`,
		`last_purchase: "last_purchase within -3d": the duration must be positive`,
		`email: "email contains \"x\"": the operator does not apply to a string field`,
		`vip: "vip < true": a bool field takes = and != only`,
		`countryy: unknown field in "countryy exists"; did you mean "country"?`,
		`zzz: unknown field in "zzz = 1"`,
	} {
		require.Contains(t, err.Error(), want)
	}
	require.Len(t, ce.Problems, 10, "every problem at once")
	_, err = segment.Compile(segment.And{}, s)
	require.ErrorContains(t, err, "an empty group")
	_, err = segment.Compile(nil, s)
	require.ErrorContains(t, err, "no rule")
}

// Every operator, on a profile with and without the field.
func TestMatchEveryOperator(t *testing.T) {
	s := testSchema(t)
	a := alice(t, s)
	empty := s.NewProfile("nobody", asOf)
	for _, c := range []struct {
		rule          string
		alice, absent segment.Truth
	}{
		{`recency_days = 12`, segment.True, segment.Unknown},
		{`recency_days != 12`, segment.False, segment.Unknown},
		{`recency_days < 12`, segment.False, segment.Unknown},
		{`recency_days <= 12`, segment.True, segment.Unknown},
		{`recency_days > 11.5`, segment.True, segment.Unknown},
		{`recency_days >= 13`, segment.False, segment.Unknown},
		{`monetary between 640 and 700`, segment.True, segment.Unknown},
		{`monetary between 641 and 700`, segment.False, segment.Unknown},
		{`frequency in (1, 5)`, segment.True, segment.Unknown},
		{`frequency not in (1, 5)`, segment.False, segment.Unknown},
		{`country in ("CN", "US")`, segment.True, segment.Unknown},
		{`country not in ("CN")`, segment.False, segment.Unknown},
		{`country in ()`, segment.False, segment.False},
		{`country not in ()`, segment.True, segment.True},
		{`country = "CN"`, segment.True, segment.Unknown},
		{`country != "cn"`, segment.True, segment.Unknown},
		{`country starts_with "C"`, segment.True, segment.Unknown},
		{`country starts_with "c"`, segment.False, segment.Unknown},
		{`tags contains "vip"`, segment.True, segment.Unknown},
		{`tags contains "VIP"`, segment.False, segment.Unknown},
		{`vip = true`, segment.True, segment.Unknown},
		{`vip != true`, segment.False, segment.Unknown},
		{`email exists`, segment.False, segment.False},
		{`country exists`, segment.True, segment.False},
		{`last_purchase within 12d`, segment.True, segment.Unknown},
		{`last_purchase within 11d`, segment.False, segment.Unknown},
		{`signup_date before @2023-03-02`, segment.True, segment.Unknown},
		{`signup_date after @2023-03-01`, segment.False, segment.Unknown},
		{`signup_date = @2023-03-01`, segment.True, segment.Unknown},
		{`avg_session between 1m and 2m`, segment.True, segment.Unknown},
		{`avg_session > 90s`, segment.False, segment.Unknown},
		// Three-valued logic: a missing email is unknown, not false.
		{`email = "x"`, segment.Unknown, segment.Unknown},
		{`not email = "x"`, segment.Unknown, segment.Unknown},
		{`email = "x" or vip = true`, segment.True, segment.Unknown},
		{`email = "x" and vip = false`, segment.False, segment.Unknown},
		{`email = "x" and vip = true`, segment.Unknown, segment.Unknown},
		{`not (email exists)`, segment.True, segment.True},
		{`recency_days <= 30 and frequency >= 3 and (country in ("CN", "US") or tags contains "vip")`, segment.True, segment.Unknown},
	} {
		r, err := segment.Parse(c.rule)
		require.NoError(t, err, c.rule)
		m, err := segment.Compile(r, s)
		require.NoError(t, err, c.rule)
		require.Equal(t, c.alice, m.Eval(a), "alice: %s", c.rule)
		require.Equal(t, c.absent, m.Eval(empty), "missing: %s", c.rule)
		require.Equal(t, c.alice == segment.True, m.Match(a), c.rule)
	}
	// A profile of an equal schema matches; of another, by field name.
	m := segment.MustCompile(`country = "CN"`, s)
	require.True(t, m.Match(alice(t, testSchema(t))))
	other, err := segment.NewSchema(append([]segment.Field{{Name: "extra", Type: segment.Number}}, s.Fields()...)...)
	require.NoError(t, err)
	op := other.NewProfile("x", asOf)
	require.NoError(t, op.SetString("country", "CN"))
	require.True(t, m.Match(op))
	require.NoError(t, m.Check(op))
}

func TestExplain(t *testing.T) {
	s := testSchema(t)
	m := segment.MustCompile(`recency_days <= 30 and (email starts_with "a" or tags contains "vip") and last_purchase within 7d`, s)
	e := m.Explain(alice(t, s))
	require.False(t, e.Matched)
	require.Equal(t, segment.False, e.Result)
	var lines []string
	for _, c := range e.Clauses {
		lines = append(lines, c.Clause.Text+" → "+c.Result.String()+" (read "+c.Value.String()+")")
	}
	require.Equal(t, []string{
		`recency_days <= 30 → true (read 12)`,
		`email starts_with "a" → unknown (read missing)`,
		`tags contains "vip" → true (read ["vip", "newsletter"])`,
		`last_purchase within 1w → false (read @2025-06-18T00:00:00Z)`,
	}, lines)
	require.Len(t, m.Clauses(), 4)
	// Matching allocates nothing; explaining, one slice of results.
	p := alice(t, s)
	require.Zero(t, testing.AllocsPerRun(100, func() { m.Match(p) }))
	require.Equal(t, 1.0, testing.AllocsPerRun(100, func() { _ = m.Explain(p) }))
	// ExplainTo into a reused explanation: none, and the same answer.
	var again segment.Explanation
	m.ExplainTo(p, &again)
	require.Equal(t, m.Explain(p), again)
	require.Zero(t, testing.AllocsPerRun(100, func() { m.ExplainTo(p, &again) }))
	m.ExplainTo(nil, &again)
	require.Equal(t, segment.Unknown, again.Result)
	require.False(t, again.Matched)
	require.Len(t, again.Clauses, 4)
}

func TestSchemaAndProfileRefusals(t *testing.T) {
	_, err := segment.NewSchema(segment.Field{Name: "1x", Type: segment.Number}, segment.Field{Name: "and", Type: segment.String},
		segment.Field{Name: "ok", Type: 42}, segment.Field{Name: "dup", Type: segment.Bool}, segment.Field{Name: "dup", Type: segment.Bool})
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{`"1x" is not a field name`, `"and" is not a field name`, "ok: unknown type 42", "dup: declared twice"} {
		require.ErrorContains(t, err, want)
	}
	s := testSchema(t)
	p := s.NewProfile("x", asOf)
	require.ErrorContains(t, p.SetNumber("country", 1), `field "country" is a string, not a number`)
	require.ErrorContains(t, p.SetString("nope", "x"), `unknown field "nope"`)
	require.ErrorContains(t, p.SetTime("signup_date", time.Time{}), "zero time")
	require.ErrorContains(t, p.SetNumber("monetary", 1/zero()), "not a finite number")
	require.NoError(t, p.SetString("country", "CN"))
	v, ok := p.Get("country")
	require.True(t, ok)
	require.Equal(t, "CN", v)
	require.NoError(t, p.Unset("country"))
	_, ok = p.Get("country")
	require.False(t, ok)
	require.True(t, strings.HasPrefix(segment.StringSet.String(), "string set"))
}

func zero() float64 { return 0 }

func TestNarrowSchemas(t *testing.T) {
	s := testSchema(t)
	m := segment.MustCompile(`recency_days <= 30 and (country = "CN" or recency_days > 100) and tags contains "vip"`, s)
	require.Equal(t, []string{"recency_days", "country", "tags"}, m.Fields())
	small, err := s.Only(m.Fields()...)
	require.NoError(t, err)
	require.Len(t, small.Fields(), 3)
	_, err = s.Only("nope")
	require.ErrorContains(t, err, `unknown field "nope"`)
	block := make([]*segment.Profile, 3)
	for i := range block {
		block[i] = small.NewProfile(fmt.Sprint(i), asOf)
		require.NoError(t, block[i].SetNumber("recency_days", float64(10*i)))
		require.NoError(t, block[i].SetString("country", "CN"))
		require.NoError(t, block[i].SetStrings("tags", []string{"vip"}))
	}
	require.NoError(t, block[1].SetStrings("tags", []string{"basic"}), "setting a set again replaces it")
	cm := segment.MustCompile(m.Rule().String(), small)
	var got []bool
	for i := range block {
		got = append(got, cm.Match(block[i]))
	}
	require.Equal(t, []bool{true, false, true}, got, "profiles do not share fields")
	v, ok := block[1].Get("tags")
	require.True(t, ok)
	require.Equal(t, []string{"basic"}, v)
}

// A matcher compiled against the default schema reads profiles of a
// narrower schema, or of the same fields in another order, by field name
// and gives the same answers; profiles it cannot read (a field missing, or
// of another type) are an error from Check, Bind and Assign, never a
// silent "no match".
func TestMatcherOnProfilesOfAnotherSchema(t *testing.T) {
	full := segment.DefaultSchema()
	m := segment.MustCompile(`recency_days <= 30 and frequency >= 3 and country in ("CN", "US")`, full)
	narrow, err := full.Only("country", "frequency", "recency_days")
	require.NoError(t, err)
	fields := full.Fields()
	slices.Reverse(fields)
	reversed, err := segment.NewSchema(fields...)
	require.NoError(t, err)
	fill := func(s *segment.Schema, id string, recency, freq float64, country string) *segment.Profile {
		p := s.NewProfile(id, asOf)
		require.NoError(t, p.SetNumber("recency_days", recency))
		require.NoError(t, p.SetNumber("frequency", freq))
		require.NoError(t, p.SetString("country", country))
		return p
	}
	cases := []struct {
		recency, freq float64
		country       string
		want          bool
	}{{10, 5, "CN", true}, {40, 5, "CN", false}, {10, 1, "US", false}, {3, 3, "US", true}, {3, 3, "DE", false}}
	for _, s := range []*segment.Schema{full, narrow, reversed} {
		matched := 0
		for i, c := range cases {
			p := fill(s, fmt.Sprint(i), c.recency, c.freq, c.country)
			require.Equal(t, c.want, m.Match(p), "%+v on %d fields", c, len(s.Fields()))
			require.NoError(t, m.Check(p))
			if m.Match(p) {
				matched++
			}
			require.Equal(t, c.want, m.Explain(p).Matched)
		}
		require.Equal(t, 2, matched)
	}
	// Another schema without frequency, and one where country is a set.
	lacking, err := full.Only("country", "recency_days")
	require.NoError(t, err)
	p := lacking.NewProfile("x", asOf)
	require.False(t, m.Match(p))
	require.Equal(t, segment.Unknown, m.Eval(p))
	var ce *segment.CompileError
	require.ErrorAs(t, m.Check(p), &ce)
	require.ErrorContains(t, m.Check(p), "frequency")
	_, err = m.Bind(lacking)
	require.ErrorAs(t, err, &ce)
	retyped, err := segment.NewSchema(segment.Field{Name: "country", Type: segment.StringSet}, segment.Field{Name: "frequency", Type: segment.Number}, segment.Field{Name: "recency_days", Type: segment.Number})
	require.NoError(t, err)
	_, err = m.Bind(retyped)
	require.ErrorContains(t, err, "country")
	// Assign reports it on the first such profile instead of counting
	// nobody.
	seg := &segment.Segmentation{Name: "s", Mode: segment.Exclusive, Segments: []segment.Segment{{Name: "hot", Priority: 1, Rule: m.Rule().String()}}}
	a, err := seg.Compile(full)
	require.NoError(t, err)
	_, err = a.Assign(context.Background(), func(yield func(*segment.Profile, error) bool) { yield(p, nil) }, asOf)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "frequency")
	mem, err := a.Assign(context.Background(), func(yield func(*segment.Profile, error) bool) { yield(fill(narrow, "n", 1, 9, "US"), nil) }, asOf)
	require.NoError(t, err)
	require.Equal(t, 1, mem.Counts["hot"])
}

// A rule's fields can be listed without a schema.
func TestRuleFields(t *testing.T) {
	r, err := segment.Parse(`recency_days <= 30 and not (country in ("CN") or tags contains "vip") and recency_days > 1 and email exists`)
	require.NoError(t, err)
	require.Equal(t, []string{"recency_days", "country", "tags", "email"}, segment.RuleFields(r))
	require.Empty(t, segment.RuleFields(nil))
}

// TestMatchOfAndsIsEval: Match tests a rule that is an and of simple
// conditions in a loop of its own; on values at and beside every bound,
// missing fields and every comparison it answers as Eval.
func TestMatchOfAndsIsEval(t *testing.T) {
	s := segment.DefaultSchema()
	rules := []string{
		`recency_days < 30 and frequency >= 3`, `recency_days <= 30 and frequency > 3 and monetary = 500`,
		`monetary between 100 and 500 and country in ("CN", "US")`, `country = "DE" and frequency != 2`,
		`frequency >= 0 and recency_days > -1`, `recency_days < 30`, `tier = "Gold" and clv >= 0.1`,
		`country in () and frequency >= 1`, `recency_days < 30 and (frequency > 2 or monetary < 5)`,
		`not (recency_days < 30) and frequency >= 3`,
	}
	values := []float64{-1, 0, 0.1, 2, 3, 4, 29, math.Nextafter(30, 0), 30, math.Nextafter(30, 100), 31, 100, 499.99, 500, 500.01}
	countries := []string{"", "CN", "US", "DE"}
	rng := rand.New(rand.NewPCG(9, 9))
	profiles := make([]*segment.Profile, 3000)
	for i := range profiles {
		p := s.NewProfile(fmt.Sprint(i), asOf)
		for _, f := range []string{"recency_days", "frequency", "monetary", "clv"} {
			if rng.IntN(8) > 0 { // now and then missing
				require.NoError(t, p.SetNumber(f, values[rng.IntN(len(values))]))
			}
		}
		if c := countries[rng.IntN(len(countries))]; c != "" {
			require.NoError(t, p.SetString("country", c))
		}
		if rng.IntN(2) == 0 {
			require.NoError(t, p.SetString("tier", "Gold"))
		}
		profiles[i] = p
	}
	for _, text := range rules {
		m := segment.MustCompile(text, s)
		matched := 0
		for _, p := range profiles {
			want := m.Eval(p) == segment.True
			require.Equal(t, want, m.Match(p), "%s on %s", text, p.CustomerID)
			if want {
				matched++
			}
		}
		if !strings.Contains(text, "in ()") {
			require.Positive(t, matched, text)
		}
	}
}
