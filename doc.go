// Package crm is the domain model of crmkit, a Go SDK for customer
// relationship management: customers, their transactions and their
// touchpoints on every channel, the small store interfaces a host implements
// to keep them, and an in-memory store. Package csvimport reads them from
// delimited files; package datasets ships the public reference data sets
// inside the module, and package sampledata makes a synthetic business.
//
//	store := crm.NewMemoryStore() // or the host's own CustomerStore, TransactionStore, TouchpointStore
//	c, err := store.CreateCustomer(ctx, crm.Customer{ID: "C1", Name: "Ada", CreatedAt: time.Now()})
//	err = store.AppendTransactions(ctx, crm.Transaction{ID: "T1", CustomerID: "C1", Time: time.Now(),
//		Amount: decimal.RequireFromString("19.99"), Currency: "EUR", Kind: crm.Purchase})
//	c.Tags = append(c.Tags, "vip")
//	c, err = store.UpdateCustomer(ctx, c) // a stale c.Version is a *crm.ConflictError
//	for tx, err := range store.CustomerTransactions(ctx, "C1") { … }
//
// A [Customer] carries contact details, demographics, typed [Value]
// attributes and [Preferences]; a [Transaction] is a purchase or refund in
// exact [Money]; a [Touchpoint] is any contact, rated. [CustomerStore],
// [TransactionStore] and [TouchpointStore] keep them, and [MemoryStore]
// implements all three; a [ContactIndex] finds the customers behind an
// e-mail address or a phone number in any written form ([EmailKey],
// [PhoneKey]), so a caller is recognised.
//
// crmkit turns the closed loop of CRM practice into code. Each of its six
// processes has a package:
//
//   - Portfolio analysis — find target and valuable customers: segmentation by
//     demographics, behaviour and lifetime value; value tiers (Platinum, Gold,
//     Iron, Lead) each with its relationship strategy. Packages segment and
//     scoring.
//   - Information accumulation — customer records, transactions and
//     touchpoints turned into knowledge (summaries, RFM, product affinity).
//     This package and scoring.
//   - Value design — differentiated, personalised service per segment:
//     what each stage and tier is offered, and how. Package lifecycle
//     (stage objectives, plays), with segment for the groups.
//   - Value delivery — contact made at the customer's own moments, time- or
//     usage-triggered (a service call at 12,000 miles or 12 months, a
//     warranty about to end). Package lifecycle (moments).
//   - Lifecycle management — prospects, first-time, repeat and loyal
//     customers, advocates; absolute and relative churn; win-back. Packages
//     lifecycle and scoring.
//   - Performance evaluation — complaints handled by a standard process on
//     time, every piece of feedback answered, Pareto analysis of causes,
//     satisfaction indices. Package feedback.
//
// Around the loop, package roadmap keeps customer roadmaps: account plans with
// one accountable owner, departmental sign-off, goals, programmes and budgets.
//
// # Data model
//
// A Customer carries contact details, demographics, typed custom attributes
// (Value: string, number, bool or time, so rules can be type-checked) and
// relationship Preferences (automated and brief, or personal). A Transaction
// is a purchase or refund with an exact decimal amount in an ISO 4217
// currency and optional line items. A Touchpoint is any contact on any
// channel with an experience Rating from 1 (very poor) to 5 (excellent).
// Every type has Validate, which reports all problems at once as a
// *ValidationError whose *FieldError entries name the fields.
//
// # Stores
//
// Storage belongs to the host. CustomerStore, TransactionStore,
// TouchpointStore and ContactIndex are small interfaces; MemoryStore
// implements all four and
// package crmtest holds the conformance suites a host implementation runs
// with one call each. Customers carry a Version for optimistic concurrency;
// transactions and touchpoints are append-only and idempotent by ID. Streams
// are iter.Seq2[T, error]; WithContext ends one when its context is done.
// Stores stream customers and their transactions in customer-ID order, and
// the analyses keep that order, so per-customer results join to a
// customer stream by walking both.
//
// # Errors
//
// Errors wrap ErrNotFound, ErrExists, ErrConflict or ErrInvalid and are
// matched with errors.Is; *FieldError, *ValidationError, *ConflictError and
// *RowError carry the detail for errors.As.
//
// # Concurrency
//
// MemoryStore is safe for concurrent use. Readers (TransactionReader,
// CustomerReader) are not.
package crm
