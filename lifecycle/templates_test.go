package lifecycle_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

func render(t *testing.T, brief string, extra map[string]any) (string, error) {
	t.Helper()
	p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: brief}.Compile()
	if err != nil {
		return "", err
	}
	m, err := p.Render(crm.Customer{ID: "c1", Name: "Ana"}, extra, time.Date(2025, 7, 1, 14, 0, 0, 0, time.UTC), nil, nil)
	return m.Body, err
}

// No play can hang or flood its host: nested loops run out of budget,
// output stops at MaxMessageBytes, printf widths are bounded, templates
// cannot call themselves, and the template text itself is bounded.
func TestPlayTemplateLimits(t *testing.T) {
	for brief, want := range map[string]string{
		// Nested ranges used to run for ever.
		`{{range 100000}}{{range 100000}}{{range 100000}}x{{end}}{{end}}{{end}}`: "MaxRangeIterations (100000)",
		`{{range 1000000000}}{{end}}`:                                            "MaxRangeIterations",
		`{{range $i := 60000}}{{end}}{{range 60000}}{{end}}`:                     "MaxRangeIterations",
		`{{range 2000}}{{printf "%1000d" 1}}{{end}}`:                             "MaxMessageBytes (1048576)",
		`{{printf "%999999999d" 1}}`:                                             "a width or precision above 1000",
		`{{printf "%.999999999f" 1.0}}`:                                          "a width or precision above 1000",
		`{{printf "%*d" 999999999 1}}`:                                           "(*) are not allowed",
		`{{printf .fmt 1}}`:                                                      "a width or precision above 1000",
		`{{range .items}}{{.}}{{end}}`:                                           "MaxRangeIterations",
	} {
		_, err := render(t, brief, map[string]any{"fmt": "%99999999s", "items": make([]int, 200_000)})
		require.ErrorIs(t, err, crm.ErrInvalid, brief)
		require.ErrorContains(t, err, want, brief)
	}
	for brief, want := range map[string]string{
		`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`: "define and block are not supported",
		`{{block "b" .}}x{{end}}`:                               "define and block are not supported",
		`{{template "x"}}`:                                      "not supported in a play",
		strings.Repeat("x", lifecycle.MaxTemplateBytes+1):       "MaxTemplateBytes",
	} {
		_, err := render(t, brief, nil)
		var ve *crm.ValidationError
		require.ErrorAs(t, err, &ve, brief)
		require.ErrorContains(t, err, want)
	}
	// Within the limits, loops work as text/template's do.
	got, err := render(t, `{{range $i, $o := .offers}}{{if $i}}, {{end}}{{$o}}{{end}} for {{.Name}}{{range 3}}!{{end}}{{range .none}}x{{else}}.{{end}}`,
		map[string]any{"offers": []string{"tea", "cake"}, "none": []int{}})
	require.NoError(t, err)
	require.Equal(t, "tea, cake for Ana!!!.", got)
	got, err = render(t, `{{range 50000}}{{end}}{{range 50000}}{{end}}{{printf "%5.1f|%-4s|" 3.14159 "ab"}}`, nil)
	require.NoError(t, err)
	require.Equal(t, "  3.1|ab  |", got)
}

// The customer's own fields cannot be overridden by an attribute of the
// same name ("Hello Mallory (someone-else)"); the host's extra data can.
func TestTemplateDataBuiltinsWin(t *testing.T) {
	c := crm.Customer{ID: "c1", Name: "Ana", Attributes: map[string]crm.Value{
		"Name": crm.StringValue("Mallory"), "CustomerID": crm.StringValue("someone-else"), "plan": crm.StringValue("gold"),
	}}
	d := lifecycle.TemplateData(c, nil)
	require.Equal(t, "Ana", d["Name"])
	require.Equal(t, "c1", d["CustomerID"])
	require.Equal(t, "gold", d["plan"])
	nameless := c
	nameless.Name = ""
	_, ok := lifecycle.TemplateData(nameless, nil)["Name"]
	require.False(t, ok, "an attribute does not stand in for a missing name")
	require.Equal(t, "Bo", lifecycle.TemplateData(c, map[string]any{"Name": "Bo"})["Name"])
}
