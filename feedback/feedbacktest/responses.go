package feedbacktest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/feedback"
)

// TestResponseStore runs the feedback.ResponseStore conformance suite:
// responses come back as appended (by ID, per instrument, answers,
// reasons and verbatims intact, times as instants), appending again is a
// no-op and other content under an ID is crm.ErrExists, a refused batch
// stores nothing, concurrent appends lose nothing, returned responses
// cannot change the store, a cancelled context stops every method, and
// (with h.Reopen) responses survive a reopen.
func TestResponseStore(t *testing.T, h crmtest.Harness[feedback.ResponseStore]) {
	h.Check(t, "feedbacktest.TestResponseStore")
	ctx := context.Background()
	resp := func(id, instrument string, score float64) feedback.Response {
		return feedback.Response{ID: id, Instrument: instrument, CustomerID: "c-" + id, Channel: crm.ChannelEmail, At: t0,
			Answers: map[string]float64{"q1": score, "q2": 4}, Verbatim: "the courier was rude", Reasons: []string{"late_delivery", "rude_staff"}}
	}
	list := func(t *testing.T, s feedback.ResponseStore, instrument string) []feedback.Response {
		t.Helper()
		var out []feedback.Response
		for r, err := range s.Responses(ctx, instrument) {
			require.NoError(t, err)
			out = append(out, r)
		}
		return out
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		a, b, other := resp("r2", "csi", 5), resp("r1", "csi", 3), resp("r3", "exit", 1)
		b.ItemID, b.Reasons, b.Verbatim = "F00000001", nil, ""
		require.NoError(t, s.AppendResponses(ctx, a, b, other))
		got := list(t, s, "csi")
		require.Len(t, got, 2)
		require.True(t, got[0].Equal(b) && got[1].Equal(a), "by ID: %+v", got)
		require.Empty(t, got[0].Reasons)
		require.Len(t, list(t, s, "exit"), 1)
		require.Empty(t, list(t, s, "none"))
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResponses(ctx, resp("r1", "csi", 5)))
		require.NoError(t, s.AppendResponses(ctx, resp("r1", "csi", 5), resp("r1", "csi", 5)))
		require.Len(t, list(t, s, "csi"), 1)
		require.ErrorIs(t, s.AppendResponses(ctx, resp("r1", "csi", 2)), crm.ErrExists)
	})
	t.Run("AtomicBatch", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResponses(ctx, resp("r1", "csi", 5)))
		require.ErrorIs(t, s.AppendResponses(ctx, resp("r2", "csi", 4), resp("r1", "csi", 1)), crm.ErrExists)
		require.ErrorIs(t, s.AppendResponses(ctx, resp("r3", "csi", 4), feedback.Response{ID: "r4", Instrument: "csi"}), crm.ErrInvalid, "no customer")
		require.Len(t, list(t, s, "csi"), 1, "a refused batch stores nothing")
	})
	t.Run("Isolated", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendResponses(ctx, resp("r1", "csi", 5)))
		got := list(t, s, "csi")
		got[0].Answers["q1"], got[0].Reasons[0] = 1, "changed"
		again := list(t, s, "csi")
		require.Equal(t, 5.0, again[0].Answers["q1"])
		require.Equal(t, "late_delivery", again[0].Reasons[0])
	})
	t.Run("ConcurrentAppendsLoseNothing", func(t *testing.T) {
		s := h.New(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 8 {
					if err := s.AppendResponses(ctx, resp(fmt.Sprintf("r%d-%d", g, i), "csi", 4)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		require.Len(t, list(t, s, "csi"), 64)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.AppendResponses(cctx, resp("r1", "csi", 5)), context.Canceled)
		crmtest.RequireCancelled(t, "Responses", s.Responses(cctx, "csi"))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		want := resp("r1", "csi", 5)
		require.NoError(t, s.AppendResponses(ctx, want))
		s = h.Reopen(t, s)
		got := list(t, s, "csi")
		require.Len(t, got, 1)
		require.True(t, got[0].Equal(want), "%+v", got[0])
	})
}
