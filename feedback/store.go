package feedback

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Survey is one customer's answer, linked to an item after it closed.
type Survey struct {
	ItemID     string     `json:"item_id"`
	CustomerID string     `json:"customer_id"`
	Type       SurveyType `json:"type"`
	Score      int        `json:"score"`
	At         time.Time  `json:"at"`
}

// Store keeps items as an append-only event log. A host implements it on
// its own database and checks it with feedbacktest.TestStore.
type Store interface {
	// Create stores a new item from its intake event (Seq 1). An item with
	// the same ID, or the same non-empty idempotency key, is crm.ErrExists.
	Create(ctx context.Context, intake Event) (Item, error)
	// Item and ItemByKey return an item or crm.ErrNotFound.
	Item(ctx context.Context, id string) (Item, error)
	ItemByKey(ctx context.Context, key string) (Item, error)
	// Append applies events (with Item.Apply) to the item whose stored
	// Version equals version, and records them, numbering their Seq; on
	// another version it is crm.ErrConflict and nothing changes.
	Append(ctx context.Context, id string, version int64, events ...Event) (Item, error)
	// Events streams an item's events in order.
	Events(ctx context.Context, id string) iter.Seq2[Event, error]
	// Items streams every item (only open ones when open is set), in no
	// particular order, each as it was at some moment during the stream.
	Items(ctx context.Context, open bool) iter.Seq2[Item, error]
	// AddSurvey records a survey answer; Surveys streams them in order.
	AddSurvey(ctx context.Context, s Survey) error
	Surveys(ctx context.Context) iter.Seq2[Survey, error]
}

// MemoryStore is a concurrency-safe in-memory Store.
type MemoryStore struct {
	mu      sync.RWMutex
	items   map[string]*memItem
	keys    map[string]string
	surveys []Survey
}

type memItem struct {
	item   Item
	events []Event
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{items: map[string]*memItem{}, keys: map[string]string{}}
}

var _ Store = (*MemoryStore)(nil)

// Create implements Store.
func (m *MemoryStore) Create(ctx context.Context, e Event) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	if e.Type != IntakeEvent || e.Intake == nil || e.Intake.ID == "" {
		return Item{}, fmt.Errorf("feedback: create needs an intake event with an item ID: %w", crm.ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id := e.Intake.ID
	if _, ok := m.items[id]; ok {
		return Item{}, fmt.Errorf("feedback: item %q: %w", id, crm.ErrExists)
	}
	if k := e.Intake.Key; k != "" {
		if other, ok := m.keys[k]; ok {
			return Item{}, fmt.Errorf("feedback: idempotency key %q is item %q: %w", k, other, crm.ErrExists)
		}
		m.keys[k] = id
	}
	e.ItemID, e.Seq = id, 1
	rec := &memItem{events: []Event{e}}
	rec.item.Apply(e)
	m.items[id] = rec
	return rec.item, nil
}

func (m *MemoryStore) get(id string) (*memItem, error) {
	rec, ok := m.items[id]
	if !ok {
		return nil, fmt.Errorf("feedback: item %q: %w", id, crm.ErrNotFound)
	}
	return rec, nil
}

// Item implements Store.
func (m *MemoryStore) Item(ctx context.Context, id string) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	rec, err := m.get(id)
	if err != nil {
		return Item{}, err
	}
	return cloneItem(rec.item), nil
}

// ItemByKey implements Store.
func (m *MemoryStore) ItemByKey(ctx context.Context, key string) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	id, ok := m.keys[key]
	if !ok {
		return Item{}, fmt.Errorf("feedback: idempotency key %q: %w", key, crm.ErrNotFound)
	}
	return cloneItem(m.items[id].item), nil
}

// cloneItem copies an item for a caller, who may change it freely.
func cloneItem(it Item) Item {
	it.Breaches = slices.Clone(it.Breaches)
	return it
}

// Append implements Store.
func (m *MemoryStore) Append(ctx context.Context, id string, version int64, events ...Event) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, err := m.get(id)
	if err != nil {
		return Item{}, err
	}
	if rec.item.Version != version {
		return Item{}, &crm.ConflictError{Package: "feedback", Kind: "item", ID: id, Have: version, Current: rec.item.Version}
	}
	it := cloneItem(rec.item)
	for i := range events {
		if events[i].Type == IntakeEvent {
			return Item{}, fmt.Errorf("feedback: item %q: an intake event cannot be appended: %w", id, crm.ErrInvalid)
		}
		events[i].ItemID, events[i].Seq = id, len(rec.events)+i+1
		it.Apply(events[i])
	}
	rec.item = it
	rec.events = append(rec.events, events...)
	return cloneItem(it), nil
}

// Events implements Store.
func (m *MemoryStore) Events(ctx context.Context, id string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		m.mu.RLock()
		rec, err := m.get(id)
		var evs []Event
		if err == nil {
			evs = slices.Clone(rec.events)
		}
		m.mu.RUnlock()
		if err != nil {
			yield(Event{}, err)
			return
		}
		for _, e := range evs {
			if err := ctx.Err(); err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// Items implements Store.
func (m *MemoryStore) Items(ctx context.Context, open bool) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		m.mu.RLock()
		recs := make([]*memItem, 0, len(m.items))
		for _, rec := range m.items {
			if !open || rec.item.State.Open() {
				recs = append(recs, rec)
			}
		}
		m.mu.RUnlock()
		const batch = 1024
		buf := make([]Item, 0, batch)
		for lo := 0; lo < len(recs); lo += batch {
			if err := ctx.Err(); err != nil {
				yield(Item{}, err)
				return
			}
			buf = buf[:0]
			m.mu.RLock()
			for _, rec := range recs[lo:min(lo+batch, len(recs))] {
				buf = append(buf, cloneItem(rec.item))
			}
			m.mu.RUnlock()
			for _, it := range buf {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// AddSurvey implements Store.
func (m *MemoryStore) AddSurvey(ctx context.Context, s Survey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.surveys = append(m.surveys, s)
	return nil
}

// Surveys implements Store.
func (m *MemoryStore) Surveys(ctx context.Context) iter.Seq2[Survey, error] {
	return func(yield func(Survey, error) bool) {
		m.mu.RLock()
		ss := slices.Clone(m.surveys)
		m.mu.RUnlock()
		for _, s := range ss {
			if !yield(s, nil) {
				return
			}
		}
	}
}
