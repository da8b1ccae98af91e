package main

import (
	"context"
	"fmt"
	"iter"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// ledger is a compact, column-wise copy of a transaction stream for the
// repeated passes the loop makes (summaries and churn, at two dates). It
// keeps what the analyses read — customer, ID, time, amount, kind,
// currency, channel — and drops line items, in about 27 bytes a
// transaction instead of the few hundred a crm.Transaction with its basket
// takes.
//
// The columns hold no pointers, so the garbage collector has nothing in
// them to scan, and streaming allocates nothing: IDs are slices of one
// long string, and amounts are interned — a decimal per distinct amount,
// shared by every transaction of that amount (decimals are immutable).
// Amounts stay exact.
//
// It is how the scale example reaches a million customers on one machine
// without a database: the generator is costly to run and the full records
// would not fit the memory budget.
type ledger struct {
	customerIDs string   // customer IDs, concatenated in stream order
	customerEnd []int    // where each customer's ID ends in customerIDs
	first       []int    // each customer's first transaction; one more entry at the end
	ids         string   // transaction IDs, concatenated
	idLen       []uint16 // the length of each transaction's ID
	at          []int64
	amount      []uint32 // index into amounts
	shape       []uint8  // index into shapes

	amounts []decimal.Decimal
	shapes  []shape
}

// shape is what a stream's transactions have few of: kinds, currencies,
// channels, in combination.
type shape struct {
	kind     crm.TransactionKind
	currency string
	channel  crm.Channel
}

// ledgerBuilder interns amounts and names while a ledger is read in.
type ledgerBuilder struct {
	l         *ledger
	customers strings.Builder
	ids       strings.Builder
	small     map[smallAmount]uint32
	large     map[string]uint32 // amounts whose coefficient overflows int64, by their text
	shapes    map[shape]uint8
}

type smallAmount struct {
	coef int64
	exp  int32
}

// newLedger reads a stream ordered by customer (as TransactionStore's
// Transactions and the generator's are). expected, if known, is about how
// many transactions are coming; the columns are sized for them.
func newLedger(ctx context.Context, txs iter.Seq2[crm.Transaction, error], expected int) (*ledger, error) {
	l := &ledger{idLen: make([]uint16, 0, expected), at: make([]int64, 0, expected), amount: make([]uint32, 0, expected), shape: make([]uint8, 0, expected)}
	b := &ledgerBuilder{l: l, small: map[smallAmount]uint32{}, large: map[string]uint32{}, shapes: map[shape]uint8{}}
	last := ""
	for tx, err := range crm.WithContext(ctx, txs) {
		if err != nil {
			return nil, err
		}
		n := len(l.at)
		if n == 0 || tx.CustomerID != last {
			b.customers.WriteString(tx.CustomerID)
			l.customerEnd = append(l.customerEnd, b.customers.Len())
			l.first = append(l.first, n)
			last = tx.CustomerID
		}
		if len(tx.ID) > math.MaxUint16 {
			return nil, fmt.Errorf("ledger: transaction %.20q…: an ID of %d bytes is more than it holds", tx.ID, len(tx.ID))
		}
		b.ids.WriteString(tx.ID)
		l.idLen = append(l.idLen, uint16(len(tx.ID)))
		l.at = append(l.at, tx.Time.UnixNano())
		l.amount = append(l.amount, b.internAmount(tx.Amount))
		k, err := b.internShape(shape{tx.Kind, tx.Currency, tx.Channel})
		if err != nil {
			return nil, err
		}
		l.shape = append(l.shape, k)
	}
	l.first = append(l.first, len(l.at))
	l.customerIDs, l.ids = b.customers.String(), b.ids.String()
	return l, nil
}

func (b *ledgerBuilder) internAmount(d decimal.Decimal) uint32 {
	var k uint32
	var ok bool
	if c := d.Coefficient(); c.IsInt64() {
		key := smallAmount{c.Int64(), d.Exponent()}
		if k, ok = b.small[key]; !ok {
			k = uint32(len(b.l.amounts))
			b.small[key] = k
			b.l.amounts = append(b.l.amounts, d)
		}
		return k
	}
	key := d.String()
	if k, ok = b.large[key]; !ok {
		k = uint32(len(b.l.amounts))
		b.large[key] = k
		b.l.amounts = append(b.l.amounts, d)
	}
	return k
}

func (b *ledgerBuilder) internShape(s shape) (uint8, error) {
	if k, ok := b.shapes[s]; ok {
		return k, nil
	}
	if len(b.l.shapes) == 256 {
		return 0, fmt.Errorf("ledger: more than 256 combinations of kind, currency and channel")
	}
	b.l.shapes = append(b.l.shapes, s)
	b.shapes[s] = uint8(len(b.l.shapes) - 1)
	return uint8(len(b.l.shapes) - 1), nil
}

// len is the number of transactions held.
func (l *ledger) len() int { return len(l.at) }

// transactions streams the ledger in its order, as crm.Transactions
// without line items. It allocates nothing per transaction.
func (l *ledger) transactions(ctx context.Context) iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		idStart, customerStart := 0, 0
		for c, customerEnd := range l.customerEnd {
			if c%4096 == 0 {
				if err := ctx.Err(); err != nil {
					yield(crm.Transaction{}, err)
					return
				}
			}
			customer := l.customerIDs[customerStart:customerEnd]
			customerStart = customerEnd
			for i := l.first[c]; i < l.first[c+1]; i++ {
				idEnd := idStart + int(l.idLen[i])
				sh := &l.shapes[l.shape[i]]
				tx := crm.Transaction{
					ID:         l.ids[idStart:idEnd],
					CustomerID: customer,
					Time:       time.Unix(0, l.at[i]).UTC(),
					Amount:     l.amounts[l.amount[i]],
					Currency:   sh.currency,
					Kind:       sh.kind,
					Channel:    sh.channel,
				}
				idStart = idEnd
				if !yield(tx, nil) {
					return
				}
			}
		}
	}
}
