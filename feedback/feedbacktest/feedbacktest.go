// Package feedbacktest holds the conformance suites for feedback.ItemStore
// and feedback.SurveyStore: a host that keeps the desk on its own database
// proves its implementation with one call from a test.
//
//	func TestMyFeedbackStore(t *testing.T) {
//		feedbacktest.TestStore(t, crmtest.Harness[feedback.Store]{
//			New:    func(t *testing.T) feedback.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s feedback.Store) feedback.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package feedbacktest

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
	"github.com/crmkit/crm/feedback"
)

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// newItem is an item as its intake event leaves it, with the event.
func newItem(id, key string) (feedback.Item, feedback.Event) {
	in := feedback.Item{ID: id, Key: key, CustomerID: "c-" + id, Kind: feedback.Complaint, Channel: crm.ChannelEmail,
		Category: "delivery", Severity: feedback.High, Text: "late", Received: t0}
	e := feedback.Event{ItemID: id, Seq: 1, Type: feedback.IntakeEvent, At: t0, Actor: "web", Owner: "ann", Intake: &in}
	var it feedback.Item
	it.Apply(e)
	return it, e
}

// next applies events to it as the Desk does, numbering them.
func next(it feedback.Item, events ...feedback.Event) (feedback.Item, []feedback.Event) {
	for i := range events {
		events[i].ItemID, events[i].Seq = it.ID, it.Events+1
		it.Apply(events[i])
	}
	return it, events
}

func step(action feedback.Action, from, to feedback.State, c feedback.Content) feedback.Event {
	return feedback.Event{Type: feedback.StepEvent, At: t0.Add(time.Hour), Actor: "ann", Action: action, From: from, To: to, Content: c}
}

func events(t *testing.T, s feedback.ItemStore, id string) []feedback.Event {
	t.Helper()
	var out []feedback.Event
	for e, err := range s.ItemEvents(context.Background(), id) {
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

// withoutVersion is an item as Replay gives it.
func withoutVersion(it feedback.Item) feedback.Item {
	it.Version = 0
	return it
}

// TestStore runs TestItemStore and TestSurveyStore on a store that keeps
// both.
func TestStore(t *testing.T, h crmtest.Harness[feedback.Store]) {
	h.Check(t, "feedbacktest.TestStore")
	items := crmtest.Harness[feedback.ItemStore]{New: func(t *testing.T) feedback.ItemStore { return h.New(t) }}
	surveys := crmtest.Harness[feedback.SurveyStore]{New: func(t *testing.T) feedback.SurveyStore { return h.New(t) }}
	if h.Reopen != nil {
		items.Reopen = func(t *testing.T, s feedback.ItemStore) feedback.ItemStore { return h.Reopen(t, s.(feedback.Store)) }
		surveys.Reopen = func(t *testing.T, s feedback.SurveyStore) feedback.SurveyStore {
			return h.Reopen(t, s.(feedback.Store))
		}
	}
	t.Run("Items", func(t *testing.T) { TestItemStore(t, items) })
	t.Run("Surveys", func(t *testing.T) { TestSurveyStore(t, surveys) })
}

// TestItemStore checks a feedback.ItemStore: an item and its events are
// written together, IDs and idempotency keys are unique, versions guard
// every write, the events replay to the item, streams come in order, 64
// goroutines working the same items lose no update and no event, a
// cancelled context stops every method, and (with h.Reopen) what was
// written survives a reopen.
func TestItemStore(t *testing.T, h crmtest.Harness[feedback.ItemStore]) {
	h.Check(t, "feedbacktest.TestItemStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		it, e := newItem("F1", "k1")
		created, err := s.CreateItem(ctx, it, e)
		require.NoError(t, err)
		require.EqualValues(t, 1, created.Version)
		require.Equal(t, feedback.Received, created.State)
		require.Equal(t, "ann", created.Owner)
		byKey, err := s.ItemByKey(ctx, "k1")
		require.NoError(t, err)
		require.Equal(t, created, byKey)
		upd, evs := next(created, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}))
		got, err := s.UpdateItem(ctx, upd, evs...)
		require.NoError(t, err)
		require.EqualValues(t, 2, got.Version)
		require.Equal(t, "sorry", got.Content.Apology)
		stored := events(t, s, "F1")
		require.Len(t, stored, 2)
		require.Equal(t, 2, stored[1].Seq)
		require.Equal(t, withoutVersion(got), feedback.Replay(stored), "replaying the events rebuilds the item")
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Item(ctx, "nope")
		require.ErrorIs(t, err, crm.ErrNotFound)
		_, err = s.ItemByKey(ctx, "nope")
		require.ErrorIs(t, err, crm.ErrNotFound)
		it, _ := newItem("nope", "")
		_, err = s.UpdateItem(ctx, it)
		require.ErrorIs(t, err, crm.ErrNotFound)
		for _, err := range s.ItemEvents(ctx, "nope") {
			require.ErrorIs(t, err, crm.ErrNotFound)
		}
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		it, e := newItem("F1", "k1")
		_, err := s.CreateItem(ctx, it, e)
		require.NoError(t, err)
		again, e2 := newItem("F1", "k2")
		_, err = s.CreateItem(ctx, again, e2)
		require.ErrorIs(t, err, crm.ErrExists, "the ID is taken")
		other, e3 := newItem("F2", "k1")
		_, err = s.CreateItem(ctx, other, e3)
		require.ErrorIs(t, err, crm.ErrExists, "the idempotency key is taken")
		_, err = s.Item(ctx, "F2")
		require.ErrorIs(t, err, crm.ErrNotFound, "a refused create stores nothing")
		_, err = s.ItemByKey(ctx, "k2")
		require.ErrorIs(t, err, crm.ErrNotFound, "a refused create keeps no key")
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := h.New(t)
		it, e := newItem("F1", "")
		created, err := s.CreateItem(ctx, it, e)
		require.NoError(t, err)
		upd, evs := next(created, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}))
		_, err = s.UpdateItem(ctx, upd, evs...)
		require.NoError(t, err)
		stale, evs := next(created, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "again"}))
		_, err = s.UpdateItem(ctx, stale, evs...)
		require.ErrorIs(t, err, crm.ErrConflict)
		var ce *crm.ConflictError
		require.ErrorAs(t, err, &ce)
		require.EqualValues(t, 2, ce.Current)
		got, err := s.Item(ctx, "F1")
		require.NoError(t, err)
		require.Equal(t, "sorry", got.Content.Apology, "a refused write changes nothing")
		require.Len(t, events(t, s, "F1"), 2, "a refused write appends nothing")
	})
	t.Run("Copies", func(t *testing.T) {
		s := h.New(t)
		it, e := newItem("F1", "")
		it.Breaches = []feedback.Breach{{Target: "first_response", At: t0}}
		created, err := s.CreateItem(ctx, it, e)
		require.NoError(t, err)
		it.Breaches[0].Target = "scribbled"
		created.Breaches[0].Target = "scribbled"
		got, err := s.Item(ctx, "F1")
		require.NoError(t, err)
		require.Equal(t, "first_response", got.Breaches[0].Target, "the store shares the Breaches slice with a caller; copy it on the way in and out")
		got.Breaches[0].Target = "scribbled"
		again, err := s.Item(ctx, "F1")
		require.NoError(t, err)
		require.Equal(t, "first_response", again.Breaches[0].Target, "the store shares the Breaches slice of a returned item")
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		for _, id := range []string{"F3", "F1", "F2"} {
			it, e := newItem(id, "")
			_, err := s.CreateItem(ctx, it, e)
			require.NoError(t, err)
		}
		f2, err := s.Item(ctx, "F2")
		require.NoError(t, err)
		upd, evs := next(f2, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}),
			step(feedback.Answer, feedback.Acknowledged, feedback.Resolved, feedback.Content{Answer: "a"}),
			step(feedback.CloseItem, feedback.Resolved, feedback.Closed, feedback.Content{}))
		_, err = s.UpdateItem(ctx, upd, evs...)
		require.NoError(t, err)
		for range 2 { // a stream can be ranged again
			var all []string
			for it, err := range s.Items(ctx) {
				require.NoError(t, err)
				all = append(all, fmt.Sprintf("%s %s", it.ID, it.State))
			}
			require.Equal(t, []string{"F1 received", "F2 closed", "F3 received"}, all, "by ID")
		}
		var seqs []int
		for _, e := range events(t, s, "F2") {
			seqs = append(seqs, e.Seq)
		}
		require.Equal(t, []int{1, 2, 3, 4}, seqs, "events by Seq")
		if o, ok := s.(feedback.OpenItemLister); ok {
			var open []string
			for it, err := range o.OpenItems(ctx) {
				require.NoError(t, err)
				open = append(open, it.ID)
			}
			require.Equal(t, []string{"F1", "F3"}, open, "OpenItems: the open ones, by ID")
		}
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		const items, workers, writes = 8, 64, 10
		for i := range items {
			it, e := newItem(fmt.Sprintf("F%d", i), "")
			_, err := s.CreateItem(ctx, it, e)
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range writes {
					id := fmt.Sprintf("F%d", (w+n)%items)
					for {
						it, err := s.Item(ctx, id)
						if err != nil {
							t.Error(err)
							return
						}
						upd, evs := next(it, feedback.Event{Type: feedback.AssignEvent, At: t0, Actor: fmt.Sprint(w), PreviousOwner: it.Owner, Owner: fmt.Sprintf("agent-%d-%d", w, n)})
						_, err = s.UpdateItem(ctx, upd, evs...)
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
			evs := events(t, s, id)
			require.EqualValues(t, len(evs), it.Version, "item %s: one write per event here, so version = events", id)
			require.Equal(t, withoutVersion(it), feedback.Replay(evs))
			for k, e := range evs {
				require.Equal(t, k+1, e.Seq)
			}
			total += len(evs) - 1
		}
		require.Equal(t, workers*writes, total, "every write recorded exactly once")
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		it, e := newItem("F1", "k1")
		created, err := s.CreateItem(ctx, it, e)
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		other, e2 := newItem("F2", "")
		_, err = s.CreateItem(cctx, other, e2)
		require.ErrorIs(t, err, context.Canceled, "CreateItem")
		_, err = s.Item(cctx, "F1")
		require.ErrorIs(t, err, context.Canceled, "Item")
		_, err = s.ItemByKey(cctx, "k1")
		require.ErrorIs(t, err, context.Canceled, "ItemByKey")
		upd, evs := next(created, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}))
		_, err = s.UpdateItem(cctx, upd, evs...)
		require.ErrorIs(t, err, context.Canceled, "UpdateItem")
		crmtest.RequireCancelled(t, "ItemEvents", s.ItemEvents(cctx, "F1"))
		crmtest.RequireCancelled(t, "Items", s.Items(cctx))
		got, err := s.Item(ctx, "F1")
		require.NoError(t, err)
		require.Equal(t, created, got, "cancelled writes change nothing")
		_, err = s.Item(ctx, "F2")
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	if h.Reopen == nil {
		return // a store in memory has nothing to reopen
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		it, e := newItem("F1", "k1")
		created, err := s.CreateItem(ctx, it, e)
		require.NoError(t, err)
		upd, evs := next(created, step(feedback.Acknowledge, feedback.Received, feedback.Acknowledged, feedback.Content{Apology: "sorry"}))
		want, err := s.UpdateItem(ctx, upd, evs...)
		require.NoError(t, err)
		s = h.Reopen(t, s)
		got, err := s.ItemByKey(ctx, "k1")
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.Equal(t, withoutVersion(want), feedback.Replay(events(t, s, "F1")))
	})
}

// TestSurveyStore checks a feedback.SurveyStore: answers are appended
// atomically and idempotently by ID, streamed by ID, a cancelled context
// stops every method, and (with h.Reopen) they survive a reopen.
func TestSurveyStore(t *testing.T, h crmtest.Harness[feedback.SurveyStore]) {
	h.Check(t, "feedbacktest.TestSurveyStore")
	ctx := context.Background()
	answer := func(item string, score int) feedback.Survey {
		return feedback.Survey{ID: item + "/nps", ItemID: item, CustomerID: "c-" + item, Type: feedback.NPS, Score: score, At: t0}
	}
	list := func(t *testing.T, s feedback.SurveyStore) []string {
		var out []string
		for sv, err := range s.Surveys(ctx) {
			require.NoError(t, err)
			out = append(out, fmt.Sprintf("%s %d", sv.ID, sv.Score))
		}
		return out
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendSurveys(ctx, answer("F1", 9)))
		got, err := s.Survey(ctx, "F1/nps")
		require.NoError(t, err)
		require.Equal(t, 9, got.Score)
		require.True(t, got.At.Equal(t0))
	})
	t.Run("NotFound", func(t *testing.T) {
		_, err := h.New(t).Survey(ctx, "nope")
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendSurveys(ctx, answer("F1", 9)))
		require.NoError(t, s.AppendSurveys(ctx, answer("F1", 9)), "the same answer again is a no-op")
		require.Equal(t, []string{"F1/nps 9"}, list(t, s))
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendSurveys(ctx, answer("F1", 9)))
		err := s.AppendSurveys(ctx, answer("F2", 7), answer("F1", 3))
		require.ErrorIs(t, err, crm.ErrExists, "the same ID with another score")
		require.Equal(t, []string{"F1/nps 9"}, list(t, s), "the batch is atomic: F2 is not stored either")
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendSurveys(ctx, answer("F3", 1), answer("F1", 2)))
		require.NoError(t, s.AppendSurveys(ctx, answer("F2", 3)))
		require.Equal(t, []string{"F1/nps 2", "F2/nps 3", "F3/nps 1"}, list(t, s), "by ID")
		require.Equal(t, list(t, s), list(t, s), "a stream can be ranged again")
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendSurveys(ctx, answer("F1", 9)))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.AppendSurveys(cctx, answer("F2", 9)), context.Canceled, "AppendSurveys")
		_, err := s.Survey(cctx, "F1/nps")
		require.ErrorIs(t, err, context.Canceled, "Survey")
		crmtest.RequireCancelled(t, "Surveys", s.Surveys(cctx))
		require.Equal(t, []string{"F1/nps 9"}, list(t, s))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendSurveys(ctx, answer("F1", 9), answer("F2", 0)))
		s = h.Reopen(t, s)
		require.Equal(t, []string{"F1/nps 9", "F2/nps 0"}, list(t, s))
	})
}
