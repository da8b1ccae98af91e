package segment

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Store keeps segmentation definitions and membership snapshots. A host
// implements it on its own database and checks it with
// segmenttest.TestStore.
type Store interface {
	// CreateSegmentation stores a new definition with Version 1; an existing
	// name is crm.ErrExists; an invalid definition crm.ErrInvalid.
	CreateSegmentation(ctx context.Context, s Segmentation) (Segmentation, error)
	// Segmentation returns a definition or crm.ErrNotFound.
	Segmentation(ctx context.Context, name string) (Segmentation, error)
	// UpdateSegmentation replaces a definition whose stored Version equals
	// s.Version and increments it; otherwise crm.ErrConflict (a
	// *crm.ConflictError) and nothing changes.
	UpdateSegmentation(ctx context.Context, s Segmentation) (Segmentation, error)
	// DeleteSegmentation removes a definition at the given version, and
	// its snapshots.
	DeleteSegmentation(ctx context.Context, name string, version int64) error
	// Segmentations streams every definition by name.
	Segmentations(ctx context.Context) iter.Seq2[Segmentation, error]
	// SaveSnapshot stores a membership; one per segmentation and AsOf
	// (another is crm.ErrExists); the segmentation must exist.
	SaveSnapshot(ctx context.Context, m *Membership) error
	// Snapshot returns the membership of a segmentation at asOf, or
	// crm.ErrNotFound.
	Snapshot(ctx context.Context, segmentation string, asOf time.Time) (*Membership, error)
	// Snapshots lists the AsOf times of a segmentation's snapshots, oldest
	// first.
	Snapshots(ctx context.Context, segmentation string) ([]time.Time, error)
}

// MemoryStore is a concurrency-safe in-memory Store.
type MemoryStore struct {
	mu        sync.RWMutex
	defs      map[string]Segmentation
	snapshots map[string]map[int64]*Membership // segmentation → AsOf (Unix nanoseconds) → copy
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{defs: map[string]Segmentation{}, snapshots: map[string]map[int64]*Membership{}}
}

var _ Store = (*MemoryStore)(nil)

func cloneSegmentation(s Segmentation) Segmentation {
	s.Segments = slices.Clone(s.Segments)
	return s
}

func cloneMembership(m *Membership) *Membership {
	c := *m
	c.Members = make(map[string][]string, len(m.Members))
	for k, v := range m.Members {
		c.Members[k] = slices.Clone(v)
	}
	c.Counts = maps.Clone(m.Counts)
	return &c
}

// CreateSegmentation implements Store.
func (s *MemoryStore) CreateSegmentation(ctx context.Context, def Segmentation) (Segmentation, error) {
	if err := ctx.Err(); err != nil {
		return Segmentation{}, err
	}
	if err := def.Validate(); err != nil {
		return Segmentation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.defs[def.Name]; ok {
		return Segmentation{}, fmt.Errorf("segment: segmentation %q: %w", def.Name, crm.ErrExists)
	}
	def.Version = 1
	s.defs[def.Name] = cloneSegmentation(def)
	return cloneSegmentation(def), nil
}

// Segmentation implements Store.
func (s *MemoryStore) Segmentation(ctx context.Context, name string) (Segmentation, error) {
	if err := ctx.Err(); err != nil {
		return Segmentation{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	def, ok := s.defs[name]
	if !ok {
		return Segmentation{}, fmt.Errorf("segment: segmentation %q: %w", name, crm.ErrNotFound)
	}
	return cloneSegmentation(def), nil
}

// UpdateSegmentation implements Store.
func (s *MemoryStore) UpdateSegmentation(ctx context.Context, def Segmentation) (Segmentation, error) {
	if err := ctx.Err(); err != nil {
		return Segmentation{}, err
	}
	if err := def.Validate(); err != nil {
		return Segmentation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.defs[def.Name]
	if !ok {
		return Segmentation{}, fmt.Errorf("segment: segmentation %q: %w", def.Name, crm.ErrNotFound)
	}
	if cur.Version != def.Version {
		return Segmentation{}, &crm.ConflictError{Kind: "segmentation", ID: def.Name, Have: def.Version, Current: cur.Version}
	}
	def.Version++
	s.defs[def.Name] = cloneSegmentation(def)
	return cloneSegmentation(def), nil
}

// DeleteSegmentation implements Store.
func (s *MemoryStore) DeleteSegmentation(ctx context.Context, name string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.defs[name]
	if !ok {
		return fmt.Errorf("segment: segmentation %q: %w", name, crm.ErrNotFound)
	}
	if cur.Version != version {
		return &crm.ConflictError{Kind: "segmentation", ID: name, Have: version, Current: cur.Version}
	}
	delete(s.defs, name)
	delete(s.snapshots, name)
	return nil
}

// Segmentations implements Store.
func (s *MemoryStore) Segmentations(ctx context.Context) iter.Seq2[Segmentation, error] {
	return func(yield func(Segmentation, error) bool) {
		s.mu.RLock()
		defs := make([]Segmentation, 0, len(s.defs))
		for _, d := range s.defs {
			defs = append(defs, cloneSegmentation(d))
		}
		s.mu.RUnlock()
		slices.SortFunc(defs, func(a, b Segmentation) int { return cmp.Compare(a.Name, b.Name) })
		for _, d := range defs {
			if err := ctx.Err(); err != nil {
				yield(Segmentation{}, err)
				return
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// SaveSnapshot implements Store.
func (s *MemoryStore) SaveSnapshot(ctx context.Context, m *Membership) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m == nil || m.AsOf.IsZero() {
		return fmt.Errorf("segment: snapshot: needs a membership with AsOf: %w", crm.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.defs[m.Segmentation]; !ok {
		return fmt.Errorf("segment: snapshot of segmentation %q: %w", m.Segmentation, crm.ErrNotFound)
	}
	byTime := s.snapshots[m.Segmentation]
	if byTime == nil {
		byTime = map[int64]*Membership{}
		s.snapshots[m.Segmentation] = byTime
	}
	key := m.AsOf.UnixNano()
	if _, ok := byTime[key]; ok {
		return fmt.Errorf("segment: snapshot of %q at %s: %w", m.Segmentation, m.AsOf.Format(time.RFC3339), crm.ErrExists)
	}
	byTime[key] = cloneMembership(m)
	return nil
}

// Snapshot implements Store.
func (s *MemoryStore) Snapshot(ctx context.Context, segmentation string, asOf time.Time) (*Membership, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.snapshots[segmentation][asOf.UnixNano()]
	if !ok {
		return nil, fmt.Errorf("segment: snapshot of %q at %s: %w", segmentation, asOf.Format(time.RFC3339), crm.ErrNotFound)
	}
	return cloneMembership(m), nil
}

// Snapshots implements Store.
func (s *MemoryStore) Snapshots(ctx context.Context, segmentation string) ([]time.Time, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []time.Time
	for _, m := range s.snapshots[segmentation] {
		out = append(out, m.AsOf)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out, nil
}
