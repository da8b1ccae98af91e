package crm

import (
	"context"
	"iter"
	"time"
)

// CustomerStore keeps customer records with optimistic concurrency.
//
// Implementations must be safe for concurrent use. Streams may be ranged more
// than once; each ranging reads the store afresh and yields (zero, err) once
// and stops on failure, including ctx cancellation.
type CustomerStore interface {
	// CreateCustomer stores a new customer with Version 1 and returns the
	// stored record. The argument's Version is ignored. It fails with
	// ErrInvalid when c does not validate and ErrExists when the ID is taken.
	CreateCustomer(ctx context.Context, c Customer) (Customer, error)
	// Customer returns the customer with the given ID, or ErrNotFound.
	Customer(ctx context.Context, id string) (Customer, error)
	// UpdateCustomer replaces the stored customer if c.Version equals the
	// stored version, and returns the record with Version incremented. It
	// fails with ErrNotFound, ErrInvalid, or a *ConflictError (ErrConflict)
	// when the version is stale; a failed update changes nothing.
	UpdateCustomer(ctx context.Context, c Customer) (Customer, error)
	// DeleteCustomer removes the customer if version is current, with the
	// same errors as UpdateCustomer. Transactions and touchpoints are kept.
	DeleteCustomer(ctx context.Context, id string, version int64) error
	// Customers streams every customer in ascending ID order (byte-wise).
	Customers(ctx context.Context) iter.Seq2[Customer, error]
}

// TransactionStore keeps an append-only ledger of transactions.
//
// Implementations must be safe for concurrent use. Streams follow the
// CustomerStore rules. A customer need not exist in a CustomerStore for its
// transactions to be stored.
type TransactionStore interface {
	// AppendTransactions stores a batch atomically: either every record is
	// stored or none is. Appending a record whose ID is already stored with
	// equal content (Transaction.Equal) is a no-op, so retries are safe; the
	// same ID with different content fails with ErrExists. Invalid records
	// fail with ErrInvalid. The error lists every failing record.
	AppendTransactions(ctx context.Context, txs ...Transaction) error
	// Transaction returns the transaction with the given ID, or ErrNotFound.
	Transaction(ctx context.Context, id string) (Transaction, error)
	// Transactions streams every transaction ordered by customer ID, then
	// time, then ID: each customer's history arrives contiguous and in order,
	// which lets analyses hold one customer at a time.
	Transactions(ctx context.Context) iter.Seq2[Transaction, error]
	// CustomerTransactions streams one customer's transactions by time, then
	// ID. An unknown customer yields nothing.
	CustomerTransactions(ctx context.Context, customerID string) iter.Seq2[Transaction, error]
	// TransactionsBetween streams transactions with from <= Time < to,
	// ordered by time, then ID.
	TransactionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Transaction, error]
}

// TouchpointStore keeps an append-only log of touchpoints, with the same
// contract as TransactionStore (idempotent append by ID, atomic batches,
// the same stream orders).
type TouchpointStore interface {
	// AppendTouchpoints stores a batch atomically: every record or none.
	// A touchpoint already stored is a no-op; the same ID with other
	// content is ErrExists; one that does not validate ErrInvalid.
	AppendTouchpoints(ctx context.Context, tps ...Touchpoint) error
	// Touchpoint returns the touchpoint with the ID, or ErrNotFound.
	Touchpoint(ctx context.Context, id string) (Touchpoint, error)
	// Touchpoints streams every touchpoint, by customer ID, then time,
	// then ID.
	Touchpoints(ctx context.Context) iter.Seq2[Touchpoint, error]
	// CustomerTouchpoints streams one customer's touchpoints by time, then
	// ID; none for an unknown customer.
	CustomerTouchpoints(ctx context.Context, customerID string) iter.Seq2[Touchpoint, error]
	// TouchpointsBetween streams the touchpoints with from ≤ Time < to,
	// ordered by time, then ID.
	TouchpointsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Touchpoint, error]
}
