// Package timeline tells a customer's story in one stream, so that an
// agent sees who the customer is before calling: every source the host
// has — the record and its changes, transactions, touchpoints, desk items and their
// steps, lifecycle moves, the loop's tiers and segments, campaign
// messages and their outcomes — merged in time order, and a brief.
//
//	sources := []timeline.Source{timeline.Record(store), timeline.Transactions(store),
//		timeline.Touchpoints(store), timeline.Desk(desk), timeline.Lifecycle(stages),
//		timeline.Results(results), timeline.Contacts(contacts)}
//	for ev, err := range timeline.Of(ctx, "C0000042", sources...) { … } // oldest first
//	b, err := timeline.NewBrief(ctx, "C0000042", timeline.BriefSources{Customers: store,
//		Results: results, Desk: desk, Timeline: sources}, now)
//	// b.Customer (name, preferences, interests, dates, account manager),
//	// b.Result (tier, stage, CLV), b.OpenItems, b.LastContact, b.NextDates
//
// A [Source] streams one customer's [Event]s oldest first; [SourceFunc]
// makes one from a function, and the package's adapters make one from
// each store of the SDK. [Of] merges any number of sources, reading each
// once, as a stream (one customer's 10,000 events in about 5 ms). The
// desk adapter reads one customer's items through [CustomerItems] when
// the store offers it and otherwise filters every item. A [Brief] is the
// record, the loop's latest result, the open items, the last contact and
// purchase, and the important dates of the next 30 days.
//
// # Concurrency
//
// Sources and Of hold no state between calls; they are as safe for
// concurrent use as the stores behind them.
package timeline
