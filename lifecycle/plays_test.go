package lifecycle_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

func thankYou(t *testing.T) *lifecycle.CompiledPlay {
	p, err := lifecycle.Play{
		Name: "thank loyal customers", Stage: lifecycle.Loyal,
		Channels: []crm.Channel{crm.ChannelEmail, crm.ChannelSMS, crm.ChannelPhone},
		Subject:  "Thank you, {{.Name}}",
		Brief:    "Thanks for {{.purchases}} orders, {{.Name}}.",
		Personal: "Dear {{.Name}}, {{.AccountManager}} here: thank you for {{.purchases}} orders.",
	}.Compile(nil)
	require.NoError(t, err)
	return p
}

func TestPlayRendersInTheCustomersStyle(t *testing.T) {
	p := thankYou(t)
	at := time.Date(2025, 7, 1, 14, 0, 0, 0, time.UTC)
	brief := crm.Customer{ID: "c1", Name: "Ana", Preferences: crm.Preferences{Channels: []crm.Channel{crm.ChannelSMS, crm.ChannelEmail}}}
	m, err := p.Render(t.Context(), brief, map[string]any{"purchases": 7}, at, nil, nil)
	require.NoError(t, err)
	require.Equal(t, lifecycle.Message{CustomerID: "c1", Play: "thank loyal customers", Channel: crm.ChannelSMS, Style: crm.StyleAutomated,
		Subject: "Thank you, Ana", Body: "Thanks for 7 orders, Ana.", SendAt: at}, m)
	personal := brief
	personal.Preferences = crm.Preferences{Style: crm.StylePersonal, AccountManager: "Ben"}
	m, err = p.Render(t.Context(), personal, map[string]any{"purchases": 7}, at, nil, nil)
	require.NoError(t, err)
	require.Equal(t, "Dear Ana, Ben here: thank you for 7 orders.", m.Body)
	require.Equal(t, crm.ChannelEmail, m.Channel, "no preference: the play's first channel")

	// A missing field is an error, never "Dear customer".
	nameless := brief
	nameless.Name = ""
	_, err = p.Render(t.Context(), nameless, map[string]any{"purchases": 7}, at, nil, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `map has no entry for key "Name"`)
	_, err = p.Render(t.Context(), personal, nil, at, nil, nil)
	require.ErrorContains(t, err, `"purchases"`)
}

func TestPlayContactRules(t *testing.T) {
	p := thankYou(t)
	data := map[string]any{"purchases": 3}
	at := time.Date(2025, 7, 1, 23, 30, 0, 0, time.UTC)
	c := crm.Customer{ID: "c", Name: "Ana", TimeZone: "Europe/Berlin", Preferences: crm.Preferences{QuietHours: "22:00-08:00"}}
	// 23:30 UTC is 01:30 in Berlin (summer time): inside the quiet hours,
	// so the message waits for 08:00 Berlin time.
	m, err := p.Render(t.Context(), c, data, at, nil, nil)
	require.NoError(t, err)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	require.Equal(t, time.Date(2025, 7, 2, 8, 0, 0, 0, berlin), m.SendAt)
	early := time.Date(2025, 7, 1, 19, 0, 0, 0, time.UTC) // 21:00 Berlin: fine
	m, err = p.Render(t.Context(), c, data, early, nil, nil)
	require.NoError(t, err)
	require.Equal(t, early, m.SendAt)
	late := time.Date(2025, 7, 1, 20, 30, 0, 0, time.UTC) // 22:30 Berlin: until tomorrow 08:00
	m, err = p.Render(t.Context(), c, data, late, nil, nil)
	require.NoError(t, err)
	require.Equal(t, time.Date(2025, 7, 2, 8, 0, 0, 0, berlin), m.SendAt)

	// Frequency cap: two in the last week already.
	sent := []time.Time{at.Add(-24 * time.Hour), at.Add(-6 * 24 * time.Hour), at.Add(-30 * 24 * time.Hour)}
	_, err = p.Render(t.Context(), c, data, at, sent, nil)
	var ns *lifecycle.NotSentError
	require.True(t, errors.As(err, &ns))
	require.ErrorIs(t, err, lifecycle.ErrNotSent)
	require.Contains(t, ns.Reason, "frequency cap: 2 messages")
	_, err = p.Render(t.Context(), c, data, at, sent, &lifecycle.PlayOptions{Cap: 3})
	require.NoError(t, err)

	optedOut := c
	optedOut.Preferences.DoNotContact = true
	_, err = p.Render(t.Context(), optedOut, data, at, nil, nil)
	require.ErrorContains(t, err, "asked not to be contacted")
	appOnly := c
	appOnly.Preferences.Channels = []crm.Channel{crm.ChannelApp}
	_, err = p.Render(t.Context(), appOnly, data, at, nil, nil)
	require.ErrorContains(t, err, "none of the play's channels")

	_, err = lifecycle.Play{Name: "", Channels: []crm.Channel{"Pigeon Post"}, Brief: "{{.Name"}.Compile(nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{"name: empty", `"Pigeon Post" is not a channel`, "brief: template"} {
		require.ErrorContains(t, err, want)
	}
}

// A play that calls the customer "Dear customer" is refused, in any
// language on the list; a personal message must read the customer's own
// fields; the list is the host's to change.
func TestPlaysAddressTheCustomer(t *testing.T) {
	for _, c := range []struct {
		play lifecycle.Play
		want string
	}{
		{lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: "DEAR CUSTOMER, thanks for {{.purchases}} orders."}, `brief: "Dear customer" is a generic greeting`},
		{lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Subject: "尊敬的客户，您好", Brief: "{{.Name}}"}, `subject: "尊敬的客户" is a generic greeting`},
		{lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Personal: "Thanks for your {{.purchases}} orders!"}, "personal: a personal message reads none of the customer's own fields"},
	} {
		_, err := c.play.Compile(nil)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, c.want)
	}
	for _, ok := range []string{"Hello {{.Name}}", "{{range .Interests}}{{.}} {{end}}", "{{if $.AccountManager}}{{$.AccountManager}} will call{{end}}", "{{with .Country}}{{.}}{{end}}"} {
		_, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Personal: ok}.Compile(nil)
		require.NoError(t, err, ok)
	}
	_, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: "Dear customer"}.Compile(&lifecycle.CompileOptions{GenericGreetings: []string{}})
	require.NoError(t, err, "an empty list allows every greeting")
	_, err = lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: "Hi friend"}.Compile(&lifecycle.CompileOptions{GenericGreetings: []string{"hi friend"}})
	require.ErrorContains(t, err, `"hi friend" is a generic greeting`)
	// Interests and important dates reach the templates.
	p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail},
		Personal: `{{.Name}}, new for {{index .Interests 0}}{{range .ImportantDates}}; happy {{.Label}}{{end}}`}.Compile(nil)
	require.NoError(t, err)
	m, err := p.Render(t.Context(), crm.Customer{ID: "c1", Name: "Ana", Preferences: crm.Preferences{Style: crm.StylePersonal, Interests: []string{"trail running"},
		ImportantDates: []crm.ImportantDate{{Label: "birthday", Month: 6, Day: 12}}}}, nil, time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), nil, nil)
	require.NoError(t, err)
	require.Equal(t, "Ana, new for trail running; happy birthday", m.Body)
}

// A play that reads what the company inferred about the customer goes out
// only with the customer's own consent to profiling.
func TestInferredDataNeedsProfilingConsent(t *testing.T) {
	p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail},
		Brief: `{{.Name}}, new for {{index .Interests 0}} and your size {{$.shoe_size}}`}.Compile(nil)
	require.NoError(t, err)
	require.Equal(t, []string{"Interests", "Name", "shoe_size"}, p.Reads())
	at := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	consent := func(src crm.ConsentSource) []crm.Consent {
		return []crm.Consent{{Purpose: crm.PurposeProfiling, Given: true, Source: src, At: at.AddDate(0, -1, 0)}}
	}
	c := crm.Customer{ID: "c1", Name: "Ana", CreatedAt: at.AddDate(-1, 0, 0), Inferred: []string{"interests"},
		Attributes:  map[string]crm.Value{"shoe_size": crm.NumberValue(38)},
		Preferences: crm.Preferences{Interests: []string{"trail running"}}}
	require.NoError(t, c.Validate())
	_, err = p.Render(t.Context(), c, nil, at, nil, nil)
	var ns *lifecycle.NotSentError
	require.ErrorAs(t, err, &ns)
	require.Equal(t, lifecycle.InferredData, ns.Code)
	require.Contains(t, ns.Reason, "reads interests, which the customer did not give")
	c.Preferences.Consents = consent(crm.ConsentInferred)
	_, err = p.Render(t.Context(), c, nil, at, nil, nil)
	require.ErrorAs(t, err, &ns, "an inferred consent does not count")
	c.Preferences.Consents = consent(crm.ConsentProvided)
	m, err := p.Render(t.Context(), c, nil, at, nil, nil)
	require.NoError(t, err)
	require.Equal(t, "Ana, new for trail running and your size 38", m.Body)
	// An inferred attribute counts the same; a play not reading it does not care.
	c.Preferences.Consents, c.Inferred = nil, []string{"attributes.shoe_size"}
	_, err = p.Render(t.Context(), c, nil, at, nil, nil)
	require.ErrorAs(t, err, &ns)
	plain, err := lifecycle.Play{Name: "q", Channels: []crm.Channel{crm.ChannelEmail}, Brief: "Hello {{.Name}}"}.Compile(nil)
	require.NoError(t, err)
	_, err = plain.Render(t.Context(), c, nil, at, nil, nil)
	require.NoError(t, err)
	c.Inferred = []string{"email", "attributes.9x"}
	require.ErrorContains(t, c.Validate(), `inferred[0]: "email" is not a field that can be inferred`)
	require.ErrorContains(t, c.Validate(), `inferred[1]: "attributes.9x"`)
}
