package main

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// ledger is a compact, column-wise copy of a transaction stream for the
// repeated passes the loop makes (summaries and churn, at two dates). It
// keeps what the analyses read — customer, ID, time, signed amount,
// currency, channel — and drops line items, in about 50 bytes a
// transaction instead of the few hundred a crm.Transaction with its basket
// takes; amounts are kept exactly (as coefficient and exponent, or as a
// decimal when the coefficient does not fit 64 bits).
//
// It is how the quickstart reaches a million customers on one machine
// without a database: the generator is costly to run and the full records
// would not fit the memory budget.
type ledger struct {
	customers []string // distinct customer IDs, in stream order
	first     []int    // index of each customer's first transaction; one more entry at the end
	ids       []string
	at        []int64 // Unix nanoseconds
	coef      []int64
	exp       []int32
	big       map[int]decimal.Decimal // amounts whose coefficient overflows int64
	refund    []bool
	currency  []uint8 // index into names
	channel   []uint8
	names     []string
	nameIdx   map[string]uint8
}

// newLedger reads a stream ordered by customer (as TransactionStore's
// Transactions and the generator's are).
func newLedger(ctx context.Context, txs iter.Seq2[crm.Transaction, error]) (*ledger, error) {
	l := &ledger{big: map[int]decimal.Decimal{}, nameIdx: map[string]uint8{}}
	for tx, err := range crm.WithContext(ctx, txs) {
		if err != nil {
			return nil, err
		}
		n := len(l.ids)
		if len(l.customers) == 0 || l.customers[len(l.customers)-1] != tx.CustomerID {
			l.customers = append(l.customers, tx.CustomerID)
			l.first = append(l.first, n)
		}
		l.ids = append(l.ids, tx.ID)
		l.at = append(l.at, tx.Time.UnixNano())
		c := tx.Amount.Coefficient()
		if c.IsInt64() {
			l.coef = append(l.coef, c.Int64())
		} else {
			l.coef = append(l.coef, 0)
			l.big[n] = tx.Amount
		}
		l.exp = append(l.exp, tx.Amount.Exponent())
		l.refund = append(l.refund, tx.Kind == crm.Refund)
		cur, err := l.intern(tx.Currency)
		if err != nil {
			return nil, err
		}
		ch, err := l.intern(string(tx.Channel))
		if err != nil {
			return nil, err
		}
		l.currency = append(l.currency, cur)
		l.channel = append(l.channel, ch)
	}
	l.first = append(l.first, len(l.ids))
	return l, nil
}

func (l *ledger) intern(s string) (uint8, error) {
	if i, ok := l.nameIdx[s]; ok {
		return i, nil
	}
	if len(l.names) == 256 {
		return 0, fmt.Errorf("ledger: more than 256 distinct currencies and channels")
	}
	l.names = append(l.names, s)
	l.nameIdx[s] = uint8(len(l.names) - 1)
	return uint8(len(l.names) - 1), nil
}

// len is the number of transactions held.
func (l *ledger) len() int { return len(l.ids) }

// transactions streams the ledger in its order, as crm.Transactions
// without line items.
func (l *ledger) transactions(ctx context.Context) iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		for c, id := range l.customers {
			if c%4096 == 0 {
				if err := ctx.Err(); err != nil {
					yield(crm.Transaction{}, err)
					return
				}
			}
			for i := l.first[c]; i < l.first[c+1]; i++ {
				tx := crm.Transaction{ID: l.ids[i], CustomerID: id, Time: time.Unix(0, l.at[i]).UTC(),
					Currency: l.names[l.currency[i]], Channel: crm.Channel(l.names[l.channel[i]]), Kind: crm.Purchase}
				if d, ok := l.big[i]; ok {
					tx.Amount = d
				} else {
					tx.Amount = decimal.New(l.coef[i], l.exp[i])
				}
				if l.refund[i] {
					tx.Kind = crm.Refund
				}
				if !yield(tx, nil) {
					return
				}
			}
		}
	}
}
