package lifecycle_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

// FuzzPlay: any play template compiles or is refused, and rendering it
// never panics, stays within MaxMessageBytes, and ends (within the
// fuzzer's own per-input deadline: MaxRenderSteps keeps every render to
// tens of milliseconds).
func FuzzPlay(f *testing.F) {
	for _, seed := range []string{
		"Dear {{.Name}}, thanks for {{.purchases}} orders.", "{{range .offers}}{{.}}, {{end}}",
		// Hostile: nested loops, huge widths, self-calls, long output.
		"{{range 100000}}{{range 100000}}{{range 100000}}x{{end}}{{end}}{{end}}", `{{printf "%999999999d" 1}}`,
		`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, `{{range 2000}}{{printf "%1000d" 1}}{{end}}`,
		`{{printf "%*d" 99999999 1}}`, `{{.Name | printf "%s%s%s"}}`, "{{range $i, $e := .offers}}{{$i}}{{break}}{{end}}",
		strings.Repeat("{{if .Name}}", 50) + strings.Repeat("{{end}}", 50),
		// A long quiet body in many passes (19 s), a variable doubled each
		// pass (2^40 bytes).
		"{{range 100000}}" + strings.Repeat("{{$x := 1}}", 5800) + "{{end}}",
		`{{$x := "ab"}}{{range 40}}{{$x = print $x $x}}{{end}}`, `{{$x := "<"}}{{range 40}}{{$x = html $x $x}}{{end}}`,
	} {
		f.Add(seed)
	}
	c := crm.Customer{ID: "c1", Name: "Ana", Attributes: map[string]crm.Value{"Name": crm.StringValue("Mallory")}}
	at := time.Date(2025, 7, 1, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, text string) {
		p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Subject: text, Brief: text}.Compile(nil)
		if err != nil {
			return
		}
		m, err := p.Render(t.Context(), c, map[string]any{"purchases": 3, "offers": []string{"tea", "cake"}}, at, nil, nil)
		if err != nil {
			return
		}
		if len(m.Body) > lifecycle.MaxMessageBytes || len(m.Subject) > lifecycle.MaxMessageBytes {
			t.Fatalf("a message of %d bytes", len(m.Body))
		}
		if strings.Contains(m.Body, "Mallory") && !strings.Contains(text, "Mallory") {
			t.Fatalf("an attribute overrode the customer's name: %q", m.Body)
		}
	})
}

// FuzzPolicy: any policy JSON decodes and validates or is refused, and a
// policy that validates answers Allows and Mermaid without panicking.
func FuzzPolicy(f *testing.F) {
	def, err := json.Marshal(lifecycle.DefaultPolicy())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(def))
	for _, seed := range []string{
		`{"stages":[{"name":"a","rule":"` + strings.Repeat("(", 5000) + `"}]}`,
		`{"stages":[{"name":"a","rule":"` + strings.Repeat("not ", 150) + `x exists"}]}`,
		`{"stages":[{"name":"a","rule":"country = \"\\u0000\""}]}`, `{"stages":null}`, `{}`, `[]`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var p lifecycle.Policy
		if json.Unmarshal([]byte(data), &p) != nil || p.Validate() != nil {
			return
		}
		_ = p.Mermaid()
		for _, s := range p.Stages {
			_ = p.Allows(s.Name, s.Name)
		}
	})
}
