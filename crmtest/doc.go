// Package crmtest helps a host test its own storage and try crmkit on
// realistic data: conformance suites for the store interfaces of package
// crm, and a deterministic generator of a synthetic retail business.
//
// A host that keeps customers, transactions and touchpoints in its own
// database runs the suites from a test, one call each, with a function
// that returns an empty store:
//
//	func TestMyStore(t *testing.T) {
//		crmtest.TestCustomerStore(t, func(t *testing.T) crm.CustomerStore { return openEmpty(t) })
//		crmtest.TestTransactionStore(t, func(t *testing.T) crm.TransactionStore { return openEmpty(t) })
//		crmtest.TestTouchpointStore(t, func(t *testing.T) crm.TouchpointStore { return openEmpty(t) })
//	}
//
// Each suite runs subtests for one behaviour each (not found, exists,
// stale versions, order of streams, concurrent writers that lose nothing,
// cancellation) and names the contract a failure breaks.
//
// The Generator makes a business whose true model parameters are known:
// customers who sign up over a year, purchases from a BG/NBD process and
// amounts from a Gamma-Gamma one (Config.Purchase, Config.Spend), a
// product catalogue with planted associations, and touchpoints on eight
// channels with one weak channel. The same Config always gives the same
// business, byte for byte, so fits can be checked for parameter recovery:
//
//	cfg := crmtest.DefaultConfig() // 10,000 customers; r = 1, α = 30 days, a = 0.6, b = 6
//	g, err := crmtest.NewGenerator(cfg)
//	if err != nil { … }
//	sums, err := scoring.Summarize(ctx, g.Transactions(), cfg.End, scoring.SummaryOptions{})
//
// # Concurrency
//
// The suites call the store from many goroutines and require it to be safe
// for concurrent use. A Generator is safe for concurrent use; its streams
// may be ranged any number of times, each time giving the same sequence
// (they are made ahead in parallel blocks and yielded in order).
package crmtest
