// Package lifecycletest is the conformance suite for lifecycle.Store: a
// host that keeps lifecycle states on its own database proves its
// implementation with one call from a test.
//
//	func TestMyLifecycleStore(t *testing.T) {
//		lifecycletest.TestStore(t, crmtest.Harness[lifecycle.Store]{
//			New:    func(t *testing.T) lifecycle.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s lifecycle.Store) lifecycle.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package lifecycletest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/lifecycle"
)

func day(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }

// move records a customer's move to stage at day d on the state last read.
func move(t *testing.T, s lifecycle.Store, cur lifecycle.State, customer, stage string, d int) lifecycle.State {
	t.Helper()
	next := lifecycle.State{CustomerID: customer, Stage: stage, Since: day(d), Version: cur.Version}
	got, err := s.Move(context.Background(), next, lifecycle.Transition{CustomerID: customer, From: cur.Stage, To: stage, At: day(d), Reason: "to " + stage})
	require.NoError(t, err, "move %s to %s", customer, stage)
	return got
}

func history(t *testing.T, seq func(func(lifecycle.Transition, error) bool)) []string {
	t.Helper()
	var out []string
	for tr, err := range seq {
		require.NoError(t, err)
		out = append(out, fmt.Sprintf("%s %s→%s %d %s", tr.CustomerID, tr.From, tr.To, tr.At.Day(), tr.Reason))
	}
	return out
}

func stateLine(s lifecycle.State) string {
	return fmt.Sprintf("%s %s %s v%d", s.CustomerID, s.Stage, s.Since.UTC().Format(time.RFC3339Nano), s.Version)
}

func states(t *testing.T, seq iter.Seq2[lifecycle.State, error]) []string {
	t.Helper()
	var out []string
	for s, err := range seq {
		require.NoError(t, err)
		out = append(out, stateLine(s))
	}
	return out
}

// TestStore checks a lifecycle.Store: a state and its history move
// together, versions guard every move, streams come in their documented
// order, concurrent movers never both win, a cancelled context stops every
// method, a lifecycle.StateLister (when the store is one) streams every
// state in customer ID order, a lifecycle.BatchMover's batches are made
// whole or not at all, and (with h.Reopen) what was written survives a reopen.
func TestStore(t *testing.T, h crmtest.Harness[lifecycle.Store]) {
	h.Check(t, "lifecycletest.TestStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		st := move(t, s, lifecycle.State{}, "c1", "prospect", 1)
		require.Equal(t, lifecycle.State{CustomerID: "c1", Stage: "prospect", Since: day(1), Version: 1}, st)
		got, err := s.State(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "prospect", got.Stage)
		require.True(t, got.Since.Equal(day(1)))
		require.EqualValues(t, 1, got.Version)
		move(t, s, got, "c1", "first_time_buyer", 2)
		require.Equal(t, []string{"c1 →prospect 1 to prospect", "c1 prospect→first_time_buyer 2 to first_time_buyer"}, history(t, s.CustomerTransitions(ctx, "c1")))
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.State(ctx, "nobody")
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.Empty(t, history(t, s.CustomerTransitions(ctx, "nobody")))
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := h.New(t)
		st := move(t, s, lifecycle.State{}, "c1", "prospect", 1)
		for _, version := range []int64{0, 2} {
			_, err := s.Move(ctx, lifecycle.State{CustomerID: "c1", Stage: "first_time_buyer", Since: day(2), Version: version},
				lifecycle.Transition{CustomerID: "c1", From: "prospect", To: "first_time_buyer", At: day(2)})
			require.ErrorIs(t, err, crm.ErrConflict, "version %d", version)
			var ce *crm.ConflictError
			require.ErrorAs(t, err, &ce)
			require.EqualValues(t, 1, ce.Current)
		}
		got, err := s.State(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, st.Version, got.Version, "a refused move changes nothing")
		require.Len(t, history(t, s.CustomerTransitions(ctx, "c1")), 1, "a refused move appends nothing")
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		states := map[string]lifecycle.State{}
		for i, c := range []string{"b", "a", "c"} {
			states[c] = move(t, s, lifecycle.State{}, c, "prospect", 3-i)
		}
		move(t, s, states["a"], "a", "first_time_buyer", 2)
		want := []string{"a →prospect 2 to prospect", "a prospect→first_time_buyer 2 to first_time_buyer", "b →prospect 3 to prospect"}
		for range 2 { // a stream can be ranged again
			require.Equal(t, want, history(t, s.TransitionsBetween(ctx, day(2), day(4))), "by time, then customer, then order moved")
		}
		require.Empty(t, history(t, s.TransitionsBetween(ctx, day(4), day(9))), "to is exclusive")
		n := 0
		for _, err := range s.TransitionsBetween(ctx, day(1), day(9)) {
			require.NoError(t, err)
			if n++; n == 2 {
				break // stopping early is allowed
			}
		}
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		first := move(t, s, lifecycle.State{}, "r", "prospect", 1)
		var wg sync.WaitGroup
		wins := make(chan struct{}, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := lifecycle.State{CustomerID: "r", Stage: "first_time_buyer", Since: day(2 + w), Version: first.Version}
				_, err := s.Move(ctx, next, lifecycle.Transition{CustomerID: "r", From: "prospect", To: "first_time_buyer", At: day(2 + w)})
				if err == nil {
					wins <- struct{}{}
				} else if !errors.Is(err, crm.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		require.Len(t, wins, 1, "movers from the same version: exactly one wins")
		require.Len(t, history(t, s.CustomerTransitions(ctx, "r")), 2, "exactly one move recorded")
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		move(t, s, lifecycle.State{}, "c1", "prospect", 1)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.State(cctx, "c1")
		require.ErrorIs(t, err, context.Canceled, "State")
		_, err = s.Move(cctx, lifecycle.State{CustomerID: "c2", Stage: "prospect", Since: day(1)}, lifecycle.Transition{CustomerID: "c2", To: "prospect", At: day(1)})
		require.ErrorIs(t, err, context.Canceled, "Move")
		_, err = s.State(ctx, "c2")
		require.ErrorIs(t, err, crm.ErrNotFound, "a cancelled move stores nothing")
		crmtest.RequireCancelled(t, "CustomerTransitions", s.CustomerTransitions(cctx, "c1"))
		crmtest.RequireCancelled(t, "TransitionsBetween", s.TransitionsBetween(cctx, day(1), day(9)))
	})
	if _, ok := h.New(t).(lifecycle.StateLister); ok {
		t.Run("States", func(t *testing.T) {
			s := h.New(t)
			lister := s.(lifecycle.StateLister)
			require.Empty(t, states(t, lister.States(ctx)), "an empty store has no states")
			// More than a page of a paging store, made out of order, with
			// IDs that sort differently bytewise and by locale.
			var want []string
			ids := []string{"b", "a", "B", "ä", "a b", "a-b", "Z", "é", "e"}
			for i := range 700 {
				ids = append(ids, fmt.Sprintf("c%04d", (i*389)%700))
			}
			for i, id := range ids {
				st := move(t, s, lifecycle.State{}, id, "prospect", 1+i%5)
				if i%3 == 0 {
					move(t, s, st, id, "first_time_buyer", 7)
				}
			}
			for _, id := range slices.Sorted(slices.Values(ids)) {
				st, err := s.State(ctx, id)
				require.NoError(t, err)
				want = append(want, stateLine(st))
			}
			require.Equal(t, want, states(t, lister.States(ctx)), "every state, by customer ID bytewise")
			n := 0
			for _, err := range lister.States(ctx) {
				require.NoError(t, err)
				if n++; n == 2 {
					break // stopping early is allowed
				}
			}
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			crmtest.RequireCancelled(t, "States", lister.States(cctx))
		})
	}
	if _, ok := h.New(t).(lifecycle.BatchMover); ok {
		t.Run("MoveAll", func(t *testing.T) {
			s := h.New(t)
			batcher := s.(lifecycle.BatchMover)
			require.NoError(t, batcher.MoveAll(ctx, nil), "an empty batch")
			a := move(t, s, lifecycle.State{}, "a", "prospect", 1)
			mv := func(cur lifecycle.State, customer, stage string, d int) lifecycle.Move {
				return lifecycle.Move{State: lifecycle.State{CustomerID: customer, Stage: stage, Since: day(d), Version: cur.Version},
					Transition: lifecycle.Transition{CustomerID: customer, From: cur.Stage, To: stage, At: day(d), Reason: "to " + stage}}
			}
			// More than a statement's worth of rows in a SQL store: 600
			// customers, one of them twice (its second move based on the
			// version its first leaves), and one with a state before.
			var batch []lifecycle.Move
			batch = append(batch, mv(a, "a", "first_time_buyer", 2),
				mv(lifecycle.State{CustomerID: "a", Stage: "first_time_buyer", Version: 2}, "a", "repeat_buyer", 3))
			for i := range 600 {
				batch = append(batch, mv(lifecycle.State{}, fmt.Sprintf("n%03d", i), "prospect", 2))
			}
			require.NoError(t, batcher.MoveAll(ctx, batch))
			got, err := s.State(ctx, "a")
			require.NoError(t, err)
			require.Equal(t, "repeat_buyer", got.Stage)
			require.EqualValues(t, 3, got.Version)
			require.Equal(t, []string{"a →prospect 1 to prospect", "a prospect→first_time_buyer 2 to first_time_buyer", "a first_time_buyer→repeat_buyer 3 to repeat_buyer"},
				history(t, s.CustomerTransitions(ctx, "a")))
			n, err := s.State(ctx, "n599")
			require.NoError(t, err)
			require.EqualValues(t, 1, n.Version)
			require.Len(t, history(t, s.TransitionsBetween(ctx, day(2), day(3))), 601, "every move of the batch recorded")

			// A stale move anywhere refuses the whole batch.
			stale := []lifecycle.Move{mv(n, "n599", "first_time_buyer", 4), mv(lifecycle.State{}, "fresh", "prospect", 4),
				mv(lifecycle.State{CustomerID: "a", Stage: "repeat_buyer", Version: 2}, "a", "loyal", 4)}
			err = batcher.MoveAll(ctx, stale)
			require.ErrorIs(t, err, crm.ErrConflict)
			var ce *crm.ConflictError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, "a", ce.ID)
			require.EqualValues(t, 2, ce.Have)
			require.EqualValues(t, 3, ce.Current)
			_, err = s.State(ctx, "fresh")
			require.ErrorIs(t, err, crm.ErrNotFound, "nothing of a refused batch is made")
			n2, err := s.State(ctx, "n599")
			require.NoError(t, err)
			require.Equal(t, n, n2)
			require.Empty(t, history(t, s.TransitionsBetween(ctx, day(4), day(5))))
			// Two moves of one customer from one version: the second is stale.
			err = batcher.MoveAll(ctx, []lifecycle.Move{mv(n, "n599", "first_time_buyer", 4), mv(n, "n599", "repeat_buyer", 5)})
			require.ErrorIs(t, err, crm.ErrConflict)
			n2, err = s.State(ctx, "n599")
			require.NoError(t, err)
			require.Equal(t, n, n2)

			cctx, cancel := context.WithCancel(ctx)
			cancel()
			require.ErrorIs(t, batcher.MoveAll(cctx, []lifecycle.Move{mv(lifecycle.State{}, "late", "prospect", 6)}), context.Canceled)
			_, err = s.State(ctx, "late")
			require.ErrorIs(t, err, crm.ErrNotFound, "a cancelled batch stores nothing")
		})
	}
	if h.Reopen == nil {
		return // a store in memory has nothing to reopen
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		st := move(t, s, lifecycle.State{}, "c1", "prospect", 1)
		move(t, s, st, "c1", "repeat_buyer", 3)
		s = h.Reopen(t, s)
		got, err := s.State(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "repeat_buyer", got.Stage)
		require.EqualValues(t, 2, got.Version)
		require.Equal(t, []string{"c1 →prospect 1 to prospect", "c1 prospect→repeat_buyer 3 to repeat_buyer"}, history(t, s.CustomerTransitions(ctx, "c1")))
	})
}
