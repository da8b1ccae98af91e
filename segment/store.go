package segment

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// SegmentationStore keeps segmentation definitions, versioned records.
// There is no service in front of it, so it calls the definition's own
// Validate before a write — the package's one check, not a copy of its
// rules. Implementations must be safe for concurrent use.
type SegmentationStore interface {
	// CreateSegmentation stores a new definition with Version 1 and
	// returns it; an existing name is crm.ErrExists, a definition that
	// does not validate crm.ErrInvalid.
	CreateSegmentation(ctx context.Context, s Segmentation) (Segmentation, error)
	// Segmentation returns the definition with the name, or an error
	// matching crm.ErrNotFound.
	Segmentation(ctx context.Context, name string) (Segmentation, error)
	// UpdateSegmentation replaces a definition whose stored version equals
	// s.Version and returns it with Version + 1; a stale version is a
	// *crm.ConflictError, an invalid definition crm.ErrInvalid, and either
	// changes nothing.
	UpdateSegmentation(ctx context.Context, s Segmentation) (Segmentation, error)
	// DeleteSegmentation removes the definition if the stored version
	// equals version (with UpdateSegmentation's errors), and, in a store
	// that also keeps snapshots, its snapshots.
	DeleteSegmentation(ctx context.Context, name string, version int64) error
	// Segmentations streams every definition in ascending name order.
	Segmentations(ctx context.Context) iter.Seq2[Segmentation, error]
}

// SnapshotStore keeps membership snapshots: one per segmentation and
// observation time, written once. Implementations must be safe for
// concurrent use.
type SnapshotStore interface {
	// AppendSnapshot stores m after its Validate (a segmentation and an
	// AsOf are required).
	// A snapshot of the same segmentation at the same AsOf is
	// crm.ErrExists (snapshots are too large to compare, so even an equal
	// one is); in a store that also keeps definitions, a snapshot of an
	// unknown segmentation is crm.ErrNotFound.
	AppendSnapshot(ctx context.Context, m *Membership) error
	// Snapshot returns the membership of a segmentation at asOf, or an
	// error matching crm.ErrNotFound.
	Snapshot(ctx context.Context, segmentation string, asOf time.Time) (*Membership, error)
	// SnapshotTimes streams the AsOf times of a segmentation's snapshots,
	// oldest first; none for an unknown segmentation.
	SnapshotTimes(ctx context.Context, segmentation string) iter.Seq2[time.Time, error]
}

// Store keeps both definitions and their snapshots: a host implements it
// on its own database and proves it with segmenttest.TestStore.
type Store interface {
	// SegmentationStore keeps the definitions.
	SegmentationStore
	// SnapshotStore keeps their snapshots.
	SnapshotStore
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of its contracts. It keeps snapshots packed
// (about 20 bytes a member); segmenttest proves it like any other store.
type MemoryStore struct {
	mu        sync.RWMutex
	defs      map[string]Segmentation
	snapshots map[string]map[int64]*packedMembership // segmentation → AsOf (Unix nanoseconds) → copy
}

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{defs: map[string]Segmentation{}, snapshots: map[string]map[int64]*packedMembership{}}
}

var _ Store = (*MemoryStore)(nil)

func cloneSegmentation(s Segmentation) Segmentation {
	s.Segments = slices.Clone(s.Segments)
	return s
}

// packedMembership is a membership as the memory store keeps it: the
// members as parallel columns — customer ID, and an index into the
// distinct combinations of segments — about 20 bytes a member instead of
// a map entry each, so a history of snapshots over millions of customers
// stays affordable.
type packedMembership struct {
	head   Membership // Members nil, Counts its own
	ids    []string
	combo  []uint32
	combos [][]string
}

func packMembership(m *Membership) *packedMembership {
	p := &packedMembership{head: *m, ids: make([]string, 0, len(m.Members)), combo: make([]uint32, 0, len(m.Members))}
	p.head.Members, p.head.Counts = nil, maps.Clone(m.Counts)
	// Assignment shares one slice per combination: look slices up by
	// identity first, by content when a membership was built otherwise.
	type shared struct {
		first *string
		n     int
	}
	bySlice := map[shared]uint32{}
	byContent := map[string]uint32{}
	for id, segs := range m.Members {
		var key shared
		if len(segs) > 0 {
			key = shared{&segs[0], len(segs)}
		}
		k, ok := bySlice[key]
		if !ok {
			text := "" // nil
			if segs != nil {
				text = "\x01" + strings.Join(segs, "\x00")
			}
			if k, ok = byContent[text]; !ok {
				k = uint32(len(p.combos))
				p.combos = append(p.combos, slices.Clone(segs))
				byContent[text] = k
			}
			if len(segs) > 0 {
				bySlice[key] = k
			}
		}
		p.ids = append(p.ids, id)
		p.combo = append(p.combo, k)
	}
	return p
}

// membership rebuilds the caller's copy; its members share one slice per
// combination, as assignment's do.
func (p *packedMembership) membership() *Membership {
	m := p.head
	m.Counts = maps.Clone(p.head.Counts)
	m.Members = make(map[string][]string, len(p.ids))
	combos := make([][]string, len(p.combos))
	for k, c := range p.combos {
		combos[k] = slices.Clone(c)
	}
	for i, id := range p.ids {
		m.Members[id] = combos[p.combo[i]]
	}
	return &m
}

// CreateSegmentation implements SegmentationStore.
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

// Segmentation implements SegmentationStore.
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

// UpdateSegmentation implements SegmentationStore.
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
		return Segmentation{}, &crm.ConflictError{Package: "segment", Kind: "segmentation", ID: def.Name, Have: def.Version, Current: cur.Version}
	}
	def.Version++
	s.defs[def.Name] = cloneSegmentation(def)
	return cloneSegmentation(def), nil
}

// DeleteSegmentation implements SegmentationStore.
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
		return &crm.ConflictError{Package: "segment", Kind: "segmentation", ID: name, Have: version, Current: cur.Version}
	}
	delete(s.defs, name)
	delete(s.snapshots, name)
	return nil
}

// Segmentations implements SegmentationStore.
func (s *MemoryStore) Segmentations(ctx context.Context) iter.Seq2[Segmentation, error] {
	return func(yield func(Segmentation, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Segmentation{}, err)
			return
		}
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

// AppendSnapshot implements SnapshotStore.
func (s *MemoryStore) AppendSnapshot(ctx context.Context, m *Membership) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.defs[m.Segmentation]; !ok {
		return fmt.Errorf("segment: snapshot of segmentation %q: %w", m.Segmentation, crm.ErrNotFound)
	}
	byTime := s.snapshots[m.Segmentation]
	if byTime == nil {
		byTime = map[int64]*packedMembership{}
		s.snapshots[m.Segmentation] = byTime
	}
	key := m.AsOf.UnixNano()
	if _, ok := byTime[key]; ok {
		return fmt.Errorf("segment: snapshot of %q at %s: %w", m.Segmentation, m.AsOf.Format(time.RFC3339), crm.ErrExists)
	}
	byTime[key] = packMembership(m)
	return nil
}

// Snapshot implements SnapshotStore.
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
	return m.membership(), nil
}

// SnapshotTimes implements SnapshotStore.
func (s *MemoryStore) SnapshotTimes(ctx context.Context, segmentation string) iter.Seq2[time.Time, error] {
	return func(yield func(time.Time, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(time.Time{}, err)
			return
		}
		s.mu.RLock()
		var out []time.Time
		for _, m := range s.snapshots[segmentation] {
			out = append(out, m.head.AsOf)
		}
		s.mu.RUnlock()
		slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
		for _, t := range out {
			if !yield(t, nil) {
				return
			}
		}
	}
}
