package timeline

import (
	"context"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
)

// Brief is what an agent needs to know before calling a customer: who
// they are, what they are worth, where they stand, what is open, and how
// they want to be treated.
type Brief struct {
	// Customer is the record: name, contact details, preferences (style,
	// channels, quiet hours, interests, important dates), account manager.
	Customer crm.Customer `json:"customer"`
	// Result is the loop's latest result for the customer (tier, stage,
	// CLV, P(alive), churn); zero when the loop has not run.
	Result cycle.Result `json:"result"`
	// OpenItems are the customer's open desk items, oldest first.
	OpenItems []feedback.Item `json:"open_items,omitempty"`
	// LastContact is the newest contact on the timeline (a touchpoint, a
	// message sent, a desk step), when there is one.
	LastContact *Event `json:"last_contact,omitempty"`
	// LastPurchase is when the customer last bought (zero for none).
	LastPurchase time.Time `json:"last_purchase,omitzero"`
	// NextDates are the customer's important dates in the next 30 days.
	NextDates []crm.ImportantDate `json:"next_dates,omitempty"`
}

// BriefSources are where a brief is read from; only Customers is
// required.
type BriefSources struct {
	// Customers holds the record. Required.
	Customers crm.CustomerStore
	// Results, when set, give the loop's latest result.
	Results cycle.ResultStore
	// Desk, when set, gives the open items.
	Desk feedback.ItemStore
	// Timeline, when set, are the sources the last contact and purchase
	// are read from (Of merges them).
	Timeline []Source
}

// NewBrief assembles an agent's brief on the customer at time now.
func NewBrief(ctx context.Context, customerID string, src BriefSources, now time.Time) (Brief, error) {
	var b Brief
	if src.Customers == nil {
		return b, &crm.FieldError{Field: "sources.customers", Problem: "required"}
	}
	c, err := src.Customers.Customer(ctx, customerID)
	if err != nil {
		return b, err
	}
	b.Customer = c
	if src.Results != nil {
		for r, err := range src.Results.CustomerResults(ctx, customerID) {
			if err != nil {
				return b, err
			}
			if !r.AsOf.After(now) {
				b.Result = r
			}
		}
	}
	if src.Desk != nil {
		items, err := openItems(ctx, src.Desk, customerID)
		if err != nil {
			return b, err
		}
		b.OpenItems = items
	}
	for ev, err := range Of(ctx, customerID, src.Timeline...) {
		if err != nil {
			return b, err
		}
		if ev.At.After(now) {
			break
		}
		switch {
		case ev.Source == "transaction" && ev.Kind == string(crm.Purchase):
			b.LastPurchase = ev.At
		case ev.Source == "touchpoint" || ev.Source == "contact" && ev.Kind == "sent" || ev.Source == "desk":
			e := ev
			b.LastContact = &e
		}
	}
	for _, d := range c.Preferences.ImportantDates {
		for _, year := range []int{now.Year(), now.Year() + 1} {
			at := time.Date(year, d.Month, d.Day, 0, 0, 0, 0, now.Location())
			if !at.Before(now.Truncate(24*time.Hour)) && at.Before(now.AddDate(0, 0, 30)) {
				b.NextDates = append(b.NextDates, d)
				break
			}
		}
	}
	return b, nil
}

// openItems are the customer's open desk items, oldest first.
func openItems(ctx context.Context, s feedback.ItemStore, id string) ([]feedback.Item, error) {
	var out []feedback.Item
	var items func(yield func(feedback.Item, error) bool)
	if ci, ok := s.(CustomerItems); ok {
		items = ci.CustomerItems(ctx, id)
	} else {
		items = s.Items(ctx)
	}
	for it, err := range items {
		if err != nil {
			return nil, err
		}
		if it.CustomerID == id && it.State.Open() {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b feedback.Item) int { return a.Received.Compare(b.Received) })
	return out, nil
}
