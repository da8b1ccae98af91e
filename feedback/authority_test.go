package feedback_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// authorityDesk: ana may decide remedies up to 50 a case and 120 a month,
// bo up to 500 a case, and the supervisor sam any.
func authorityDesk(t *testing.T, clock *time.Time) (*feedback.Desk, *feedback.MemoryStore) {
	store := feedback.NewMemoryStore()
	d, err := feedback.NewDesk(store, []feedback.Agent{
		{Name: "ana", RemedyPerCase: 50, RemedyPerMonth: 120},
		{Name: "bo", RemedyPerCase: 500},
	}, &feedback.Options{Approvers: []string{"sam"}, Clock: func() time.Time { return *clock }, Routes: []feedback.Route{{Kind: feedback.Complaint}}})
	require.NoError(t, err)
	return d, store
}

// investigating takes a complaint to the investigation, owned by ana.
func investigating(t *testing.T, d *feedback.Desk) feedback.Item {
	ctx := context.Background()
	it, _, err := d.Submit(ctx, feedback.Intake{CustomerID: "c1", Kind: feedback.Complaint, Channel: crm.ChannelPhone, Category: "broken", Text: "it broke"}, "phone")
	require.NoError(t, err)
	it, err = d.Step(ctx, it.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ana")
	require.NoError(t, err)
	it, err = d.Step(ctx, it.ID, feedback.Investigate, feedback.Content{}, "ana")
	require.NoError(t, err)
	return it
}

func TestRemedyAuthority(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	d, store := authorityDesk(t, &clock)
	fix := func(cost float64) feedback.Content {
		return feedback.Content{Facts: "a faulty part", Remedy: "a free repair", Cost: cost}
	}

	// Within authority: straight to the customer, decided by ana.
	it := investigating(t, d)
	it, err := d.Step(ctx, it.ID, feedback.ProposeFix, fix(40), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.RemedyProposed, it.State)
	require.Equal(t, "ana", it.AuthorisedBy)

	// Above the case limit: waits for approval; approved by bo, whose
	// authority covers it; the log shows who decided.
	big := investigating(t, d)
	big, err = d.Step(ctx, big.ID, feedback.ProposeFix, fix(300), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.AwaitingApproval, big.State)
	require.Empty(t, big.AuthorisedBy)
	_, err = d.Step(ctx, big.ID, feedback.Accept, feedback.Content{Decision: "yes"}, "ana")
	var te *crm.TransitionError
	require.ErrorAs(t, err, &te, "the customer is not offered a remedy awaiting approval")
	_, err = d.Step(ctx, big.ID, feedback.Approve, feedback.Content{}, "ana")
	require.ErrorContains(t, err, "ana proposed the remedy; someone else approves it")
	big, err = d.Step(ctx, big.ID, feedback.Approve, feedback.Content{Note: "a loyal customer"}, "bo")
	require.NoError(t, err)
	require.Equal(t, feedback.RemedyProposed, big.State)
	require.Equal(t, "bo", big.AuthorisedBy)
	events := collectEvents(t, store, big.ID)
	last := events[len(events)-1]
	require.Equal(t, feedback.Approve, last.Action)
	require.Equal(t, "bo", last.Actor)
	require.Equal(t, big, withVersion(feedback.Replay(events), big.Version), "the item replays from its log")

	// Above everyone's case authority but the supervisor's: bo may not
	// approve 900, sam refuses it (with the reason), and it goes back to
	// the investigation.
	huge := investigating(t, d)
	huge, err = d.Step(ctx, huge.ID, feedback.ProposeFix, fix(900), "ana")
	require.NoError(t, err)
	_, err = d.Step(ctx, huge.ID, feedback.Approve, feedback.Content{}, "bo")
	require.ErrorContains(t, err, "bo may not decide a remedy costing 900.00")
	_, err = d.Step(ctx, huge.ID, feedback.Refuse, feedback.Content{}, "sam")
	require.ErrorContains(t, err, "content.note: required to refuse")
	huge, err = d.Step(ctx, huge.ID, feedback.Refuse, feedback.Content{Note: "offer a repair, not a new unit"}, "sam")
	require.NoError(t, err)
	require.Equal(t, feedback.Investigating, huge.State)
	require.Empty(t, huge.AuthorisedBy)

	// The month's authority: ana has decided 40 of her 120; 50 more is
	// fine, another 50 is not (it waits for approval); next month it is.
	one := investigating(t, d)
	one, err = d.Step(ctx, one.ID, feedback.ProposeFix, fix(50), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.RemedyProposed, one.State)
	two := investigating(t, d)
	two, err = d.Step(ctx, two.ID, feedback.ProposeFix, fix(50), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.AwaitingApproval, two.State, "40 + 50 + 50 > 120")
	clock = time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)
	three := investigating(t, d)
	three, err = d.Step(ctx, three.ID, feedback.ProposeFix, fix(50), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.RemedyProposed, three.State, "a new month")

	// A new desk on the same store counts the month's spending from it.
	d2, err := feedback.NewDesk(store, []feedback.Agent{{Name: "ana", RemedyPerCase: 50, RemedyPerMonth: 120}}, &feedback.Options{Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	four := investigating(t, d2)
	four, err = d2.Step(ctx, four.ID, feedback.ProposeFix, fix(50), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.RemedyProposed, four.State, "50 + 50 ≤ 120")
	five := investigating(t, d2)
	five, err = d2.Step(ctx, five.ID, feedback.ProposeFix, fix(50), "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.AwaitingApproval, five.State, "150 > 120")

	// Costs must be amounts.
	bad := investigating(t, d)
	_, err = d.Step(ctx, bad.ID, feedback.ProposeFix, fix(-5), "ana")
	require.ErrorContains(t, err, "content.cost: -5 is not an amount")
}

func collectEvents(t *testing.T, s *feedback.MemoryStore, id string) []feedback.Event {
	t.Helper()
	var out []feedback.Event
	for e, err := range s.ItemEvents(context.Background(), id) {
		require.NoError(t, err)
		out = append(out, e)
	}
	return out
}

func withVersion(it feedback.Item, v int64) feedback.Item {
	it.Version = v
	return it
}
