package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

func render(t *testing.T, brief string, extra map[string]any) (string, error) {
	t.Helper()
	p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: brief}.Compile(nil)
	if err != nil {
		return "", err
	}
	m, err := p.Render(t.Context(), crm.Customer{ID: "c1", Name: "Ana"}, extra, time.Date(2025, 7, 1, 14, 0, 0, 0, time.UTC), nil, nil)
	return m.Body, err
}

// No play can hang or flood its host: loops run out of steps, text built
// in variables runs out of bytes, output stops at MaxMessageBytes, printf
// widths are bounded, templates cannot call themselves, and the template
// text itself is bounded.
func TestPlayTemplateLimits(t *testing.T) {
	for brief, want := range map[string]string{
		// Nested ranges used to run for ever.
		`{{range 100000}}{{range 100000}}{{range 100000}}x{{end}}{{end}}{{end}}`: "MaxRenderSteps (1000000)",
		`{{range 1000000000}}{{end}}`:                                            "MaxRenderSteps",
		`{{range $i := 60000}}{{end}}{{range 60000}}{{end}}`:                     "MaxRenderSteps",
		`{{range .items}}{{.}}{{end}}`:                                           "MaxRenderSteps",
		// A long body of quiet actions used to take 19 s in 100,000 passes.
		"{{range 100000}}" + strings.Repeat("{{$x := 1}}", 5800) + "{{end}}": "MaxRenderSteps",
		// Doubling a variable each pass used to build 2^40 bytes.
		`{{$x := "ab"}}{{range 40}}{{$x = print $x $x}}{{end}}`:         "MaxBuiltBytes (8388608)",
		`{{$x := "ab"}}{{range 40}}{{$x = printf "%s%s" $x $x}}{{end}}`: "MaxBuiltBytes",
		`{{$x := "<"}}{{range 40}}{{$x = html $x $x}}{{end}}`:           "MaxBuiltBytes",
		`{{range 10000}}{{$x := js $.big}}{{end}}`:                      "MaxBuiltBytes",
		`{{range 2000}}{{printf "%1000d" 1}}{{end}}`:                    "MaxMessageBytes (1048576)",
		`{{printf "%999999999d" 1}}`:                                    "a width or precision above 1000",
		`{{printf "%.999999999f" 1.0}}`:                                 "a width or precision above 1000",
		`{{printf "%*d" 999999999 1}}`:                                  "(*) are not allowed",
		`{{printf .fmt 1}}`:                                             "a width or precision above 1000",
	} {
		_, err := render(t, brief, map[string]any{"fmt": "%99999999s", "items": make([]int, 2_000_000), "big": strings.Repeat("'", 1000)})
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
	// A pass of an empty body costs PassSteps and the body's list, of
	// {{.}} three more (the action's pipeline and command, the dot).
	got, err = render(t, `{{range 45000}}{{end}}{{range 45000}}{{end}}{{printf "%5.1f|%-4s|" 3.14159 "ab"}}`, nil)
	require.NoError(t, err)
	require.Equal(t, "  3.1|ab  |", got)
	_, err = render(t, `{{range .items}}{{.}}{{end}}`, map[string]any{"items": make([]int, lifecycle.MaxRenderSteps/(lifecycle.PassSteps+4))})
	require.NoError(t, err)
	_, err = render(t, `{{range .items}}{{.}}{{end}}`, map[string]any{"items": make([]int, lifecycle.MaxRenderSteps/(lifecycle.PassSteps+4)+1)})
	require.ErrorContains(t, err, "MaxRenderSteps")
	// The text functions still do what text/template's do.
	got, err = render(t, `{{print "a" 1}}|{{println "b"}}|{{html "<&>"}}|{{js "'"}}|{{urlquery "a b"}}|{{"x" | printf "%s!"}}`, nil)
	require.NoError(t, err)
	require.Equal(t, "a1|b\n|&lt;&amp;&gt;|\\'|a+b|x!", got)
}

// A render stops at the next pass of a loop once its context is done, and
// does not start when it is done already.
func TestRenderHonoursContext(t *testing.T) {
	p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: `{{range 10}}{{range 3}}{{call $.f}}{{end}}{{end}}`}.Compile(nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	f := func() string {
		calls++
		if calls == 2 {
			cancel()
		}
		return "x"
	}
	at := time.Date(2025, 7, 1, 14, 0, 0, 0, time.UTC)
	_, err = p.Render(ctx, crm.Customer{ID: "c1"}, map[string]any{"f": f}, at, nil, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 2, calls, "the pass after the cancellation does not run")
	calls = 0
	_, err = p.Render(ctx, crm.Customer{ID: "c1"}, map[string]any{"f": f}, at, nil, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, calls)
	m, err := p.Render(t.Context(), crm.Customer{ID: "c1"}, map[string]any{"f": func() string { return "y" }}, at, nil, nil)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("y", 30), m.Body)

	// A long template outside loops looks at its context every few
	// hundred nodes too.
	p, err = lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: strings.Repeat(`{{call $.f}}`, 1000)}.Compile(nil)
	require.NoError(t, err)
	ctx2, cancel2 := context.WithCancel(t.Context())
	defer cancel2()
	calls = 0
	_, err = p.Render(ctx2, crm.Customer{ID: "c1"}, map[string]any{"f": func() string { calls++; cancel2(); return "x" }}, at, nil, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, calls, 100)
	m, err = p.Render(t.Context(), crm.Customer{ID: "c1"}, map[string]any{"f": func() string { return "y" }}, at, nil, nil)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("y", 1000), m.Body, "the ticks write nothing")
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
