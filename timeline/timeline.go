package timeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
)

// Event is one thing that happened with a customer, from any source.
type Event struct {
	// At is when it happened.
	At time.Time `json:"at"`
	// CustomerID is the customer.
	CustomerID string `json:"customer_id"`
	// Source names where it comes from: "record", "transaction",
	// "touchpoint", "desk", "lifecycle", "results", "contact".
	Source string `json:"source"`
	// Kind says what it was within the source ("purchase", "complaint",
	// "moved", "tier", "sent").
	Kind string `json:"kind"`
	// Summary says it in one line for a person.
	Summary string `json:"summary"`
	// Ref is the ID of the record behind it.
	Ref string `json:"ref,omitempty"`
}

// Source streams one customer's events, oldest first (by At, then Ref).
type Source interface {
	// Events streams the customer's events, oldest first; none for an
	// unknown customer.
	Events(ctx context.Context, customerID string) iter.Seq2[Event, error]
}

// SourceFunc is a Source as a function.
type SourceFunc func(ctx context.Context, customerID string) iter.Seq2[Event, error]

// Events implements Source.
func (f SourceFunc) Events(ctx context.Context, customerID string) iter.Seq2[Event, error] {
	return f(ctx, customerID)
}

// Of streams one customer's timeline: the events of every source merged
// in time order (ties by source, then Ref), each source read once, as a
// stream.
func Of(ctx context.Context, customerID string, sources ...Source) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		type head struct {
			next func() (Event, error, bool)
			stop func()
			ev   Event
		}
		var heads []*head
		defer func() {
			for _, h := range heads {
				h.stop()
			}
		}()
		for _, s := range sources {
			next, stop := iter.Pull2(s.Events(ctx, customerID))
			h := &head{next: next, stop: stop}
			ev, err, ok := next()
			if err != nil {
				yield(Event{}, err)
				stop()
				return
			}
			if !ok {
				stop()
				continue
			}
			h.ev = ev
			heads = append(heads, h)
		}
		for len(heads) > 0 {
			i := 0
			for j := 1; j < len(heads); j++ {
				if before(&heads[j].ev, &heads[i].ev) {
					i = j
				}
			}
			h := heads[i]
			if !yield(h.ev, nil) {
				return
			}
			ev, err, ok := h.next()
			switch {
			case err != nil:
				yield(Event{}, err)
				return
			case !ok:
				h.stop()
				heads = slices.Delete(heads, i, i+1)
			default:
				h.ev = ev
			}
		}
	}
}

func before(a, b *Event) bool {
	return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Source, b.Source), cmp.Compare(a.Ref, b.Ref)) < 0
}

// Record is the customer's record as a source: the sign-up and, when the
// store keeps the record's versions (crm.CustomerHistory), each change of
// the record, dated by the version's UpdatedAt ("changed email
// ("ana@example.org" → "ana.ruiz@example.org")"). A version without
// an UpdatedAt cannot be placed in time and is left out.
func Record(s crm.CustomerStore) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			c, err := s.Customer(ctx, id)
			if err != nil {
				if !isNotFound(err) {
					yield(Event{}, err)
				}
				return
			}
			var events []Event
			if !c.CreatedAt.IsZero() {
				events = append(events, Event{At: c.CreatedAt, CustomerID: id, Source: "record", Kind: "signed up", Summary: "became a customer", Ref: id})
			}
			if h, ok := s.(crm.CustomerHistory); ok {
				var prev *crm.Customer
				for v, err := range h.CustomerVersions(ctx, id) {
					if err != nil {
						yield(Event{}, err)
						return
					}
					if prev != nil && !v.UpdatedAt.IsZero() {
						if changes := crm.Changes(*prev, v); len(changes) > 0 {
							events = append(events, Event{At: v.UpdatedAt, CustomerID: id, Source: "record", Kind: "changed",
								Summary: changeSummary(changes), Ref: fmt.Sprintf("%s#%06d", id, v.Version)})
						}
					}
					prev = &v
				}
			}
			slices.SortStableFunc(events, func(a, b Event) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Ref, b.Ref)) })
			for _, e := range events {
				if !yield(e, nil) {
					return
				}
			}
		}
	})
}

// changeSummary says what changed in one line: up to three fields with
// their values (each cut to 40 characters), then how many more.
func changeSummary(changes []crm.Change) string {
	cut := func(s string) string {
		if r := []rune(s); len(r) > 40 {
			return string(r[:39]) + "…"
		}
		return s
	}
	var parts []string
	for i, ch := range changes {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(changes)-3))
			break
		}
		switch {
		case ch.From == "":
			parts = append(parts, fmt.Sprintf("%s (→ %s)", ch.Field, cut(ch.To)))
		case ch.To == "":
			parts = append(parts, fmt.Sprintf("%s (%s removed)", ch.Field, cut(ch.From)))
		default:
			parts = append(parts, fmt.Sprintf("%s (%s → %s)", ch.Field, cut(ch.From), cut(ch.To)))
		}
	}
	return "changed " + strings.Join(parts, ", ")
}

// Transactions are the customer's purchases and refunds.
func Transactions(s crm.TransactionStore) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return mapped(s.CustomerTransactions(ctx, id), func(tx crm.Transaction) Event {
			return Event{At: tx.Time, CustomerID: id, Source: "transaction", Kind: string(tx.Kind), Ref: tx.ID,
				Summary: fmt.Sprintf("%s %s %s", tx.Kind, tx.Amount.StringFixed(2), tx.Currency)}
		})
	})
}

// Touchpoints are the customer's contacts on every channel.
func Touchpoints(s crm.TouchpointStore) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return mapped(s.CustomerTouchpoints(ctx, id), func(tp crm.Touchpoint) Event {
			summary := fmt.Sprintf("%s by %s", tp.Kind, tp.Channel)
			if tp.Experience != crm.NotRated {
				summary += fmt.Sprintf(", rated %d of 5", tp.Experience)
			}
			return Event{At: tp.Time, CustomerID: id, Source: "touchpoint", Kind: string(tp.Kind), Ref: tp.ID, Summary: summary}
		})
	})
}

// Lifecycle are the customer's moves between stages.
func Lifecycle(s lifecycle.Store) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return mapped(s.CustomerTransitions(ctx, id), func(tr lifecycle.Transition) Event {
			from := tr.From
			if from == "" {
				from = "new"
			}
			return Event{At: tr.At, CustomerID: id, Source: "lifecycle", Kind: "moved", Ref: tr.To,
				Summary: fmt.Sprintf("%s → %s (%s)", from, tr.To, tr.Reason)}
		})
	})
}

// Results are the loop's runs: each run's tier, stage and RFM segment,
// as an event when one changed since the run before.
func Results(s cycle.ResultStore) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			var prev *cycle.Result
			for r, err := range s.CustomerResults(ctx, id) {
				if err != nil {
					yield(Event{}, err)
					return
				}
				for _, ch := range []struct{ kind, was, now string }{{"tier", tierOf(prev), r.Tier}, {"rfm segment", rfmOf(prev), r.RFMSegment}} {
					if ch.now == "" || ch.now == ch.was {
						continue
					}
					summary := fmt.Sprintf("%s: %s", ch.kind, ch.now)
					if ch.was != "" {
						summary = fmt.Sprintf("%s: %s → %s", ch.kind, ch.was, ch.now)
					}
					if !yield(Event{At: r.AsOf, CustomerID: id, Source: "results", Kind: ch.kind, Ref: ch.now, Summary: summary}, nil) {
						return
					}
				}
				prev = &r
			}
		}
	})
}

func tierOf(r *cycle.Result) string {
	if r == nil {
		return ""
	}
	return r.Tier
}

func rfmOf(r *cycle.Result) string {
	if r == nil {
		return ""
	}
	return r.RFMSegment
}

// Contacts are the messages campaigns sent the customer, and those they
// held back, with the outcomes recorded against them.
func Contacts(s campaign.Store) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			var events []Event
			mine := map[string]map[string]bool{} // campaign → the customer's contact IDs
			for k, err := range s.CustomerContacts(ctx, id) {
				if err != nil {
					yield(Event{}, err)
					return
				}
				ev := Event{At: k.At, CustomerID: id, Source: "contact", Ref: k.ID}
				if k.Sent {
					ev.At, ev.Kind, ev.Summary = k.SendAt, "sent", fmt.Sprintf("%s: %q by %s", k.Campaign, k.Subject, k.Channel)
				} else {
					ev.Kind, ev.Summary = "held back", fmt.Sprintf("%s: not sent (%s)", k.Campaign, k.Reason)
				}
				events = append(events, ev)
				if mine[k.Campaign] == nil {
					mine[k.Campaign] = map[string]bool{}
				}
				mine[k.Campaign][k.ID] = true
			}
			for camp, ids := range mine {
				for o, err := range s.Outcomes(ctx, camp) {
					if err != nil {
						yield(Event{}, err)
						return
					}
					if !ids[o.Contact] {
						continue
					}
					summary := fmt.Sprintf("%s: %s", camp, o.Kind)
					if o.Note != "" {
						summary += " — " + o.Note
					}
					events = append(events, Event{At: o.At, CustomerID: id, Source: "contact", Kind: string(o.Kind), Ref: o.ID, Summary: summary})
				}
			}
			slices.SortFunc(events, func(a, b Event) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Ref, b.Ref)) })
			for _, ev := range events {
				if !yield(ev, nil) {
					return
				}
			}
		}
	})
}

// CustomerItems is what a desk store offers when it can list one
// customer's items; Desk uses it when the store has it.
type CustomerItems interface {
	// CustomerItems streams the customer's items by ID.
	CustomerItems(ctx context.Context, customerID string) iter.Seq2[feedback.Item, error]
}

// Desk are the customer's feedback items and every step taken on them.
// It reads the customer's items through CustomerItems when the store
// offers it, and otherwise filters every item (fine for a desk of
// thousands of items, slow for millions).
func Desk(s feedback.ItemStore) Source {
	return SourceFunc(func(ctx context.Context, id string) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			var items iter.Seq2[feedback.Item, error]
			if ci, ok := s.(CustomerItems); ok {
				items = ci.CustomerItems(ctx, id)
			} else {
				items = func(y func(feedback.Item, error) bool) {
					for it, err := range s.Items(ctx) {
						if err == nil && it.CustomerID != id {
							continue
						}
						if !y(it, err) {
							return
						}
					}
				}
			}
			var events []Event
			for it, err := range items {
				if err != nil {
					yield(Event{}, err)
					return
				}
				for e, err := range s.ItemEvents(ctx, it.ID) {
					if err != nil {
						yield(Event{}, err)
						return
					}
					events = append(events, Event{At: e.At, CustomerID: id, Source: "desk", Kind: string(e.Type), Ref: fmt.Sprintf("%s#%d", it.ID, e.Seq),
						Summary: deskSummary(it, e)})
				}
			}
			slices.SortFunc(events, func(a, b Event) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Ref, b.Ref)) })
			for _, ev := range events {
				if !yield(ev, nil) {
					return
				}
			}
		}
	})
}

func deskSummary(it feedback.Item, e feedback.Event) string {
	switch e.Type {
	case feedback.IntakeEvent:
		return fmt.Sprintf("%s %s by %s: %s", it.ID, it.Kind, it.Channel, it.Category)
	case feedback.StepEvent:
		return fmt.Sprintf("%s %s → %s by %s", it.ID, e.Action, e.To, e.Actor)
	case feedback.BreachEvent:
		return fmt.Sprintf("%s missed the %s target", it.ID, e.Target)
	}
	return fmt.Sprintf("%s %s", it.ID, e.Type)
}

func mapped[T any](seq iter.Seq2[T, error], f func(T) Event) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for v, err := range seq {
			if err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(f(v), nil) {
				return
			}
		}
	}
}

func isNotFound(err error) bool { return errors.Is(err, crm.ErrNotFound) }
