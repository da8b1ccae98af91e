// Package roadmap is crmkit's customer roadmap (key-account plan): the
// tool a key-account team uses to work together on a customer, so that
// departments meet the customer knowing each other's plans.
//
//	p, err := roadmap.NewPlanner(roadmap.NewMemoryStore(), nil)
//	r, err := p.Create(ctx, "acme", content) // vision, owner, team, goals, initiatives, budgets
//	for _, f := range r.Validate(time.Now()) { … } // every finding, with code and path
//	r, err = p.Submit(ctx, "acme")
//	r, err = p.SignOff(ctx, "acme", "sales", "Ada") // each department involved
//	r, err = p.Approve(ctx, "acme")                 // a *crm.TransitionError until all signed
//	r, err = p.Activate(ctx, "acme")
//	r, err = p.Record(ctx, "acme", roadmap.Measurement{Goal: "E1", At: now, Value: 0.93})
//	health, err := r.Assess(now) // progress, forecasts, health band, budget burn
//
// A [Roadmap] holds its [Content]; a [Planner] takes it from draft to
// active over a [Store]; [Gaps] and [ProposePhases] plan what to tackle
// first.
//
// A Roadmap's Content holds the vision, one accountable owner, a
// cross-functional team, external goals (what we promise the customer in
// which situation, each with a measurable commitment), internal goals by
// balanced-scorecard perspective (KPIs with unit, baseline, target,
// deadline, weight and the link to financial results), initiatives
// (communication, education, incentive, process, technology; owner,
// departments, dates, budget, fiscal year), ordered phases of a few
// priorities each, and yearly budgets.
//
// Validate lists every finding at once, each with a code, a severity and
// a path. A Planner runs a roadmap through draft → in review → approved →
// active → completed (or cancelled) over a Store: every department involved
// signs off a specific revision — the SHA-256 of the content — so any
// change to the content voids earlier sign-offs and saving the same
// content does not; activation waits for every sign-off and a plan without
// errors. MemoryStore is the in-memory store and roadmaptest.TestStore the
// conformance suite.
//
// Gaps ranks the shortfalls of the current model against the target and
// an external benchmark, and ProposePhases tackles a few at a time. Record
// and Assess turn KPI measurements into progress, a least-squares
// forecast per KPI, a health band by a scoring scorecard, and budget burn.
// A KPI that names a period metric (KPI.Metric) is recorded by every run
// of the loop (package cycle), so progress is measured from data.
// Markdown, Gantt (Mermaid) and ICalendar (RFC 5545) export the plan.
//
// A [Charter] is the company's bill of rights for every customer: promises
// (situation → promise → metric and target), each bound to what keeps it
// — a desk SLA policy, a lifecycle moment, a play. [Charter.Check] proves
// the bindings honour the promises (a promise of an answer within 2
// business hours against a 4-hour first-response target is a finding);
// each run of the loop counts the promises the period broke.
//
// # Concurrency
//
// A Planner is safe for concurrent use when its store is: two changes to
// one roadmap meet the store's version check, and one gets
// crm.ErrConflict. MemoryStore is safe for concurrent use.
package roadmap
