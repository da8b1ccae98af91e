package roadmap

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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
	Name       string `json:"name"`
	Department string `json:"department"`
	Role       string `json:"role"`
}

// KPI is a measurable indicator with a target.
type KPI struct {
	Name          string    `json:"name"`
	Unit          string    `json:"unit"`
	Baseline      float64   `json:"baseline"`
	Target        float64   `json:"target"`
	Deadline      time.Time `json:"deadline"`
	Weight        float64   `json:"weight"`
	LowerIsBetter bool      `json:"lower_is_better,omitempty"`
}

// ExternalGoal is a promise to the customer: what they can expect in a
// situation, with a measurable commitment.
type ExternalGoal struct {
	ID         string `json:"id"`
	Situation  string `json:"situation"`
	Promise    string `json:"promise"`
	Commitment *KPI   `json:"commitment,omitempty"`
}

// InternalGoal is a goal of ours, by perspective, with its link to
// financial results.
type InternalGoal struct {
	ID            string      `json:"id"`
	Perspective   Perspective `json:"perspective"`
	KPI           *KPI        `json:"kpi,omitempty"`
	FinancialLink string      `json:"financial_link"`
}

// Initiative is a programme of work.
type Initiative struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Kind        InitiativeKind `json:"kind"`
	Owner       string         `json:"owner"`
	Departments []string       `json:"departments"`
	Start       time.Time      `json:"start"`
	End         time.Time      `json:"end"`
	Budget      crm.Money      `json:"budget"`
	FiscalYear  int            `json:"fiscal_year"`
}

// Phase is a step of the plan holding a few priorities (goal or
// initiative IDs).
type Phase struct {
	Name       string    `json:"name"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Priorities []string  `json:"priorities"`
}

// YearBudget is the money available in a fiscal year.
type YearBudget struct {
	FiscalYear int       `json:"fiscal_year"`
	Amount     crm.Money `json:"amount"`
}

// Content is what the team plans and signs off: changing any of it makes
// a new revision.
type Content struct {
	Account       string         `json:"account"` // customer ID or programme name
	Vision        string         `json:"vision"`
	Owner         string         `json:"owner"`
	Team          []Member       `json:"team"`
	ExternalGoals []ExternalGoal `json:"external_goals"`
	InternalGoals []InternalGoal `json:"internal_goals"`
	Initiatives   []Initiative   `json:"initiatives"`
	Phases        []Phase        `json:"phases"`
	Budgets       []YearBudget   `json:"budgets"`
	MaxPriorities int            `json:"max_priorities"` // per phase (0: 3)
}

// Revision is the content's SHA-256 over its JSON form: a sign-off is for
// exactly this content, and saving the same content again keeps it.
func (c Content) Revision() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // plain data always marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SignOff is a department's approval of one revision.
type SignOff struct {
	Department string    `json:"department"`
	By         string    `json:"by"`
	Revision   string    `json:"revision"`
	At         time.Time `json:"at"`
}

// Measurement is a KPI value at a time (KPI by goal ID).
type Measurement struct {
	Goal  string    `json:"goal"`
	At    time.Time `json:"at"`
	Value float64   `json:"value"`
}

// Progress is an initiative's status and spend.
type Progress struct {
	Initiative string    `json:"initiative"`
	Status     string    `json:"status"` // planned, running, done, late, …
	Spent      crm.Money `json:"spent"`
}

// Roadmap is a customer roadmap: content plus its life.
type Roadmap struct {
	ID           string        `json:"id"`
	Content      Content       `json:"content"`
	Status       Status        `json:"status"`
	SignOffs     []SignOff     `json:"sign_offs"`
	Measurements []Measurement `json:"measurements"`
	Progress     []Progress    `json:"progress"`
	Version      int64         `json:"version"`
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
