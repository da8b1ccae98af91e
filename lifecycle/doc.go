// Package lifecycle manages customers over their whole life: which stage
// each is in, how they move, who is churning, which cohorts stay, what
// falls due when, and what to say to them.
//
//	churn, err := lifecycle.Churn(ctx, store.Transactions(ctx), scores, asOf, nil)
//	tracker, err := lifecycle.NewTracker(lifecycle.NewMemoryStore(), nil)
//	previous, err := tracker.Stages(ctx, asOf) // what each customer was before
//	in := lifecycle.Inputs{Scores: scores, Churn: churn, Previous: previous}
//	c, err := lifecycle.NewClassifier(lifecycle.Schema(), nil)
//	stages, err := c.ClassifyAll(ctx, lifecycle.StageProfiles(ctx, store.Customers(ctx), in, lifecycle.Schema(), asOf))
//	moved, refused, err := tracker.ApplyAll(ctx, stages) // refused: *crm.TransitionError each
//	flows, err := lifecycle.Flows(ctx, trackerStore, lastQuarter, asOf)
//
// A [Policy] lists the stages and the moves allowed between them;
// [Churn] finds absolute and relative churn; [StageProfiles] and a
// [Classifier] give each customer a stage; a [Tracker] records the moves
// through a [Store]; [Cohorts] tracks retention; a [Moment] falls due at
// the customer's own times and a [Play] says what to send.
//
// # Stages and classification
//
// A Policy lists stages in classification order — each with its
// communication objective and a segment rule — and the transitions
// allowed between them. DefaultPolicy has prospect, first-time buyer,
// repeat buyer, loyal, advocate, at risk, lapsed and reactivated. Rules
// read lifecycle profiles (Schema: segment.DefaultSchema plus churned,
// at_risk, gap_ratio, typical_gap_days, spend_change, referrals, nps,
// previous_stage), built by StageProfiles from customers, a scoring run, Churn
// signals, previous stages (Tracker.Stages reads them from the tracker's
// store) and advocacy. A Classifier picks the first stage whose rule
// matches.
//
// # Churn
//
// Churn tells absolute churn (no purchase for GapMultiple times the
// customer's own typical gap, one purchase long ago, or P(alive) too low)
// from relative churn (still buying, but the spend rate of the recent
// window fell by Drop or more against the customer's own baseline window),
// with early warnings, reasons and the CLV at stake.
//
// # Tracking
//
// A Tracker applies classifications through a Store: it enforces the
// policy's transition graph (a *crm.TransitionError names the allowed
// stages), records every move with its reason, and adds nothing when run
// again at the same time. Flows counts the moves after one time up to and
// including another, for a Sankey chart; Policy.Mermaid draws the graph. MemoryStore is the
// in-memory store and lifecycletest.TestStore the conformance suite.
//
// # Cohorts, moments and plays
//
// Cohorts builds retention tables (customers and revenue) by weekly or
// monthly acquisition cohort. A Moment falls due after an anchor, every so
// often from it, at a usage or a time whichever comes first, or yearly on
// a date; Due lists what falls due in a window, in each customer's time
// zone. Months are added to the anchor's local date, and a day the target
// month lacks becomes its last day (31 January + 1 month = 28 or 29
// February); recurrences always count from the anchor. A Play renders a
// message with text/template from the customer's own data — a missing
// field is an error, never a blank — in the customer's style, on a
// preferred channel, under a frequency cap and outside quiet hours.
//
// # Concurrency
//
// Policies, Classifiers and compiled plays are read-only and safe for
// concurrent use. A Tracker is safe for concurrent use when its store is;
// two trackers moving the same customer meet the store's version check,
// and one gets crm.ErrConflict. MemoryStore is safe for concurrent use.
package lifecycle
