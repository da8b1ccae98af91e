package roadmap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// Status is where a roadmap is in its life.
type Status string

// Statuses: draft → in_review → approved → active → completed, or
// cancelled from any of the first four.
const (
	Draft     Status = "draft"
	InReview  Status = "in_review"
	Approved  Status = "approved"
	Active    Status = "active"
	Completed Status = "completed"
	Cancelled Status = "cancelled"
)

// Perspective is a balanced-scorecard perspective.
type Perspective string

// Perspectives.
const (
	Financial       Perspective = "financial"
	CustomerView    Perspective = "customer"
	InternalProcess Perspective = "internal_process"
	LearningGrowth  Perspective = "learning_growth"
)

// InitiativeKind is what an initiative does.
type InitiativeKind string

// Initiative kinds. Communication, education and incentive programmes need
// planning 3–6 months ahead.
const (
	Communication InitiativeKind = "communication"
	Education     InitiativeKind = "education"
	Incentive     InitiativeKind = "incentive"
	Process       InitiativeKind = "process"
	Technology    InitiativeKind = "technology"
)

// Member is a person on the account team.
type Member struct {
	// Name names the team member.
	Name string `json:"name"`
	// Department is the department the member speaks for; each one signs off.
	Department string `json:"department"`
	// Role is the member's part in the plan.
	Role string `json:"role"`
}

// KPI is a measurable indicator with a target.
type KPI struct {
	// Name names the measure.
	Name string `json:"name"`
	// Unit is what it counts ("%", "days", "EUR").
	Unit string `json:"unit"`
	// Baseline is where it stood when planned.
	Baseline float64 `json:"baseline"`
	// Target is where it must be by the Deadline.
	Target float64 `json:"target"`
	// Deadline is when the Target is due.
	Deadline time.Time `json:"deadline"`
	// Weight is the KPI's importance in the health score.
	Weight float64 `json:"weight"`
	// LowerIsBetter is set for KPIs to bring down.
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
	// Metric, when set, names the period metric that measures the KPI
	// (one of cycle.Definitions, such as "performance.nps"), and Cut the
	// part of the base it is measured on ("tier=Platinum"): each run of
	// the loop records the KPI from its period, so progress is measured
	// from data, not typed in.
	Metric string `json:"metric,omitempty"`
	// Cut is the metric's cut ("" for the whole base).
	Cut string `json:"cut,omitempty"`
	// Scale multiplies the metric's value into the KPI's Unit: 100 for a
	// share (0–1) in "%" or an NPS (−1..1) in points; 0 means 1.
	Scale float64 `json:"scale,omitempty"`
}

// ExternalGoal is a promise to the customer: what they can expect in a
// situation, with a measurable commitment.
type ExternalGoal struct {
	// ID identifies the goal within the roadmap.
	ID string `json:"id"`
	// Situation is the customer's situation the promise answers.
	Situation string `json:"situation"`
	// Promise is what we promise the customer.
	Promise string `json:"promise"`
	// Commitment is the measurable commitment behind the promise.
	Commitment *KPI `json:"commitment,omitempty"`
}

// InternalGoal is a goal of ours, by perspective, with its link to
// financial results.
type InternalGoal struct {
	// ID identifies the goal within the roadmap.
	ID string `json:"id"`
	// Perspective is the balanced-scorecard perspective it serves.
	Perspective Perspective `json:"perspective"`
	// KPI measures the goal.
	KPI *KPI `json:"kpi,omitempty"`
	// FinancialLink says how the goal ties to strategy and finance.
	FinancialLink string `json:"financial_link"`
}

// Initiative is a programme of work.
type Initiative struct {
	// ID identifies the initiative within the roadmap.
	ID string `json:"id"`
	// Name names it.
	Name string `json:"name"`
	// Kind is a communication, education or incentive programme, or other.
	Kind InitiativeKind `json:"kind"`
	// Owner is the accountable person.
	Owner string `json:"owner"`
	// Departments are those involved.
	Departments []string `json:"departments"`
	// Start and End bound the initiative.
	Start time.Time `json:"start"`
	// End is when the initiative ends.
	End time.Time `json:"end"`
	// Budget is what it may spend.
	Budget crm.Money `json:"budget"`
	// FiscalYear is the year its budget belongs to.
	FiscalYear int `json:"fiscal_year"`
}

// Phase is a step of the plan holding a few priorities (goal or
// initiative IDs).
type Phase struct {
	// Name names the phase.
	Name string `json:"name"`
	// Start and End bound the phase.
	Start time.Time `json:"start"`
	// End is when the phase ends.
	End time.Time `json:"end"`
	// Priorities are the initiatives (by ID) rolled out in the phase.
	Priorities []string `json:"priorities"`
}

// YearBudget is the money available in a fiscal year.
type YearBudget struct {
	// FiscalYear is the budget's year.
	FiscalYear int `json:"fiscal_year"`
	// Amount is the year's budget.
	Amount crm.Money `json:"amount"`
}

// Content is what the team plans and signs off: changing any of it makes
// a new revision.
type Content struct {
	Account string `json:"account"` // customer ID or programme name
	// Vision is what the relationship should become.
	Vision string `json:"vision"`
	// Owner is the one accountable manager, a member of the Team.
	Owner string `json:"owner"`
	// Team are the people involved, one department each.
	Team []Member `json:"team"`
	// ExternalGoals are what we promise the customer.
	ExternalGoals []ExternalGoal `json:"external_goals"`
	// InternalGoals tie the plan to strategy and finance.
	InternalGoals []InternalGoal `json:"internal_goals"`
	// Initiatives are the programmes that get there.
	Initiatives []Initiative `json:"initiatives"`
	// Phases roll the initiatives out a few at a time.
	Phases []Phase `json:"phases"`
	// Budgets are the yearly budgets.
	Budgets       []YearBudget `json:"budgets"`
	MaxPriorities int          `json:"max_priorities"` // per phase (0: 3)
}

// Revision is the content's SHA-256 over its JSON form: a sign-off is for
// exactly this content, and saving the same content again keeps it.
// Content that cannot be stored — a number that is NaN or infinite, a time
// outside years 0–9999 — has no revision: Revision returns "" and
// Validate reports the value (bad_value).
func (c Content) Revision() string {
	b, err := json.Marshal(c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// badValues reports every number and time of the roadmap that JSON, and so
// no store, can hold: NaN and infinities, and times outside years 0–9999.
func (r *Roadmap) badValues(report func(path, problem string)) {
	num := func(path string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			report(path, fmt.Sprintf("%v is not a finite number", v))
		}
	}
	at := func(path string, t time.Time) {
		if y := t.Year(); y < 0 || y > 9999 {
			report(path, fmt.Sprintf("year %d is outside 0–9999", y))
		}
	}
	kpi := func(path string, k *KPI) {
		if k == nil {
			return
		}
		num(path+".baseline", k.Baseline)
		num(path+".target", k.Target)
		num(path+".weight", k.Weight)
		at(path+".deadline", k.Deadline)
	}
	c := &r.Content
	for i, g := range c.ExternalGoals {
		kpi(fmt.Sprintf("external_goals[%d].commitment", i), g.Commitment)
	}
	for i, g := range c.InternalGoals {
		kpi(fmt.Sprintf("internal_goals[%d].kpi", i), g.KPI)
	}
	for i, in := range c.Initiatives {
		at(fmt.Sprintf("initiatives[%d].start", i), in.Start)
		at(fmt.Sprintf("initiatives[%d].end", i), in.End)
	}
	for i, ph := range c.Phases {
		at(fmt.Sprintf("phases[%d].start", i), ph.Start)
		at(fmt.Sprintf("phases[%d].end", i), ph.End)
	}
	for i, m := range r.Measurements {
		num(fmt.Sprintf("measurements[%d].value", i), m.Value)
		at(fmt.Sprintf("measurements[%d].at", i), m.At)
	}
	for i, s := range r.SignOffs {
		at(fmt.Sprintf("sign_offs[%d].at", i), s.At)
	}
}

// storable is a *crm.ValidationError naming every value of r that no store
// can hold, or nil.
func (r *Roadmap) storable() error {
	var problems []error
	r.badValues(func(path, problem string) {
		problems = append(problems, &crm.FieldError{Field: path, Problem: problem})
	})
	if len(problems) == 0 {
		return nil
	}
	return &crm.ValidationError{Package: "roadmap", What: fmt.Sprintf("roadmap %q", r.ID), Problems: problems}
}

// SignOff is a department's approval of one revision.
type SignOff struct {
	// Department is the department that signed.
	Department string `json:"department"`
	// By is who signed for it.
	By string `json:"by"`
	// Revision is the content revision signed; a changed content voids it.
	Revision string `json:"revision"`
	// At is when it was signed.
	At time.Time `json:"at"`
}

// Measurement is a KPI value at a time (KPI by goal ID).
type Measurement struct {
	// Goal is the goal whose KPI was measured.
	Goal string `json:"goal"`
	// At is when.
	At time.Time `json:"at"`
	// Value is the measured value.
	Value float64 `json:"value"`
}

// Progress is an initiative's status and spend.
type Progress struct {
	// Initiative is the initiative reported on.
	Initiative string `json:"initiative"`
	Status     string `json:"status"` // planned, running, done, late, …
	// Spent is what it has spent.
	Spent crm.Money `json:"spent"`
}

// Roadmap is a customer roadmap: content plus its life.
type Roadmap struct {
	// ID identifies the roadmap.
	ID string `json:"id"`
	// Content is the plan itself, what departments sign off.
	Content Content `json:"content"`
	// Status is where the roadmap stands: draft, in review, approved, active,
	// completed or cancelled.
	Status Status `json:"status"`
	// SignOffs are the departments' approvals, one each.
	SignOffs []SignOff `json:"sign_offs"`
	// Measurements are the KPI values recorded.
	Measurements []Measurement `json:"measurements"`
	// Progress is each initiative's last report.
	Progress []Progress `json:"progress"`
	// Version is the store's: 1 when created, one more on each update.
	Version int64 `json:"version"`
}

// Departments lists the departments involved: the team's and the
// initiatives', sorted, each once.
func (c Content) Departments() []string {
	set := map[string]bool{}
	for _, m := range c.Team {
		if m.Department != "" {
			set[m.Department] = true
		}
	}
	for _, in := range c.Initiatives {
		for _, d := range in.Departments {
			set[d] = true
		}
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// MissingSignOffs lists the departments that have not signed off the
// current revision.
func (r *Roadmap) MissingSignOffs() []string {
	rev := r.Content.Revision()
	var out []string
	for _, d := range r.Content.Departments() {
		ok := false
		if rev == "" { // content that cannot be stored cannot be signed
			out = append(out, d)
			continue
		}
		for _, s := range r.SignOffs {
			if s.Department == d && s.Revision == rev {
				ok = true
				break
			}
		}
		if !ok {
			out = append(out, d)
		}
	}
	return out
}

// goals lists every goal with a KPI, by ID.
func (c Content) kpis() map[string]*KPI {
	out := map[string]*KPI{}
	for i := range c.ExternalGoals {
		if g := &c.ExternalGoals[i]; g.Commitment != nil {
			out[g.ID] = g.Commitment
		}
	}
	for i := range c.InternalGoals {
		if g := &c.InternalGoals[i]; g.KPI != nil {
			out[g.ID] = g.KPI
		}
	}
	return out
}
