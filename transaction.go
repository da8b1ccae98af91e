package crm

import (
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// TransactionKind says whether money came in or went back.
type TransactionKind string

// Transaction kinds.
const (
	Purchase TransactionKind = "purchase"
	Refund   TransactionKind = "refund"
)

// LineItem is one product line of a transaction; line items feed basket
// analysis.
type LineItem struct {
	// SKU identifies the product.
	SKU string `json:"sku"`
	// Category is the product's category, for affinity by category.
	Category string `json:"category,omitempty"`
	// Quantity is how many were bought, at least 1.
	Quantity int `json:"quantity"`
	// UnitPrice is the price of one, exact.
	UnitPrice decimal.Decimal `json:"unit_price"`
}

// Transaction is one purchase or refund.
//
// Amount is never negative: a refund of 5.00 has Kind Refund and Amount 5.00.
// SignedAmount gives the signed value. Line items, when present, describe the
// basket; their total need not equal Amount (discounts, tax, shipping).
type Transaction struct {
	// ID identifies the transaction; appending it again is a no-op.
	ID string `json:"id"`
	// CustomerID is who bought or was refunded.
	CustomerID string `json:"customer_id"`
	// Time is when it happened.
	Time time.Time `json:"time"`
	// Amount is the value, never negative (see Kind), exact.
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency"` // ISO 4217
	// Kind says whether it is a purchase or a refund.
	Kind TransactionKind `json:"kind"`
	// Channel is where it happened, when known.
	Channel Channel `json:"channel,omitempty"`
	// Items are the basket's lines, when known.
	Items []LineItem `json:"items,omitempty"`
}

// SignedAmount returns Amount for a purchase and −Amount for a refund.
func (t Transaction) SignedAmount() decimal.Decimal {
	if t.Kind == Refund {
		return t.Amount.Neg()
	}
	return t.Amount
}

// Money returns the signed amount with its currency.
func (t Transaction) Money() Money { return Money{Amount: t.SignedAmount(), Currency: t.Currency} }

// Equal reports whether t and o describe the same transaction: same fields,
// amounts compared numerically and times with time.Time.Equal. Stores use it
// to tell an idempotent retry from a clash.
func (t Transaction) Equal(o Transaction) bool {
	if t.ID != o.ID || t.CustomerID != o.CustomerID || !t.Time.Equal(o.Time) ||
		!t.Amount.Equal(o.Amount) || t.Currency != o.Currency || t.Kind != o.Kind ||
		t.Channel != o.Channel || len(t.Items) != len(o.Items) {
		return false
	}
	for i, a := range t.Items {
		b := o.Items[i]
		if a.SKU != b.SKU || a.Category != b.Category || a.Quantity != b.Quantity || !a.UnitPrice.Equal(b.UnitPrice) {
			return false
		}
	}
	return true
}

// Clone returns a copy that shares no slices with t.
func (t Transaction) Clone() Transaction {
	t.Items = slices.Clone(t.Items)
	return t
}

// Validate reports every problem with t at once.
func (t Transaction) Validate() error {
	var p problems
	validateID(&p, "id", t.ID)
	validateID(&p, "customer_id", t.CustomerID)
	if t.Time.IsZero() {
		p.add("time", "must be set")
	} else if msg := timeProblem(t.Time); msg != "" {
		p.add("time", "%s", msg)
	}
	if t.Amount.IsNegative() {
		p.add("amount", "%s is negative (record refunds with kind refund and a positive amount)", amountText(t.Amount))
	} else if msg := amountProblem(t.Amount); msg != "" {
		p.add("amount", "%s", msg)
	}
	if !ValidCurrency(t.Currency) {
		p.add("currency", "%q is not an ISO 4217 currency code", t.Currency)
	}
	switch t.Kind {
	case Purchase, Refund:
	default:
		p.add("kind", "unknown kind %q (want purchase or refund)", t.Kind)
	}
	if t.Channel != "" && !t.Channel.Valid() {
		p.add("channel", "%q is not a channel name", t.Channel)
	}
	for i, it := range t.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		if it.SKU == "" {
			p.add(f+".sku", "must be set")
		}
		if it.Quantity <= 0 {
			p.add(f+".quantity", "%d is not positive", it.Quantity)
		}
		if it.UnitPrice.IsNegative() {
			p.add(f+".unit_price", "%s is negative", amountText(it.UnitPrice))
		} else if msg := amountProblem(it.UnitPrice); msg != "" {
			p.add(f+".unit_price", "%s", msg)
		}
	}
	return p.errOf("transaction", t.ID)
}
