package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/segment"
)

// Severity says how urgent an alert is.
type Severity string

// Severities.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Rule is one condition to watch between runs of the loop: over
// customers (a segment rule on their latest results), over a period
// metric (a threshold or a change against the previous period), or over
// the active roadmaps' KPIs (a forecast off track). Exactly one of
// Customers, Metric and KPIOffTrack is set.
type Rule struct {
	// Name names the rule; alerts carry it.
	Name string `json:"name"`
	// Severity is the alerts' severity (default warning).
	Severity Severity `json:"severity,omitempty"`
	// Cooldown is how long after an alert is raised the same condition
	// may not raise another, even once the first is resolved (default 7
	// days).
	Cooldown time.Duration `json:"cooldown,omitempty"`
	// Route says who gets the alerts.
	Route Route `json:"route"`
	// Customers is a segment rule over each customer's latest result (the
	// fields of CustomerSchema): one alert per customer it matches, such
	// as `tier in ("Platinum", "Gold") and stage = "at_risk" and
	// previous_stage != "at_risk"`.
	Customers string `json:"customers,omitempty"`
	// Metric is a condition on a period metric: one alert per cut it
	// holds for.
	Metric *MetricCondition `json:"metric,omitempty"`
	// KPIOffTrack raises an alert for every measured KPI of an active
	// roadmap whose forecast misses its target.
	KPIOffTrack bool `json:"kpi_off_track,omitempty"`
}

// Route says who gets a rule's alerts.
type Route struct {
	// To are people or teams ("service team").
	To []string `json:"to,omitempty"`
	// AccountManager routes a customer's alert to the customer's account
	// manager too (crm.Preferences.AccountManager; needs Sources.Customers).
	AccountManager bool `json:"account_manager,omitempty"`
	// RoadmapOwner routes a KPI's alert to the roadmap's owner too.
	RoadmapOwner bool `json:"roadmap_owner,omitempty"`
}

// MetricCondition is a condition on a period metric. Every criterion set
// must hold (at least one is required). Changes compare with the previous
// period; without one, or where it lacks the metric, they do not hold.
type MetricCondition struct {
	// Metric is the metric's name (cycle.Definitions).
	Metric string `json:"metric"`
	// Cut is the cut to watch, or a prefix ending in "*" for every cut
	// that starts with it ("channel=*": every channel); "" is the whole
	// base.
	Cut string `json:"cut,omitempty"`
	// Above holds when the value is greater than it.
	Above *float64 `json:"above,omitempty"`
	// Below holds when the value is less than it.
	Below *float64 `json:"below,omitempty"`
	// Falls holds when the value fell by at least this much since the
	// previous period.
	Falls float64 `json:"falls,omitempty"`
	// Rises holds when it rose by at least this much.
	Rises float64 `json:"rises,omitempty"`
	// Changes holds when it moved, either way, by at least this share of
	// its previous value (0.2: 20%); a previous value of 0 counts any
	// move as a change.
	Changes float64 `json:"changes,omitempty"`
}

func (c *MetricCondition) describe() string {
	var parts []string
	if c.Above != nil {
		parts = append(parts, fmt.Sprintf("above %g", *c.Above))
	}
	if c.Below != nil {
		parts = append(parts, fmt.Sprintf("below %g", *c.Below))
	}
	if c.Falls > 0 {
		parts = append(parts, fmt.Sprintf("fell by %g or more", c.Falls))
	}
	if c.Rises > 0 {
		parts = append(parts, fmt.Sprintf("rose by %g or more", c.Rises))
	}
	if c.Changes > 0 {
		parts = append(parts, fmt.Sprintf("moved by %g%% or more", 100*c.Changes))
	}
	return strings.Join(parts, " and ")
}

func (c *MetricCondition) matchesCut(cut string) bool {
	if p, ok := strings.CutSuffix(c.Cut, "*"); ok {
		return strings.HasPrefix(cut, p)
	}
	return cut == c.Cut
}

// CustomerSchema is what a customer rule reads: cycle.ResultSchema, each
// customer's result of the run checked and of the run before it (stage,
// previous_stage, tier, previous_tier, churn, clv, at_stake, p_alive,
// rfm_cell, rfm_segment, buyer).
func CustomerSchema() *segment.Schema { return cycle.ResultSchema() }

// StarterRules are the rules a practitioner starts with; adjust the
// thresholds to the business (the money ones are in its currency).
//
//   - "key customer at risk" (critical): a Platinum or Gold customer who
//     entered the at-risk stage since the previous run; to the account
//     manager and the key-account team.
//   - "valuable relative churn" (warning): a customer still buying but
//     spending much less than before, with 1,000 or more of CLV at stake.
//   - "channel experience falling" (warning): a channel's experience index
//     fell 5 points or more since the previous period.
//   - "breach cluster" (warning): five or more items of one cause missed
//     their service level in the period.
//   - "KPI off track" (warning): a roadmap KPI's forecast misses its
//     target; to the roadmap's owner.
//   - "segment size jump" (info): a segment's size moved by 20% or more
//     since the previous period.
func StarterRules() []Rule {
	return []Rule{
		{Name: "key customer at risk", Severity: Critical, Cooldown: 30 * 24 * time.Hour,
			Route:     Route{To: []string{"key accounts"}, AccountManager: true},
			Customers: `tier in ("Platinum", "Gold") and stage = "at_risk" and previous_stage != "at_risk"`},
		{Name: "valuable relative churn", Severity: Warning, Cooldown: 30 * 24 * time.Hour,
			Route:     Route{To: []string{"retention team"}, AccountManager: true},
			Customers: `churn = "relative" and at_stake >= 1000`},
		{Name: "channel experience falling", Severity: Warning, Cooldown: 14 * 24 * time.Hour,
			Route:  Route{To: []string{"customer experience"}},
			Metric: &MetricCondition{Metric: "performance.experience", Cut: "channel=*", Falls: 5}},
		{Name: "breach cluster", Severity: Warning, Cooldown: 7 * 24 * time.Hour,
			Route:  Route{To: []string{"service team"}},
			Metric: &MetricCondition{Metric: "performance.breaches", Cut: "cause=*", Above: new(4.0)}},
		{Name: "KPI off track", Severity: Warning, Cooldown: 30 * 24 * time.Hour,
			Route: Route{RoadmapOwner: true}, KPIOffTrack: true},
		{Name: "segment size jump", Severity: Info, Cooldown: 30 * 24 * time.Hour,
			Route:  Route{To: []string{"marketing"}},
			Metric: &MetricCondition{Metric: "lifecycle.segment_size", Cut: "segmentation=*", Changes: 0.2}},
	}
}

// compiled is a rule ready to evaluate.
type compiled struct {
	Rule
	match *segment.Matcher
}

// compileRules checks every rule and compiles the customer rules,
// returning every problem.
func compileRules(rules []Rule, known func(metric string) string) ([]compiled, []error) {
	var errs []error
	bad := func(i int, r Rule, field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("rules[%d] %q.%s", i, r.Name, field), Problem: fmt.Sprintf(format, args...)})
	}
	schema := CustomerSchema()
	names := map[string]bool{}
	out := make([]compiled, len(rules))
	for i, r := range rules {
		if r.Severity == "" {
			r.Severity = Warning
		}
		if r.Cooldown == 0 {
			r.Cooldown = 7 * 24 * time.Hour
		}
		out[i] = compiled{Rule: r}
		switch {
		case strings.TrimSpace(r.Name) == "":
			bad(i, r, "name", "empty")
		case names[r.Name]:
			bad(i, r, "name", "used twice")
		}
		names[r.Name] = true
		if r.Severity != Info && r.Severity != Warning && r.Severity != Critical {
			bad(i, r, "severity", "%q is not info, warning or critical", r.Severity)
		}
		if r.Cooldown < 0 {
			bad(i, r, "cooldown", "negative")
		}
		kinds := 0
		if r.Customers != "" {
			kinds++
			rule, err := segment.Parse(r.Customers)
			if err == nil {
				out[i].match, err = segment.Compile(rule, schema)
			}
			if err != nil {
				bad(i, r, "customers", "%v", err)
			}
		}
		if c := r.Metric; c != nil {
			kinds++
			if p := known(c.Metric); p != "" {
				bad(i, r, "metric.metric", "%s", p)
			}
			if c.Above == nil && c.Below == nil && c.Falls <= 0 && c.Rises <= 0 && c.Changes <= 0 {
				bad(i, r, "metric", "no criterion: set above, below, falls, rises or changes")
			}
		}
		if r.KPIOffTrack {
			kinds++
		}
		if kinds != 1 {
			bad(i, r, "customers/metric/kpi_off_track", "set exactly one, not %d", kinds)
		}
	}
	return out, errs
}
