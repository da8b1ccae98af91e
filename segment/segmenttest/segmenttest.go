// Package segmenttest is the conformance suite for segment.Store
// implementations: a host runs TestStore against its own store.
package segmenttest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// TestStore checks a Store: create, read, versioned update and delete,
// listing order, snapshots, refusals that change nothing, and a
// compare-and-swap race in which exactly one writer wins per version.
// newStore must return an empty store each time.
func TestStore(t *testing.T, newStore func(t *testing.T) segment.Store) {
	if newStore == nil {
		t.Fatal("segmenttest: TestStore: newStore is nil; pass a function that returns an empty store")
	}
	ctx := context.Background()
	def := func(name string) segment.Segmentation {
		return segment.Segmentation{Name: name, Mode: segment.Exclusive, Segments: []segment.Segment{
			{Name: "big", Priority: 1, Rule: "total_spend >= 1000"},
			{Name: "small", Priority: 2, Rule: "total_spend < 1000"},
		}}
	}
	t.Run("CreateReadUpdateDelete", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Segmentation(ctx, "value")
		require.ErrorIs(t, err, crm.ErrNotFound)
		created, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		require.EqualValues(t, 1, created.Version)
		_, err = s.CreateSegmentation(ctx, def("value"))
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, created, got)

		got.Description = "by spend"
		updated, err := s.UpdateSegmentation(ctx, got)
		require.NoError(t, err)
		require.EqualValues(t, 2, updated.Version)
		stale := got // still version 1
		stale.Description = "stale"
		_, err = s.UpdateSegmentation(ctx, stale)
		require.ErrorIs(t, err, crm.ErrConflict)
		var ce *crm.ConflictError
		require.True(t, errors.As(err, &ce))
		require.EqualValues(t, 1, ce.Have)
		require.EqualValues(t, 2, ce.Current)
		now, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, "by spend", now.Description, "a refused write changes nothing")

		require.ErrorIs(t, s.DeleteSegmentation(ctx, "value", 1), crm.ErrConflict)
		require.NoError(t, s.DeleteSegmentation(ctx, "value", 2))
		_, err = s.Segmentation(ctx, "value")
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteSegmentation(ctx, "value", 2), crm.ErrNotFound)
	})
	t.Run("RefusesInvalidDefinitions", func(t *testing.T) {
		s := newStore(t)
		bad := def("bad")
		bad.Segments[1].Rule = "total_spend <"
		_, err := s.CreateSegmentation(ctx, bad)
		require.ErrorIs(t, err, crm.ErrInvalid)
		_, err = s.Segmentation(ctx, "bad")
		require.ErrorIs(t, err, crm.ErrNotFound)
		good, err := s.CreateSegmentation(ctx, def("good"))
		require.NoError(t, err)
		good.Mode = "sometimes"
		_, err = s.UpdateSegmentation(ctx, good)
		require.ErrorIs(t, err, crm.ErrInvalid)
		again, err := s.Segmentation(ctx, "good")
		require.NoError(t, err)
		require.Equal(t, segment.Exclusive, again.Mode)
	})
	t.Run("ListsByName", func(t *testing.T) {
		s := newStore(t)
		for _, n := range []string{"c", "a", "b"} {
			_, err := s.CreateSegmentation(ctx, def(n))
			require.NoError(t, err)
		}
		var names []string
		for d, err := range s.Segmentations(ctx) {
			require.NoError(t, err)
			names = append(names, d.Name)
		}
		require.Equal(t, []string{"a", "b", "c"}, names)
	})
	t.Run("Snapshots", func(t *testing.T) {
		s := newStore(t)
		jan := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
		feb := time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)
		m := &segment.Membership{Segmentation: "value", AsOf: feb, Members: map[string][]string{"c1": {"big"}}, Counts: map[string]int{"big": 1, "small": 0}, Total: 2, Unassigned: 1}
		require.ErrorIs(t, s.SaveSnapshot(ctx, m), crm.ErrNotFound, "the segmentation must exist")
		_, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		require.NoError(t, s.SaveSnapshot(ctx, m))
		require.ErrorIs(t, s.SaveSnapshot(ctx, m), crm.ErrExists)
		m2 := &segment.Membership{Segmentation: "value", AsOf: jan, Members: map[string][]string{"c1": {"small"}}, Counts: map[string]int{"big": 0, "small": 1}, Total: 1}
		require.NoError(t, s.SaveSnapshot(ctx, m2))
		m.Members["c1"][0] = "changed after saving"
		got, err := s.Snapshot(ctx, "value", feb)
		require.NoError(t, err)
		require.Equal(t, []string{"big"}, got.Members["c1"], "the store keeps its own copy")
		require.Equal(t, 1, got.Unassigned)
		require.True(t, got.AsOf.Equal(feb))
		times, err := s.Snapshots(ctx, "value")
		require.NoError(t, err)
		require.Len(t, times, 2)
		require.True(t, times[0].Equal(jan) && times[1].Equal(feb))
		_, err = s.Snapshot(ctx, "value", feb.Add(time.Hour))
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("ConcurrentUpdatesNeverLoseAWrite", func(t *testing.T) {
		s := newStore(t)
		created, err := s.CreateSegmentation(ctx, def("race"))
		require.NoError(t, err)
		const writers = 8
		var wg sync.WaitGroup
		wins := make(chan int, writers)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				d := created
				d.Description = "writer"
				if _, err := s.UpdateSegmentation(ctx, d); err == nil {
					wins <- w
				} else if !errors.Is(err, crm.ErrConflict) {
					t.Errorf("writer %d: %v", w, err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		require.Len(t, wins, 1, "exactly one writer wins version 1")
		got, err := s.Segmentation(ctx, "race")
		require.NoError(t, err)
		require.EqualValues(t, 2, got.Version)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.CreateSegmentation(cctx, def("x"))
		require.ErrorIs(t, err, context.Canceled)
	})
}
