package sqlstore

import (
	"context"
	"iter"

	"github.com/crmkit/crm/roadmap"
)

// RoadmapStore is roadmap.Store on the database: each roadmap as JSON with
// a version column.
type RoadmapStore struct{ s *Store }

// Roadmaps returns the roadmap store.
func (s *Store) Roadmaps() *RoadmapStore { return &RoadmapStore{s} }

var _ roadmap.Store = (*RoadmapStore)(nil)

var roadmaps = &docTable[roadmap.Roadmap]{kind: "roadmap", table: "roadmaps", keyCol: "id",
	key: func(r *roadmap.Roadmap) string { return r.ID }, version: func(r *roadmap.Roadmap) *int64 { return &r.Version }}

// CreateRoadmap implements roadmap.Store.
func (m *RoadmapStore) CreateRoadmap(ctx context.Context, r roadmap.Roadmap) (roadmap.Roadmap, error) {
	return roadmaps.create(ctx, m.s.w, r)
}

// Roadmap implements roadmap.Store.
func (m *RoadmapStore) Roadmap(ctx context.Context, id string) (roadmap.Roadmap, error) {
	return roadmaps.get(ctx, m.s.r, id)
}

// UpdateRoadmap implements roadmap.Store.
func (m *RoadmapStore) UpdateRoadmap(ctx context.Context, r roadmap.Roadmap) (roadmap.Roadmap, error) {
	return roadmaps.update(ctx, m.s.w, r)
}

// DeleteRoadmap implements roadmap.Store.
func (m *RoadmapStore) DeleteRoadmap(ctx context.Context, id string, version int64) error {
	return roadmaps.delete(ctx, m.s.w, id, version)
}

// Roadmaps implements roadmap.Store.
func (m *RoadmapStore) Roadmaps(ctx context.Context) iter.Seq2[roadmap.Roadmap, error] {
	return roadmaps.list(ctx, m.s.r)
}
