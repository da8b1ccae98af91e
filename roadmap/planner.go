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

// Store keeps roadmaps, versioned records. It persists and decides
// nothing: the Planner checks every change. A host implements it on its
// own database and proves it with roadmaptest.TestStore. Implementations
// must be safe for concurrent use.
type Store interface {
	// CreateRoadmap stores r with Version 1 and returns it; an existing ID
	// is crm.ErrExists.
	CreateRoadmap(ctx context.Context, r Roadmap) (Roadmap, error)
	// Roadmap returns the roadmap with the ID, or an error matching
	// crm.ErrNotFound.
	Roadmap(ctx context.Context, id string) (Roadmap, error)
	// UpdateRoadmap replaces the roadmap if the stored version equals
	// r.Version and returns it with Version + 1; a stale version is a
	// *crm.ConflictError and changes nothing.
	UpdateRoadmap(ctx context.Context, r Roadmap) (Roadmap, error)
	// DeleteRoadmap removes the roadmap if the stored version equals
	// version, with the errors of UpdateRoadmap.
	DeleteRoadmap(ctx context.Context, id string, version int64) error
	// Roadmaps streams every roadmap in ascending ID order.
	Roadmaps(ctx context.Context) iter.Seq2[Roadmap, error]
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of the Store contract. It keeps each roadmap as
// JSON, so callers never share memory with it.
type MemoryStore struct {
	mu sync.RWMutex
	m  map[string][]byte
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string][]byte{}} }

var _ Store = (*MemoryStore)(nil)

func encode(r Roadmap) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("roadmap: roadmap %q cannot be stored: %v: %w", r.ID, err, crm.ErrInvalid)
	}
	return b, nil
}

func decode(b []byte) Roadmap {
	var r Roadmap
	if err := json.Unmarshal(b, &r); err != nil {
		panic(err) // the store wrote b itself
	}
	return r
}

// CreateRoadmap implements Store.
func (s *MemoryStore) CreateRoadmap(ctx context.Context, r Roadmap) (Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return Roadmap{}, err
	}
	r.Version = 1
	b, err := encode(r)
	if err != nil {
		return Roadmap{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[r.ID]; ok {
		return Roadmap{}, fmt.Errorf("roadmap: roadmap %q: %w", r.ID, crm.ErrExists)
	}
	s.m[r.ID] = b
	return decode(b), nil
}

// Roadmap implements Store.
func (s *MemoryStore) Roadmap(ctx context.Context, id string) (Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return Roadmap{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.m[id]
	if !ok {
		return Roadmap{}, fmt.Errorf("roadmap: roadmap %q: %w", id, crm.ErrNotFound)
	}
	return decode(b), nil
}

// current returns the stored version of id, checked against have.
func (s *MemoryStore) current(id string, have int64) error {
	b, ok := s.m[id]
	if !ok {
		return fmt.Errorf("roadmap: roadmap %q: %w", id, crm.ErrNotFound)
	}
	if cur := decode(b).Version; cur != have {
		return &crm.ConflictError{Package: "roadmap", Kind: "roadmap", ID: id, Have: have, Current: cur}
	}
	return nil
}

// UpdateRoadmap implements Store.
func (s *MemoryStore) UpdateRoadmap(ctx context.Context, r Roadmap) (Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return Roadmap{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.current(r.ID, r.Version); err != nil {
		return Roadmap{}, err
	}
	r.Version++
	b, err := encode(r)
	if err != nil {
		return Roadmap{}, err
	}
	s.m[r.ID] = b
	return decode(b), nil
}

// DeleteRoadmap implements Store.
func (s *MemoryStore) DeleteRoadmap(ctx context.Context, id string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.current(id, version); err != nil {
		return err
	}
	delete(s.m, id)
	return nil
}

// Roadmaps implements Store.
func (s *MemoryStore) Roadmaps(ctx context.Context) iter.Seq2[Roadmap, error] {
	return func(yield func(Roadmap, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Roadmap{}, err)
			return
		}
		s.mu.RLock()
		ids := make([]string, 0, len(s.m))
		for id := range s.m {
			ids = append(ids, id)
		}
		s.mu.RUnlock()
		slices.Sort(ids)
		for _, id := range ids {
			r, err := s.Roadmap(ctx, id)
			if errors.Is(err, crm.ErrNotFound) {
				continue // deleted meanwhile
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// moves lists the status changes the Planner makes, from each status.
var moves = map[Status][]Status{
	Draft:    {InReview, Cancelled},
	InReview: {Approved, Cancelled},
	Approved: {Active, InReview, Cancelled},
	Active:   {Completed, Cancelled},
}

func refused(id string, from, to Status, reason string) *crm.TransitionError {
	allowed := make([]string, len(moves[from]))
	for i, s := range moves[from] {
		allowed[i] = string(s)
	}
	return &crm.TransitionError{Package: "roadmap", Subject: fmt.Sprintf("roadmap %q", id), From: string(from), To: string(to), Allowed: allowed, Reason: reason}
}

// Options configure a Planner. nil options, or zero fields, mean the
// defaults.
type Options struct {
	// Clock gives the time of sign-offs and validation; nil means
	// time.Now.
	Clock func() time.Time
}

// Planner runs roadmaps through their life over a store.
type Planner struct {
	store Store
	clock func() time.Time
}

// NewPlanner returns a planner over store. A nil store is refused with an
// error matching crm.ErrInvalid.
func NewPlanner(store Store, opt *Options) (*Planner, error) {
	if store == nil {
		return nil, fmt.Errorf("roadmap: new planner: nil store: %w", crm.ErrInvalid)
	}
	clock := time.Now
	if opt != nil && opt.Clock != nil {
		clock = opt.Clock
	}
	return &Planner{store: store, clock: clock}, nil
}

// Get returns the roadmap with the ID, or crm.ErrNotFound.
func (p *Planner) Get(ctx context.Context, id string) (Roadmap, error) {
	return p.store.Roadmap(ctx, id)
}

// Create stores a new draft. An empty ID is refused, and so is content no
// store can hold (a NaN or infinite number, a time outside years
// 0–9999), with a *crm.ValidationError naming each value.
func (p *Planner) Create(ctx context.Context, id string, c Content) (Roadmap, error) {
	if strings.TrimSpace(id) == "" {
		return Roadmap{}, fmt.Errorf("roadmap: create: empty ID: %w", crm.ErrInvalid)
	}
	r := Roadmap{ID: id, Content: c, Status: Draft}
	if err := r.storable(); err != nil {
		return Roadmap{}, err
	}
	return p.store.CreateRoadmap(ctx, r)
}

// Edit changes the content of a roadmap at version. A changed content is a
// new revision: earlier sign-offs no longer count, and an approved roadmap
// goes back to review. Saving identical content changes nothing but the
// version. Completed and cancelled roadmaps cannot change; content no store
// can hold is refused as by Create.
func (p *Planner) Edit(ctx context.Context, id string, version int64, c Content) (Roadmap, error) {
	r, err := p.store.Roadmap(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if r.Version != version {
		return Roadmap{}, &crm.ConflictError{Package: "roadmap", Kind: "roadmap", ID: id, Have: version, Current: r.Version}
	}
	if r.Status == Completed || r.Status == Cancelled {
		return Roadmap{}, refused(id, r.Status, r.Status, "a finished roadmap cannot change")
	}
	if c.Revision() != r.Content.Revision() && r.Status == Approved {
		r.Status = InReview
	}
	r.Content = c
	if err := r.storable(); err != nil {
		return Roadmap{}, err
	}
	return p.store.UpdateRoadmap(ctx, r)
}

func (p *Planner) move(ctx context.Context, id string, to Status, check func(r *Roadmap) string) (Roadmap, error) {
	r, err := p.store.Roadmap(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if !slices.Contains(moves[r.Status], to) {
		return Roadmap{}, refused(id, r.Status, to, "")
	}
	if check != nil {
		if reason := check(&r); reason != "" {
			return Roadmap{}, refused(id, r.Status, to, reason)
		}
	}
	r.Status = to
	return p.store.UpdateRoadmap(ctx, r)
}

// Submit puts a draft up for review.
func (p *Planner) Submit(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, InReview, nil)
}

// SignOff records a department's approval of the current revision. Only a
// department involved in the roadmap may sign, and only while in review.
func (p *Planner) SignOff(ctx context.Context, id, department, by string) (Roadmap, error) {
	r, err := p.store.Roadmap(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if r.Status != InReview {
		return Roadmap{}, refused(id, r.Status, r.Status, "sign-offs are given in review")
	}
	if !slices.Contains(r.Content.Departments(), department) {
		return Roadmap{}, fmt.Errorf("roadmap: roadmap %q: %q is not a department of this roadmap (%v): %w", id, department, r.Content.Departments(), crm.ErrInvalid)
	}
	rev := r.Content.Revision()
	r.SignOffs = slices.DeleteFunc(r.SignOffs, func(s SignOff) bool { return s.Department == department })
	r.SignOffs = append(r.SignOffs, SignOff{Department: department, By: by, Revision: rev, At: p.clock()})
	return p.store.UpdateRoadmap(ctx, r)
}

// Approve moves a roadmap in review to approved once every department has
// signed off the current revision.
func (p *Planner) Approve(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Approved, func(r *Roadmap) string {
		if m := r.MissingSignOffs(); len(m) > 0 {
			return "missing sign-offs of the current revision from " + strings.Join(m, ", ")
		}
		return ""
	})
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
	})
}

// Complete finishes an active roadmap.
func (p *Planner) Complete(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Completed, nil)
}

// Cancel stops a roadmap that is not finished.
func (p *Planner) Cancel(ctx context.Context, id string) (Roadmap, error) {
	return p.move(ctx, id, Cancelled, nil)
}

// Record adds KPI measurements (goals must have KPIs; values must be
// finite and times within years 0–9999). A measurement of a goal at a time
// already measured replaces the earlier one, so recording the same
// measurements again changes nothing (and writes nothing).
func (p *Planner) Record(ctx context.Context, id string, ms ...Measurement) (Roadmap, error) {
	r, err := p.store.Roadmap(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	kpis := r.Content.kpis()
	for _, m := range ms {
		if kpis[m.Goal] == nil {
			return Roadmap{}, fmt.Errorf("roadmap: roadmap %q: goal %q has no KPI to measure: %w", id, m.Goal, crm.ErrInvalid)
		}
	}
	changed := false
	for _, m := range ms {
		i := slices.IndexFunc(r.Measurements, func(x Measurement) bool { return x.Goal == m.Goal && x.At.Equal(m.At) })
		switch {
		case i < 0:
			r.Measurements = append(r.Measurements, m)
			changed = true
		case r.Measurements[i].Value != m.Value:
			r.Measurements[i] = m
			changed = true
		}
	}
	if !changed {
		return r, nil
	}
	if err := r.storable(); err != nil {
		return Roadmap{}, err
	}
	return p.store.UpdateRoadmap(ctx, r)
}

// Report records an initiative's status and spend.
func (p *Planner) Report(ctx context.Context, id string, pr Progress) (Roadmap, error) {
	r, err := p.store.Roadmap(ctx, id)
	if err != nil {
		return Roadmap{}, err
	}
	if !slices.ContainsFunc(r.Content.Initiatives, func(in Initiative) bool { return in.ID == pr.Initiative }) {
		return Roadmap{}, fmt.Errorf("roadmap: roadmap %q: no initiative %q: %w", id, pr.Initiative, crm.ErrInvalid)
	}
	r.Progress = slices.DeleteFunc(r.Progress, func(x Progress) bool { return x.Initiative == pr.Initiative })
	r.Progress = append(r.Progress, pr)
	return p.store.UpdateRoadmap(ctx, r)
}
