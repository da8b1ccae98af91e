// Package campaign executes contact with customers and measures it: a
// campaign decides each customer's contact once — sent with its message,
// or suppressed with the reason — into a contact log every campaign and
// play shares, records what came of it, and measures the effect against a
// control group held out at random.
//
//	m, err := campaign.NewManager(campaign.NewMemoryStore(), campaign.NewMemoryCampaigns(), plays, nil)
//	c, err := m.Create(ctx, campaign.Campaign{ID: "spring-winback", Objective: "win back lapsed buyers",
//		Owner: "Ana", Kind: campaign.WinBack, Plays: []string{"we miss you"}, Start: start, End: end,
//		Budget: budget, CostPerContact: perMessage, ControlShare: 0.1, Success: campaign.Converted})
//	_, err = m.Approve(ctx, c.ID) // a programme: 3–6 months ahead
//	_, err = m.Start(ctx, c.ID)
//	tally, err := m.Run(ctx, c.ID, now, targets) // sent, and suppressed by reason
//	err = m.Record(ctx, campaign.Outcome{ID: "o1", Contact: "spring-winback/C42", Campaign: c.ID, Kind: campaign.Converted, At: later})
//	e, err := m.Evaluate(ctx, c.ID) // response, conversion, uplift with its 95% interval, cost per conversion
//
// A [Campaign] has an objective, an owner, a [Kind] (sales, service,
// thanks, win-back, inform), the plays it sends (lifecycle plays, in
// order of preference), a window, a budget and a cost per message, a
// control share and the outcome that defines success. A [Manager] takes it
// through draft → approved → running → finished (a programme is approved
// 3–6 months before it starts, as roadmap programmes are) and runs it:
// [Manager.Run] decides each [Target] once — held out as control, or
// suppressed because the customer asked not to be contacted, the stage
// forbids the campaign's kind (no sales to loyal customers or advocates,
// Options.Forbid), the frequency cap is reached across every campaign
// sharing the log, no play has a channel the customer accepts, consent
// is missing (refused for the purpose on the channel, or a play reading
// data the customer did not give without their consent to profiling), the
// play cannot be written for the customer, the quiet hours push it past the
// campaign's end, or the budget is spent — or sent, with the rendered
// message. Every decision is a [Contact] in the [Store]; running again
// decides only customers not decided before. [Outcome]s (responded,
// converted, a call's disposition in the agent's words) are recorded
// against contacts, the control group's too, and [Manager.Evaluate] gives
// the rates, the uplift against control with Newcombe's 95% interval, and
// the cost per conversion (per customer won back, for a win-back).
//
// MemoryStore and MemoryCampaigns are the in-memory stores;
// campaigntest.TestStore and TestCampaignStore are the conformance suites.
//
// # Concurrency
//
// A Manager and the memory stores are safe for concurrent use. Two runs
// of one campaign at once may decide the same customer twice; the log
// keeps the first and the second run's batch fails with crm.ErrExists if
// the two decisions differ — run a campaign from one place at a time.
package campaign
