package campaign_test

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/lifecycle"
)

var march = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func eur(s string) crm.Money { return crm.Money{Amount: decimal.RequireFromString(s), Currency: "EUR"} }

func plays() []lifecycle.Play {
	return []lifecycle.Play{
		{Name: "offer", Channels: []crm.Channel{crm.ChannelEmail}, Subject: "For you, {{.Name}}", Brief: "Dear {{.Name}}, {{.offer}}."},
		{Name: "text offer", Channels: []crm.Channel{crm.ChannelSMS}, Brief: "{{.Name}}: {{.offer}}"},
		{Name: "thanks", Channels: []crm.Channel{crm.ChannelEmail}, Brief: "Thank you, {{.Name}}."},
	}
}

func newManager(t *testing.T, log campaign.Store) *campaign.Manager {
	t.Helper()
	m, err := campaign.NewManager(log, campaign.NewMemoryCampaigns(), plays(), &campaign.Options{Clock: func() time.Time { return march.AddDate(0, -4, 0) }})
	require.NoError(t, err)
	return m
}

func running(t *testing.T, m *campaign.Manager, c campaign.Campaign) {
	t.Helper()
	ctx := context.Background()
	_, err := m.Create(ctx, c)
	require.NoError(t, err)
	_, err = m.Approve(ctx, c.ID)
	require.NoError(t, err)
	_, err = m.Start(ctx, c.ID)
	require.NoError(t, err)
}

func spring(id string, kind campaign.Kind, control float64) campaign.Campaign {
	return campaign.Campaign{ID: id, Name: id, Objective: "a second purchase", Owner: "Ana", Kind: kind, Plays: []string{"offer", "text offer"},
		Audience: campaign.Audience{Rule: `buyer = true`}, Start: march, End: march.AddDate(0, 1, 0), Budget: eur("1000"), CostPerContact: eur("0.50"), ControlShare: control, Success: campaign.Converted}
}

func targets(ts ...campaign.Target) iter.Seq2[campaign.Target, error] {
	return func(yield func(campaign.Target, error) bool) {
		for _, t := range ts {
			if !yield(t, nil) {
				return
			}
		}
	}
}

func customer(id string, prefs crm.Preferences) campaign.Target {
	return campaign.Target{Customer: crm.Customer{ID: id, Name: "Ana " + id, Preferences: prefs}, Stage: lifecycle.RepeatBuyer,
		Data: map[string]any{"offer": "10% off shoes"}}
}

// Every contact is decided once, with the reason when it is not sent.
func TestRunDecidesEachContactOnce(t *testing.T) {
	ctx := context.Background()
	log := campaign.NewMemoryStore()
	m := newManager(t, log)
	running(t, m, spring("spring", campaign.Sales, 0))
	loyal := customer("loyal", crm.Preferences{})
	loyal.Stage = lifecycle.Loyal
	noOffer := customer("nooffer", crm.Preferences{})
	noOffer.Data = nil
	all := []campaign.Target{
		customer("ok", crm.Preferences{}),
		customer("sms", crm.Preferences{Channels: []crm.Channel{crm.ChannelSMS}}),
		customer("dnc", crm.Preferences{DoNotContact: true}),
		customer("post", crm.Preferences{Channels: []crm.Channel{crm.ChannelPhone}}),
		loyal, noOffer,
	}
	tally, err := m.Run(ctx, "spring", march, targets(all...))
	require.NoError(t, err)
	require.Equal(t, 6, tally.Decided)
	require.Equal(t, 2, tally.Sent)
	require.Equal(t, map[campaign.Reason]int{campaign.DoNotContact: 1, campaign.NoChannel: 1, campaign.StageGuard: 1, campaign.BadTemplate: 1}, tally.Suppressed)
	require.True(t, tally.Cost.Amount.Equal(decimal.RequireFromString("1.00")))
	sms, err := log.Contact(ctx, "spring/sms")
	require.NoError(t, err)
	require.Equal(t, "text offer", sms.Play, "the first play with a channel the customer accepts")
	require.Equal(t, "Ana sms: 10% off shoes", sms.Body)
	for c, err := range log.CampaignContacts(ctx, "spring") {
		require.NoError(t, err)
		require.True(t, c.Sent || (c.Reason != "" && c.Detail != ""), "every suppression has a reason: %+v", c)
	}
	// Running again, even later, decides nothing it decided before.
	again, err := m.Run(ctx, "spring", march.Add(time.Hour), targets(all...))
	require.NoError(t, err)
	require.Equal(t, 0, again.Decided)
	require.Equal(t, 6, again.Already)
	require.Zero(t, again.Sent)
}

// The frequency cap spans every campaign that shares the log.
func TestFrequencyCapAcrossCampaigns(t *testing.T) {
	ctx := context.Background()
	log := campaign.NewMemoryStore()
	m := newManager(t, log)
	for i := range 3 {
		running(t, m, spring(fmt.Sprint("c", i), campaign.Sales, 0))
	}
	ana := customer("ana", crm.Preferences{})
	for i := range 3 {
		tally, err := m.Run(ctx, fmt.Sprint("c", i), march.Add(time.Duration(i)*time.Hour), targets(ana))
		require.NoError(t, err)
		if i < 2 {
			require.Equal(t, 1, tally.Sent, "campaign %d", i)
		} else {
			require.Equal(t, map[campaign.Reason]int{campaign.FrequencyCap: 1}, tally.Suppressed, "two messages this week already")
		}
	}
	// A week later the cap has room again, for a fourth campaign.
	running(t, m, spring("c3", campaign.Sales, 0))
	tally, err := m.Run(ctx, "c3", march.AddDate(0, 0, 8), targets(ana))
	require.NoError(t, err)
	require.Equal(t, 1, tally.Sent)
}

// The control group is drawn at random but the same every time, near
// its share; the budget stops sending when it is spent.
func TestControlGroupAndBudget(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, campaign.NewMemoryStore())
	c := spring("big", campaign.Service, 0.2)
	c.Budget = eur("2000")
	running(t, m, c)
	var all []campaign.Target
	for i := range 10_000 {
		all = append(all, customer(fmt.Sprintf("C%07d", i), crm.Preferences{}))
	}
	tally, err := m.Run(ctx, "big", march, targets(all...))
	require.NoError(t, err)
	control := tally.Suppressed[campaign.ControlGroup]
	require.InDelta(t, 2000, control, 4*40, "20% of 10,000, within four standard deviations")
	require.Equal(t, 4000, tally.Sent, "2,000 EUR at 0.50 a message")
	require.Equal(t, 10_000-control-4000, tally.Suppressed[campaign.BudgetSpent])
	// The same customers again in a fresh log: the same control group.
	m2 := newManager(t, campaign.NewMemoryStore())
	running(t, m2, c)
	t2, err := m2.Run(ctx, "big", march, targets(all...))
	require.NoError(t, err)
	require.Equal(t, control, t2.Suppressed[campaign.ControlGroup])
}

// Uplift against the control group, worked by hand.
func TestEvaluate(t *testing.T) {
	ctx := context.Background()
	log := campaign.NewMemoryStore()
	m := newManager(t, log)
	running(t, m, spring("winback", campaign.WinBack, 0.5))
	var all []campaign.Target
	for i := range 400 {
		all = append(all, customer(fmt.Sprintf("C%04d", i), crm.Preferences{}))
	}
	tally, err := m.Run(ctx, "winback", march, targets(all...))
	require.NoError(t, err)
	sent, control := tally.Sent, tally.Suppressed[campaign.ControlGroup]
	require.Equal(t, 400, sent+control)
	// A quarter of those sent convert, a tenth of the control group do
	// anyway; every other one sent answers the call.
	var outcomes []campaign.Outcome
	var ks, kc, responded int
	for c, err := range log.CampaignContacts(ctx, "winback") {
		require.NoError(t, err)
		switch {
		case c.Sent && ks%4 == 0:
			outcomes = append(outcomes, campaign.Outcome{ID: c.ID + "/won", Contact: c.ID, Campaign: "winback", Kind: campaign.Converted, At: march.AddDate(0, 0, 5), Value: eur("80")})
			fallthrough
		case c.Sent && ks%2 == 0:
			outcomes = append(outcomes, campaign.Outcome{ID: c.ID + "/call", Contact: c.ID, Campaign: "winback", Kind: campaign.Disposition, At: march.AddDate(0, 0, 1), Note: "accepted the free repair"})
			outcomes = append(outcomes, campaign.Outcome{ID: c.ID + "/answered", Contact: c.ID, Campaign: "winback", Kind: campaign.Responded, At: march.AddDate(0, 0, 1)})
			responded++
		case !c.Sent && kc%10 == 0:
			outcomes = append(outcomes, campaign.Outcome{ID: c.ID + "/won", Contact: c.ID, Campaign: "winback", Kind: campaign.Converted, At: march.AddDate(0, 0, 9)})
		}
		if c.Sent {
			ks++
		} else {
			kc++
		}
	}
	require.NoError(t, m.Record(ctx, outcomes...))
	e, err := m.Evaluate(ctx, "winback")
	require.NoError(t, err)
	conv, convC := (sent+3)/4, (control+9)/10
	require.Equal(t, sent, e.Sent)
	require.Equal(t, control, e.Control)
	require.Equal(t, conv, e.Converted)
	require.Equal(t, convC, e.ControlConverted)
	require.Equal(t, responded, e.Responded)
	require.InDelta(t, float64(conv)/float64(sent)-float64(convC)/float64(control), e.Uplift, 1e-12)
	require.True(t, e.Low < e.Uplift && e.Uplift < e.High && e.Low > 0, "a 15-point uplift on 200 a side is significant: [%.3f, %.3f]", e.Low, e.High)
	require.True(t, e.Cost.Amount.Equal(decimal.NewFromFloat(0.5).Mul(decimal.NewFromInt(int64(sent)))))
	require.True(t, e.CostPerConversion.Amount.Equal(e.Cost.Amount.DivRound(decimal.NewFromInt(int64(conv)), 2)))
	require.True(t, e.Value.Amount.Equal(decimal.NewFromInt(int64(80*conv))))
	require.Equal(t, responded, e.Dispositions["accepted the free repair"])
}

// A message the customer's quiet hours would push past the campaign's end
// is not sent.
func TestQuietHoursPastTheEnd(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, campaign.NewMemoryStore())
	c := spring("flash", campaign.Sales, 0)
	c.End = march.Add(30 * time.Minute) // a half-hour flash sale from 09:00
	running(t, m, c)
	tally, err := m.Run(ctx, "flash", march, targets(customer("night", crm.Preferences{QuietHours: "08:00-10:00"}), customer("day", crm.Preferences{})))
	require.NoError(t, err)
	require.Equal(t, 1, tally.Sent)
	require.Equal(t, map[campaign.Reason]int{campaign.QuietHours: 1}, tally.Suppressed)
}

func TestWorkflowAndValidation(t *testing.T) {
	ctx := context.Background()
	m := newManager(t, campaign.NewMemoryStore()) // the clock reads four months before March
	c := spring("prog", campaign.Inform, 0.1)
	c.Programme = true
	c.Start = march.AddDate(0, -2, 0)
	_, err := m.Create(ctx, c)
	require.NoError(t, err)
	_, err = m.Approve(ctx, "prog")
	var te *crm.TransitionError
	require.ErrorAs(t, err, &te)
	require.Contains(t, te.Reason, "less than 3 months after approval")
	_, err = m.Start(ctx, "prog")
	require.ErrorAs(t, err, &te)
	require.Equal(t, []string{"approved"}, te.Allowed)
	_, err = m.Run(ctx, "prog", march, targets())
	require.ErrorAs(t, err, &te, "a draft sends nothing")

	bad := campaign.Campaign{ID: "a/b", Kind: "spam", Plays: []string{"nope"}, Start: march, End: march, ControlShare: 0.9, Success: "clicked",
		Budget: eur("10"), CostPerContact: crm.Money{Amount: decimal.NewFromInt(1), Currency: "USD"}}
	_, err = m.Create(ctx, bad)
	for _, want := range []string{"audience: empty", "id: \"a/b\"", "objective", "owner", `kind: "spam"`, "end: not after start", "control_share: 0.9", `success: "clicked"`, `cost_per_contact: in "USD"`, `plays: no play "nope"`} {
		require.ErrorContains(t, err, want)
	}
	running(t, m, spring("spring", campaign.Sales, 0))
	_, err = m.Run(ctx, "spring", march.AddDate(0, 2, 0), targets())
	require.ErrorIs(t, err, crm.ErrInvalid, "after the campaign's end")
	_, err = m.Finish(ctx, "spring")
	require.NoError(t, err)
}

// Consent: a refusal stops the message on its channel (another play on a
// consented channel may still go); with RequireConsent only a consent the
// customer gave counts.
func TestConsent(t *testing.T) {
	ctx := context.Background()
	given := func(ch crm.Channel, yes bool, src crm.ConsentSource) crm.Consent {
		return crm.Consent{Purpose: crm.PurposeMarketing, Channel: ch, Given: yes, Source: src, At: march.AddDate(0, -1, 0)}
	}
	noEmail := customer("noemail", crm.Preferences{Consents: []crm.Consent{given(crm.ChannelEmail, false, crm.ConsentProvided)}})
	noneAtAll := customer("none", crm.Preferences{Consents: []crm.Consent{given("", false, crm.ConsentProvided)}})
	inferred := customer("inferred", crm.Preferences{Consents: []crm.Consent{given("", true, crm.ConsentInferred)}})
	provided := customer("provided", crm.Preferences{Consents: []crm.Consent{given(crm.ChannelEmail, true, crm.ConsentProvided)}})
	silent := customer("silent", crm.Preferences{})
	for _, strict := range []bool{false, true} {
		log := campaign.NewMemoryStore()
		m, err := campaign.NewManager(log, campaign.NewMemoryCampaigns(), plays(), &campaign.Options{RequireConsent: strict, Clock: func() time.Time { return march.AddDate(0, -4, 0) }})
		require.NoError(t, err)
		running(t, m, spring("spring", campaign.Sales, 0))
		_, err = m.Run(ctx, "spring", march, targets(noEmail, noneAtAll, inferred, provided, silent))
		require.NoError(t, err)
		sent := map[string]string{}
		for c, err := range log.CampaignContacts(ctx, "spring") {
			require.NoError(t, err)
			if c.Sent {
				sent[c.CustomerID] = string(c.Channel)
			} else {
				sent[c.CustomerID] = string(c.Reason) + ": " + c.Detail
			}
		}
		if !strict {
			require.Equal(t, "sms", sent["noemail"], "e-mail refused, so the text-message play")
			require.Equal(t, "consent: no marketing consent by sms (refused 2025-02-03)", sent["none"])
			require.Equal(t, "email", sent["inferred"])
			require.Equal(t, "email", sent["silent"], "no record: contacted")
		} else {
			require.Equal(t, "consent: no marketing consent by sms on record", sent["noemail"], "no yes for text messages either")
			require.Equal(t, "consent: the marketing consent by sms was inferred, not given by the customer", sent["inferred"])
			require.Equal(t, "consent: no marketing consent by sms on record", sent["silent"])
		}
		require.Equal(t, "email", sent["provided"])
	}
}

// An audience selects from the loop's results, moments and lists.
func TestTargets(t *testing.T) {
	ctx := context.Background()
	store, out := crm.NewMemoryStore(), cycle.NewMemoryStore()
	jan, feb := march.AddDate(0, -2, 0), march.AddDate(0, -1, 0)
	for _, id := range []string{"a", "b", "c", "d"} {
		_, err := store.CreateCustomer(ctx, crm.Customer{ID: id, Name: "N" + id, CreatedAt: jan.AddDate(-1, 0, 0)})
		require.NoError(t, err)
	}
	res := func(id string, at time.Time, stage, tier, churn string) cycle.Result {
		return cycle.Result{CustomerID: id, AsOf: at, Stage: stage, Tier: tier, Churn: churn, Buyer: true}
	}
	require.NoError(t, out.AppendResults(ctx,
		res("a", jan, "loyal", "Gold", ""), res("a", feb, "at_risk", "Gold", "warning"),
		res("b", jan, "at_risk", "Gold", ""), res("b", feb, "at_risk", "Gold", "relative"),
		res("c", feb, "first_time_buyer", "Lead", ""),
		res("d", feb, "lapsed", "Iron", "absolute")))
	src := campaign.TargetSources{Customers: store, Results: out, AsOf: feb, Before: jan,
		Occurrences: []lifecycle.Occurrence{{CustomerID: "d", Moment: "service"}, {CustomerID: "c", Moment: "service"}, {CustomerID: "a", Moment: "birthday"}},
		Data:        func(c crm.Customer, r cycle.Result) map[string]any { return map[string]any{"tier": r.Tier} }}
	ids := func(a campaign.Audience) []string {
		var got []string
		for tg, err := range campaign.Targets(ctx, a, src) {
			require.NoError(t, err)
			got = append(got, tg.Customer.ID+":"+tg.Stage)
		}
		return got
	}
	require.Equal(t, []string{"a:at_risk", "b:at_risk"}, ids(campaign.Audience{Stages: []string{"at_risk"}}))
	require.Equal(t, []string{"a:at_risk"}, ids(campaign.Audience{Rule: `tier = "Gold" and stage = "at_risk" and previous_stage != "at_risk"`}), "entered at risk this run")
	require.Equal(t, []string{"a:at_risk", "c:first_time_buyer", "d:lapsed"}, ids(campaign.Audience{Entered: []string{"at_risk", "first_time_buyer", "lapsed"}}),
		"a moved to at risk; c and d had no stage before: their first stage is an entry; b was at risk already")
	require.Equal(t, []string{"a:at_risk", "b:at_risk", "c:first_time_buyer"}, ids(campaign.Audience{Rule: `buyer = true`, Exclude: `churn = "absolute"`}))
	require.Equal(t, []string{"c:first_time_buyer", "d:lapsed"}, ids(campaign.Audience{Moment: "service"}), "a moment's occurrences, with their stages")
	require.Equal(t, []string{"d:lapsed"}, ids(campaign.Audience{Moment: "service", Stages: []string{"lapsed"}}))
	require.Equal(t, []string{"b:at_risk", "d:lapsed"}, ids(campaign.Audience{Customers: []string{"d", "b"}}))
	for tg, err := range campaign.Targets(ctx, campaign.Audience{Stages: []string{"first_time_buyer"}}, src) {
		require.NoError(t, err)
		require.Equal(t, map[string]any{"tier": "Lead"}, tg.Data)
		require.Equal(t, "Nc", tg.Customer.Name)
	}
	for _, err := range campaign.Targets(ctx, campaign.Audience{Rule: `tierr = "Gold"`}, src) {
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, `did you mean "tier"?`)
	}
}

// A play that reads inferred data is held back, as a consent matter, from
// a customer who has not consented to profiling.
func TestInferredDataIsAConsentMatter(t *testing.T) {
	ctx := context.Background()
	log := campaign.NewMemoryStore()
	m := newManager(t, log)
	running(t, m, spring("spring", campaign.Sales, 0))
	profiled := customer("profiled", crm.Preferences{})
	profiled.Customer.Inferred = []string{"attributes.offer"}
	profiled.Customer.Attributes = map[string]crm.Value{"offer": crm.StringValue("10% off shoes")}
	profiled.Data = nil
	_, err := m.Run(ctx, "spring", march, targets(profiled))
	require.NoError(t, err)
	k, err := log.Contact(ctx, "spring/profiled")
	require.NoError(t, err)
	require.False(t, k.Sent)
	require.Equal(t, campaign.NoConsent, k.Reason)
	require.Contains(t, k.Detail, "has not consented to profiling")
}
