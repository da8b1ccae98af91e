package lifecycle

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/crmkit/crm"
)

// TestQuickRenderMatchesTheEngine renders many templates for many
// customers both ways: wherever the quick path answers, the template
// engine gives the same text, and templateField agrees with TemplateData
// on every key.
func TestQuickRenderMatchesTheEngine(t *testing.T) {
	templates := []string{
		"Hello {{.Name}}", "{{.Name}}", "plain text", "", "{{.Name}}{{.offer}}{{.Region}}!",
		"Dear {{.Name}}, {{.AccountManager}} here about {{.offer}}.", "{{.tier}} {{.CustomerID}}",
		"{{.Interests}}", "{{.visits}}", "{{.Email}} {{.Phone}} {{.Country}}", "{{.missing}}",
		"{{if .Name}}{{.Name}}{{end}}", "{{.Name | printf \"%s\"}}", "{{$.Name}}", "{{.Name.x}}",
		"{{/* a comment */}}{{.Name}}", "{{- .Name -}} , {{.offer}}", "{{.ImportantDates}}", "{{.nil}}",
	}
	rng := rand.New(rand.NewPCG(19, 1))
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	quick := 0
	for i := range 400 {
		c := crm.Customer{ID: fmt.Sprintf("C%d", i), Name: pick("", "Ana", "Mei"), Email: pick("", "a@example.com"), Phone: pick("", "+4930123"),
			Demographics: crm.Demographics{Country: pick("", "DE"), Region: pick("", "Bavaria")},
			Preferences:  crm.Preferences{AccountManager: pick("", "Tom")},
			Attributes:   map[string]crm.Value{}}
		if rng.IntN(2) == 0 {
			c.Preferences.Interests = []string{"shoes"}
		}
		if rng.IntN(2) == 0 {
			c.Preferences.ImportantDates = []crm.ImportantDate{{Label: "birthday", Month: 5, Day: 3}}
		}
		if rng.IntN(2) == 0 {
			c.Attributes["tier"] = crm.StringValue(pick("gold", ""))
		}
		if rng.IntN(2) == 0 {
			c.Attributes["visits"] = crm.NumberValue(3)
		}
		if rng.IntN(3) == 0 {
			c.Attributes["Name"] = crm.StringValue("Impostor")
		}
		extra := map[string]any{}
		if rng.IntN(2) == 0 {
			extra["offer"] = pick("10% off", "")
		}
		if rng.IntN(4) == 0 {
			extra["Name"] = "From the host"
		}
		if rng.IntN(4) == 0 {
			extra["nil"] = nil
		}
		data := TemplateData(c, extra)
		for _, k := range []string{"CustomerID", "Name", "Email", "Phone", "Country", "Region", "AccountManager", "Interests", "ImportantDates", "tier", "visits", "offer", "nil", "missing"} {
			got, ok := templateField(&c, extra, k)
			want, wantOK := data[k]
			if ok != wantOK || !reflect.DeepEqual(got, want) {
				t.Fatalf("customer %d key %s: templateField %v %v, TemplateData %v %v", i, k, got, ok, want, wantOK)
			}
		}
		for _, text := range templates {
			if text == "" {
				continue
			}
			pt, err := parsePlayTemplate("body", text)
			if err != nil {
				t.Fatal(err)
			}
			fast, ok := pt.quick(func(k string) (any, bool) { return templateField(&c, extra, k) })
			slow, err := pt.execute(data, newBudget(context.Background()))
			if !ok {
				continue
			}
			quick++
			if err != nil || fast != slow {
				t.Fatalf("customer %d, %q: quick %q, engine %q (%v)", i, text, fast, slow, err)
			}
		}
	}
	t.Logf("%d renders compared", quick)
	if quick < 1000 {
		t.Fatalf("the quick path answered only %d renders", quick)
	}
}
