// Package segmenttest is the conformance suite for segment.Store: a host
// that keeps segmentations and their snapshots on its own database proves
// its implementation with one call from a test.
//
//	func TestMySegmentStore(t *testing.T) {
//		segmenttest.TestStore(t, crmtest.Harness[segment.Store]{
//			New:    func(t *testing.T) segment.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s segment.Store) segment.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package segmenttest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/segment"
)

var (
	jan = time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	feb = time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC)
)

func def(name string) segment.Segmentation {
	return segment.Segmentation{Name: name, Mode: segment.Exclusive, Segments: []segment.Segment{
		{Name: "big", Priority: 1, Rule: "total_spend >= 1000"},
		{Name: "small", Priority: 2, Rule: "total_spend < 1000"},
	}}
}

func snapshot(at time.Time, members map[string][]string) *segment.Membership {
	counts := map[string]int{"big": 0, "small": 0}
	for _, segs := range members {
		for _, s := range segs {
			counts[s]++
		}
	}
	return &segment.Membership{Segmentation: "value", AsOf: at, Members: members, Counts: counts, Total: len(members) + 1, Unassigned: 1}
}

func times(t *testing.T, s segment.Store, name string) []string {
	t.Helper()
	var out []string
	for at, err := range s.SnapshotTimes(context.Background(), name) {
		require.NoError(t, err)
		out = append(out, at.UTC().Format("2006-01-02"))
	}
	return out
}

// TestStore checks a segment.Store: definitions are created, read,
// updated and deleted under their versions, refused when they do not
// validate, returned as copies and streamed by name; snapshots are written
// once, read back whole and listed oldest first; concurrent writers never
// both win; a cancelled context stops every method; and (with h.Reopen)
// everything survives a reopen.
func TestStore(t *testing.T, h crmtest.Harness[segment.Store]) {
	h.Check(t, "segmenttest.TestStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		in := def("value")
		in.Version = 42 // ignored
		created, err := s.CreateSegmentation(ctx, in)
		require.NoError(t, err)
		require.EqualValues(t, 1, created.Version)
		got, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, created, got)
		got.Description = "by spend"
		updated, err := s.UpdateSegmentation(ctx, got)
		require.NoError(t, err)
		require.EqualValues(t, 2, updated.Version)
		require.Equal(t, "by spend", updated.Description)
		require.NoError(t, s.DeleteSegmentation(ctx, "value", 2))
		_, err = s.Segmentation(ctx, "value")
		require.ErrorIs(t, err, crm.ErrNotFound, "deleted")
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Segmentation(ctx, "value")
		require.ErrorIs(t, err, crm.ErrNotFound)
		missing := def("value")
		missing.Version = 1
		_, err = s.UpdateSegmentation(ctx, missing)
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteSegmentation(ctx, "value", 1), crm.ErrNotFound)
		_, err = s.Snapshot(ctx, "value", feb)
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.AppendSnapshot(ctx, snapshot(feb, nil)), crm.ErrNotFound, "a snapshot of an unknown segmentation")
		require.Empty(t, times(t, s, "value"))
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		_, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		other := def("value")
		other.Description = "another"
		_, err = s.CreateSegmentation(ctx, other)
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Empty(t, got.Description, "a refused create changes nothing")
		require.NoError(t, s.AppendSnapshot(ctx, snapshot(feb, map[string][]string{"c1": {"big"}})))
		require.ErrorIs(t, s.AppendSnapshot(ctx, snapshot(feb, map[string][]string{"c1": {"small"}})), crm.ErrExists, "one snapshot per segmentation and time")
		m, err := s.Snapshot(ctx, "value", feb)
		require.NoError(t, err)
		require.Equal(t, []string{"big"}, m.Members["c1"], "a refused snapshot changes nothing")
	})
	t.Run("Invalid", func(t *testing.T) {
		s := h.New(t)
		bad := def("bad")
		bad.Segments[1].Rule = "total_spend <"
		_, err := s.CreateSegmentation(ctx, bad)
		require.ErrorIs(t, err, crm.ErrInvalid)
		_, err = s.Segmentation(ctx, "bad")
		require.ErrorIs(t, err, crm.ErrNotFound, "an invalid definition was stored")
		good, err := s.CreateSegmentation(ctx, def("good"))
		require.NoError(t, err)
		good.Mode = "sometimes"
		_, err = s.UpdateSegmentation(ctx, good)
		require.ErrorIs(t, err, crm.ErrInvalid)
		again, err := s.Segmentation(ctx, "good")
		require.NoError(t, err)
		require.Equal(t, segment.Exclusive, again.Mode, "a refused update changes nothing")
		require.ErrorIs(t, s.AppendSnapshot(ctx, &segment.Membership{Segmentation: "good"}), crm.ErrInvalid, "a snapshot without AsOf")
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := h.New(t)
		created, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		created.Description = "first"
		_, err = s.UpdateSegmentation(ctx, created)
		require.NoError(t, err)
		created.Description = "stale"
		_, err = s.UpdateSegmentation(ctx, created)
		require.ErrorIs(t, err, crm.ErrConflict)
		var ce *crm.ConflictError
		require.True(t, errors.As(err, &ce))
		require.EqualValues(t, 1, ce.Have)
		require.EqualValues(t, 2, ce.Current)
		require.ErrorIs(t, s.DeleteSegmentation(ctx, "value", 1), crm.ErrConflict)
		now, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, "first", now.Description, "a refused write changes nothing")
	})
	t.Run("Copies", func(t *testing.T) {
		s := h.New(t)
		in := def("value")
		created, err := s.CreateSegmentation(ctx, in)
		require.NoError(t, err)
		in.Segments[0].Name = "changed by the caller"
		created.Segments[0].Name = "changed in the returned copy"
		got, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, "big", got.Segments[0].Name, "the store shares its Segments slice with a caller")
		m := snapshot(feb, map[string][]string{"c1": {"big"}})
		require.NoError(t, s.AppendSnapshot(ctx, m))
		m.Members["c1"][0] = "changed after saving"
		m.Counts["big"] = 99
		back, err := s.Snapshot(ctx, "value", feb)
		require.NoError(t, err)
		require.Equal(t, []string{"big"}, back.Members["c1"], "the store shares a snapshot's members with the caller")
		require.Equal(t, 1, back.Counts["big"], "the store shares a snapshot's counts with the caller")
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		for _, n := range []string{"c", "a", "b"} {
			_, err := s.CreateSegmentation(ctx, def(n))
			require.NoError(t, err)
		}
		names := func() []string {
			var out []string
			for d, err := range s.Segmentations(ctx) {
				require.NoError(t, err)
				out = append(out, d.Name)
			}
			return out
		}
		require.Equal(t, []string{"a", "b", "c"}, names(), "by name")
		require.Equal(t, names(), names(), "a stream can be ranged again")
		_, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		for _, at := range []time.Time{feb, jan} {
			require.NoError(t, s.AppendSnapshot(ctx, snapshot(at, map[string][]string{"c1": {"big"}})))
		}
		require.Equal(t, []string{"2025-01-31", "2025-02-28"}, times(t, s, "value"), "snapshot times oldest first")
	})
	t.Run("Snapshots", func(t *testing.T) {
		s := h.New(t)
		_, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		members := map[string][]string{"c1": {"big"}, "c2": {"small"}, "c3": {"big", "small"}}
		require.NoError(t, s.AppendSnapshot(ctx, snapshot(feb, members)))
		got, err := s.Snapshot(ctx, "value", feb)
		require.NoError(t, err)
		require.True(t, got.AsOf.Equal(feb))
		require.Equal(t, "value", got.Segmentation)
		require.Equal(t, members, got.Members, "members and the order of each one's segments")
		require.Equal(t, map[string]int{"big": 2, "small": 2}, got.Counts)
		require.Equal(t, 4, got.Total)
		require.Equal(t, 1, got.Unassigned)
		_, err = s.Snapshot(ctx, "value", feb.Add(time.Hour))
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.NoError(t, s.DeleteSegmentation(ctx, "value", 1))
		require.Empty(t, times(t, s, "value"), "deleting a segmentation deletes its snapshots")
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
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
				d.Description = fmt.Sprint("writer ", w)
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
		s := h.New(t)
		created, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		require.NoError(t, s.AppendSnapshot(ctx, snapshot(jan, nil)))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.CreateSegmentation(cctx, def("x"))
		require.ErrorIs(t, err, context.Canceled, "CreateSegmentation")
		_, err = s.Segmentation(cctx, "value")
		require.ErrorIs(t, err, context.Canceled, "Segmentation")
		_, err = s.UpdateSegmentation(cctx, created)
		require.ErrorIs(t, err, context.Canceled, "UpdateSegmentation")
		require.ErrorIs(t, s.DeleteSegmentation(cctx, "value", 1), context.Canceled, "DeleteSegmentation")
		crmtest.RequireCancelled(t, "Segmentations", s.Segmentations(cctx))
		require.ErrorIs(t, s.AppendSnapshot(cctx, snapshot(feb, nil)), context.Canceled, "AppendSnapshot")
		_, err = s.Snapshot(cctx, "value", jan)
		require.ErrorIs(t, err, context.Canceled, "Snapshot")
		crmtest.RequireCancelled(t, "SnapshotTimes", s.SnapshotTimes(cctx, "value"))
		got, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, created, got, "cancelled writes change nothing")
		require.Equal(t, []string{"2025-01-31"}, times(t, s, "value"))
	})
	if h.Reopen == nil {
		return // a store in memory has nothing to reopen
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		created, err := s.CreateSegmentation(ctx, def("value"))
		require.NoError(t, err)
		members := map[string][]string{"c1": {"big"}, "c2": {"small"}}
		require.NoError(t, s.AppendSnapshot(ctx, snapshot(feb, members)))
		s = h.Reopen(t, s)
		got, err := s.Segmentation(ctx, "value")
		require.NoError(t, err)
		require.Equal(t, created, got)
		m, err := s.Snapshot(ctx, "value", feb)
		require.NoError(t, err)
		require.Equal(t, members, m.Members)
	})
}
