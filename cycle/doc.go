// Package cycle runs the CRM loop — analyse, plan, execute, control — as
// one call over the host's own stores, and keeps what each run finds: a
// result per customer and a period of metrics for the six processes.
//
//	out := cycle.NewMemoryStore() // or the host's database
//	loop, err := cycle.New(cycle.Stores{
//		Customers: store, Transactions: store, Touchpoints: store,
//		Segments: segments, Lifecycle: stages, Feedback: desk,
//		Results: out, Periods: out,
//	}, nil)
//	period, err := loop.Run(ctx, asOf)
//	nps, _ := period.Get(cycle.MetricNPS, "") // with its 95% interval
//	r, err := out.Result(ctx, "C0000042", asOf) // stage, tier, CLV, P(alive), churn
//	previous, err := out.Period(ctx, lastMonth)
//	moved := cycle.Compare(&previous, period) // significant where a test exists
//
// # One run
//
// [Loop.Run] reads the transactions before the observation time and
// summarises them, scores RFM, fits the purchase (BG/NBD) and spend
// (Gamma-Gamma) models, values every buyer over the horizon and cuts
// value tiers; finds absolute and relative churn with the value at stake;
// reads what customers said (their latest NPS answer in the desk's
// survey store) and did for the company (touchpoints of kind
// crm.TouchReferral) so that the advocate stage is reachable; builds each
// customer's lifecycle profile with the stages the tracker recorded
// before (so "reactivated" fires); assigns every saved segmentation and
// saves its snapshot; classifies and tracks every customer's stage; and
// measures the period's desk items and survey answers. Each customer's
// [Result] goes to a [ResultStore], the [Period] to a [PeriodStore], and
// every KPI of an active roadmap that names a period metric
// (roadmap.KPI.Metric, with a cut and a scale) is recorded from the
// period, so the plan's health is measured from data ([Measurements]).
// With Options.Charter (a roadmap.Charter, the customer bill of rights)
// each period says of every promise whether it was kept and counts the
// broken ones.
//
// A run holds O(customers) — summaries, scores, values, churn signals, a
// classification per customer and each segmentation's membership — and
// streams the rest. It is idempotent: a second run at the same time
// returns the stored period and writes nothing, and a run that failed
// part way can be repeated (what it wrote is written again as a no-op).
// The period runs from the previous run's observation time (the first
// run's from Options.Period before it).
//
// # Period metrics
//
// A [Period] holds [Metric]s with stable names, each for the whole base or
// for a cut of it ("tier=Gold"), with N and a 95% interval where it is a
// share or a score. [Definitions] documents every name, its process, unit
// and cuts: portfolio (customers, buyers, revenue, CLV, tier shares),
// information (completeness per field, freshness), delivery (moments
// due), lifecycle (stages, flows, reactivations, advocates, retention,
// churn and the CLV at stake, segment sizes and who entered and left),
// performance (items by kind, SLA attainment, reopen rate, response and
// resolution times, complaint causes as a Pareto, NPS, CSAT, CES and the
// experience index per channel). [Compare] says what moved between two
// periods, testing the NPS change (feedback.NPSChange) and shares (a
// two-proportion z-test).
//
// # Stores and concurrency
//
// The loop reads through small source interfaces ([CustomerSource],
// [TransactionSource], [TouchpointSource]) that the crm stores satisfy,
// and writes through the package stores of segment and lifecycle and its
// own. [MemoryStore] is the in-memory ResultStore and PeriodStore;
// cycletest holds their conformance suites. A Loop and a MemoryStore are
// safe for concurrent use; two runs at the same time at once may both do
// the work, and the second one's writes are no-ops.
package cycle
