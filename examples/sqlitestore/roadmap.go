package sqlitestore

import (
	"context"
	"fmt"
	"iter"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/roadmap"
)

// RoadmapStore is roadmap.Store on the database: each roadmap as JSON with
// a version column.
type RoadmapStore struct{ s *Store }

// Roadmaps returns the roadmap store.
func (s *Store) Roadmaps() *RoadmapStore { return &RoadmapStore{s} }

var _ roadmap.Store = (*RoadmapStore)(nil)

var roadmaps = &docTable[roadmap.Roadmap]{pkg: "roadmap", kind: "roadmap", table: "roadmaps", keyCol: "id",
	key: func(r *roadmap.Roadmap) string { return r.ID }, version: func(r *roadmap.Roadmap) *int64 { return &r.Version }}

// Create implements roadmap.Store.
func (m *RoadmapStore) Create(ctx context.Context, r roadmap.Roadmap) (roadmap.Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return roadmap.Roadmap{}, err
	}
	if r.ID == "" {
		return roadmap.Roadmap{}, fmt.Errorf("roadmap: create needs an ID: %w", crm.ErrInvalid)
	}
	return roadmaps.create(ctx, m.s.w, r)
}

// Get implements roadmap.Store.
func (m *RoadmapStore) Get(ctx context.Context, id string) (roadmap.Roadmap, error) {
	return roadmaps.get(ctx, m.s.r, id)
}

// Update implements roadmap.Store.
func (m *RoadmapStore) Update(ctx context.Context, r roadmap.Roadmap) (roadmap.Roadmap, error) {
	if err := ctx.Err(); err != nil {
		return roadmap.Roadmap{}, err
	}
	return roadmaps.update(ctx, m.s.w, r)
}

// List implements roadmap.Store.
func (m *RoadmapStore) List(ctx context.Context) iter.Seq2[roadmap.Roadmap, error] {
	return roadmaps.list(ctx, m.s.r)
}
