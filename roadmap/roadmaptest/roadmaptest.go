// Package roadmaptest is the conformance suite for roadmap.Store
// implementations: a host runs TestStore against its own store.
package roadmaptest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/roadmap"
)

// TestStore checks a Store: create, get, versioned update that changes
// nothing when refused, deep copies, listing by ID, and concurrent updates
// of which exactly one wins per version. newStore must return an empty
// store.
func TestStore(t *testing.T, newStore func(t *testing.T) roadmap.Store) {
	if newStore == nil {
		t.Fatal("roadmaptest: TestStore: newStore is nil; pass a function that returns an empty store")
	}
	ctx := context.Background()
	plan := func(id string) roadmap.Roadmap {
		return roadmap.Roadmap{ID: id, Status: roadmap.Draft, Content: roadmap.Content{Account: "ACME", Owner: "Ada",
			Team: []roadmap.Member{{Name: "Ada", Department: "sales", Role: "account lead"}}}}
	}
	t.Run("CreateGetUpdate", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(ctx, "r1")
		require.ErrorIs(t, err, crm.ErrNotFound)
		r, err := s.Create(ctx, plan("r1"))
		require.NoError(t, err)
		require.EqualValues(t, 1, r.Version)
		_, err = s.Create(ctx, plan("r1"))
		require.ErrorIs(t, err, crm.ErrExists)
		r.Content.Team[0].Role = "changed in my copy only"
		got, err := s.Get(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, "account lead", got.Content.Team[0].Role, "the store keeps its own copy")
		got.Content.Vision = "grow together"
		up, err := s.Update(ctx, got)
		require.NoError(t, err)
		require.EqualValues(t, 2, up.Version)
		got.Content.Vision = "stale"
		_, err = s.Update(ctx, got)
		require.ErrorIs(t, err, crm.ErrConflict)
		now, err := s.Get(ctx, "r1")
		require.NoError(t, err)
		require.Equal(t, "grow together", now.Content.Vision)
		_, err = s.Update(ctx, plan("missing"))
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("ListByID", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"c", "a", "b"} {
			_, err := s.Create(ctx, plan(id))
			require.NoError(t, err)
		}
		var ids []string
		for r, err := range s.List(ctx) {
			require.NoError(t, err)
			ids = append(ids, r.ID)
		}
		require.Equal(t, []string{"a", "b", "c"}, ids)
	})
	t.Run("ConcurrentUpdatesOneWinner", func(t *testing.T) {
		s := newStore(t)
		r, err := s.Create(ctx, plan("race"))
		require.NoError(t, err)
		var wg sync.WaitGroup
		wins := make(chan struct{}, 16)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.Update(ctx, r); err == nil {
					wins <- struct{}{}
				} else if !errors.Is(err, crm.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		require.Len(t, wins, 1)
	})
}
