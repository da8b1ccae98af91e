package lifecycle

import (
	"fmt"
	"slices"
	"strings"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// Default stage names.
const (
	Prospect       = "prospect"
	FirstTimeBuyer = "first_time_buyer"
	RepeatBuyer    = "repeat_buyer"
	Loyal          = "loyal"
	Advocate       = "advocate"
	AtRisk         = "at_risk"
	Lapsed         = "lapsed"
	Reactivated    = "reactivated"
)

// Stage is one step of the customer lifecycle: when a customer is in it (a
// segment rule over the lifecycle profile) and what communication with
// customers in it is for.
type Stage struct {
	// Name names the stage.
	Name string `json:"name"`
	// Objective is what communication with the stage aims at.
	Objective string `json:"objective"`
	// Rule decides membership; stages are tried in policy order and the
	// first whose rule matches wins.
	Rule string `json:"rule"`
}

// Policy is a lifecycle: its stages in classification order and the
// transitions the tracker allows between them.
type Policy struct {
	// Stages are the stages in classification order.
	Stages []Stage `json:"stages"`
	// Allowed maps each stage to the stages it may move to. A customer's
	// first stage may be any stage.
	Allowed map[string][]string `json:"allowed"`
}

// DefaultPolicy is the lifecycle of CRM practice. Classification order and
// rules (fields are those of Schema):
//
//	prospect          purchases = 0
//	lapsed            absolute churn: churned = true
//	reactivated       previous_stage = "lapsed"     (bought again after lapsing)
//	at_risk           relative churn or early warning: at_risk = true
//	advocate          frequency >= 4 and (referrals >= 1 or nps >= 9)
//	loyal             frequency >= 4
//	repeat_buyer      frequency >= 1
//	first_time_buyer  purchases >= 1
//
// Allowed moves: forward along prospect → first-time → repeat → loyal →
// advocate (skipping ahead is allowed); from any buying stage to at_risk or
// lapsed; from at_risk back to a buying stage or on to lapsed; from lapsed
// only to reactivated; from reactivated forward, or to at_risk or lapsed.
// Regressions (loyal → repeat buyer, say) are refused: they go through
// at_risk.
func DefaultPolicy() *Policy {
	growth := []string{FirstTimeBuyer, RepeatBuyer, Loyal, Advocate}
	after := func(s string) []string { return growth[slices.Index(growth, s)+1:] }
	withRisk := func(xs []string) []string { return append(slices.Clone(xs), AtRisk, Lapsed) }
	return &Policy{
		Stages: []Stage{
			{Name: Prospect, Rule: "purchases = 0", Objective: "build interest and trust; make a first sale"},
			{Name: Lapsed, Rule: "churned = true", Objective: "win back: find out why, make a tailored offer"},
			{Name: Reactivated, Rule: `previous_stage = "lapsed"`, Objective: "welcome back; make the second start stick"},
			{Name: AtRisk, Rule: "at_risk = true", Objective: "reach out before they leave: service, not sales"},
			{Name: Advocate, Rule: "frequency >= 4 and (referrals >= 1 or nps >= 9)", Objective: "thank them; give them reasons and tools to recommend us"},
			{Name: Loyal, Rule: "frequency >= 4", Objective: "show appreciation and turn them into advocates; do not sell at them"},
			{Name: RepeatBuyer, Rule: "frequency >= 1", Objective: "deepen the relationship: more categories, loyalty programme"},
			{Name: FirstTimeBuyer, Rule: "purchases >= 1", Objective: "raise purchase frequency and sell other products"},
		},
		Allowed: map[string][]string{
			Prospect:       growth,
			FirstTimeBuyer: withRisk(after(FirstTimeBuyer)),
			RepeatBuyer:    withRisk(after(RepeatBuyer)),
			Loyal:          withRisk(after(Loyal)),
			Advocate:       {AtRisk, Lapsed},
			AtRisk:         append(slices.Clone(growth), Lapsed),
			Lapsed:         {Reactivated},
			Reactivated:    {RepeatBuyer, Loyal, Advocate, AtRisk, Lapsed},
		},
	}
}

// Validate checks the policy: named, unique stages with rules that parse,
// and transitions between known stages.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	names := map[string]bool{}
	for i, s := range p.Stages {
		at := fmt.Sprintf("stages[%d] %q", i, s.Name)
		if s.Name == "" {
			bad(at, "no name")
		} else if names[s.Name] {
			bad(at, "duplicate name")
		}
		names[s.Name] = true
		if _, err := segment.Parse(s.Rule); err != nil {
			bad(at, "%v", err)
		}
	}
	if len(p.Stages) == 0 {
		bad("stages", "none")
	}
	for from, tos := range p.Allowed {
		if !names[from] {
			bad("allowed", "unknown stage %q", from)
		}
		for _, to := range tos {
			if !names[to] {
				bad("allowed", "%q → unknown stage %q", from, to)
			}
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return &crm.ValidationError{Package: "lifecycle", What: "policy", Problems: errs}
	}
	return nil
}

// Stage returns the named stage.
func (p *Policy) Stage(name string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// Allows reports whether a customer may move from one stage to another.
// Staying put is always allowed; an empty from (a customer seen for the
// first time) may enter any stage.
func (p *Policy) Allows(from, to string) bool {
	return from == "" || from == to || slices.Contains(p.Allowed[from], to)
}

// Mermaid draws the stage graph as a Mermaid state diagram, stages in
// policy order.
func (p *Policy) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	for _, s := range p.Stages {
		fmt.Fprintf(&b, "    %s : %s\n", s.Name, s.Name)
	}
	fmt.Fprintf(&b, "    [*] --> %s\n", p.Stages[0].Name)
	for _, s := range p.Stages {
		for _, to := range p.Allowed[s.Name] {
			fmt.Fprintf(&b, "    %s --> %s\n", s.Name, to)
		}
	}
	return b.String()
}
