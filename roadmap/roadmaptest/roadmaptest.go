// Package roadmaptest is the conformance suite for roadmap.Store: a host
// that keeps roadmaps on its own database proves its implementation with
// one call from a test.
//
//	func TestMyRoadmapStore(t *testing.T) {
//		roadmaptest.TestStore(t, crmtest.Harness[roadmap.Store]{
//			New:    func(t *testing.T) roadmap.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s roadmap.Store) roadmap.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package roadmaptest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/roadmap"
)

func plan(id string) roadmap.Roadmap {
	return roadmap.Roadmap{ID: id, Status: roadmap.Draft, Content: roadmap.Content{Account: "ACME", Owner: "Ada",
		Team: []roadmap.Member{{Name: "Ada", Department: "sales", Role: "account lead"}}}}
}

func ids(t *testing.T, s roadmap.Store) []string {
	t.Helper()
	var out []string
	for r, err := range s.Roadmaps(context.Background()) {
		require.NoError(t, err)
		out = append(out, r.ID)
	}
	return out
}

// TestStore checks a roadmap.Store: round trips, not found, existing IDs,
// stale versions that change nothing, records that share no memory with
// the caller, streams by ID, concurrent updates of which exactly one wins
// per version, a cancelled context that stops every method, and (with
// h.Reopen) roadmaps that survive a reopen.
func TestStore(t *testing.T, h crmtest.Harness[roadmap.Store]) {
	h.Check(t, "roadmaptest.TestStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		in := plan("r1")
		in.Version = 42 // ignored
		r, err := s.CreateRoadmap(ctx, in)
		require.NoError(t, err)
		require.EqualValues(t, 1, r.Version)
		got, err := s.Roadmap(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, r, got)
		got.Content.Vision = "grow together"
		up, err := s.UpdateRoadmap(ctx, got)
		require.NoError(t, err)
		require.EqualValues(t, 2, up.Version)
		require.NoError(t, s.DeleteRoadmap(ctx, "r1", 2))
		_, err = s.Roadmap(ctx, "r1")
		require.ErrorIs(t, err, crm.ErrNotFound, "deleted")
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Roadmap(ctx, "r1")
		require.ErrorIs(t, err, crm.ErrNotFound)
		missing := plan("missing")
		missing.Version = 1
		_, err = s.UpdateRoadmap(ctx, missing)
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteRoadmap(ctx, "missing", 1), crm.ErrNotFound)
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		_, err := s.CreateRoadmap(ctx, plan("r1"))
		require.NoError(t, err)
		other := plan("r1")
		other.Content.Account = "Other"
		_, err = s.CreateRoadmap(ctx, other)
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := s.Roadmap(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, "ACME", got.Content.Account, "a refused create changes nothing")
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := h.New(t)
		r, err := s.CreateRoadmap(ctx, plan("r1"))
		require.NoError(t, err)
		r.Content.Vision = "first"
		_, err = s.UpdateRoadmap(ctx, r)
		require.NoError(t, err)
		r.Content.Vision = "stale"
		_, err = s.UpdateRoadmap(ctx, r)
		require.ErrorIs(t, err, crm.ErrConflict)
		var ce *crm.ConflictError
		require.ErrorAs(t, err, &ce)
		require.EqualValues(t, 2, ce.Current)
		require.ErrorIs(t, s.DeleteRoadmap(ctx, "r1", 1), crm.ErrConflict)
		got, err := s.Roadmap(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, "first", got.Content.Vision, "a refused write changes nothing")
	})
	t.Run("Copies", func(t *testing.T) {
		s := h.New(t)
		in := plan("r1")
		r, err := s.CreateRoadmap(ctx, in)
		require.NoError(t, err)
		in.Content.Team[0].Role = "changed by the caller"
		r.Content.Team[0].Role = "changed in the returned copy"
		got, err := s.Roadmap(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, "account lead", got.Content.Team[0].Role, "the store shares its Team slice with a caller; copy on the way in and out")
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		for _, id := range []string{"c", "a", "b"} {
			_, err := s.CreateRoadmap(ctx, plan(id))
			require.NoError(t, err)
		}
		require.Equal(t, []string{"a", "b", "c"}, ids(t, s), "by ID")
		require.Equal(t, ids(t, s), ids(t, s), "a stream can be ranged again")
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		r, err := s.CreateRoadmap(ctx, plan("race"))
		require.NoError(t, err)
		var wg sync.WaitGroup
		wins := make(chan struct{}, 16)
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := r
				mine.Content.Vision = fmt.Sprint("writer ", w)
				if _, err := s.UpdateRoadmap(ctx, mine); err == nil {
					wins <- struct{}{}
				} else if !errors.Is(err, crm.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		require.Len(t, wins, 1, "writers from the same version: exactly one wins")
		got, err := s.Roadmap(ctx, "race")
		require.NoError(t, err)
		require.EqualValues(t, 2, got.Version)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		r, err := s.CreateRoadmap(ctx, plan("r1"))
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.CreateRoadmap(cctx, plan("r2"))
		require.ErrorIs(t, err, context.Canceled, "CreateRoadmap")
		_, err = s.Roadmap(cctx, "r1")
		require.ErrorIs(t, err, context.Canceled, "Roadmap")
		_, err = s.UpdateRoadmap(cctx, r)
		require.ErrorIs(t, err, context.Canceled, "UpdateRoadmap")
		require.ErrorIs(t, s.DeleteRoadmap(cctx, "r1", 1), context.Canceled, "DeleteRoadmap")
		crmtest.RequireCancelled(t, "Roadmaps", s.Roadmaps(cctx))
		require.Equal(t, []string{"r1"}, ids(t, s), "cancelled writes change nothing")
	})
	if h.Reopen == nil {
		return // a store in memory has nothing to reopen
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		r, err := s.CreateRoadmap(ctx, plan("r1"))
		require.NoError(t, err)
		r.Content.Vision = "grow together"
		want, err := s.UpdateRoadmap(ctx, r)
		require.NoError(t, err)
		s = h.Reopen(t, s)
		got, err := s.Roadmap(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, want, got)
	})
}
