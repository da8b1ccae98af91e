package roadmap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Store keeps roadmaps with optimistic concurrency. A host implements it
// on its own database and checks it with roadmaptest.TestStore.
type Store interface {
	// Create stores a new roadmap with Version 1; an existing ID is
	// crm.ErrExists.
	Create(ctx context.Context, r Roadmap) (Roadmap, error)
	// Get returns a roadmap or crm.ErrNotFound.
	Get(ctx context.Context, id string) (Roadmap, error)
	// Update replaces a roadmap whose stored Version equals r.Version and
	// increments it; otherwise crm.ErrConflict and nothing changes.
	Update(ctx context.Context, r Roadmap) (Roadmap, error)
	// List streams every roadmap by ID.
	List(ctx context.Context) iter.Seq2[Roadmap, error]
}

// MemoryStore is a concurrency-safe in-memory Store; it keeps deep copies.
type MemoryStore struct {
	mu sync.RWMutex
	m  map[string][]byte // JSON, so callers never share memory with it
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string][]byte{}} }

var _ Store = (*MemoryStore)(nil)

func encode(r Roadmap) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return b
}

func decode(b []byte) Roadmap {
	var r Roadmap
	if err := json.Unmarshal(b, &r); err != nil {
		panic(err)
	}
	return r
}

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, r Roadmap) (Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return Roadmap{}, err
	}
	if r.ID == "" {
		return Roadmap{}, fmt.Errorf("roadmap: create needs an ID: %w", crm.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[r.ID]; ok {
		return Roadmap{}, fmt.Errorf("roadmap %q: %w", r.ID, crm.ErrExists)
	}
	r.Version = 1
	s.m[r.ID] = encode(r)
	return decode(s.m[r.ID]), nil
}

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, id string) (Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return Roadmap{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.m[id]
	if !ok {
		return Roadmap{}, fmt.Errorf("roadmap %q: %w", id, crm.ErrNotFound)
	}
	return decode(b), nil
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, r Roadmap) (Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return Roadmap{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[r.ID]
	if !ok {
		return Roadmap{}, fmt.Errorf("roadmap %q: %w", r.ID, crm.ErrNotFound)
	}
	if cur := decode(b).Version; cur != r.Version {
		return Roadmap{}, &crm.ConflictError{Package: "roadmap", Kind: "roadmap", ID: r.ID, Have: r.Version, Current: cur}
	}
	r.Version++
	s.m[r.ID] = encode(r)
	return decode(s.m[r.ID]), nil
}

// List implements Store.
func (s *MemoryStore) List(ctx context.Context) iter.Seq2[Roadmap, error] {
	return func(yield func(Roadmap, error) bool) {
		s.mu.RLock()
		ids := make([]string, 0, len(s.m))
		for id := range s.m {
			ids = append(ids, id)
		}
		s.mu.RUnlock()
		slices.Sort(ids)
		for _, id := range ids {
			r, err := s.Get(ctx, id)
			if errors.Is(err, crm.ErrNotFound) {
				continue
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// StatusError is a status change the roadmap's state does not allow.
type StatusError struct {
	ID       string
	From, To Status
	Reason   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("roadmap %q: %s → %s refused: %s", e.ID, e.From, e.To, e.Reason)
}

// Unwrap returns crm.ErrInvalid.
func (e *StatusError) Unwrap() error { return crm.ErrInvalid }

// Planner runs roadmaps through their life over a store.
type Planner struct {
	store Store
	clock func() time.Time
}

// NewPlanner returns a planner over store; a nil clock means time.Now. A
// nil store is refused with an error matching crm.ErrInvalid.
func NewPlanner(store Store, clock func() time.Time) (*Planner, error) {
	if store == nil {
		return nil, fmt.Errorf("roadmap: new planner: nil store: %w", crm.ErrInvalid)
	}
	if clock == nil {
		clock = time.Now
	}
	return &Planner{store: store, clock: clock}, nil
}

// Get returns a roadmap.
func (p *Planner) Get(ctx context.Context, id string) (Roadmap, error) { return p.store.Get(ctx, id) }

// Create stores a new draft.
func (p *Planner) Create(ctx context.Context, id string, c Content) (Roadmap, error) {
	return p.store.Create(ctx, Roadmap{ID: id, Content: c, Status: Draft})
}

// Edit changes the content of a roadmap at version. A changed content is a
// new revision: earlier sign-offs no longer count, and an approved roadmap
// goes back to review. Saving identical content changes nothing but the
// version. Completed and cancelled roadmaps cannot change.
func (p *Planner) Edit(ctx context.Context, id string, version int64, c Content) (Roadmap, error) {
	r, err := p.store.Get(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if r.Version != version {
		return Roadmap{}, &crm.ConflictError{Package: "roadmap", Kind: "roadmap", ID: id, Have: version, Current: r.Version}
	}
	if r.Status == Completed || r.Status == Cancelled {
		return Roadmap{}, &StatusError{ID: id, From: r.Status, To: r.Status, Reason: "a finished roadmap cannot change"}
	}
	if c.Revision() != r.Content.Revision() && r.Status == Approved {
		r.Status = InReview
	}
	r.Content = c
	return p.store.Update(ctx, r)
}

func (p *Planner) move(ctx context.Context, id string, to Status, check func(r *Roadmap) string, from ...Status) (Roadmap, error) {
	r, err := p.store.Get(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if !slices.Contains(from, r.Status) {
		names := make([]string, len(from))
		for i, f := range from {
			names[i] = string(f)
		}
		return Roadmap{}, &StatusError{ID: id, From: r.Status, To: to, Reason: "allowed only from " + strings.Join(names, " or ")}
	}
	if check != nil {
		if reason := check(&r); reason != "" {
			return Roadmap{}, &StatusError{ID: id, From: r.Status, To: to, Reason: reason}
		}
	}
	r.Status = to
	return p.store.Update(ctx, r)
}

// Submit puts a draft up for review.
func (p *Planner) Submit(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, InReview, nil, Draft)
}

// SignOff records a department's approval of the current revision. Only a
// department involved in the roadmap may sign, and only while in review.
func (p *Planner) SignOff(ctx context.Context, id, department, by string) (Roadmap, error) {
	r, err := p.store.Get(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if r.Status != InReview {
		return Roadmap{}, &StatusError{ID: id, From: r.Status, To: r.Status, Reason: "sign-offs are given in review"}
	}
	if !slices.Contains(r.Content.Departments(), department) {
		return Roadmap{}, fmt.Errorf("roadmap %q: %q is not a department of this roadmap (%v): %w", id, department, r.Content.Departments(), crm.ErrInvalid)
	}
	rev := r.Content.Revision()
	r.SignOffs = slices.DeleteFunc(r.SignOffs, func(s SignOff) bool { return s.Department == department })
	r.SignOffs = append(r.SignOffs, SignOff{Department: department, By: by, Revision: rev, At: p.clock()})
	return p.store.Update(ctx, r)
}

// Approve moves a roadmap in review to approved once every department has
// signed off the current revision.
func (p *Planner) Approve(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Approved, func(r *Roadmap) string {
		if m := r.MissingSignOffs(); len(m) > 0 {
			return "missing sign-offs of the current revision from " + strings.Join(m, ", ")
		}
		return ""
	}, InReview)
}

// Activate starts an approved roadmap: refused until every department has
// signed off the current revision and validation finds no errors.
func (p *Planner) Activate(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Active, func(r *Roadmap) string {
		var reasons []string
		if m := r.MissingSignOffs(); len(m) > 0 {
			reasons = append(reasons, "missing sign-offs from "+strings.Join(m, ", "))
		}
		for _, f := range Errors(r.Validate(p.clock())) {
			if f.Code != LeadTimeShort { // lead times were judged when planned
				reasons = append(reasons, f.Code+" at "+f.Path)
			}
		}
		return strings.Join(reasons, "; ")
	}, Approved)
}

// Complete finishes an active roadmap.
func (p *Planner) Complete(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Completed, nil, Active)
}

// Cancel stops a roadmap that is not finished.
func (p *Planner) Cancel(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Cancelled, nil, Draft, InReview, Approved, Active)
}

// Record adds KPI measurements (goals must have KPIs).
func (p *Planner) Record(ctx context.Context, id string, ms ...Measurement) (Roadmap, error) {
	r, err := p.store.Get(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	kpis := r.Content.kpis()
	for _, m := range ms {
		if kpis[m.Goal] == nil {
			return Roadmap{}, fmt.Errorf("roadmap %q: goal %q has no KPI to measure: %w", id, m.Goal, crm.ErrInvalid)
		}
	}
	r.Measurements = append(r.Measurements, ms...)
	return p.store.Update(ctx, r)
}

// Report records an initiative's status and spend.
func (p *Planner) Report(ctx context.Context, id string, pr Progress) (Roadmap, error) {
	r, err := p.store.Get(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if !slices.ContainsFunc(r.Content.Initiatives, func(in Initiative) bool { return in.ID == pr.Initiative }) {
		return Roadmap{}, fmt.Errorf("roadmap %q: no initiative %q: %w", id, pr.Initiative, crm.ErrInvalid)
	}
	r.Progress = slices.DeleteFunc(r.Progress, func(x Progress) bool { return x.Initiative == pr.Initiative })
	r.Progress = append(r.Progress, pr)
	return p.store.Update(ctx, r)
}
