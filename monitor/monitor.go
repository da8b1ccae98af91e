package monitor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/internal/suggest"
	"github.com/crmkit/crm/roadmap"
)

// Notifier delivers alerts to people: e-mail, chat, a ticket. Notify is
// called once for each alert raised; an alert whose notification failed
// is offered again at the next Check until it succeeds.
type Notifier interface {
	// Notify delivers the alert, or returns why it could not.
	Notify(ctx context.Context, a Alert) error
}

// CustomerLookup finds a customer, for routing to the account manager.
type CustomerLookup interface {
	// Customer returns the customer with the ID, or crm.ErrNotFound.
	Customer(ctx context.Context, id string) (crm.Customer, error)
}

// Sources are what a Monitor watches and where it keeps its alerts.
type Sources struct {
	// Alerts keeps the alerts. Required.
	Alerts Store
	// Results and Periods are the loop's (cycle): customer rules read the
	// results, metric rules the periods. Required.
	Results cycle.ResultStore
	// Periods are the loop's periods.
	Periods cycle.PeriodStore
	// Roadmaps, when set, are watched by KPI rules.
	Roadmaps roadmap.Store
	// Customers, when set, route customer alerts to account managers.
	Customers CustomerLookup
}

// Options configure a Monitor.
type Options struct {
	// Notifier, when set, is told of every alert raised.
	Notifier Notifier
	// Clock stamps acknowledgements and resolutions (default time.Now).
	Clock func() time.Time
}

// Monitor watches the customer base between runs of the loop: Check
// evaluates its rules at an observation time and raises each condition
// once.
type Monitor struct {
	src   Sources
	rules []compiled
	opt   Options
}

// New checks the sources and compiles the rules, naming every problem.
func New(src Sources, rules []Rule, opt *Options) (*Monitor, error) {
	m := &Monitor{src: src}
	if opt != nil {
		m.opt = *opt
	}
	if m.opt.Clock == nil {
		m.opt.Clock = time.Now
	}
	var errs []error
	for _, f := range []struct {
		name    string
		missing bool
	}{{"sources.alerts", src.Alerts == nil}, {"sources.results", src.Results == nil}, {"sources.periods", src.Periods == nil}} {
		if f.missing {
			errs = append(errs, &crm.FieldError{Field: f.name, Problem: "required"})
		}
	}
	var problems []error
	m.rules, problems = compileRules(rules, knownMetric)
	errs = append(errs, problems...)
	for i, r := range rules {
		if r.KPIOffTrack && src.Roadmaps == nil {
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("rules[%d] %q.kpi_off_track", i, r.Name), Problem: "a KPI rule needs sources.roadmaps"})
		}
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "monitor", What: "monitor", Problems: errs}
	}
	return m, nil
}

// knownMetric says what is wrong with a metric name, or "".
func knownMetric(name string) string {
	var names []string
	for _, d := range cycle.Definitions() {
		if d.Name == name {
			return ""
		}
		names = append(names, d.Name)
	}
	if s := suggest.Nearest(name, names); s != "" {
		return fmt.Sprintf("%q is not a metric; did you mean %q?", name, s)
	}
	return fmt.Sprintf("%q is not a metric (see cycle.Definitions)", name)
}

// finding is one condition found at a check.
type finding struct {
	rule     *compiled
	subject  string
	customer string
	to       []string
	message  string
}

// Check evaluates every rule at asOf — over the loop's run at asOf (its
// period and results, compared with the run before) and the active
// roadmaps — raises an alert for each condition that has none open and
// is past its rule's cool-down, routes it, tells the notifier, and
// returns the alerts it raised. Checking again at the same time raises
// nothing new; an alert whose notification failed before is notified
// again. A run of the loop at asOf must exist (crm.ErrNotFound
// otherwise).
func (m *Monitor) Check(ctx context.Context, asOf time.Time) ([]Alert, error) {
	period, err := m.src.Periods.Period(ctx, asOf)
	if err != nil {
		return nil, fmt.Errorf("monitor: check at %s: the loop's run: %w", asOf.Format(time.RFC3339), err)
	}
	var previous *cycle.Period
	for p, err := range m.src.Periods.Periods(ctx) {
		if err != nil {
			return nil, err
		}
		if p.AsOf.Before(asOf) {
			previous = &p
		}
	}
	latest := map[string]Alert{} // by condition, the latest raised
	var unnotified []Alert
	for a, err := range m.src.Alerts.Alerts(ctx) {
		if err != nil {
			return nil, err
		}
		if cur, ok := latest[a.key()]; !ok || a.RaisedAt.After(cur.RaisedAt) {
			latest[a.key()] = a
		}
		if !a.Notified && a.State != Resolved {
			unnotified = append(unnotified, a)
		}
	}
	var found []finding
	for i := range m.rules {
		r := &m.rules[i]
		var fs []finding
		switch {
		case r.match != nil:
			fs, err = m.customers(ctx, r, asOf, previous)
		case r.Metric != nil:
			fs = metrics(r, &period, previous)
		case r.KPIOffTrack:
			fs, err = m.kpis(ctx, r, asOf)
		}
		if err != nil {
			return nil, err
		}
		found = append(found, fs...)
	}
	var raised []Alert
	for _, f := range found {
		a := Alert{Rule: f.rule.Name, Subject: f.subject, CustomerID: f.customer, Severity: f.rule.Severity,
			To: f.to, Message: f.message, RaisedAt: asOf, State: Open}
		if last, ok := latest[a.key()]; ok && (last.State != Resolved || asOf.Before(last.RaisedAt.Add(f.rule.Cooldown)) || !asOf.After(last.RaisedAt)) {
			continue // raised already, or cooling down
		}
		a.ID = f.rule.Name + ":" + f.subject + "@" + asOf.UTC().Format("20060102T150405Z")
		created, err := m.src.Alerts.CreateAlert(ctx, a)
		if errors.Is(err, crm.ErrExists) {
			continue // a concurrent check raised it
		}
		if err != nil {
			return raised, err
		}
		raised = append(raised, created)
		unnotified = append(unnotified, created)
	}
	if err := m.notify(ctx, unnotified); err != nil {
		return raised, err
	}
	return raised, nil
}

// notify tells the notifier of each alert not yet notified and records
// that it was.
func (m *Monitor) notify(ctx context.Context, alerts []Alert) error {
	if m.opt.Notifier == nil {
		return nil
	}
	var errs []error
	for _, a := range alerts {
		if err := m.opt.Notifier.Notify(ctx, a); err != nil {
			errs = append(errs, fmt.Errorf("monitor: notify %q: %w", a.ID, err))
			continue
		}
		a.Notified = true
		if _, err := m.src.Alerts.UpdateAlert(ctx, a); err != nil && !errors.Is(err, crm.ErrConflict) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// customers evaluates a customer rule over the results of the run at
// asOf, with each customer's result of the previous run.
func (m *Monitor) customers(ctx context.Context, r *compiled, asOf time.Time, previous *cycle.Period) ([]finding, error) {
	var before time.Time
	if previous != nil {
		before = previous.AsOf
	}
	var out []finding
	for pr, err := range cycle.ResultProfiles(ctx, m.src.Results, asOf, before) {
		if err != nil {
			return nil, err
		}
		if !r.match.Match(pr.Profile) {
			continue
		}
		res := pr.Result
		f := finding{rule: r, subject: res.CustomerID, customer: res.CustomerID, to: slices.Clone(r.Route.To),
			message: fmt.Sprintf("customer %s: %s", res.CustomerID, describe(res))}
		if r.Route.AccountManager && m.src.Customers != nil {
			c, err := m.src.Customers.Customer(ctx, res.CustomerID)
			if err != nil && !errors.Is(err, crm.ErrNotFound) {
				return nil, err
			}
			if am := c.Preferences.AccountManager; am != "" && !slices.Contains(f.to, am) {
				f.to = append(f.to, am)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func describe(r cycle.Result) string {
	parts := []string{}
	for _, p := range []string{r.Tier, r.Stage, r.Churn} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if r.Valued {
		parts = append(parts, "CLV "+r.CLV.Amount.StringFixed(0)+" "+r.CLV.Currency)
	}
	return strings.Join(parts, ", ")
}

// metrics evaluates a metric rule over the period, against the previous
// one.
func metrics(r *compiled, period, previous *cycle.Period) []finding {
	c := r.Metric
	var out []finding
	for _, mt := range period.Metrics {
		if mt.Name != c.Metric || !c.matchesCut(mt.Cut) {
			continue
		}
		v := mt.Value
		before, hasBefore := 0.0, false
		if previous != nil {
			before, hasBefore = previous.Value(mt.Name, mt.Cut)
		}
		holds := (c.Above == nil || v > *c.Above) && (c.Below == nil || v < *c.Below) &&
			(c.Falls <= 0 || hasBefore && before-v >= c.Falls) &&
			(c.Rises <= 0 || hasBefore && v-before >= c.Rises) &&
			(c.Changes <= 0 || hasBefore && changed(before, v, c.Changes))
		if !holds {
			continue
		}
		subject := mt.Name
		if mt.Cut != "" {
			subject += "{" + mt.Cut + "}"
		}
		msg := fmt.Sprintf("%s is %.4g", subject, v)
		if hasBefore {
			msg += fmt.Sprintf(" (was %.4g)", before)
		}
		out = append(out, finding{rule: r, subject: subject, to: slices.Clone(r.Route.To), message: msg + ": " + c.describe()})
	}
	return out
}

func changed(before, after, share float64) bool {
	if before == 0 {
		return after != 0
	}
	return math.Abs(after-before)/math.Abs(before) >= share
}

// kpis evaluates a KPI rule over the active roadmaps at asOf.
func (m *Monitor) kpis(ctx context.Context, r *compiled, asOf time.Time) ([]finding, error) {
	var out []finding
	for rm, err := range m.src.Roadmaps.Roadmaps(ctx) {
		if err != nil {
			return nil, err
		}
		if rm.Status != roadmap.Active {
			continue
		}
		h, err := rm.Assess(asOf)
		if err != nil {
			return nil, err
		}
		for _, k := range h.KPIs {
			if !k.Measured || k.OnTrack {
				continue
			}
			f := finding{rule: r, subject: rm.ID + "/" + k.Goal, to: slices.Clone(r.Route.To),
				message: fmt.Sprintf("roadmap %q, goal %s: the forecast %.4g misses the target (latest %.4g, %.0f%% of the way)", rm.ID, k.Goal, k.Forecast, k.Latest, 100*k.Progress)}
			if r.Route.RoadmapOwner && rm.Content.Owner != "" && !slices.Contains(f.to, rm.Content.Owner) {
				f.to = append(f.to, rm.Content.Owner)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// Acknowledge records that someone took the alert on.
func (m *Monitor) Acknowledge(ctx context.Context, id, by string) (Alert, error) {
	a, err := m.src.Alerts.Alert(ctx, id)
	if err != nil {
		return Alert{}, err
	}
	if a.State != Open {
		return Alert{}, &crm.TransitionError{Package: "monitor", Subject: fmt.Sprintf("alert %q", id), From: string(a.State), To: string(Acknowledged), Allowed: allowed(a.State)}
	}
	if strings.TrimSpace(by) == "" {
		return Alert{}, fmt.Errorf("monitor: alert %q: acknowledged by whom: %w", id, crm.ErrInvalid)
	}
	a.State, a.AcknowledgedBy, a.AcknowledgedAt = Acknowledged, by, m.opt.Clock()
	return m.src.Alerts.UpdateAlert(ctx, a)
}

// Resolve records that the alert was dealt with, and how.
func (m *Monitor) Resolve(ctx context.Context, id, by, resolution string) (Alert, error) {
	a, err := m.src.Alerts.Alert(ctx, id)
	if err != nil {
		return Alert{}, err
	}
	if a.State == Resolved {
		return Alert{}, &crm.TransitionError{Package: "monitor", Subject: fmt.Sprintf("alert %q", id), From: string(a.State), To: string(Resolved), Allowed: allowed(a.State)}
	}
	var errs []error
	if strings.TrimSpace(by) == "" {
		errs = append(errs, &crm.FieldError{Field: "by", Problem: "empty"})
	}
	if strings.TrimSpace(resolution) == "" {
		errs = append(errs, &crm.FieldError{Field: "resolution", Problem: "say what was done"})
	}
	if len(errs) > 0 {
		return Alert{}, &crm.ValidationError{Package: "monitor", What: fmt.Sprintf("resolution of alert %q", id), Problems: errs}
	}
	a.State, a.ResolvedBy, a.ResolvedAt, a.Resolution = Resolved, by, m.opt.Clock(), resolution
	return m.src.Alerts.UpdateAlert(ctx, a)
}

func allowed(s State) []string {
	switch s {
	case Open:
		return []string{string(Acknowledged), string(Resolved)}
	case Acknowledged:
		return []string{string(Resolved)}
	}
	return nil
}
