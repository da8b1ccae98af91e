package feedback_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"

	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/feedback/feedbacktest"
)

func TestMemoryStore(t *testing.T) {
	feedbacktest.TestStore(t, func(t *testing.T) feedback.Store { return feedback.NewMemoryStore() })
}

func TestMemoryStoreCopiesAreIndependent(t *testing.T) {
	ctx := context.Background()
	s := feedback.NewMemoryStore()
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	it := feedback.Item{ID: "F1", CustomerID: "C", Kind: feedback.Complaint, Channel: crm.ChannelWeb, Text: "x", Received: t0}
	_, err := s.Create(ctx, feedback.Event{Type: feedback.IntakeEvent, At: t0, To: "ann", Intake: &it})
	require.NoError(t, err)
	got, err := s.Append(ctx, "F1", 1, feedback.Event{Type: feedback.BreachEvent, At: t0, To: "first_response"})
	require.NoError(t, err)
	got.Breaches[0].Target = "changed"
	got.Breaches = append(got.Breaches, feedback.Breach{Target: "forged"})
	for it, err := range s.Items(ctx, true) {
		require.NoError(t, err)
		it.Breaches[0].Target = "changed too"
	}
	again, err := s.Item(ctx, "F1")
	require.NoError(t, err)
	require.Equal(t, []feedback.Breach{{Target: "first_response", At: t0}}, again.Breaches)
}
