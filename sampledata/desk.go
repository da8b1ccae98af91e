package sampledata

import (
	"cmp"
	"context"
	"hash/fnv"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

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

// DeskAgents are the sample business's six desk agents.
func DeskAgents() []feedback.Agent {
	return []feedback.Agent{{Name: "ann"}, {Name: "bo"}, {Name: "chen"}, {Name: "dara"}, {Name: "eli"}, {Name: "femi"}}
}

// DeskOptions are the sample business's desk: weekdays 8:00–18:00 UTC,
// first response within 1, 2 or 8 business hours and resolution within 8,
// 16 or 30 by severity (critical, high, the rest), escalation to the team
// lead after 30 business hours and to the head of service after 60. The
// clock reads *now.
func DeskOptions(now *time.Time) *feedback.Options {
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

// deskStep is one scheduled desk action.
type deskStep struct {
	at     time.Time
	item   int // index into the complaints; −1 for a sweep
	k      int // position in the item's plan
	action feedback.Action
	c      feedback.Content
	score  int // NPS answer after closing
}

// WorkDesk takes the complaint touchpoints received in [from, to) to the
// sample business's desk (DeskOptions, DeskAgents) over store, and works
// each through the standard process — apologise, investigate, propose a
// remedy, the customer accepts (or declines, and a second remedy
// follows), resolve, close, and the customer answers the NPS question —
// at random but reproducible business-time delays, with an SLA sweep at
// the end of every day. What is not finished by to stays open. Each
// complaint's cause, severity and delays come from its touchpoint's ID;
// the answer is happier the faster it went. tier, when not nil, gives
// each customer's value tier and value for the intake (service by tier,
// win-back). Submission is idempotent (the touchpoint ID is the key), so
// working the same month again replays nothing.
func WorkDesk(ctx context.Context, store feedback.Store, touchpoints iter.Seq2[crm.Touchpoint, error], from, to time.Time, tier func(customerID string) (name string, value float64)) error {
	var clock time.Time
	opt := DeskOptions(&clock)
	desk, err := feedback.NewDesk(store, DeskAgents(), opt)
	if err != nil {
		return err
	}
	cal := opt.Calendar
	var intakes []feedback.Intake
	var plan []deskStep
	total := 0.0
	for _, c := range causes {
		total += c.weight
	}
	for tp, err := range touchpoints {
		if err != nil {
			return err
		}
		if tp.Kind != crm.TouchComplaint || tp.Time.Before(from) || !tp.Time.Before(to) {
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
		in := feedback.Intake{Key: "touchpoint:" + tp.ID, CustomerID: tp.CustomerID, Kind: feedback.Complaint,
			Channel: tp.Channel, Category: cause.name, Severity: sev, Text: cause.name + " (" + string(tp.Channel) + ")"}
		if tier != nil {
			in.Tier, in.Value = tier(tp.CustomerID)
		}
		intakes = append(intakes, in)
		plan = append(plan, deskStep{at: tp.Time, item: i, k: -1})
		plan = append(plan, planComplaint(rng, cal, i, tp.Time, cause.facts, cause.remedy)...)
	}
	for d := from.Truncate(24 * time.Hour).Add(24 * time.Hour); !d.After(to); d = d.Add(24 * time.Hour) {
		plan = append(plan, deskStep{at: d, item: -1})
	}
	slices.SortStableFunc(plan, func(a, b deskStep) int {
		return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.item, b.item), cmp.Compare(a.k, b.k))
	})
	ids := make([]string, len(intakes))
	skip := make([]bool, len(intakes))
	for _, s := range plan {
		if !s.at.Before(to) && s.item >= 0 {
			continue // after the period's end
		}
		clock = s.at
		switch {
		case s.item < 0:
			if _, err := desk.Sweep(ctx, s.at); err != nil {
				return err
			}
		case s.k < 0:
			it, created, err := desk.Submit(ctx, intakes[s.item], "intake")
			if err != nil {
				return err
			}
			ids[s.item], skip[s.item] = it.ID, !created
		case skip[s.item]:
		default:
			if _, err := desk.Step(ctx, ids[s.item], s.action, s.c, "agent"); err != nil {
				return err
			}
			if s.action == feedback.CloseItem {
				if err := desk.RecordSurvey(ctx, ids[s.item], feedback.NPS, s.score); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// planComplaint schedules one complaint's steps. Delays are exponential
// in business time; the customer's answer to a remedy comes in business
// time too, as the desk sees it.
func planComplaint(rng *rand.Rand, cal *feedback.Calendar, i int, at time.Time, facts, remedy string) []deskStep {
	delay := func(mean time.Duration) time.Duration {
		return time.Duration(-math.Log(1-rng.Float64()) * float64(mean)).Truncate(time.Minute)
	}
	var out []deskStep
	t := at
	add := func(mean time.Duration, a feedback.Action, c feedback.Content) {
		t = cal.Add(t, delay(mean)+time.Minute)
		out = append(out, deskStep{at: t, item: i, k: len(out), action: a, c: c})
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
	// The answer to the survey: happy when it went fast, less so when it
	// took long or the first remedy was not enough.
	days := cal.Between(at, t).Hours() / 10
	score := 11 - days + rng.NormFloat64()*1.5
	if declined {
		score -= 2
	}
	out[len(out)-1].score = int(math.Round(min(10, max(0, score))))
	return out
}
