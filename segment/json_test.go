package segment_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

func TestRuleJSON(t *testing.T) {
	text := `recency_days <= 30 and not (country in ("CN", "US") or tags contains "vip") and monetary between 1 and 2.5 and email starts_with "a" and email exists and last_purchase within 30d and signup_date > @2024-01-31T09:30:00Z and vip != false and country not in () and avg_session < 90s`
	r, err := segment.Parse(text)
	require.NoError(t, err)
	b, err := segment.MarshalRule(r)
	require.NoError(t, err)
	back, err := segment.UnmarshalRule(b)
	require.NoError(t, err)
	require.Equal(t, r, back)
	// The documented form, by example.
	small, err := segment.MarshalRule(segment.And{Rules: []segment.Rule{
		segment.Compare{Field: "recency_days", Op: segment.Le, Value: segment.Num(30)},
		segment.Within{Field: "last_purchase", Last: 30 * 24 * 3600 * 1e9},
	}})
	require.NoError(t, err)
	require.JSONEq(t, `{"and":[{"field":"recency_days","op":"<=","value":30},{"field":"last_purchase","op":"within","value":{"duration":"30d"}}]}`, string(small))

	for _, c := range []struct{ in, want string }{
		{`[]`, "at $: want an object"},
		{`{"and":[{"field":"x","op":"~","value":1}]}`, `at $.and[0].op: unknown operator "~"`},
		{`{"and":[{"field":"x","op":"=","value":1,"extra":2}]}`, `at $.and[0]: unknown key "extra"`},
		{`{"not":{"field":"x","op":"between","values":[1]}}`, "at $.not.values: between takes two values, got 1"},
		{`{"field":"x","op":"=","value":{"time":"yesterday"}}`, `at $.value: time "yesterday" is not RFC 3339`},
		{`{"field":"x","op":"within","value":{"duration":"30y"}}`, `at $.value: duration "30y" is not like 30d`},
		{`{"field":"x","op":"within","value":3}`, `within takes {"duration": "30d"}`},
		{`{"field":"x","op":"in","values":null}`, "at $.values: want an array of values"},
		{`{"op":"="}`, `want "and", "or", "not", or a condition with a "field" string`},
		{`{"field":"x","op":"contains","value":3}`, "at $.value: want a string"},
	} {
		_, err := segment.UnmarshalRule([]byte(c.in))
		require.ErrorIs(t, err, crm.ErrInvalid, c.in)
		require.ErrorContains(t, err, c.want, c.in)
	}
}

func TestSegmentationJSONRoundTrip(t *testing.T) {
	for _, s := range []*segment.Segmentation{segment.RFMSegments(), segment.CommunicationGroups()} {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var back segment.Segmentation
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, *s, back)
	}
}

// Every rule the package documentation shows compiles against the default
// schema: a reader who copies one gets a rule that works.
func TestDocumentedRulesCompile(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	jsonLine := regexp.MustCompile(`^//\t(\{"(?:field|and|or|not)".*\})\s*(?:\(.*\))?$`)
	textLine := regexp.MustCompile(`^//\t([a-z_]+ (?:<=|>=|=|!=|<|>|in|contains|exists|starts_with|within|between)\b.*)$`)
	quoted := regexp.MustCompile(`"([a-z_]+ (?:exists|= x))"`)
	schema := segment.DefaultSchema()
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for i, line := range strings.Split(string(data), "\n") {
			var r segment.Rule
			if m := jsonLine.FindStringSubmatch(line); m != nil && strings.Contains(m[1], `"field"`) {
				r, err = segment.UnmarshalRule([]byte(m[1]))
			} else if m := textLine.FindStringSubmatch(line); m != nil {
				r, err = segment.Parse(m[1])
			} else if m := quoted.FindStringSubmatch(line); m != nil {
				r, err = segment.Parse(strings.Replace(m[1], "= x", `= "x"`, 1))
			} else {
				continue
			}
			require.NoError(t, err, "%s:%d: %s", f, i+1, line)
			_, err = segment.Compile(r, schema)
			require.NoError(t, err, "%s:%d: %s", f, i+1, line)
			n++
		}
	}
	require.GreaterOrEqual(t, n, 8, "the documentation's examples were found")
}
