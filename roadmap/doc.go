// Package roadmap is crmkit's customer roadmap (key-account plan): the
// tool a key-account team uses to work together on a customer, so that
// departments meet the customer knowing each other's plans.
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
// Gaps ranks the shortfalls of the current model against the target (and
// an external benchmark), and ProposePhases tackles a few at a time. Record
// and Assess turn KPI measurements into progress, a least-squares
// forecast per KPI, a health band by a scoring scorecard, and budget burn.
// Markdown, Gantt (Mermaid) and ICalendar (RFC 5545) export the plan.
package roadmap
