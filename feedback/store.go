package feedback

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Survey is one customer's answer to a survey about an item.
type Survey struct {
	// ID identifies the answer: the Desk writes the item's ID and the
	// survey type ("F00000012/nps"), so an answer is recorded once.
	ID string `json:"id"`
	// ItemID is the item the answer is about.
	ItemID string `json:"item_id"`
	// CustomerID is who answered.
	CustomerID string `json:"customer_id"`
	// Type is the survey: CSAT, NPS or CES.
	Type SurveyType `json:"type"`
	// Score is the answer on the survey's scale.
	Score int `json:"score"`
	// At is when it was recorded.
	At time.Time `json:"at"`
}

// ItemStore keeps desk items: each item as its events leave it, with the
// append-only log of those events. It persists and decides nothing: the
// Desk checks every step, applies its events and numbers them. A host
// implements it on its own database and proves it with
// feedbacktest.TestItemStore. Implementations must be safe for concurrent
// use.
type ItemStore interface {
	// CreateItem stores it, the item its intake event leaves, with Version
	// 1, and the event as the first of its log — both or neither. An
	// existing ID, or a non-empty Key another item has, is crm.ErrExists.
	CreateItem(ctx context.Context, it Item, intake Event) (Item, error)
	// Item returns the item with the ID, or an error matching
	// crm.ErrNotFound.
	Item(ctx context.Context, id string) (Item, error)
	// ItemByKey returns the item with the idempotency key, or an error
	// matching crm.ErrNotFound.
	ItemByKey(ctx context.Context, key string) (Item, error)
	// UpdateItem stores it, as events leave it, with Version + 1, and
	// appends events to its log — all or nothing — if the stored version
	// equals it.Version; a stale version is a *crm.ConflictError and
	// changes nothing. It returns the stored item.
	UpdateItem(ctx context.Context, it Item, events ...Event) (Item, error)
	// ItemEvents streams an item's events by Seq, oldest first; an
	// unknown item yields an error matching crm.ErrNotFound.
	ItemEvents(ctx context.Context, id string) iter.Seq2[Event, error]
	// Items streams every item by ID, each as stored at some moment during
	// the stream.
	Items(ctx context.Context) iter.Seq2[Item, error]
}

// OpenItemLister is an ItemStore's optional capability to stream only the
// open items (by ID), say from an index; without it the Desk streams Items
// and skips the closed ones.
type OpenItemLister interface {
	// OpenItems streams the open items by ID, each as stored at some moment
	// during the stream.
	OpenItems(ctx context.Context) iter.Seq2[Item, error]
}

// openItems streams the open items of s: through OpenItems when s has it,
// otherwise by filtering Items.
func openItems(ctx context.Context, s ItemStore) iter.Seq2[Item, error] {
	if o, ok := s.(OpenItemLister); ok {
		return o.OpenItems(ctx)
	}
	return func(yield func(Item, error) bool) {
		for it, err := range s.Items(ctx) {
			if err == nil && !it.State.Open() {
				continue
			}
			if !yield(it, err) || err != nil {
				return
			}
		}
	}
}

// SurveyStore keeps survey answers, an append-only log. Implementations
// must be safe for concurrent use; feedbacktest.TestSurveyStore proves one.
type SurveyStore interface {
	// AppendSurveys stores the answers atomically. An answer already
	// stored is a no-op; the same ID with other content is crm.ErrExists.
	AppendSurveys(ctx context.Context, ss ...Survey) error
	// Survey returns the answer with the ID, or crm.ErrNotFound.
	Survey(ctx context.Context, id string) (Survey, error)
	// Surveys streams every answer by ID.
	Surveys(ctx context.Context) iter.Seq2[Survey, error]
}

// Store is everything the Desk keeps: items and survey answers.
type Store interface {
	// ItemStore keeps the items and their events.
	ItemStore
	// SurveyStore keeps the survey answers.
	SurveyStore
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of the ItemStore and SurveyStore contracts.
type MemoryStore struct {
	mu      sync.RWMutex
	order   []*memItem // every item, by ID
	items   map[string]*memItem
	keys    map[string]string
	surveys map[string]Survey
}

type memItem struct {
	item   Item
	events []Event
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{items: map[string]*memItem{}, keys: map[string]string{}, surveys: map[string]Survey{}}
}

var (
	_ Store          = (*MemoryStore)(nil)
	_ OpenItemLister = (*MemoryStore)(nil)
)

// CreateItem implements ItemStore.
func (m *MemoryStore) CreateItem(ctx context.Context, it Item, e Event) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[it.ID]; ok {
		return Item{}, fmt.Errorf("feedback: item %q: %w", it.ID, crm.ErrExists)
	}
	if k := it.Key; k != "" {
		if other, ok := m.keys[k]; ok {
			return Item{}, fmt.Errorf("feedback: idempotency key %q is item %q: %w", k, other, crm.ErrExists)
		}
		m.keys[k] = it.ID
	}
	it = cloneItem(it)
	it.Version = 1
	rec := &memItem{item: it, events: []Event{cloneEvent(e)}}
	m.items[it.ID] = rec
	if n := len(m.order); n == 0 || m.order[n-1].item.ID < it.ID {
		m.order = append(m.order, rec) // the usual case: IDs made in order
	} else {
		i, _ := slices.BinarySearchFunc(m.order, it.ID, func(r *memItem, id string) int { return strings.Compare(r.item.ID, id) })
		m.order = slices.Insert(m.order, i, rec)
	}
	return cloneItem(it), nil
}

func (m *MemoryStore) get(id string) (*memItem, error) {
	rec, ok := m.items[id]
	if !ok {
		return nil, fmt.Errorf("feedback: item %q: %w", id, crm.ErrNotFound)
	}
	return rec, nil
}

// Item implements ItemStore.
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

// ItemByKey implements ItemStore.
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

// cloneItem copies an item so that the store and its callers share no
// memory.
func cloneItem(it Item) Item {
	it.Breaches = slices.Clone(it.Breaches)
	return it
}

func cloneEvent(e Event) Event {
	if e.Intake != nil {
		in := cloneItem(*e.Intake)
		e.Intake = &in
	}
	return e
}

// UpdateItem implements ItemStore.
func (m *MemoryStore) UpdateItem(ctx context.Context, it Item, events ...Event) (Item, error) {
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, err := m.get(it.ID)
	if err != nil {
		return Item{}, err
	}
	if rec.item.Version != it.Version {
		return Item{}, &crm.ConflictError{Package: "feedback", Kind: "item", ID: it.ID, Have: it.Version, Current: rec.item.Version}
	}
	it = cloneItem(it)
	it.Version++
	rec.item = it
	for _, e := range events {
		rec.events = append(rec.events, cloneEvent(e))
	}
	return cloneItem(it), nil
}

// ItemEvents implements ItemStore.
func (m *MemoryStore) ItemEvents(ctx context.Context, id string) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Event{}, err)
			return
		}
		m.mu.RLock()
		rec, err := m.get(id)
		var evs []Event
		if err == nil {
			for _, e := range rec.events {
				evs = append(evs, cloneEvent(e))
			}
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

// Items implements ItemStore.
func (m *MemoryStore) Items(ctx context.Context) iter.Seq2[Item, error] {
	return m.items2(ctx, false)
}

// OpenItems implements OpenItemLister.
func (m *MemoryStore) OpenItems(ctx context.Context) iter.Seq2[Item, error] {
	return m.items2(ctx, true)
}

func (m *MemoryStore) items2(ctx context.Context, open bool) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Item{}, err)
			return
		}
		m.mu.RLock()
		recs := make([]*memItem, 0, len(m.order))
		for _, rec := range m.order {
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

// AppendSurveys implements SurveyStore.
func (m *MemoryStore) AppendSurveys(ctx context.Context, ss ...Survey) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range ss {
		if old, ok := m.surveys[s.ID]; ok && !sameSurvey(old, s) {
			return fmt.Errorf("feedback: survey %q: %w", s.ID, crm.ErrExists)
		}
	}
	for _, s := range ss {
		m.surveys[s.ID] = s
	}
	return nil
}

// sameSurvey compares answers, times as instants.
func sameSurvey(a, b Survey) bool {
	if !a.At.Equal(b.At) {
		return false
	}
	a.At = b.At
	return a == b
}

// Survey implements SurveyStore.
func (m *MemoryStore) Survey(ctx context.Context, id string) (Survey, error) {
	if err := ctx.Err(); err != nil {
		return Survey{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.surveys[id]
	if !ok {
		return Survey{}, fmt.Errorf("feedback: survey %q: %w", id, crm.ErrNotFound)
	}
	return s, nil
}

// Surveys implements SurveyStore.
func (m *MemoryStore) Surveys(ctx context.Context) iter.Seq2[Survey, error] {
	return func(yield func(Survey, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Survey{}, err)
			return
		}
		m.mu.RLock()
		ss := make([]Survey, 0, len(m.surveys))
		for _, s := range m.surveys {
			ss = append(ss, s)
		}
		m.mu.RUnlock()
		slices.SortFunc(ss, func(a, b Survey) int { return strings.Compare(a.ID, b.ID) })
		for _, s := range ss {
			if !yield(s, nil) {
				return
			}
		}
	}
}
