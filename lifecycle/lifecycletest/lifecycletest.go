// Package lifecycletest is the conformance suite for lifecycle.Store
// implementations: a host runs TestStore against its own store.
package lifecycletest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

// TestStore checks a Store: states and history move together, versions
// guard every move, history and transition streams come in order, and
// concurrent movers never both win. newStore must return an empty store.
func TestStore(t *testing.T, newStore func(t *testing.T) lifecycle.Store) {
	if newStore == nil {
		t.Fatal("lifecycletest: TestStore: newStore is nil; pass a function that returns an empty store")
	}
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	t.Run("MoveAndHistory", func(t *testing.T) {
		s := newStore(t)
		_, err := s.State(ctx, "c1")
		require.ErrorIs(t, err, crm.ErrNotFound)
		st, err := s.Move(ctx, 0, lifecycle.Transition{CustomerID: "c1", To: "prospect", At: day(1), Reason: "signed up"})
		require.NoError(t, err)
		require.Equal(t, lifecycle.State{CustomerID: "c1", Stage: "prospect", Since: day(1), Version: 1}, st)
		_, err = s.Move(ctx, 0, lifecycle.Transition{CustomerID: "c1", From: "prospect", To: "first_time_buyer", At: day(2)})
		require.ErrorIs(t, err, crm.ErrConflict, "a stale version")
		var ce *crm.ConflictError
		require.True(t, errors.As(err, &ce))
		got, err := s.State(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, st, got, "a refused move changes nothing")
		st, err = s.Move(ctx, 1, lifecycle.Transition{CustomerID: "c1", From: "prospect", To: "first_time_buyer", At: day(2), Reason: "bought"})
		require.NoError(t, err)
		require.EqualValues(t, 2, st.Version)
		var hist []lifecycle.Transition
		for tr, err := range s.History(ctx, "c1") {
			require.NoError(t, err)
			hist = append(hist, tr)
		}
		require.Len(t, hist, 2)
		require.Equal(t, "first_time_buyer", hist[1].To)
		require.Equal(t, "bought", hist[1].Reason)
		require.True(t, hist[0].At.Equal(day(1)))
		_, err = s.Move(ctx, 2, lifecycle.Transition{CustomerID: "c1", To: ""})
		require.ErrorIs(t, err, crm.ErrInvalid)
	})
	t.Run("TransitionsInOrder", func(t *testing.T) {
		s := newStore(t)
		for i, c := range []string{"b", "a", "c"} {
			_, err := s.Move(ctx, 0, lifecycle.Transition{CustomerID: c, To: "prospect", At: day(3 - i)})
			require.NoError(t, err)
		}
		_, err := s.Move(ctx, 1, lifecycle.Transition{CustomerID: "a", From: "prospect", To: "first_time_buyer", At: day(2)})
		require.NoError(t, err)
		var got []string
		for tr, err := range s.Transitions(ctx, day(2), day(4)) {
			require.NoError(t, err)
			got = append(got, fmt.Sprintf("%s %s→%s %d", tr.CustomerID, tr.From, tr.To, tr.At.Day()))
		}
		require.Equal(t, []string{"a →prospect 2", "a prospect→first_time_buyer 2", "b →prospect 3"}, got)
	})
	t.Run("ConcurrentMovesNeverBothWin", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Move(ctx, 0, lifecycle.Transition{CustomerID: "r", To: "prospect", At: day(1)})
		require.NoError(t, err)
		var wg sync.WaitGroup
		wins := make(chan struct{}, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Move(ctx, 1, lifecycle.Transition{CustomerID: "r", From: "prospect", To: "first_time_buyer", At: day(2 + w)})
				if err == nil {
					wins <- struct{}{}
				} else if !errors.Is(err, crm.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		require.Len(t, wins, 1)
		n := 0
		for _, err := range s.History(ctx, "r") {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 2, n, "exactly one move recorded")
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.State(cctx, "x")
		require.ErrorIs(t, err, context.Canceled)
	})
}
