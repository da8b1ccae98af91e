package monitor_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/monitor"
	"github.com/crmkit/crm/roadmap"
)

func day(m time.Month, d int) time.Time { return time.Date(2025, m, d, 0, 0, 0, 0, time.UTC) }

func eur(v int64) crm.Money { return crm.Money{Amount: decimal.NewFromInt(v), Currency: "EUR"} }

// world is the loop's output written by hand: periods and results at
// chosen times.
type world struct {
	t     *testing.T
	out   *cycle.MemoryStore
	crm   *crm.MemoryStore
	plans *roadmap.MemoryStore
	prev  time.Time
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, out: cycle.NewMemoryStore(), crm: crm.NewMemoryStore(), plans: roadmap.NewMemoryStore(), prev: day(1, 1).AddDate(0, -1, 0)}
	_, err := w.crm.CreateCustomer(context.Background(), crm.Customer{ID: "c1", CreatedAt: day(1, 1).AddDate(-1, 0, 0), Preferences: crm.Preferences{AccountManager: "Ana"}})
	require.NoError(t, err)
	return w
}

// run writes a run at asOf: its metrics and results.
func (w *world) run(asOf time.Time, metrics []cycle.Metric, results ...cycle.Result) {
	w.t.Helper()
	ctx := context.Background()
	for i := range results {
		results[i].AsOf = asOf
	}
	require.NoError(w.t, w.out.AppendResults(ctx, results...))
	p := cycle.Period{From: w.prev, AsOf: asOf, Metrics: metrics}
	require.NoError(w.t, w.out.AppendPeriods(ctx, p))
	w.prev = asOf
}

func (w *world) monitor(rules []monitor.Rule, opt *monitor.Options) (*monitor.Monitor, *monitor.MemoryStore) {
	w.t.Helper()
	alerts := monitor.NewMemoryStore()
	m, err := monitor.New(monitor.Sources{Alerts: alerts, Results: w.out, Periods: w.out, Roadmaps: w.plans, Customers: w.crm}, rules, opt)
	require.NoError(w.t, err)
	return m, alerts
}

func starter(t *testing.T, name string) monitor.Rule {
	for _, r := range monitor.StarterRules() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no starter rule %q", name)
	return monitor.Rule{}
}

func subjects(as []monitor.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Subject)
	}
	return out
}

func check(t *testing.T, m *monitor.Monitor, at time.Time) []string {
	t.Helper()
	raised, err := m.Check(context.Background(), at)
	require.NoError(t, err)
	return subjects(raised)
}

func loyal(id, tier string) cycle.Result {
	return cycle.Result{CustomerID: id, Stage: "loyal", Tier: tier, Buyer: true, Valued: true, CLV: eur(3000), PAlive: 0.9}
}

func atRisk(id, tier string) cycle.Result {
	r := loyal(id, tier)
	r.Stage, r.Churn = "at_risk", "warning"
	return r
}

// A Platinum or Gold customer entering at risk raises one alert, routed
// to the account manager; staying at risk raises nothing; entering again
// within the 30-day cool-down raises nothing, after it an alert again.
func TestKeyCustomerAtRisk(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.run(day(1, 1), nil, loyal("c1", "Gold"), loyal("c2", "Iron"), loyal("c3", "Platinum"))
	w.run(day(2, 1), nil, atRisk("c1", "Gold"), atRisk("c2", "Iron"), atRisk("c3", "Platinum"))
	w.run(day(2, 15), nil, atRisk("c1", "Gold"), loyal("c3", "Platinum"))
	w.run(day(2, 20), nil, loyal("c1", "Gold"), atRisk("c3", "Platinum"))
	w.run(day(2, 25), nil, atRisk("c1", "Gold"), loyal("c3", "Platinum"))
	w.run(day(3, 10), nil, loyal("c1", "Gold"))
	w.run(day(3, 20), nil, atRisk("c1", "Gold"))
	m, alerts := w.monitor([]monitor.Rule{starter(t, "key customer at risk")}, nil)
	require.Empty(t, check(t, m, day(1, 1)), "no previous run: nobody entered anything")
	require.Equal(t, []string{"c1", "c3"}, check(t, m, day(2, 1)), "c2 is Iron")
	require.Empty(t, check(t, m, day(2, 1)), "checking again at the same time raises nothing")
	require.Empty(t, check(t, m, day(2, 15)), "c1 stays at risk: no new entry")
	require.Empty(t, check(t, m, day(2, 20)), "c3 enters again, but its alert is still open")
	a, err := alerts.Alert(ctx, "key customer at risk:c1@20250201T000000Z")
	require.NoError(t, err)
	require.Equal(t, []string{"key accounts", "Ana"}, a.To, "routed to c1's account manager")
	require.Equal(t, monitor.Critical, a.Severity)
	_, err = m.Resolve(ctx, a.ID, "Ana", "called; a delivery problem, fixed")
	require.NoError(t, err)
	require.Empty(t, check(t, m, day(2, 25)), "resolved, but within 30 days of the first")
	require.Equal(t, []string{"c1"}, check(t, m, day(3, 20)), "after the cool-down, a new entry is a new alert")
}

// A relative churner with enough CLV at stake raises one alert until it
// is resolved, and again only after the cool-down.
func TestValuableRelativeChurn(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	churner := func(id string, stake int64) cycle.Result {
		r := loyal(id, "Gold")
		r.Churn, r.AtStake = "relative", eur(stake)
		return r
	}
	w.run(day(1, 1), nil, churner("c1", 1500), churner("c2", 900))
	w.run(day(1, 20), nil, churner("c1", 1500))
	w.run(day(2, 5), nil, churner("c1", 1400))
	m, _ := w.monitor([]monitor.Rule{starter(t, "valuable relative churn")}, nil)
	require.Equal(t, []string{"c1"}, check(t, m, day(1, 1)), "c2 has 900 at stake")
	require.Empty(t, check(t, m, day(1, 20)), "open: not again")
	_, err := m.Resolve(ctx, "valuable relative churn:c1@20250101T000000Z", "Bo", "offered a loyalty plan")
	require.NoError(t, err)
	require.Equal(t, []string{"c1"}, check(t, m, day(2, 5)), "resolved 35 days ago, past the 30-day cool-down, and still churning")
}

// The metric rules: a channel's experience index falling 5 points, five
// breaches of one cause, a segment's size moving 20%.
func TestMetricRules(t *testing.T) {
	w := newWorld(t)
	w.run(day(1, 1), []cycle.Metric{
		{Name: cycle.MetricSegmentSize, Cut: "segmentation=rfm,segment=Champions", Value: 100},
		{Name: cycle.MetricSegmentSize, Cut: "segmentation=rfm,segment=Lost", Value: 100},
		{Name: cycle.MetricExperience, Cut: "channel=email", Value: 70},
		{Name: cycle.MetricExperience, Cut: "channel=phone", Value: 60},
	})
	w.run(day(2, 1), []cycle.Metric{
		{Name: cycle.MetricSegmentSize, Cut: "segmentation=rfm,segment=Champions", Value: 125},
		{Name: cycle.MetricSegmentSize, Cut: "segmentation=rfm,segment=Lost", Value: 110},
		{Name: cycle.MetricBreaches, Cut: "cause=billing", Value: 2},
		{Name: cycle.MetricBreaches, Cut: "cause=late delivery", Value: 5},
		{Name: cycle.MetricExperience, Cut: "channel=email", Value: 68},
		{Name: cycle.MetricExperience, Cut: "channel=phone", Value: 54},
	})
	w.run(day(2, 5), []cycle.Metric{
		{Name: cycle.MetricBreaches, Cut: "cause=late delivery", Value: 6},
		{Name: cycle.MetricExperience, Cut: "channel=phone", Value: 48},
	})
	for _, c := range []struct {
		rule  string
		first []string
	}{
		{"channel experience falling", []string{"performance.experience{channel=phone}"}},
		{"breach cluster", []string{"performance.breaches{cause=late delivery}"}},
		{"segment size jump", []string{"lifecycle.segment_size{segmentation=rfm,segment=Champions}"}},
	} {
		m, alerts := w.monitor([]monitor.Rule{starter(t, c.rule)}, nil)
		require.Empty(t, check(t, m, day(1, 1)), "%s: nothing to compare with, or nothing found", c.rule)
		require.Equal(t, c.first, check(t, m, day(2, 1)), c.rule)
		require.Empty(t, check(t, m, day(2, 5)), "%s: the condition holds again, its alert is open", c.rule)
		for a, err := range alerts.Alerts(context.Background()) {
			require.NoError(t, err)
			_, err = m.Resolve(context.Background(), a.ID, "Cy", "looked into it")
			require.NoError(t, err)
		}
		require.Empty(t, check(t, m, day(2, 5)), "%s: resolved, but within the cool-down", c.rule)
	}
	m, alerts := w.monitor([]monitor.Rule{starter(t, "channel experience falling")}, nil)
	check(t, m, day(2, 1))
	a, err := alerts.Alert(context.Background(), "channel experience falling:performance.experience{channel=phone}@20250201T000000Z")
	require.NoError(t, err)
	require.Equal(t, "performance.experience{channel=phone} is 54 (was 60): fell by 5 or more", a.Message)
	require.Equal(t, []string{"customer experience"}, a.To)
}

// A measured KPI whose forecast misses its target raises an alert to the
// roadmap's owner.
func TestKPIOffTrack(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.run(day(3, 1), nil)
	deadline := day(12, 31)
	c := roadmap.Content{Account: "ACME", Vision: "partners", Owner: "Ada",
		Team: []roadmap.Member{{Name: "Ada", Department: "sales"}, {Name: "Sam", Department: "service"}},
		ExternalGoals: []roadmap.ExternalGoal{{ID: "E1", Situation: "s", Promise: "p",
			Commitment: &roadmap.KPI{Name: "calls", Unit: "%", Baseline: 20, Target: 90, Deadline: deadline, Weight: 1}}},
		InternalGoals: []roadmap.InternalGoal{{ID: "I1", Perspective: roadmap.Financial, FinancialLink: "f",
			KPI: &roadmap.KPI{Name: "wallet", Unit: "%", Baseline: 30, Target: 40, Deadline: deadline, Weight: 1}}}}
	p, err := roadmap.NewPlanner(w.plans, &roadmap.Options{Clock: func() time.Time { return day(1, 1) }})
	require.NoError(t, err)
	_, err = p.Create(ctx, "acme", c)
	require.NoError(t, err)
	_, err = p.Submit(ctx, "acme")
	require.NoError(t, err)
	for _, d := range []string{"sales", "service"} {
		_, err = p.SignOff(ctx, "acme", d, d)
		require.NoError(t, err)
	}
	_, err = p.Approve(ctx, "acme")
	require.NoError(t, err)
	_, err = p.Activate(ctx, "acme")
	require.NoError(t, err)
	// E1 creeps from 20 to 22 in two months: far off; I1 climbs fast.
	_, err = p.Record(ctx, "acme", roadmap.Measurement{Goal: "E1", At: day(1, 1), Value: 20}, roadmap.Measurement{Goal: "E1", At: day(3, 1), Value: 22},
		roadmap.Measurement{Goal: "I1", At: day(1, 1), Value: 30}, roadmap.Measurement{Goal: "I1", At: day(3, 1), Value: 34})
	require.NoError(t, err)
	w.run(day(3, 20), nil)
	w.run(day(4, 5), nil)
	m, alerts := w.monitor([]monitor.Rule{starter(t, "KPI off track")}, nil)
	require.Equal(t, []string{"acme/E1"}, check(t, m, day(3, 1)))
	require.Empty(t, check(t, m, day(3, 1)))
	as := collect(t, alerts)
	require.Equal(t, []string{"Ada"}, as[0].To, "to the roadmap's owner")
	_, err = m.Resolve(ctx, as[0].ID, "Ada", "a new call script")
	require.NoError(t, err)
	require.Empty(t, check(t, m, day(3, 20)), "still off track, but within the 30-day cool-down")
	require.Equal(t, []string{"acme/E1"}, check(t, m, day(4, 5)), "after it, raised again")
}

func collect(t *testing.T, s monitor.Store) []monitor.Alert {
	var out []monitor.Alert
	for a, err := range s.Alerts(context.Background()) {
		require.NoError(t, err)
		out = append(out, a)
	}
	return out
}

type flaky struct {
	fail bool
	got  []string
}

func (f *flaky) Notify(_ context.Context, a monitor.Alert) error {
	if f.fail {
		return errors.New("mail server down")
	}
	f.got = append(f.got, a.ID)
	return nil
}

// The notifier hears of every alert once; one it could not take is
// offered again at the next check.
func TestNotifier(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.run(day(1, 1), nil, loyal("c1", "Gold"))
	w.run(day(2, 1), nil, atRisk("c1", "Gold"))
	w.run(day(2, 2), nil, atRisk("c1", "Gold"))
	n := &flaky{fail: true}
	m, alerts := w.monitor([]monitor.Rule{starter(t, "key customer at risk")}, &monitor.Options{Notifier: n})
	raised, err := m.Check(ctx, day(2, 1))
	require.ErrorContains(t, err, "mail server down")
	require.Len(t, raised, 1, "the alert is raised and kept")
	require.False(t, collect(t, alerts)[0].Notified)
	n.fail = false
	raised, err = m.Check(ctx, day(2, 2))
	require.NoError(t, err)
	require.Empty(t, raised)
	require.Equal(t, []string{"key customer at risk:c1@20250201T000000Z"}, n.got, "offered again")
	require.True(t, collect(t, alerts)[0].Notified)
	_, err = m.Check(ctx, day(2, 2))
	require.NoError(t, err)
	require.Len(t, n.got, 1, "once")
}

func TestAcknowledgeAndResolve(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.run(day(1, 1), nil, loyal("c1", "Gold"))
	w.run(day(2, 1), nil, atRisk("c1", "Gold"))
	clock := day(2, 2)
	m, _ := w.monitor([]monitor.Rule{starter(t, "key customer at risk")}, &monitor.Options{Clock: func() time.Time { return clock }})
	require.Len(t, check(t, m, day(2, 1)), 1)
	id := "key customer at risk:c1@20250201T000000Z"
	a, err := m.Acknowledge(ctx, id, "Ana")
	require.NoError(t, err)
	require.Equal(t, monitor.Acknowledged, a.State)
	require.True(t, a.AcknowledgedAt.Equal(clock))
	_, err = m.Acknowledge(ctx, id, "Bo")
	var te *crm.TransitionError
	require.ErrorAs(t, err, &te)
	require.Equal(t, []string{"resolved"}, te.Allowed)
	_, err = m.Resolve(ctx, id, "Ana", " ")
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "resolution: say what was done")
	a, err = m.Resolve(ctx, id, "Ana", "called")
	require.NoError(t, err)
	require.Equal(t, monitor.Resolved, a.State)
	_, err = m.Resolve(ctx, id, "Ana", "again")
	require.ErrorAs(t, err, &te)
	_, err = m.Acknowledge(ctx, "nope", "Ana")
	require.ErrorIs(t, err, crm.ErrNotFound)
	_, err = m.Check(ctx, day(5, 1))
	require.ErrorIs(t, err, crm.ErrNotFound, "no run of the loop then")
}

func TestNewNamesEveryProblem(t *testing.T) {
	_, err := monitor.New(monitor.Sources{}, []monitor.Rule{
		{Name: "a", Customers: `tier = "Gold" and stagee = "at_risk"`},
		{Name: "a", Metric: &monitor.MetricCondition{Metric: "performance.experiance"}},
		{Name: "c", Severity: "loud", Customers: `tier = "Gold"`, KPIOffTrack: true},
		{Name: "d", KPIOffTrack: true},
	}, nil)
	var ve *crm.ValidationError
	require.ErrorAs(t, err, &ve)
	for _, want := range []string{
		"sources.alerts: required", "sources.results: required", "sources.periods: required",
		`rules[0] "a".customers`, `did you mean "stage"?`,
		`rules[1] "a".name: used twice`, `"performance.experiance" is not a metric; did you mean "performance.experience"?`,
		`rules[1] "a".metric: no criterion`,
		`rules[2] "c".severity: "loud" is not info, warning or critical`, `rules[2] "c".customers/metric/kpi_off_track: set exactly one, not 2`,
		`rules[3] "d".kpi_off_track: a KPI rule needs sources.roadmaps`,
	} {
		require.ErrorContains(t, err, want)
	}
	_, err = monitor.New(monitor.Sources{Alerts: monitor.NewMemoryStore(), Results: cycle.NewMemoryStore(), Periods: cycle.NewMemoryStore(), Roadmaps: roadmap.NewMemoryStore()}, monitor.StarterRules(), nil)
	require.NoError(t, err, "the starter rules compile")
}
