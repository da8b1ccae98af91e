package monitor

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// State is where an alert stands.
type State string

// Alert states: open when raised, acknowledged when someone took it on,
// resolved when dealt with.
const (
	Open         State = "open"
	Acknowledged State = "acknowledged"
	Resolved     State = "resolved"
)

// Alert is one condition a rule found, raised once until it is resolved.
type Alert struct {
	// ID identifies the alert: the rule, the subject and the time it was
	// raised ("key customer at risk:C0000042@20260101T000000Z").
	ID string `json:"id"`
	// Rule is the name of the rule that raised it.
	Rule string `json:"rule"`
	// Subject is what it is about: a customer ID, a metric and its cut
	// ("performance.experience{channel=phone}"), or a roadmap's goal
	// ("acme/E1").
	Subject string `json:"subject"`
	// CustomerID is set for alerts about one customer.
	CustomerID string `json:"customer_id,omitempty"`
	// Severity is the rule's.
	Severity Severity `json:"severity"`
	// To are the people and teams it is routed to.
	To []string `json:"to,omitempty"`
	// Message says what was found, in words.
	Message string `json:"message"`
	// RaisedAt is the observation time of the check that raised it.
	RaisedAt time.Time `json:"raised_at"`
	// State is open, acknowledged or resolved.
	State State `json:"state"`
	// Notified says the notifier has taken the alert.
	Notified bool `json:"notified"`
	// AcknowledgedBy and AcknowledgedAt record who took it on, when.
	AcknowledgedBy string `json:"acknowledged_by,omitempty"`
	// AcknowledgedAt is when it was acknowledged.
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	// ResolvedBy, ResolvedAt and Resolution record who dealt with it,
	// when and how.
	ResolvedBy string `json:"resolved_by,omitempty"`
	// ResolvedAt is when it was resolved.
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	// Resolution says what was done.
	Resolution string `json:"resolution,omitempty"`
	// Version is the store's: 1 on create, one more on each update.
	Version int64 `json:"version"`
}

// key is the condition an alert stands for: its rule and subject.
func (a *Alert) key() string { return a.Rule + "\x1f" + a.Subject }

// Store keeps alerts, versioned records by ID. It persists and decides
// nothing: the Monitor raises, acknowledges and resolves. A host
// implements it on its own database and proves it with
// monitortest.TestStore. Implementations must be safe for concurrent use.
type Store interface {
	// CreateAlert stores a with Version 1 and returns it; an existing ID
	// is crm.ErrExists.
	CreateAlert(ctx context.Context, a Alert) (Alert, error)
	// Alert returns the alert with the ID, or an error matching
	// crm.ErrNotFound.
	Alert(ctx context.Context, id string) (Alert, error)
	// UpdateAlert replaces the alert if the stored version equals
	// a.Version and returns it with Version + 1; a stale version is a
	// *crm.ConflictError, an unknown ID crm.ErrNotFound.
	UpdateAlert(ctx context.Context, a Alert) (Alert, error)
	// DeleteAlert removes the alert if the stored version equals version.
	DeleteAlert(ctx context.Context, id string, version int64) error
	// Alerts streams every alert by ID, byte-wise.
	Alerts(ctx context.Context) iter.Seq2[Alert, error]
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of the Store contract.
type MemoryStore struct {
	mu     sync.RWMutex
	alerts map[string]Alert
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{alerts: map[string]Alert{}} }

var _ Store = (*MemoryStore)(nil)

func clone(a Alert) Alert {
	a.To = slices.Clone(a.To)
	return a
}

func notFound(id string) error { return fmt.Errorf("monitor: alert %q: %w", id, crm.ErrNotFound) }

// CreateAlert implements Store.
func (m *MemoryStore) CreateAlert(ctx context.Context, a Alert) (Alert, error) {
	if err := ctx.Err(); err != nil {
		return Alert{}, err
	}
	if a.ID == "" {
		return Alert{}, fmt.Errorf("monitor: alert: empty ID: %w", crm.ErrInvalid)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.alerts[a.ID]; ok {
		return Alert{}, fmt.Errorf("monitor: alert %q: %w", a.ID, crm.ErrExists)
	}
	a.Version = 1
	m.alerts[a.ID] = clone(a)
	return clone(a), nil
}

// Alert implements Store.
func (m *MemoryStore) Alert(ctx context.Context, id string) (Alert, error) {
	if err := ctx.Err(); err != nil {
		return Alert{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	a, ok := m.alerts[id]
	if !ok {
		return Alert{}, notFound(id)
	}
	return clone(a), nil
}

// UpdateAlert implements Store.
func (m *MemoryStore) UpdateAlert(ctx context.Context, a Alert) (Alert, error) {
	if err := ctx.Err(); err != nil {
		return Alert{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.alerts[a.ID]
	if !ok {
		return Alert{}, notFound(a.ID)
	}
	if cur.Version != a.Version {
		return Alert{}, &crm.ConflictError{Package: "monitor", Kind: "alert", ID: a.ID, Have: a.Version, Current: cur.Version}
	}
	a.Version++
	m.alerts[a.ID] = clone(a)
	return clone(a), nil
}

// DeleteAlert implements Store.
func (m *MemoryStore) DeleteAlert(ctx context.Context, id string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.alerts[id]
	if !ok {
		return notFound(id)
	}
	if cur.Version != version {
		return &crm.ConflictError{Package: "monitor", Kind: "alert", ID: id, Have: version, Current: cur.Version}
	}
	delete(m.alerts, id)
	return nil
}

// Alerts implements Store.
func (m *MemoryStore) Alerts(ctx context.Context) iter.Seq2[Alert, error] {
	return func(yield func(Alert, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Alert{}, err)
			return
		}
		m.mu.RLock()
		out := make([]Alert, 0, len(m.alerts))
		for _, a := range m.alerts {
			out = append(out, clone(a))
		}
		m.mu.RUnlock()
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		for _, a := range out {
			if !yield(a, nil) {
				return
			}
		}
	}
}
