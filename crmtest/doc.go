// Package crmtest holds the conformance suites for the store interfaces of
// package crm: a host that keeps customers, transactions and touchpoints in
// its own database proves its implementation with one call each, from a
// test, with a function that returns an empty store:
//
//	func TestMyStore(t *testing.T) {
//		crmtest.TestCustomerStore(t, crmtest.Harness[crm.CustomerStore]{
//			New:    func(t *testing.T) crm.CustomerStore { return openEmpty(t) },
//			Reopen: func(t *testing.T, s crm.CustomerStore) crm.CustomerStore { return reopen(t, s) }, // nil in memory
//		})
//		// … TestTransactionStore and TestTouchpointStore alike
//	}
//
// Each suite runs subtests for one behaviour each (not found, exists,
// stale versions, records that share no memory with the caller, order of
// streams, concurrent writers that lose nothing, cancellation) and names
// the contract a failure breaks. The data to try crmkit on lives in
// package sampledata, which does not import testing.
//
// # Concurrency
//
// The suites call the store from many goroutines and require it to be safe
// for concurrent use.
package crmtest
