package segment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/segment"
	"github.com/crmkit/crm/segment/segmenttest"
)

func TestMemoryStore(t *testing.T) {
	segmenttest.TestStore(t, crmtest.Harness[segment.Store]{New: func(t *testing.T) segment.Store { return segment.NewMemoryStore() }})
}

// The memory store keeps snapshots packed; what comes back equals what
// went in, whether members share slices (as assignment makes them), hold
// equal slices of their own, or hold none, and neither side's changes
// reach the other.
func TestMemoryStoreSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := segment.NewMemoryStore()
	def := segment.Segmentation{Name: "mixed", Mode: segment.Overlapping, Segments: []segment.Segment{
		{Name: "a", Rule: "purchases > 1"}, {Name: "b", Rule: "purchases > 2"}}}
	_, err := store.CreateSegmentation(ctx, def)
	require.NoError(t, err)
	shared := []string{"a", "b"}
	m := &segment.Membership{Segmentation: "mixed", AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Members: map[string][]string{}, Counts: map[string]int{"a": 0, "b": 0}, Total: 1003, Unassigned: 1}
	for i := range 1000 {
		id := fmt.Sprintf("C%04d", i)
		switch i % 4 {
		case 0:
			m.Members[id] = shared
		case 1:
			m.Members[id] = []string{"a", "b"} // equal, not shared
		case 2:
			m.Members[id] = shared[:1]
		default:
			m.Members[id] = []string{"b"}
		}
	}
	m.Members["empty"], m.Members["nil"] = []string{}, nil
	for _, segs := range m.Members {
		for _, s := range segs {
			m.Counts[s]++
		}
	}
	require.NoError(t, store.AppendSnapshot(ctx, m))
	shared[0] = "changed after saving"
	m.Counts["a"] = -1

	got, err := store.Snapshot(ctx, "mixed", m.AsOf)
	require.NoError(t, err)
	shared[0] = "a"
	m.Counts["a"] = 750
	require.Equal(t, m, got)
	require.NotNil(t, got.Members["empty"])
	require.Nil(t, got.Members["nil"])

	got.Members["C0000"][0] = "changed by the reader"
	again, err := store.Snapshot(ctx, "mixed", m.AsOf)
	require.NoError(t, err)
	require.Equal(t, m, again)
}

// A snapshot at a time no store keeps is refused by Validate, so by every
// store.
func TestSnapshotRefusesFarTimes(t *testing.T) {
	m := &segment.Membership{Segmentation: "value", AsOf: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	require.ErrorContains(t, m.Validate(), "as_of: year 10000 is outside 1–9999")
	s := segment.NewMemoryStore()
	require.ErrorIs(t, s.AppendSnapshot(context.Background(), m), crm.ErrInvalid)
}
