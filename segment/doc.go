// Package segment is crmkit's customer segmentation rule engine: rules
// people can type, type-checked up front, explained clause by clause, and
// run either in memory or inside the host's database as a parameterised
// WHERE clause.
//
//	rule, err := segment.Parse(`recency_days <= 30 and frequency >= 3 and country in ("CN", "US")`)
//	if err != nil { … } // a *SyntaxError with line and column
//	m, err := segment.Compile(rule, segment.DefaultSchema()) // every problem at once
//	scores := segment.Scores{Summaries: sums, RFM: rfm, Values: values, Tiering: tiers}
//	for p, err := range segment.Profiles(ctx, store.Customers(ctx), scores, segment.DefaultSchema(), asOf) {
//		if err != nil { … }
//		if m.Match(p) { … } // m.Explain(p) says why; m.ExplainTo(p, &e) reuses e
//	}
//	where, args, err := segment.ToSQL(rule, segment.DefaultSchema(), segment.Postgres, &segment.SQLOptions{Columns: cols})
//
// [Parse] reads the text syntax into a [Rule]; [Compile] type-checks it
// against a [Schema] into a [Matcher]; [Profiles] builds the [Profile]
// values rules read from customers and a scoring run; a [Segmentation]
// names segments and [Segmentation.Compile] gives an [Assigner]; [ToSQL]
// runs the same rule in a database.
//
// # Profiles
//
// A Profile is the flat view of one customer that rules read, against a
// Schema of typed fields (number, string, bool, time, duration, string
// set). DefaultSchema has the built-in fields — demographics, tags,
// preferences, and from scoring recency_days, frequency, purchases,
// total_spend, monetary, clv, p_alive, r_score / f_score / m_score,
// rfm_cell and tier; Schema.With adds the host's custom attributes.
// Profiles builds them from a customer stream and a scoring run in one
// call, joining the results to the customers by customer ID. A field
// never set is missing.
//
// Behaviour fields are declared once with Schema.WithWindows: a [Window]
// counts purchases, sums spend net of refunds (optionally of one
// category), collects the categories or channels bought, counts
// touchpoints or takes the last one's time, over the last N days, or
// counts the customer's cases open at the observation time
// ("purchases_365d >= 6", "spend_90d >= 500", `categories_365d contains
// "shoes"`, "not (last_contact within 2555d)", "open_complaints > 0").
// Profiles computes them from Scores.Transactions and Scores.Touchpoints
// in the same pass as the customers (all by customer ID), and from
// Scores.Cases (any order; cycle.Cases turns the desk's items into cases);
// in SQL they are columns like any other field. preferred_channels holds
// the channels the customer prefers. The cycle loop computes a schema's
// windows from its stores.
//
// # Rules
//
// Parse reads the text syntax, for example
//
//	recency_days <= 30 and frequency >= 3 and (country in ("CN", "US") or tags contains "vip")
//
// into a Rule tree (And, Or, Not, Compare, Between, In, Contains, Exists,
// StartsWith, Within); a rule's String parses back to the same tree, and
// MarshalRule / UnmarshalRule give the stable JSON form for UI builders.
// Compile type-checks a rule against a schema, reporting every problem at
// once with "did you mean" suggestions, and returns a Matcher that
// matches and explains profiles.
//
// # Missing values
//
// Rules use SQL's three-valued logic in memory and in SQL alike: a
// condition on a missing field is Unknown (NULL), not Unknown is Unknown,
// "and" is False if any part is False, "or" True if any part is True, and
// a profile matches only when the rule is True. So
// "not (account_manager = x)" does not match a profile without an account
// manager; "account_manager exists" (IS NOT NULL) is never Unknown, and "in ()" is False and "not in ()" True whatever the
// field holds. ToSQL writes each dialect's SQL so that the database
// reaches the same answer.
//
// # Segmentations
//
// A Segmentation is a set of named, prioritised segments, exclusive (first
// match wins) or overlapping. Compile it, Assign a stream of profiles to
// get a Membership with counts and a size preview, and Diff two
// memberships for the customers who entered and exited each segment.
// RFMSegments, TierSegments and CommunicationGroups are ready-made. A
// Store keeps definitions (versioned) and membership snapshots;
// MemoryStore is the in-memory one and segmenttest.TestStore the
// conformance suite for a host's own.
//
// # Concurrency
//
// Schemas, Matchers and Assigners are read-only once made and safe for
// concurrent use; a Profile belongs to one goroutine at a time.
// MemoryStore is safe for concurrent use.
package segment
