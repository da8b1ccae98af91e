// Package monitor watches the customer base between runs of the loop:
// rules over customers, period metrics and roadmap KPIs raise each
// condition once, routed to the people who act on it.
//
//	alerts := monitor.NewMemoryStore() // or the host's database
//	m, err := monitor.New(monitor.Sources{Alerts: alerts, Results: out, Periods: out,
//		Roadmaps: plans, Customers: store}, monitor.StarterRules(), &monitor.Options{Notifier: mail})
//	period, err := loop.Run(ctx, asOf) // package cycle
//	raised, err := m.Check(ctx, asOf)  // each condition once, routed, notified
//	a, err := m.Acknowledge(ctx, raised[0].ID, "Ana")
//	a, err = m.Resolve(ctx, a.ID, "Ana", "called the customer; delivery fixed")
//
// A [Rule] watches one of three things: customers, with a segment rule
// over each one's latest result and the one before ([CustomerSchema]:
// stage, previous_stage, tier, churn, clv, at_stake, …); a period metric,
// with thresholds and changes against the previous period
// ([MetricCondition], a cut or every cut with a prefix); or the active
// roadmaps' KPIs whose forecast misses the target. Each rule has a
// severity, a cool-down and a [Route] (people and teams, the customer's
// account manager, the roadmap's owner). [StarterRules] are the ones a
// practitioner starts with: a Platinum or Gold customer entering at
// risk, valuable relative churn, a channel's experience index falling, a
// cluster of SLA breaches with one cause, a KPI off track, a segment's
// size jumping.
//
// [Monitor.Check] is idempotent: a condition raises an [Alert] only when
// none is open for it and its rule's cool-down since the last one has
// passed, so checking again — or after every run of the loop — raises
// nothing twice. A [Notifier] hears of every alert; one it could not take
// is offered again at the next Check. Alerts are acknowledged and
// resolved through the Monitor (a *crm.TransitionError for a step their
// state does not allow) and kept in a [Store]; [MemoryStore] is the
// in-memory one and monitortest.TestStore the conformance suite.
//
// # Concurrency
//
// A Monitor and a MemoryStore are safe for concurrent use. Two checks at
// once may find the same condition; the store keeps one alert (IDs name
// the rule, the subject and the time).
package monitor
