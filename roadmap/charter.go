package roadmap

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
)

// Charter is the customer bill of rights: the company's promises to every
// customer, each stated as the customer's situation and what we promise,
// measured by a period metric against a target, and bound to what keeps
// it — a desk SLA policy, a lifecycle moment or a play. Check proves the
// bindings honour the promises; each run of the loop (cycle) counts the
// promises a period broke.
type Charter struct {
	// Promises are the rights, each with its own ID.
	Promises []Promise `json:"promises"`
}

// Promise is one right of the customer.
type Promise struct {
	// ID identifies the promise within the charter.
	ID string `json:"id"`
	// Situation is the customer's situation ("a complaint comes in").
	Situation string `json:"situation"`
	// Promise is what we promise ("a person answers within 2 business
	// hours").
	Promise string `json:"promise"`
	// Metric names the period metric that shows the promise kept (one of
	// cycle.Definitions), Cut the part of the base it is read on.
	Metric string `json:"metric"`
	// Cut is the metric's cut ("" for the whole base).
	Cut string `json:"cut,omitempty"`
	// Target is the value the metric must reach each period — at most
	// Target when LowerIsBetter — for the promise to count as kept.
	Target float64 `json:"target"`
	// LowerIsBetter is set when the metric must stay at or below Target.
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
	// Within is the time the promise allows, when it is about time: an
	// SLA binding's target must not exceed it.
	Within time.Duration `json:"within,omitempty"`
	// SLA, Moment and Play name what keeps the promise; at least one is
	// required.
	SLA *SLABinding `json:"sla,omitempty"`
	// Moment names a lifecycle moment that carries the promise out (a
	// service call at 12,000 miles or 12 months).
	Moment string `json:"moment,omitempty"`
	// Play names the play sent when the moment or stage comes.
	Play string `json:"play,omitempty"`
}

// SLABinding binds a promise to the desk's SLA policies: for every tier
// and severity it covers, the policy the desk applies must set the target
// within the promise's time.
type SLABinding struct {
	// Tier and Severity narrow the items the promise covers (empty: every
	// tier, every severity).
	Tier string `json:"tier,omitempty"`
	// Severity narrows the items to one severity.
	Severity feedback.Severity `json:"severity,omitempty"`
	// Target is which target keeps the promise: "first_response",
	// "resolution" or "next_response".
	Target string `json:"target"`
}

// Kept reports whether a period's value of the promise's metric keeps it.
func (p Promise) Kept(v float64) bool {
	if p.LowerIsBetter {
		return v <= p.Target
	}
	return v >= p.Target
}

// Charter finding codes.
const (
	PromiseNoID          = "promise_no_id"
	PromiseUnmeasured    = "promise_unmeasured"
	PromiseUnenforced    = "promise_unenforced"
	PromiseNoTime        = "promise_no_time"
	SLAMissing           = "sla_missing"
	SLAWeakerThanPromise = "sla_weaker_than_promise"
	MomentMissing        = "moment_missing"
	PlayMissing          = "play_missing"
)

// Check lists every finding at once, in a stable order, given what keeps
// the promises: the desk's options (its SLA policies and tiers; nil: no
// desk), the lifecycle moments and the plays.
//
//   - promise_no_id (error): a promise without an ID, or an ID used twice.
//   - promise_unmeasured (error): no metric shows whether it is kept.
//   - promise_unenforced (error): nothing — no SLA, moment or play —
//     keeps it.
//   - promise_no_time (error): bound to an SLA target but saying no time
//     (Within), so nothing can be checked.
//   - sla_missing (error): for a tier and severity it covers, the desk
//     applies no policy, or the bound target is not one of first_response,
//     resolution, next_response.
//   - sla_weaker_than_promise (error): for a tier and severity it covers,
//     the policy's target allows more time than the promise ("within 2
//     business hours" against a 4-hour first response).
//   - moment_missing, play_missing (error): the moment or play it names
//     does not exist.
func (c Charter) Check(desk *feedback.Options, moments []lifecycle.Moment, plays []lifecycle.Play) []Finding {
	var out []Finding
	add := func(code, path, format string, args ...any) {
		out = append(out, Finding{Code: code, Severity: FindingError, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for i, p := range c.Promises {
		path := fmt.Sprintf("promises[%d] %q", i, p.ID)
		switch {
		case strings.TrimSpace(p.ID) == "":
			add(PromiseNoID, path, "a promise needs an ID")
		case seen[p.ID]:
			add(PromiseNoID, path, "the ID %q is used twice", p.ID)
		}
		seen[p.ID] = true
		if p.Metric == "" {
			add(PromiseUnmeasured, path+".metric", "%q: name the period metric that shows it kept", p.Promise)
		}
		if p.SLA == nil && p.Moment == "" && p.Play == "" {
			add(PromiseUnenforced, path, "%q: nothing keeps it; bind it to an SLA policy, a moment or a play", p.Promise)
		}
		if p.SLA != nil {
			checkSLA(add, path+".sla", p, desk)
		}
		if p.Moment != "" && !slices.ContainsFunc(moments, func(m lifecycle.Moment) bool { return m.Name == p.Moment }) {
			add(MomentMissing, path+".moment", "no moment %q", p.Moment)
		}
		if p.Play != "" && !slices.ContainsFunc(plays, func(pl lifecycle.Play) bool { return pl.Name == p.Play }) {
			add(PlayMissing, path+".play", "no play %q", p.Play)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return strings.Compare(a.Code, b.Code) })
	return out
}

func checkSLA(add func(code, path, format string, args ...any), path string, p Promise, desk *feedback.Options) {
	b := p.SLA
	target := map[string]func(feedback.SLAPolicy) time.Duration{
		"first_response": func(s feedback.SLAPolicy) time.Duration { return s.FirstResponse },
		"resolution":     func(s feedback.SLAPolicy) time.Duration { return s.Resolution },
		"next_response":  func(s feedback.SLAPolicy) time.Duration { return s.NextResponse },
	}[b.Target]
	if target == nil {
		add(SLAMissing, path+".target", "%q is not first_response, resolution or next_response", b.Target)
		return
	}
	if p.Within <= 0 {
		add(PromiseNoTime, path, "%q is bound to the %s target but says no time (within)", p.Promise, b.Target)
		return
	}
	if desk == nil {
		add(SLAMissing, path, "%q is bound to the desk's SLA, and there is no desk", p.Promise)
		return
	}
	tiers := []string{b.Tier}
	if b.Tier == "" {
		tiers = append([]string{""}, desk.Tiers...)
		if len(desk.Tiers) == 0 {
			tiers = append(tiers, feedback.DefaultTiers()...)
		}
	}
	severities := []feedback.Severity{b.Severity}
	if b.Severity == "" {
		severities = []feedback.Severity{feedback.Low, feedback.Medium, feedback.High, feedback.Critical}
	}
	for _, tier := range tiers {
		for _, sev := range severities {
			who := fmt.Sprintf("%s items", sev)
			if tier != "" {
				who = fmt.Sprintf("%s %s items", tier, sev)
			}
			pol, ok := feedback.PolicyFor(desk.SLA, tier, sev)
			switch d := target(pol); {
			case !ok:
				add(SLAMissing, path, "%q: the desk has no SLA policy for %s", p.Promise, who)
			case d <= 0:
				add(SLAMissing, path, "%q: the desk's policy for %s sets no %s target", p.Promise, who, b.Target)
			case d > p.Within:
				add(SLAWeakerThanPromise, path, "%q promises %v, and the desk allows %v for %s (%s)", p.Promise, p.Within, d, who, b.Target)
			}
		}
	}
}
