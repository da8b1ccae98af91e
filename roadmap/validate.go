package roadmap

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// FindingSeverity says whether a finding blocks activation.
type FindingSeverity string

// Finding severities: errors block activation, warnings do not.
const (
	FindingError   FindingSeverity = "error"
	FindingWarning FindingSeverity = "warning"
)

// Finding is one problem with a roadmap: a stable code, a severity, the
// path of what it concerns and a message.
type Finding struct {
	// Code is the finding's stable code ("goal_no_kpi").
	Code string `json:"code"`
	// Severity says whether it blocks activation.
	Severity FindingSeverity `json:"severity"`
	// Path is what it concerns ("external_goals[1].commitment").
	Path string `json:"path"`
	// Message says it in words.
	Message string `json:"message"`
}

// Finding codes.
const (
	NoOwner            = "no_owner"
	NotCrossFunctional = "not_cross_functional"
	InitiativeNoOwner  = "initiative_no_owner"
	LeadTimeShort      = "lead_time_short"
	LeadTimeLong       = "lead_time_long"
	OverBudget         = "over_budget"
	NoBudget           = "no_budget"
	GoalNoKPI          = "goal_no_kpi"
	BadWeight          = "bad_weight"
	TooManyPriorities  = "too_many_priorities"
	MissingSignOff     = "missing_sign_off"
	BadValue           = "bad_value"
	NoVision           = "no_vision"
	NoExternalGoal     = "no_external_goal"
	NoInternalGoal     = "no_internal_goal"
	OwnerNotOnTeam     = "owner_not_on_team"
	NoFinancialLink    = "no_financial_link"
	PerspectiveMissing = "perspective_missing"
)

// Validate lists every finding at once, in a stable order, as of planning
// time asOf (lead times count from it):
//
//   - no_owner (error): the roadmap has no accountable owner.
//   - not_cross_functional (error): fewer than two departments involved.
//   - initiative_no_owner (error): an initiative without an owner.
//   - lead_time_short (error): a communication, education or incentive
//     programme starting less than 3 months after asOf; lead_time_long
//     (warning): more than 6 months after.
//   - over_budget (error): a fiscal year's initiatives cost more than its
//     budget; no_budget (error): initiatives in a year without a budget.
//   - goal_no_kpi (error): a goal without a measurable KPI and target.
//   - bad_weight (error): a KPI weight that is not positive.
//   - too_many_priorities (error): a phase with more priorities than
//     MaxPriorities (default 3).
//   - missing_sign_off (warning): a department involved has not signed off
//     the current revision (activation requires them all).
//   - bad_value (error): a number that is NaN or infinite, or a time
//     outside years 0–9999: no store can hold it, and the content has no
//     revision to sign.
//   - no_vision (error): no vision of where the relationship is going.
//   - no_external_goal (error): nothing promised to the customer;
//     no_internal_goal (error): no goal of ours tied to strategy.
//   - owner_not_on_team (error): the accountable owner is not a member of
//     the team that agreed the plan.
//   - no_financial_link (warning): an internal goal that says nothing of
//     how it ties to strategy and finance.
//   - perspective_missing (warning): the internal goals leave out one of
//     the balanced scorecard's four perspectives (financial, customer,
//     internal process, learning and growth).
func (r *Roadmap) Validate(asOf time.Time) []Finding {
	c := &r.Content
	var out []Finding
	add := func(code string, sev FindingSeverity, path, format string, args ...any) {
		out = append(out, Finding{Code: code, Severity: sev, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	r.badValues(func(path, problem string) { add(BadValue, FindingError, path, "%s", problem) })
	if c.Owner == "" {
		add(NoOwner, FindingError, "owner", "the roadmap needs one accountable owner")
	} else if !slices.ContainsFunc(c.Team, func(m Member) bool { return m.Name == c.Owner }) {
		add(OwnerNotOnTeam, FindingError, "owner", "the owner %q is not on the team that agrees the plan", c.Owner)
	}
	if strings.TrimSpace(c.Vision) == "" {
		add(NoVision, FindingError, "vision", "the roadmap needs a vision: where the relationship with %q is going", c.Account)
	}
	if len(c.ExternalGoals) == 0 {
		add(NoExternalGoal, FindingError, "external_goals", "nothing is promised to the customer; add an external goal (situation, promise, commitment)")
	}
	if len(c.InternalGoals) == 0 {
		add(NoInternalGoal, FindingError, "internal_goals", "no internal goal ties the plan to strategy and finance")
	}
	perspectives := map[Perspective]bool{}
	for i, g := range c.InternalGoals {
		perspectives[g.Perspective] = true
		if strings.TrimSpace(g.FinancialLink) == "" {
			add(NoFinancialLink, FindingWarning, fmt.Sprintf("internal_goals[%d] %q.financial_link", i, g.ID), "say how the goal ties to strategy and finance")
		}
	}
	if len(c.InternalGoals) > 0 {
		for _, p := range []Perspective{Financial, CustomerView, InternalProcess, LearningGrowth} {
			if !perspectives[p] {
				add(PerspectiveMissing, FindingWarning, "internal_goals", "no internal goal from the %s perspective of the balanced scorecard", p)
			}
		}
	}
	if d := c.Departments(); len(d) < 2 {
		add(NotCrossFunctional, FindingError, "team", "%d department(s) involved %v; a roadmap needs at least two", len(d), d)
	}
	checkKPI := func(path string, k *KPI) {
		if k == nil || k.Name == "" || k.Unit == "" || k.Deadline.IsZero() || k.Target == k.Baseline {
			add(GoalNoKPI, FindingError, path, "a goal needs a measurable KPI: name, unit, a target different from the baseline, and a deadline")
			return
		}
		if !(k.Weight > 0) {
			add(BadWeight, FindingError, path+".weight", "weight %v must be positive", k.Weight)
		}
	}
	for i, g := range c.ExternalGoals {
		checkKPI(fmt.Sprintf("external_goals[%d] %q", i, g.ID), g.Commitment)
	}
	for i, g := range c.InternalGoals {
		checkKPI(fmt.Sprintf("internal_goals[%d] %q", i, g.ID), g.KPI)
	}
	spend := map[int]decimal.Decimal{}
	currency := map[int]string{}
	for i, in := range c.Initiatives {
		path := fmt.Sprintf("initiatives[%d] %q", i, in.ID)
		if in.Owner == "" {
			add(InitiativeNoOwner, FindingError, path+".owner", "%q has no owner", in.Name)
		}
		if in.Kind == Communication || in.Kind == Education || in.Kind == Incentive {
			lead := in.Start.Sub(asOf)
			switch {
			case in.Start.Before(asOf.AddDate(0, 3, 0)):
				add(LeadTimeShort, FindingError, path+".start", "the %s programme starting %s is planned only %.0f days ahead; plan 3–6 months ahead", in.Kind, in.Start.Format("2006-01-02"), lead.Hours()/24)
			case in.Start.After(asOf.AddDate(0, 6, 0)):
				add(LeadTimeLong, FindingWarning, path+".start", "the %s programme starting %s is planned %.0f days ahead, more than 6 months", in.Kind, in.Start.Format("2006-01-02"), lead.Hours()/24)
			}
		}
		spend[in.FiscalYear] = spend[in.FiscalYear].Add(in.Budget.Amount)
		currency[in.FiscalYear] = in.Budget.Currency
	}
	years := make([]int, 0, len(spend))
	for y := range spend {
		years = append(years, y)
	}
	slices.Sort(years)
	for _, y := range years {
		i := slices.IndexFunc(c.Budgets, func(b YearBudget) bool { return b.FiscalYear == y })
		if i < 0 {
			add(NoBudget, FindingError, fmt.Sprintf("budgets[%d]", y), "initiatives cost %s %s in fiscal year %d, which has no budget", spend[y].StringFixed(2), currency[y], y)
			continue
		}
		if b := c.Budgets[i]; spend[y].GreaterThan(b.Amount.Amount) {
			add(OverBudget, FindingError, fmt.Sprintf("budgets[%d]", i), "fiscal year %d: initiatives cost %s, the budget is %s %s", y, spend[y].StringFixed(2), b.Amount.Amount.StringFixed(2), b.Amount.Currency)
		}
	}
	max := c.MaxPriorities
	if max == 0 {
		max = 3
	}
	for i, p := range c.Phases {
		if len(p.Priorities) > max {
			add(TooManyPriorities, FindingError, fmt.Sprintf("phases[%d] %q", i, p.Name), "%d priorities; at most %d at a time", len(p.Priorities), max)
		}
	}
	for _, d := range r.MissingSignOffs() {
		if rev := c.Revision(); rev != "" {
			add(MissingSignOff, FindingWarning, "sign_offs", "%s has not signed off revision %.12s", d, rev)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// Errors keeps the findings of severity error.
func Errors(fs []Finding) []Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return f.Severity != FindingError })
}
