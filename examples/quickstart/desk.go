package main

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/internal/join"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/scoring"
)

// deskMonth is what a month on the complaint desk produced.
type deskMonth struct {
	from, to    time.Time
	report      feedback.Report
	breaches    int // SLA targets missed by the month's items
	escalations int // items escalated at least once
	pareto      []feedback.ParetoRow
	nps         npsLine
	npsMet      npsLine // items that met every SLA target
	npsBreached npsLine // items that breached one
	winBack     []feedback.WinBack
}

type npsLine struct {
	feedback.NPSResult
	ok bool
}

// causes are the complaint categories with their weights: a few causes
// make most complaints, as in most businesses.
var causes = []struct {
	name   string
	weight float64
	facts  string
	remedy string
}{
	{"late delivery", 34, "the carrier missed the promised day", "refund the delivery charge and a voucher"},
	{"wrong item", 21, "picked from the wrong bin", "the right item by express, collect the wrong one"},
	{"billing error", 15, "charged twice by the payment provider", "refund the duplicate charge"},
	{"long hold times", 11, "the hotline was understaffed at peak", "a call-back at a time of the customer's choosing"},
	{"damaged goods", 8, "packed without protection", "a replacement, delivered free"},
	{"website error", 6, "checkout failed for some cards", "complete the order by hand at the shown price"},
	{"rude staff", 5, "the agent did not follow the service standard", "a personal apology from the team lead"},
}

// deskAgents staff the desk.
func deskAgents() []feedback.Agent {
	return []feedback.Agent{{Name: "ann"}, {Name: "bo"}, {Name: "chen"}, {Name: "dara"}, {Name: "eli"}, {Name: "femi"}}
}

func deskOptions(now *time.Time) *feedback.Options {
	return &feedback.Options{
		Clock:    func() time.Time { return *now },
		Calendar: feedback.WeekdayCalendar(time.UTC, 8*60, 18*60),
		SLA: []feedback.SLAPolicy{
			{Severity: feedback.Critical, FirstResponse: time.Hour, Resolution: 8 * time.Hour},
			{Severity: feedback.High, FirstResponse: 2 * time.Hour, Resolution: 16 * time.Hour},
			{FirstResponse: 8 * time.Hour, Resolution: 30 * time.Hour},
		},
		Ladder: []feedback.Level{{After: 30 * time.Hour, To: "team lead"}, {After: 60 * time.Hour, To: "head of service"}},
	}
}

// step is one scheduled desk action.
type step struct {
	at     time.Time
	item   int // index into the complaints; −1 for a sweep
	k      int // position in the item's plan
	action feedback.Action
	c      feedback.Content
	score  int // NPS answer after closing
}

// simulateDesk takes the month's complaint touchpoints to the desk: each
// is submitted when it arrived and worked through the standard process —
// apologise, investigate, propose a remedy, the customer accepts (or
// declines, and a second remedy follows), resolve, close, survey — at
// random but reproducible business-time delays, with an SLA sweep at the
// end of every day. What is not finished by the month's end stays open.
// Submission is idempotent (the touchpoint ID is the key), so a resumed
// database replays nothing.
func simulateDesk(ctx context.Context, src *source, now *snapshot) (*deskMonth, error) {
	m := &deskMonth{to: now.asOf, from: now.asOf.AddDate(0, -1, 0)}
	var clock time.Time
	opt := deskOptions(&clock)
	desk, err := feedback.NewDesk(src.feedback, deskAgents(), opt)
	if err != nil {
		return nil, err
	}
	cal := opt.Calendar
	// Touchpoints and values both come in customer order: the lookup
	// walks along, no map of a million customers needed.
	byCustomer := join.New(now.values, func(v *scoring.CustomerValue) string { return v.CustomerID })
	valueOf := func(customer string) (tier string, value float64, ok bool) {
		k := byCustomer.Find(customer)
		if k < 0 {
			return "", 0, false
		}
		return now.tiers.Reports[now.tiers.Of[k]].Tier.Name, now.values[k].CLV.Amount.InexactFloat64(), true
	}

	var intakes []feedback.Intake
	var plan []step
	total := 0.0
	for _, c := range causes {
		total += c.weight
	}
	for tp, err := range src.touchpoints(ctx) {
		if err != nil {
			return nil, err
		}
		if tp.Kind != crm.TouchComplaint || tp.Time.Before(m.from) || !tp.Time.Before(m.to) {
			continue
		}
		h := fnv.New64a()
		h.Write([]byte(tp.ID))
		rng := rand.New(rand.NewPCG(h.Sum64(), 7))
		pick, cause := rng.Float64()*total, causes[0]
		for _, c := range causes {
			if pick -= c.weight; pick < 0 {
				cause = c
				break
			}
		}
		sev := feedback.Low
		switch {
		case rng.Float64() < 0.03:
			sev = feedback.Critical
		case tp.Experience == 1:
			sev = feedback.High
		case tp.Experience == 2:
			sev = feedback.Medium
		}
		i := len(intakes)
		tier, value, _ := valueOf(tp.CustomerID)
		intakes = append(intakes, feedback.Intake{Key: "touchpoint:" + tp.ID, CustomerID: tp.CustomerID, Kind: feedback.Complaint,
			Channel: tp.Channel, Category: cause.name, Severity: sev, Tier: tier, Value: value,
			Text: cause.name + " (" + string(tp.Channel) + ")"})
		plan = append(plan, step{at: tp.Time, item: i, k: -1})
		plan = append(plan, planComplaint(rng, cal, i, tp.Time, cause.facts, cause.remedy)...)
	}
	for d := m.from.Truncate(24 * time.Hour).Add(24 * time.Hour); !d.After(m.to); d = d.Add(24 * time.Hour) {
		plan = append(plan, step{at: d, item: -1})
	}
	slices.SortStableFunc(plan, func(a, b step) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.item, b.item), cmp.Compare(a.k, b.k))
	})

	ids := make([]string, len(intakes))
	skip := make([]bool, len(intakes))
	for _, s := range plan {
		if !s.at.Before(m.to) && s.item >= 0 {
			continue // after the month's end
		}
		clock = s.at
		if s.item < 0 {
			if _, err := desk.Sweep(ctx, s.at); err != nil {
				return nil, err
			}
			continue
		}
		if s.k < 0 {
			it, created, err := desk.Submit(ctx, intakes[s.item], "intake")
			if err != nil {
				return nil, err
			}
			ids[s.item], skip[s.item] = it.ID, !created
			continue
		}
		if skip[s.item] {
			continue
		}
		if _, err := desk.Step(ctx, ids[s.item], s.action, s.c, "agent"); err != nil {
			return nil, err
		}
		if s.action == feedback.CloseItem {
			if err := desk.RecordSurvey(ctx, ids[s.item], feedback.NPS, s.score); err != nil {
				return nil, err
			}
		}
	}

	// The month in numbers, from the store (so a resumed run reports what
	// the database holds).
	var items []feedback.Item
	for it, err := range src.feedback.Items(ctx) {
		if err != nil {
			return nil, err
		}
		if !it.Received.Before(m.from) && it.Received.Before(m.to) {
			items = append(items, it)
		}
	}
	slices.SortFunc(items, func(a, b feedback.Item) int { return cmp.Compare(a.ID, b.ID) })
	if len(items) == 0 {
		return m, nil
	}
	m.report = feedback.Analyze(items, cal, m.to)
	m.pareto = feedback.Pareto(items, feedback.ByCategory, feedback.Count)
	breached := map[string]bool{}
	for _, it := range items {
		breached[it.ID] = len(it.Breaches) > 0
		m.breaches += len(it.Breaches)
		if it.Escalation > 0 {
			m.escalations++
		}
	}
	var all, met, late []int
	var surveys []feedback.Survey
	for sv, err := range src.feedback.Surveys(ctx) {
		if err != nil {
			return nil, err
		}
		if sv.Type != feedback.NPS {
			continue
		}
		if _, ok := breached[sv.ItemID]; !ok {
			continue
		}
		surveys = append(surveys, sv)
		all = append(all, sv.Score)
		if breached[sv.ItemID] {
			late = append(late, sv.Score)
		} else {
			met = append(met, sv.Score)
		}
	}
	m.nps, m.npsMet, m.npsBreached = nps(all), nps(met), nps(late)
	// Win-back looks only at the customers with items this month.
	values, lapsed := map[string]float64{}, map[string]bool{}
	for _, it := range items {
		if _, v, ok := valueOf(it.CustomerID); ok {
			values[it.CustomerID] = v
		}
		lapsed[it.CustomerID] = false
	}
	for _, c := range now.stages {
		if _, ok := lapsed[c.CustomerID]; ok && c.Stage == lifecycle.Lapsed {
			lapsed[c.CustomerID] = true
		}
	}
	m.winBack = feedback.WinBackList(items, surveys, lapsed, values)
	return m, nil
}

func nps(scores []int) npsLine {
	r, err := feedback.NPSScore(scores)
	return npsLine{r, err == nil && len(scores) > 0}
}

// planComplaint schedules one complaint's steps. Delays are exponential
// in business time; the customer's answer to a remedy comes in business
// time too, as the desk sees it.
func planComplaint(rng *rand.Rand, cal *feedback.Calendar, i int, at time.Time, facts, remedy string) []step {
	delay := func(mean time.Duration) time.Duration {
		return time.Duration(-math.Log(1-rng.Float64()) * float64(mean)).Truncate(time.Minute)
	}
	var out []step
	t := at
	add := func(mean time.Duration, a feedback.Action, c feedback.Content) {
		t = cal.Add(t, delay(mean)+time.Minute)
		out = append(out, step{at: t, item: i, k: len(out), action: a, c: c})
	}
	add(2*time.Hour, feedback.Acknowledge, feedback.Content{Apology: "We are sorry — this is not the service we promise."})
	add(30*time.Minute, feedback.Investigate, feedback.Content{})
	add(6*time.Hour, feedback.ProposeFix, feedback.Content{Facts: facts, Remedy: remedy})
	declined := rng.Float64() < 0.15
	if declined {
		add(4*time.Hour, feedback.Decline, feedback.Content{Decision: "not enough, says the customer"})
		add(4*time.Hour, feedback.ProposeFix, feedback.Content{Facts: facts, Remedy: remedy + ", and a goodwill credit"})
	}
	add(4*time.Hour, feedback.Accept, feedback.Content{Decision: "accepted by phone"})
	add(6*time.Hour, feedback.Resolve, feedback.Content{Done: remedy + ": done"})
	add(2*time.Hour, feedback.CloseItem, feedback.Content{})
	// The answer to the survey: happy when it went fast, less so when
	// it took long or the first remedy was not enough.
	days := cal.Between(at, t).Hours() / 10
	score := 11 - days + rng.NormFloat64()*1.5
	if declined {
		score -= 2
	}
	out[len(out)-1].score = int(math.Round(min(10, max(0, score))))
	return out
}
