// Package feedbacktest is the conformance suite for feedback.Store
// implementations: a host runs TestStore against its own store.
package feedbacktest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// TestStore checks a Store: creation with unique IDs and idempotency keys,
// versioned appends that change nothing when refused, events that replay
// to the item, open-item listing, surveys, and 64 goroutines working the
// same items concurrently without losing an update or an event.
// newStore must return an empty store.
func TestStore(t *testing.T, newStore func(t *testing.T) feedback.Store) {
	if newStore == nil {
		t.Fatal("feedbacktest: TestStore: newStore is nil; pass a function that returns an empty store")
	}
	ctx := context.Background()
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	intake := func(id, key string) feedback.Event {
		it := feedback.Item{ID: id, Key: key, CustomerID: "c-" + id, Kind: feedback.Complaint, Channel: crm.ChannelEmail, Category: "delivery", Severity: feedback.High, Text: "late", Received: t0}
		return feedback.Event{Type: feedback.IntakeEvent, At: t0, Actor: "web", To: "ann", Intake: &it}
	}
	step := func(action feedback.Action, from, to feedback.State, c feedback.Content) feedback.Event {
		return feedback.Event{Type: feedback.StepEvent, At: t0.Add(time.Hour), Actor: "ann", Action: action, From: string(from), To: string(to), Content: c}
	}
	t.Run("CreateAppendReplay", func(t *testing.T) {
		s := newStore(t)
		it, err := s.Create(ctx, intake("F1", "k1"))
		require.NoError(t, err)
		require.EqualValues(t, 1, it.Version)
		require.Equal(t, feedback.Received, it.State)
		require.Equal(t, "ann", it.Owner)
		_, err = s.Create(ctx, intake("F1", "k2"))
		require.ErrorIs(t, err, crm.ErrExists)
		_, err = s.Create(ctx, intake("F2", "k1"))
		require.ErrorIs(t, err, crm.ErrExists, "the idempotency key is taken")
		byKey, err := s.ItemByKey(ctx, "k1")
		require.NoError(t, err)
		require.Equal(t, "F1", byKey.ID)

		it, err = s.Append(ctx, "F1", 1, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}))
		require.NoError(t, err)
		require.EqualValues(t, 2, it.Version)
		_, err = s.Append(ctx, "F1", 1, step(feedback.Investigate, feedback.Acknowledged, feedback.Investigating, feedback.Content{}))
		require.ErrorIs(t, err, crm.ErrConflict)
		got, err := s.Item(ctx, "F1")
		require.NoError(t, err)
		require.Equal(t, it, got, "a refused append changes nothing")
		var evs []feedback.Event
		for e, err := range s.Events(ctx, "F1") {
			require.NoError(t, err)
			evs = append(evs, e)
		}
		require.Len(t, evs, 2)
		require.Equal(t, 2, evs[1].Seq)
		require.Equal(t, "F1", evs[1].ItemID)
		require.Equal(t, got, feedback.Replay(evs), "replaying the events rebuilds the item")
		_, err = s.Item(ctx, "nope")
		require.ErrorIs(t, err, crm.ErrNotFound)
		_, err = s.Append(ctx, "F1", 2, intake("F1", ""))
		require.ErrorIs(t, err, crm.ErrInvalid)
	})
	t.Run("OpenItemsAndSurveys", func(t *testing.T) {
		s := newStore(t)
		for _, id := range []string{"F3", "F1", "F2"} {
			_, err := s.Create(ctx, intake(id, ""))
			require.NoError(t, err)
		}
		_, err := s.Append(ctx, "F2", 1, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}),
			feedback.Event{Type: feedback.StepEvent, At: t0, Action: feedback.Answer, From: "acknowledged", To: "resolved", Content: feedback.Content{Answer: "a"}},
			feedback.Event{Type: feedback.StepEvent, At: t0, Action: feedback.CloseItem, From: "resolved", To: "closed"})
		require.NoError(t, err)
		var open []string
		for it, err := range s.Items(ctx, true) {
			require.NoError(t, err)
			open = append(open, it.ID)
		}
		slices.Sort(open)
		require.Equal(t, []string{"F1", "F3"}, open)
		n := 0
		for _, err := range s.Items(ctx, false) {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 3, n)
		require.NoError(t, s.AddSurvey(ctx, feedback.Survey{ItemID: "F2", CustomerID: "c-F2", Type: feedback.NPS, Score: 9, At: t0}))
		for sv, err := range s.Surveys(ctx) {
			require.NoError(t, err)
			require.Equal(t, 9, sv.Score)
		}
	})
	t.Run("SixtyFourWorkersLoseNothing", func(t *testing.T) {
		s := newStore(t)
		const items, workers, notes = 8, 64, 10
		for i := range items {
			_, err := s.Create(ctx, intake(fmt.Sprintf("F%d", i), ""))
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range notes {
					id := fmt.Sprintf("F%d", (w+n)%items)
					for {
						it, err := s.Item(ctx, id)
						if err != nil {
							t.Error(err)
							return
						}
						_, err = s.Append(ctx, id, it.Version, feedback.Event{Type: feedback.AssignEvent, At: t0, Actor: fmt.Sprint(w), From: it.Owner, To: fmt.Sprintf("agent-%d-%d", w, n)})
						if err == nil {
							break
						}
						if !errors.Is(err, crm.ErrConflict) {
							t.Error(err)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		total := 0
		for i := range items {
			id := fmt.Sprintf("F%d", i)
			it, err := s.Item(ctx, id)
			require.NoError(t, err)
			var evs []feedback.Event
			for e, err := range s.Events(ctx, id) {
				require.NoError(t, err)
				evs = append(evs, e)
			}
			require.EqualValues(t, len(evs), it.Version)
			require.Equal(t, it, feedback.Replay(evs))
			for k, e := range evs {
				require.Equal(t, k+1, e.Seq)
			}
			total += len(evs) - 1
		}
		require.Equal(t, workers*notes, total, "every update recorded exactly once")
	})
}
