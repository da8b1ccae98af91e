package feedback_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/scoring"
)

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newDesk(t testing.TB, c *clock, opt feedback.Options, agents ...feedback.Agent) (*feedback.Desk, *feedback.MemoryStore) {
	t.Helper()
	s := feedback.NewMemoryStore()
	opt.Clock = c.now
	if agents == nil {
		agents = []feedback.Agent{{Name: "ann"}, {Name: "bob"}}
	}
	d, err := feedback.NewDesk(s, agents, &opt)
	require.NoError(t, err)
	return d, s
}

func complaint(key string) feedback.Intake {
	return feedback.Intake{Key: key, CustomerID: "C1", Kind: feedback.Complaint, Channel: crm.ChannelPhone, Category: "delivery", Severity: feedback.High, Text: "the sofa came broken", Value: 900}
}

func TestComplaintPathAndEveryIllegalStep(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	d, s := newDesk(t, c, feedback.Options{})
	it, created, err := d.Submit(ctx, complaint("req-1"), "hotline")
	require.NoError(t, err)
	require.True(t, created)
	again, created, err := d.Submit(ctx, complaint("req-1"), "hotline")
	require.NoError(t, err)
	require.False(t, created, "a retried intake returns the first item")
	require.Equal(t, it.ID, again.ID)
	require.Equal(t, "ann", it.Owner)

	steps := []struct {
		action  feedback.Action
		content feedback.Content
		want    feedback.State
	}{
		{feedback.Acknowledge, feedback.Content{Apology: "We are sorry the sofa arrived damaged."}, feedback.Acknowledged},
		{feedback.Investigate, feedback.Content{}, feedback.Investigating},
		{feedback.Wait, feedback.Content{Note: "photos of the damage"}, feedback.WaitingCustomer},
		{feedback.Resume, feedback.Content{Note: "photos received"}, feedback.Investigating},
		{feedback.ProposeFix, feedback.Content{Facts: "carrier dropped it", Remedy: "replacement and a 10% refund"}, feedback.RemedyProposed},
		{feedback.Decline, feedback.Content{Decision: "wants a full refund"}, feedback.Investigating},
		{feedback.ProposeFix, feedback.Content{Facts: "carrier dropped it", Remedy: "full refund and free pickup"}, feedback.RemedyProposed},
		{feedback.Accept, feedback.Content{Decision: "accepted by phone"}, feedback.RemedyAccepted},
		{feedback.Resolve, feedback.Content{Done: "refund paid, sofa collected"}, feedback.Resolved},
		{feedback.CloseItem, feedback.Content{}, feedback.Closed},
		{feedback.Reopen, feedback.Content{Note: "refund missing"}, feedback.Investigating},
	}
	for _, st := range steps {
		c.advance(time.Hour)
		// Every action not allowed here is refused with the state and the
		// allowed actions named, and changes nothing.
		for _, other := range []feedback.Action{feedback.Acknowledge, feedback.Investigate, feedback.ProposeFix, feedback.Accept, feedback.Decline,
			feedback.GiveUp, feedback.Resolve, feedback.Answer, feedback.CloseItem, feedback.Wait, feedback.Resume, feedback.Reopen} {
			if contains(feedback.Allowed(it.Kind, it.State), other) {
				continue
			}
			_, err := d.Step(ctx, it.ID, other, st.content, "ann")
			var te *crm.TransitionError
			require.True(t, errors.As(err, &te), "%s from %s", other, it.State)
			require.Equal(t, string(it.State), te.From)
			require.Equal(t, string(other), te.To)
			require.ErrorContains(t, err, "is not allowed; ")
		}
		// The step without its content is refused, naming what is missing.
		if st.content != (feedback.Content{}) {
			_, err := d.Step(ctx, it.ID, st.action, feedback.Content{}, "ann")
			var ve *crm.ValidationError
			require.ErrorAs(t, err, &ve)
			require.ErrorContains(t, err, "required to "+string(st.action))
		}
		it, err = d.Step(ctx, it.ID, st.action, st.content, "ann")
		require.NoError(t, err, "%s", st.action)
		require.Equal(t, st.want, it.State)
	}
	require.Equal(t, 1, it.Reopens)
	require.Equal(t, "We are sorry the sofa arrived damaged.", it.Content.Apology)
	require.Equal(t, time.Hour, it.Paused, "one hour waiting on the customer")

	var evs []feedback.Event
	for e, err := range s.ItemEvents(ctx, it.ID) {
		require.NoError(t, err)
		evs = append(evs, e)
	}
	require.Len(t, evs, 1+len(steps))
	replayed := feedback.Replay(evs)
	require.Zero(t, replayed.Version, "the version is the store's, not the log's")
	replayed.Version = it.Version
	require.Equal(t, it, replayed, "replay equals state")
	require.Equal(t, "hotline", evs[0].Actor)

	// Closed unresolved, with recourse; reopening after the window fails.
	c.advance(time.Hour)
	_, err = d.Step(ctx, it.ID, feedback.ProposeFix, feedback.Content{Facts: "f", Remedy: "r"}, "ann")
	require.NoError(t, err)
	it, err = d.Step(ctx, it.ID, feedback.GiveUp, feedback.Content{Decision: "refuses everything"}, "ann")
	require.ErrorContains(t, err, "content.recourse: required to close_unresolved")
	it, err = d.Step(ctx, evs[0].ItemID, feedback.GiveUp, feedback.Content{Decision: "refuses everything", Recourse: "consumer ombudsman"}, "ann")
	require.NoError(t, err)
	require.Equal(t, feedback.ClosedUnresolved, it.State)
	c.advance(31 * 24 * time.Hour)
	_, err = d.Step(ctx, it.ID, feedback.Reopen, feedback.Content{Note: "again"}, "ann")
	require.ErrorContains(t, err, "beyond the 720h0m0s reopen window")

	// Suggestions are answered, not investigated.
	sug, _, err := d.Submit(ctx, feedback.Intake{CustomerID: "C2", Kind: feedback.Suggestion, Channel: crm.ChannelWeb, Text: "dark mode"}, "web")
	require.NoError(t, err)
	_, err = d.Step(ctx, sug.ID, feedback.Acknowledge, feedback.Content{Apology: "Thanks for the idea."}, "bob")
	require.NoError(t, err)
	_, err = d.Step(ctx, sug.ID, feedback.Investigate, feedback.Content{}, "bob")
	require.ErrorContains(t, err, "allowed from acknowledged: answer, wait")
	sug, err = d.Step(ctx, sug.ID, feedback.Answer, feedback.Content{Answer: "It is on the roadmap."}, "bob")
	require.NoError(t, err)
	require.Equal(t, feedback.Resolved, sug.State)
}

func contains(as []feedback.Action, a feedback.Action) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func TestIntakeRefusalsAndAssignment(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	d, _ := newDesk(t, c, feedback.Options{}, feedback.Agent{Name: "ann", Categories: []string{"billing"}}, feedback.Agent{Name: "bob", Categories: []string{"delivery"}}, feedback.Agent{Name: "cy", Categories: []string{"delivery"}})
	_, _, err := d.Submit(ctx, feedback.Intake{Kind: "rant", Channel: "Carrier Pigeon", Severity: "awful"}, "x")
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{"customer_id: empty", `kind: "rant"`, `channel: "Carrier Pigeon"`, `severity: "awful"`, "text: empty"} {
		require.ErrorContains(t, err, want)
	}
	in := complaint("")
	in.Category = "returns"
	_, _, err = d.Submit(ctx, in, "x")
	require.ErrorContains(t, err, "every open item needs an owner")
	// Round-robin among the eligible.
	var owners []string
	for range 3 {
		it, _, err := d.Submit(ctx, complaint(""), "x")
		require.NoError(t, err)
		owners = append(owners, it.Owner)
	}
	require.Equal(t, []string{"bob", "cy", "bob"}, owners)
	it, err := d.Assign(ctx, "F00000001", "dee", "lead")
	require.NoError(t, err)
	require.Equal(t, "dee", it.Owner)
	// Least loaded.
	ll, _ := newDesk(t, c, feedback.Options{LeastLoaded: true})
	var got []string
	for range 4 {
		it, _, err := ll.Submit(ctx, complaint(""), "x")
		require.NoError(t, err)
		got = append(got, it.Owner)
	}
	require.Equal(t, []string{"ann", "bob", "ann", "bob"}, got)
}

func TestSweepBreachesAndEscalatesOnce(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)} // a Monday
	cal := feedback.WeekdayCalendar(time.UTC, 9*60, 17*60)
	d, s := newDesk(t, c, feedback.Options{Calendar: cal,
		SLA:    []feedback.SLAPolicy{{FirstResponse: 4 * time.Hour, Resolution: 16 * time.Hour}, {Severity: feedback.Critical, FirstResponse: time.Hour, Resolution: 4 * time.Hour}},
		Ladder: []feedback.Level{{After: 8 * time.Hour, To: "team lead"}, {After: 24 * time.Hour, To: "head of service"}}})
	it, _, err := d.Submit(ctx, complaint("a"), "x")
	require.NoError(t, err)
	first, resolution, ok := d.Deadlines(it, c.t)
	require.True(t, ok)
	require.Equal(t, time.Date(2025, 3, 3, 13, 0, 0, 0, time.UTC), first)
	require.Equal(t, time.Date(2025, 3, 4, 17, 0, 0, 0, time.UTC), resolution, "16 business hours: Monday and Tuesday")

	res, err := d.Sweep(ctx, time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Empty(t, res.Breaches)
	res, err = d.Sweep(ctx, time.Date(2025, 3, 3, 18, 0, 0, 0, time.UTC)) // 8 business hours in
	require.NoError(t, err)
	require.Len(t, res.Breaches, 1)
	require.Equal(t, "first_response", res.Breaches[0].Target)
	require.Len(t, res.Escalations, 1)
	require.Equal(t, "team lead", res.Escalations[0].EscalateTo)
	again, err := d.Sweep(ctx, time.Date(2025, 3, 3, 18, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Empty(t, again.Breaches, "idempotent")
	require.Empty(t, again.Escalations)
	// Acknowledging late does not erase the breach.
	c.t = time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	it, err = d.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ann")
	require.NoError(t, err)
	require.Len(t, it.Breaches, 1)
	// Waiting on the customer pauses the clock: three business days of
	// waiting push the resolution deadline by three days.
	it, err = d.Step(ctx, it.ID, feedback.Wait, feedback.Content{Note: "photos"}, "ann")
	require.NoError(t, err)
	c.t = time.Date(2025, 3, 7, 9, 30, 0, 0, time.UTC) // Friday
	it, err = d.Step(ctx, it.ID, feedback.Resume, feedback.Content{Note: "photos in"}, "ann")
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, it.Paused, "Tue 9:30 to Fri 9:30 is 24 business hours")
	_, resolution, _ = d.Deadlines(it, c.t)
	require.Equal(t, time.Date(2025, 3, 7, 17, 0, 0, 0, time.UTC), resolution)
	res, err = d.Sweep(ctx, time.Date(2025, 3, 7, 16, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Empty(t, res.Breaches, "the pause kept the resolution target")
	res, err = d.Sweep(ctx, time.Date(2025, 3, 10, 10, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Len(t, res.Breaches, 1)
	require.Equal(t, "resolution", res.Breaches[0].Target)
	got, err := s.Item(ctx, it.ID)
	require.NoError(t, err)
	require.Len(t, got.Breaches, 2)
}

func TestSecondDeskOnAStoreSkipsTakenIDs(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	d1, s := newDesk(t, c, feedback.Options{})
	for range 3 {
		_, _, err := d1.Submit(ctx, complaint(""), "x")
		require.NoError(t, err)
	}
	d2, err := feedback.NewDesk(s, []feedback.Agent{{Name: "ann"}}, &feedback.Options{Clock: c.now})
	require.NoError(t, err)
	it, created, err := d2.Submit(ctx, complaint(""), "x")
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "F00000004", it.ID)
}

func TestSurveysFollowClosingAndMermaid(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	d, s := newDesk(t, c, feedback.Options{})
	it, _, err := d.Submit(ctx, feedback.Intake{CustomerID: "C9", Kind: feedback.Inquiry, Channel: crm.ChannelSMS, Text: "opening hours?"}, "sms")
	require.NoError(t, err)
	require.ErrorContains(t, d.RecordSurvey(ctx, it.ID, feedback.CSAT, 5), "surveys follow closing")
	for _, st := range []struct {
		a feedback.Action
		c feedback.Content
	}{{feedback.Acknowledge, feedback.Content{Apology: "Thanks for asking."}}, {feedback.Answer, feedback.Content{Answer: "9 to 5"}}, {feedback.CloseItem, feedback.Content{}}} {
		_, err = d.Step(ctx, it.ID, st.a, st.c, "ann")
		require.NoError(t, err)
	}
	require.ErrorContains(t, d.RecordSurvey(ctx, it.ID, feedback.CSAT, 6), "csat score 6 is outside 1..5")
	require.NoError(t, d.RecordSurvey(ctx, it.ID, feedback.CSAT, 5))
	n := 0
	for sv, err := range s.Surveys(ctx) {
		require.NoError(t, err)
		require.Equal(t, feedback.Survey{ID: it.ID + "/csat", ItemID: it.ID, CustomerID: "C9", Type: feedback.CSAT, Score: 5, At: c.t}, sv)
		n++
	}
	require.Equal(t, 1, n)
	// Recording the same answer again, later, is a no-op; another score is
	// refused: each item gets one answer of each type.
	c.advance(time.Hour)
	require.NoError(t, d.RecordSurvey(ctx, it.ID, feedback.CSAT, 5))
	require.ErrorIs(t, d.RecordSurvey(ctx, it.ID, feedback.CSAT, 4), crm.ErrExists)

	m := feedback.Mermaid()
	for _, want := range []string{"stateDiagram-v2", "received --> acknowledged : acknowledge", "remedy_proposed --> closed_unresolved : close_unresolved", "closed --> investigating : reopen", "waiting_customer --> investigating : resume"} {
		require.Contains(t, m, want)
	}
}

func TestNextResponseAfterTheCustomerAnswers(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	d, _ := newDesk(t, c, feedback.Options{SLA: []feedback.SLAPolicy{{FirstResponse: 100 * time.Hour, Resolution: 500 * time.Hour, NextResponse: 2 * time.Hour}}})
	it, _, err := d.Submit(ctx, complaint(""), "x")
	require.NoError(t, err)
	for _, st := range []struct {
		a feedback.Action
		c feedback.Content
	}{{feedback.Acknowledge, feedback.Content{Apology: "sorry"}}, {feedback.Wait, feedback.Content{Note: "receipt"}}, {feedback.Resume, feedback.Content{Note: "receipt sent"}}} {
		c.advance(time.Hour)
		it, err = d.Step(ctx, it.ID, st.a, st.c, "ann")
		require.NoError(t, err)
	}
	require.Equal(t, c.t, it.ReplyDueSince)
	res, err := d.Sweep(ctx, c.t.Add(time.Hour))
	require.NoError(t, err)
	require.Empty(t, res.Breaches)
	res, err = d.Sweep(ctx, c.t.Add(3*time.Hour))
	require.NoError(t, err)
	require.Len(t, res.Breaches, 1)
	require.Equal(t, "next_response", res.Breaches[0].Target)
	res, err = d.Sweep(ctx, c.t.Add(4*time.Hour))
	require.NoError(t, err)
	require.Empty(t, res.Breaches, "recorded once")
	// Acting stops the clock.
	c.advance(5 * time.Hour)
	it, err = d.Step(ctx, it.ID, feedback.Investigate, feedback.Content{}, "ann")
	require.NoError(t, err)
	require.True(t, it.ReplyDueSince.IsZero())
	res, err = d.Sweep(ctx, c.t.Add(10*time.Hour))
	require.NoError(t, err)
	require.Empty(t, res.Breaches)
}

// A complaint answered three hours late (target one hour) and resolved
// thirteen hours late (target four), with no sweep in between, records both
// breaches when the late steps happen; one handled on time records none.
// Attainment is then 0.5, whether or not a sweep ever ran.
func TestLateStepsRecordTheirBreaches(t *testing.T) {
	ctx := context.Background()
	c := &clock{time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)}
	d, s := newDesk(t, c, feedback.Options{SLA: []feedback.SLAPolicy{{FirstResponse: time.Hour, Resolution: 4 * time.Hour}}})
	late, _, err := d.Submit(ctx, complaint("late"), "x")
	require.NoError(t, err)
	onTime, _, err := d.Submit(ctx, complaint("on-time"), "x")
	require.NoError(t, err)
	walk := func(id string, gaps ...time.Duration) feedback.Item {
		steps := []struct {
			a feedback.Action
			c feedback.Content
		}{
			{feedback.Acknowledge, feedback.Content{Apology: "sorry"}},
			{feedback.Investigate, feedback.Content{}},
			{feedback.ProposeFix, feedback.Content{Facts: "broken in transit", Remedy: "a new one"}},
			{feedback.Accept, feedback.Content{Decision: "yes"}},
			{feedback.Resolve, feedback.Content{Done: "delivered"}},
			{feedback.CloseItem, feedback.Content{}},
		}
		start := c.t
		var it feedback.Item
		for i, st := range steps {
			c.t = start.Add(gaps[i])
			var err error
			it, err = d.Step(ctx, id, st.a, st.c, "ann")
			require.NoError(t, err, "%s", st.a)
		}
		c.t = start
		return it
	}
	got := walk(late.ID, 3*time.Hour, 4*time.Hour, 5*time.Hour, 6*time.Hour, 13*time.Hour, 14*time.Hour)
	require.Len(t, got.Breaches, 2)
	require.Equal(t, "first_response", got.Breaches[0].Target)
	require.Equal(t, c.t.Add(3*time.Hour), got.Breaches[0].At, "recorded when the late acknowledgement happened")
	require.Equal(t, "resolution", got.Breaches[1].Target)
	require.Equal(t, c.t.Add(5*time.Hour), got.Breaches[1].At, "the next step after the resolution deadline records it")
	fine := walk(onTime.ID, 30*time.Minute, 45*time.Minute, time.Hour, 2*time.Hour, 3*time.Hour, 4*time.Hour)
	require.Empty(t, fine.Breaches)

	var items []feedback.Item
	for it, err := range s.Items(ctx) {
		require.NoError(t, err)
		items = append(items, it)
	}
	r := feedback.Analyze(items, feedback.WeekdayCalendar(time.UTC, 0, 24*60), c.t.Add(24*time.Hour))
	require.Equal(t, 0.5, r.SLAAttainment)
	// A sweep afterwards finds nothing new: the breaches stay recorded once.
	res, err := d.Sweep(ctx, c.t.Add(48*time.Hour))
	require.NoError(t, err)
	require.Empty(t, res.Breaches)
}

// A desk that could not work is refused when it is made, naming each
// problem: nobody to own items, a misspelt tier in an SLA policy.
func TestNewDeskRefusesWhatCannotWork(t *testing.T) {
	s := feedback.NewMemoryStore()
	_, err := feedback.NewDesk(s, nil, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "agents: none")
	_, err = feedback.NewDesk(s, []feedback.Agent{}, &feedback.Options{})
	require.ErrorContains(t, err, "agents: none")
	_, err = feedback.NewDesk(nil, []feedback.Agent{{Name: "ann"}}, nil)
	require.ErrorContains(t, err, "store: nil")
	_, err = feedback.NewDesk(s, []feedback.Agent{{Name: "ann"}, {}}, &feedback.Options{
		SLA:      []feedback.SLAPolicy{{Tier: "platinum", FirstResponse: time.Hour}, {Severity: "urgent"}, {Resolution: -time.Hour}},
		Ladder:   []feedback.Level{{After: time.Hour}},
		Calendar: &feedback.Calendar{},
	})
	require.ErrorIs(t, err, crm.ErrInvalid)
	var fe *crm.FieldError
	require.ErrorAs(t, err, &fe)
	for _, want := range []string{`sla[0].tier: "platinum" is not one of the tiers`, "agents[1].name: empty", `sla[1].severity: "urgent"`,
		"sla[2]: negative target", "ladder[0].to: empty", "no working time"} {
		require.ErrorContains(t, err, want)
	}
	// The right spelling works; a host with tiers of its own names them.
	_, err = feedback.NewDesk(s, []feedback.Agent{{Name: "ann"}}, &feedback.Options{SLA: []feedback.SLAPolicy{{Tier: "Platinum", FirstResponse: time.Hour}}})
	require.NoError(t, err)
	d, err := feedback.NewDesk(s, []feedback.Agent{{Name: "ann"}}, &feedback.Options{Tiers: []string{"vip", "standard"},
		SLA: []feedback.SLAPolicy{{Tier: "vip", FirstResponse: time.Hour}}})
	require.NoError(t, err)
	// An intake with a tier the desk does not know is refused too.
	in := complaint("k")
	in.Tier = "Platinum"
	_, _, err = d.Submit(context.Background(), in, "x")
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `tier: "Platinum" is not one of the tiers`)
}

// The desk's default tiers are the value pyramid's, as scoring names them.
func TestDefaultTiersAreScoringTiers(t *testing.T) {
	var names []string
	for _, tier := range scoring.DefaultTiers().Tiers {
		names = append(names, tier.Name)
	}
	require.Equal(t, names, feedback.DefaultTiers())
}

// The desk refuses what no store keeps — a NaN or infinite value, a clock
// past year 9999 — naming the field, before any store sees it.
func TestDeskRefusesWhatNoStoreKeeps(t *testing.T) {
	ctx := context.Background()
	store := feedback.NewMemoryStore()
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	desk, err := feedback.NewDesk(store, []feedback.Agent{{Name: "ana"}}, &feedback.Options{Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	in := feedback.Intake{CustomerID: "c1", Kind: feedback.Complaint, Channel: crm.ChannelEmail, Text: "late", Value: math.NaN()}
	_, _, err = desk.Submit(ctx, in, "ana")
	var ve *crm.ValidationError
	require.ErrorAs(t, err, &ve)
	require.ErrorContains(t, err, "value: NaN")
	in.Value = 10
	it, _, err := desk.Submit(ctx, in, "ana")
	require.NoError(t, err)
	clock = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = desk.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ana")
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "year 10000")
	_, err = desk.Assign(ctx, it.ID, "bo", "ana")
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = desk.Sweep(ctx, clock)
	require.ErrorIs(t, err, crm.ErrInvalid)
	got, err := store.Item(ctx, it.ID)
	require.NoError(t, err)
	require.Equal(t, it, got)
}

// An answer made of stock phrases does not close a suggestion or an
// inquiry; a short real one does; the list is the host's.
func TestBoilerplateIsNoAnswer(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		answer string
		opt    *feedback.Options
		ok     bool
	}{
		{"We have noted your feedback.", nil, false},
		{"Thank you for your feedback! We will look into it.", nil, false},
		{"感谢您的反馈。", nil, false},
		{"9 to 5", nil, true},
		{"Thank you for your feedback: the shop opens at 9 from Monday.", nil, true},
		{"We have noted your feedback.", &feedback.Options{Boilerplate: []string{}}, true},
	} {
		store := feedback.NewMemoryStore()
		d, err := feedback.NewDesk(store, []feedback.Agent{{Name: "ann"}}, c.opt)
		require.NoError(t, err)
		it, _, err := d.Submit(ctx, feedback.Intake{CustomerID: "c1", Kind: feedback.Inquiry, Channel: crm.ChannelEmail, Text: "When do you open?"}, "ann")
		require.NoError(t, err)
		_, err = d.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "Thanks for asking."}, "ann")
		require.NoError(t, err)
		_, err = d.Step(ctx, it.ID, feedback.Answer, feedback.Content{Answer: c.answer}, "ann")
		if c.ok {
			require.NoError(t, err, c.answer)
		} else {
			require.ErrorIs(t, err, crm.ErrInvalid, c.answer)
			require.ErrorContains(t, err, "content.answer: boilerplate")
			got, err := store.Item(ctx, it.ID)
			require.NoError(t, err)
			require.Equal(t, feedback.Acknowledged, got.State, "nothing recorded")
		}
	}
}
