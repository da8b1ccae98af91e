// Package feedback is crmkit's complaint and feedback desk: every piece of
// feedback is handled by a standard process, on time, by a named person,
// with a record that cannot be lost.
//
//	desk, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{{Name: "ann"}}, &feedback.Options{
//		Calendar: feedback.WeekdayCalendar(loc, 9*60, 17*60),
//		SLA:      []feedback.SLAPolicy{{FirstResponse: 2 * time.Hour, Resolution: 16 * time.Hour}},
//	})
//	it, _, err := desk.Submit(ctx, feedback.Intake{Key: "call-81", CustomerID: "C1", Kind: feedback.Complaint,
//		Channel: crm.ChannelPhone, Category: "late delivery", Text: "the sofa came a week late"}, "hotline")
//	it, err = desk.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "We are sorry…"}, "ann")
//	// … Investigate, ProposeFix, Accept, Resolve, CloseItem; a refused step is a *crm.TransitionError
//	report := feedback.Analyze(items, cal, now) // SLA attainment, percentiles, backlog
//
// A [Desk] takes feedback in ([Desk.Submit]), moves each [Item] through
// the workflow ([Desk.Step], [Allowed] lists what a state allows), records
// missed SLA targets and escalations ([Desk.Sweep]) and surveys
// ([Desk.RecordSurvey]) through a [Store]; [Analyze], [Pareto] and
// [NPSScore] measure the result.
//
// # Items and workflow
//
// An Item is a complaint, suggestion, praise or inquiry from any channel,
// with category, severity, the customer, their tier and value. Desk.Submit
// takes it in idempotently (a retried submission with the same key returns
// the first item) and assigns an owner by rules: the agents whose
// categories, kinds, tiers and skills fit the item, narrowed by the first
// Route that matches it (a Platinum complaint to the key-account team, a
// win-back call to a senior agent), then round-robin or least-loaded;
// every open item has an owner (an item no agent may own is refused,
// saying why), and reassignment is recorded. Desk.Route says who would
// own an intake without taking it in. Desk.Step moves it through an
// explicit transition table (see Mermaid). A complaint is acknowledged
// with an apology, investigated, given a remedy with the facts and its
// cost — above what the proposer may decide alone (Agent.RemedyPerCase,
// RemedyPerMonth) it awaits approval by an approver or an agent whose
// authority covers it, never the proposer, and the log shows who decided —
// and the remedy is accepted — or declined — by the customer before it is carried out and
// the item closed; a complaint can also be closed unresolved with the
// customer's recourse recorded. Suggestions, praise and inquiries are
// acknowledged and answered. Waiting on the customer pauses the SLA clock;
// a closed item can be reopened within a window. Each step requires its
// content, and an illegal step is a *StepError naming the state and the
// allowed actions.
//
// # Audit trail
//
// Items are event logs: every change is an appended Event (actor, time,
// from, to, content), Item.Apply is the only way an item changes, and
// Replay rebuilds an item from its events exactly. The Store appends with
// optimistic concurrency (Version); MemoryStore is the in-memory store
// and feedbacktest.TestStore the conformance suite, with 64 goroutines
// working the same items at once.
//
// # SLA and escalation
//
// SLA policies per tier and severity set first-response and resolution
// targets in business time on a Calendar: a time zone, weekly shifts
// (split and overnight ones too) and holidays, with every local day built
// by time.Date so that business time is right across daylight-saving
// changes. Desk.Sweep records each missed target once (a breach stays
// recorded) and each escalation level reached; it is idempotent.
//
// # Analysis, surveys and win-back
//
// Pareto ranks causes by count or impact with the vital few up to 80%;
// Analyze reports response and resolution percentiles, SLA attainment,
// reopen rate and backlog ageing; Trend counts by week or month. CSATScore,
// NPSScore (with the adjusted-Wald 95% interval) and NPSChange (is a change
// real?) and CESScore score surveys, which Desk.RecordSurvey links to
// closed items (Desk.RecordRelationshipSurvey records one that follows
// no item). WinBackList ranks dissatisfied customers by value at
// stake, with reasons and a follow-up.
//
// # Service by tier and the voice of the customer
//
// A Catalogue gives each tier its Entitlement — named services,
// channels, response targets, an account manager, a remedy budget per
// case — whose targets become the desk's SLA policies (Options.Catalogue;
// Catalogue.Check's findings are refused) and whose budget sends a dearer
// remedy to an approver. CostToServe prices each tier's recorded work;
// AccountManagers reports portfolios, workload and the customers of
// tiers promised a manager who have none, and AssignManagers proposes
// one for each.
//
// An Instrument is a questionnaire whose questions feed the criteria of a
// scoring scorecard (scoring.SatisfactionIndexCard); Responses, with or
// without a desk item (relationship surveys, post-contact surveys, churn
// interviews), are kept in a ResponseStore (feedbacktest.TestResponseStore)
// and SatisfactionIndex averages the weighted index per cut (tier,
// segment, channel) with Student's t intervals; IndexChange tests a
// change. A Taxonomy of reasons is shared by complaint categories (with
// Options.Taxonomy the desk refuses a complaint whose category is not a
// reason) and the reasons responses give: RootCauses ranks the Mentions of every source in
// one Pareto, RepeatComplaints finds the customers complaining about one
// cause again, and roadmap.InitiativesFromCauses drafts a fix for each of
// the vital few.
//
// # Concurrency
//
// A Desk is safe for concurrent use when its store is: two agents
// stepping the same item meet the store's version check, and one gets
// crm.ErrConflict (load the item and try again). A Calendar is safe for
// concurrent use. MemoryStore is safe for concurrent use.
package feedback
