// Package monitortest is the conformance suite for monitor.Store: a host
// that keeps alerts on its own database proves its implementation with
// one call from a test.
//
//	func TestMyAlertStore(t *testing.T) {
//		monitortest.TestStore(t, crmtest.Harness[monitor.Store]{
//			New:    func(t *testing.T) monitor.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s monitor.Store) monitor.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package monitortest

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
	"github.com/crmkit/crm/monitor"
)

func alert(id string) monitor.Alert {
	return monitor.Alert{ID: id, Rule: "key customer at risk", Subject: "C1", CustomerID: "C1", Severity: monitor.Critical,
		To: []string{"key accounts", "Ana"}, Message: "customer C1 entered at risk", RaisedAt: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), State: monitor.Open}
}

func ids(t *testing.T, s monitor.Store) []string {
	t.Helper()
	var out []string
	for a, err := range s.Alerts(context.Background()) {
		require.NoError(t, err)
		out = append(out, a.ID)
	}
	return out
}

// TestStore checks a monitor.Store: alerts round-trip exactly, IDs are
// unique, versions guard every update and delete, the stream comes by
// ID, concurrent updaters never both win, a cancelled context stops every
// method, and (with h.Reopen) what was written survives a reopen.
func TestStore(t *testing.T, h crmtest.Harness[monitor.Store]) {
	h.Check(t, "monitortest.TestStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		want := alert("a1")
		got, err := s.CreateAlert(ctx, want)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		read, err := s.Alert(ctx, "a1")
		require.NoError(t, err)
		want.Version = 1
		require.True(t, want.RaisedAt.Equal(read.RaisedAt))
		read.RaisedAt = want.RaisedAt
		require.Equal(t, want, read)
		read.State, read.AcknowledgedBy, read.AcknowledgedAt = monitor.Acknowledged, "Ana", time.Date(2025, 3, 2, 9, 0, 0, 0, time.UTC)
		updated, err := s.UpdateAlert(ctx, read)
		require.NoError(t, err)
		require.EqualValues(t, 2, updated.Version)
		again, err := s.Alert(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, monitor.Acknowledged, again.State)
		require.True(t, again.AcknowledgedAt.Equal(read.AcknowledgedAt))
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Alert(ctx, "nope")
		require.ErrorIs(t, err, crm.ErrNotFound)
		_, err = s.UpdateAlert(ctx, alert("nope"))
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteAlert(ctx, "nope", 1), crm.ErrNotFound)
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		_, err := s.CreateAlert(ctx, alert("a1"))
		require.NoError(t, err)
		other := alert("a1")
		other.Message = "other"
		_, err = s.CreateAlert(ctx, other)
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := s.Alert(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, "customer C1 entered at risk", got.Message)
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := h.New(t)
		a, err := s.CreateAlert(ctx, alert("a1"))
		require.NoError(t, err)
		a.State = monitor.Resolved
		_, err = s.UpdateAlert(ctx, a)
		require.NoError(t, err)
		a.State = monitor.Acknowledged // still version 1
		_, err = s.UpdateAlert(ctx, a)
		var ce *crm.ConflictError
		require.ErrorAs(t, err, &ce)
		require.EqualValues(t, 2, ce.Current)
		require.ErrorIs(t, s.DeleteAlert(ctx, "a1", 1), crm.ErrConflict)
		require.NoError(t, s.DeleteAlert(ctx, "a1", 2))
		_, err = s.Alert(ctx, "a1")
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("Copies", func(t *testing.T) {
		s := h.New(t)
		a := alert("a1")
		_, err := s.CreateAlert(ctx, a)
		require.NoError(t, err)
		a.To[0] = "changed"
		got, err := s.Alert(ctx, "a1")
		require.NoError(t, err)
		got.To[1] = "changed too"
		again, err := s.Alert(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, []string{"key accounts", "Ana"}, again.To)
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		for _, id := range []string{"b", "a:2", "a:10", "Z"} {
			_, err := s.CreateAlert(ctx, alert(id))
			require.NoError(t, err)
		}
		require.Equal(t, []string{"Z", "a:10", "a:2", "b"}, ids(t, s), "by ID, byte-wise")
		n := 0
		for _, err := range s.Alerts(ctx) {
			require.NoError(t, err)
			if n++; n == 2 {
				break
			}
		}
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		a, err := s.CreateAlert(ctx, alert("a1"))
		require.NoError(t, err)
		var wg sync.WaitGroup
		wins := make(chan struct{}, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := a
				b.AcknowledgedBy = fmt.Sprint("agent ", w)
				if _, err := s.UpdateAlert(ctx, b); err == nil {
					wins <- struct{}{}
				} else if !errors.Is(err, crm.ErrConflict) {
					t.Error(err)
				}
				if _, err := s.CreateAlert(ctx, alert(fmt.Sprintf("w%d", w))); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		close(wins)
		require.Len(t, wins, 1, "updaters from the same version: exactly one wins")
		require.Len(t, ids(t, s), 9)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		a, err := s.CreateAlert(ctx, alert("a1"))
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.CreateAlert(cctx, alert("a2"))
		require.ErrorIs(t, err, context.Canceled, "CreateAlert")
		_, err = s.Alert(cctx, "a1")
		require.ErrorIs(t, err, context.Canceled, "Alert")
		_, err = s.UpdateAlert(cctx, a)
		require.ErrorIs(t, err, context.Canceled, "UpdateAlert")
		require.ErrorIs(t, s.DeleteAlert(cctx, "a1", 1), context.Canceled, "DeleteAlert")
		crmtest.RequireCancelled(t, "Alerts", s.Alerts(cctx))
		require.Equal(t, []string{"a1"}, ids(t, s), "nothing changed")
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		a, err := s.CreateAlert(ctx, alert("a1"))
		require.NoError(t, err)
		a.State, a.ResolvedBy, a.Resolution = monitor.Resolved, "Ana", "called the customer"
		_, err = s.UpdateAlert(ctx, a)
		require.NoError(t, err)
		s = h.Reopen(t, s)
		got, err := s.Alert(ctx, "a1")
		require.NoError(t, err)
		require.Equal(t, monitor.Resolved, got.State)
		require.Equal(t, "called the customer", got.Resolution)
		require.EqualValues(t, 2, got.Version)
	})
}
