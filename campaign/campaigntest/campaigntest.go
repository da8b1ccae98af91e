// Package campaigntest is the conformance suite for campaign.Store (the
// contact log and its outcomes) and campaign.CampaignStore: a host that
// keeps them on its own database proves its implementation with one call
// from a test.
//
//	func TestMyContactLog(t *testing.T) {
//		campaigntest.TestStore(t, crmtest.Harness[campaign.Store]{
//			New:    func(t *testing.T) campaign.Store { return openEmpty(t) },
//			Reopen: func(t *testing.T, s campaign.Store) campaign.Store { return reopen(t, s) }, // nil in memory
//		})
//	}
package campaigntest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/crmtest"
)

func day(d int) time.Time { return time.Date(2025, 3, d, 9, 0, 0, 0, time.UTC) }

func sent(camp, customer string, d int) campaign.Contact {
	return campaign.Contact{ID: camp + "/" + customer, CustomerID: customer, Campaign: camp, Play: "welcome back", At: day(d), Sent: true,
		Channel: crm.ChannelEmail, Subject: "We miss you", Body: "Dear Ana, …", SendAt: day(d).Add(time.Hour)}
}

func held(camp, customer string, d int) campaign.Contact {
	return campaign.Contact{ID: camp + "/" + customer, CustomerID: customer, Campaign: camp, Play: "welcome back", At: day(d),
		Reason: campaign.ControlGroup, Detail: "held out as control"}
}

func ids(t *testing.T, seq func(func(campaign.Contact, error) bool)) []string {
	t.Helper()
	var out []string
	for c, err := range seq {
		require.NoError(t, err)
		out = append(out, c.ID)
	}
	return out
}

// TestStore checks a campaign.Store: contacts and outcomes round-trip,
// appends are atomic and idempotent, streams come in their documented
// order, concurrent appends lose nothing, a cancelled context stops every
// method, and (with h.Reopen) what was written survives a reopen.
func TestStore(t *testing.T, h crmtest.Harness[campaign.Store]) {
	h.Check(t, "campaigntest.TestStore")
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		want := sent("spring", "c1", 3)
		require.NoError(t, s.AppendContacts(ctx, want, held("spring", "c2", 3)))
		got, err := s.Contact(ctx, want.ID)
		require.NoError(t, err)
		require.True(t, want.At.Equal(got.At) && want.SendAt.Equal(got.SendAt))
		got.At, got.SendAt = want.At, want.SendAt
		require.Equal(t, want, got)
		o := campaign.Outcome{ID: "o1", Contact: want.ID, Campaign: "spring", Kind: campaign.Converted, At: day(5),
			Value: crm.Money{Amount: decimal.RequireFromString("49.90"), Currency: "EUR"}}
		require.NoError(t, s.AppendOutcomes(ctx, o))
		var outs []campaign.Outcome
		for x, err := range s.Outcomes(ctx, "spring") {
			require.NoError(t, err)
			outs = append(outs, x)
		}
		require.Len(t, outs, 1)
		require.True(t, outs[0].Value.Amount.Equal(o.Value.Amount))
		require.Equal(t, campaign.Converted, outs[0].Kind)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Contact(ctx, "spring/nobody")
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.Empty(t, ids(t, s.CustomerContacts(ctx, "nobody")))
		require.Empty(t, ids(t, s.CampaignContacts(ctx, "none")))
		err = s.AppendOutcomes(ctx, campaign.Outcome{ID: "o1", Contact: "spring/nobody", Campaign: "spring", Kind: campaign.Responded, At: day(3)})
		require.ErrorIs(t, err, crm.ErrNotFound, "an outcome needs its contact")
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c1", 3)))
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c1", 3)))
		o := campaign.Outcome{ID: "o1", Contact: "spring/c1", Campaign: "spring", Kind: campaign.Responded, At: day(4)}
		require.NoError(t, s.AppendOutcomes(ctx, o))
		require.NoError(t, s.AppendOutcomes(ctx, o))
		require.Len(t, ids(t, s.CampaignContacts(ctx, "spring")), 1)
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c1", 3)))
		other := sent("spring", "c1", 3)
		other.Body = "other"
		require.ErrorIs(t, s.AppendContacts(ctx, other), crm.ErrExists)
		o := campaign.Outcome{ID: "o1", Contact: "spring/c1", Campaign: "spring", Kind: campaign.Responded, At: day(4)}
		require.NoError(t, s.AppendOutcomes(ctx, o))
		o.Kind = campaign.Converted
		require.ErrorIs(t, s.AppendOutcomes(ctx, o), crm.ErrExists)
	})
	t.Run("AtomicBatch", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c1", 3)))
		other := sent("spring", "c1", 3)
		other.Subject = "changed"
		require.ErrorIs(t, s.AppendContacts(ctx, sent("spring", "c0", 3), other), crm.ErrExists)
		_, err := s.Contact(ctx, "spring/c0")
		require.ErrorIs(t, err, crm.ErrNotFound, "a refused batch stores nothing")
		bad := sent("spring", "c5", 3)
		bad.Sent, bad.Reason = false, ""
		require.ErrorIs(t, s.AppendContacts(ctx, sent("spring", "c4", 3), bad), crm.ErrInvalid, "a suppression without a reason")
		_, err = s.Contact(ctx, "spring/c4")
		require.ErrorIs(t, err, crm.ErrNotFound)
		twice := sent("spring", "c6", 3)
		twice.Body = "other"
		require.ErrorIs(t, s.AppendContacts(ctx, sent("spring", "c7", 3), sent("spring", "c6", 3), twice), crm.ErrExists, "one ID twice in a batch with other content")
		for _, id := range []string{"spring/c6", "spring/c7"} {
			_, err = s.Contact(ctx, id)
			require.ErrorIs(t, err, crm.ErrNotFound, "a refused batch stores nothing")
		}
		require.Empty(t, ids(t, s.CustomerContacts(ctx, "c7")))
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c7", 3), sent("spring", "c6", 3), sent("spring", "c6", 3)), "after a refusal the same contacts go in")
		require.Equal(t, []string{"spring/c1", "spring/c6", "spring/c7"}, ids(t, s.CampaignContacts(ctx, "spring")))
		require.Equal(t, []string{"spring/c7"}, ids(t, s.CustomerContacts(ctx, "c7")))
		err = s.AppendOutcomes(ctx, campaign.Outcome{ID: "o1", Contact: "spring/c1", Campaign: "spring", Kind: campaign.Responded, At: day(4)},
			campaign.Outcome{ID: "o2", Contact: "spring/c1", Campaign: "spring", Kind: campaign.Disposition, At: day(4)})
		require.ErrorIs(t, err, crm.ErrInvalid, "a disposition without its words")
		for _, err := range s.Outcomes(ctx, "spring") {
			t.Fatalf("a refused batch of outcomes stored something (%v)", err)
		}
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendContacts(ctx, sent("summer", "c1", 9), sent("spring", "c2", 3), held("spring", "c1", 5)))
		require.NoError(t, s.AppendContacts(ctx, sent("autumn", "c1", 1), sent("spring", "c10", 3)))
		require.Equal(t, []string{"autumn/c1", "spring/c1", "summer/c1"}, ids(t, s.CustomerContacts(ctx, "c1")), "by time, oldest first")
		require.Equal(t, []string{"spring/c1", "spring/c10", "spring/c2"}, ids(t, s.CampaignContacts(ctx, "spring")), "by ID, byte-wise")
		for _, id := range []string{"o2", "o10", "o1"} {
			require.NoError(t, s.AppendOutcomes(ctx, campaign.Outcome{ID: id, Contact: "spring/c2", Campaign: "spring", Kind: campaign.Responded, At: day(6)}))
		}
		var outs []string
		for o, err := range s.Outcomes(ctx, "spring") {
			require.NoError(t, err)
			outs = append(outs, o.ID)
		}
		require.Equal(t, []string{"o1", "o10", "o2"}, outs)
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := h.New(t)
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					if err := s.AppendContacts(ctx, sent("spring", fmt.Sprintf("w%d-%02d", w, i), 3)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		require.Len(t, ids(t, s.CampaignContacts(ctx, "spring")), 160)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c1", 3)))
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, s.AppendContacts(cctx, sent("spring", "c2", 3)), context.Canceled, "AppendContacts")
		_, err := s.Contact(cctx, "spring/c1")
		require.ErrorIs(t, err, context.Canceled, "Contact")
		require.ErrorIs(t, s.AppendOutcomes(cctx, campaign.Outcome{ID: "o1", Contact: "spring/c1", Campaign: "spring", Kind: campaign.Responded, At: day(4)}), context.Canceled)
		crmtest.RequireCancelled(t, "CustomerContacts", s.CustomerContacts(cctx, "c1"))
		crmtest.RequireCancelled(t, "CampaignContacts", s.CampaignContacts(cctx, "spring"))
		crmtest.RequireCancelled(t, "Outcomes", s.Outcomes(cctx, "spring"))
		require.Equal(t, []string{"spring/c1"}, ids(t, s.CampaignContacts(ctx, "spring")), "nothing written")
		for _, err := range s.Outcomes(ctx, "spring") {
			t.Fatalf("a cancelled append stored an outcome (%v)", err)
		}
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		require.NoError(t, s.AppendContacts(ctx, sent("spring", "c1", 3), held("spring", "c2", 3)))
		require.NoError(t, s.AppendOutcomes(ctx, campaign.Outcome{ID: "o1", Contact: "spring/c2", Campaign: "spring", Kind: campaign.Converted, At: day(8)}))
		s = h.Reopen(t, s)
		got, err := s.Contact(ctx, "spring/c2")
		require.NoError(t, err)
		require.Equal(t, campaign.ControlGroup, got.Reason)
		require.Equal(t, []string{"spring/c1", "spring/c2"}, ids(t, s.CampaignContacts(ctx, "spring")))
		n := 0
		for _, err := range s.Outcomes(ctx, "spring") {
			require.NoError(t, err)
			n++
		}
		require.Equal(t, 1, n)
	})
}

func def(id string) campaign.Campaign {
	return campaign.Campaign{ID: id, Name: "Spring win-back", Objective: "win back lapsed buyers", Owner: "Ana", Kind: campaign.WinBack,
		Plays: []string{"call", "offer"}, Start: day(1), End: day(28), Budget: crm.Money{Amount: decimal.NewFromInt(500), Currency: "EUR"},
		CostPerContact: crm.Money{Amount: decimal.RequireFromString("2.50"), Currency: "EUR"}, ControlShare: 0.1, Success: campaign.Converted, Status: campaign.Draft}
}

// TestCampaignStore checks a campaign.CampaignStore: definitions
// round-trip, IDs are unique, versions guard every update and delete, the
// stream comes by ID, a cancelled context stops every method, and (with
// h.Reopen) what was written survives a reopen.
func TestCampaignStore(t *testing.T, h crmtest.Harness[campaign.CampaignStore]) {
	h.Check(t, "campaigntest.TestCampaignStore")
	ctx := context.Background()
	list := func(t *testing.T, s campaign.CampaignStore) []string {
		var out []string
		for c, err := range s.Campaigns(ctx) {
			require.NoError(t, err)
			out = append(out, c.ID)
		}
		return out
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		c, err := s.CreateCampaign(ctx, def("spring"))
		require.NoError(t, err)
		require.EqualValues(t, 1, c.Version)
		got, err := s.Campaign(ctx, "spring")
		require.NoError(t, err)
		require.Equal(t, []string{"call", "offer"}, got.Plays)
		require.True(t, got.CostPerContact.Amount.Equal(decimal.RequireFromString("2.5")))
		require.True(t, got.Start.Equal(day(1)))
		got.Status = campaign.Approved
		upd, err := s.UpdateCampaign(ctx, got)
		require.NoError(t, err)
		require.EqualValues(t, 2, upd.Version)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		_, err := s.Campaign(ctx, "nope")
		require.ErrorIs(t, err, crm.ErrNotFound)
		_, err = s.UpdateCampaign(ctx, def("nope"))
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteCampaign(ctx, "nope", 1), crm.ErrNotFound)
	})
	t.Run("Exists", func(t *testing.T) {
		s := h.New(t)
		_, err := s.CreateCampaign(ctx, def("spring"))
		require.NoError(t, err)
		_, err = s.CreateCampaign(ctx, def("spring"))
		require.ErrorIs(t, err, crm.ErrExists)
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := h.New(t)
		c, err := s.CreateCampaign(ctx, def("spring"))
		require.NoError(t, err)
		_, err = s.UpdateCampaign(ctx, c)
		require.NoError(t, err)
		_, err = s.UpdateCampaign(ctx, c)
		require.ErrorIs(t, err, crm.ErrConflict)
		require.ErrorIs(t, s.DeleteCampaign(ctx, "spring", 1), crm.ErrConflict)
		require.NoError(t, s.DeleteCampaign(ctx, "spring", 2))
		require.Empty(t, list(t, s))
	})
	t.Run("Order", func(t *testing.T) {
		s := h.New(t)
		for _, id := range []string{"b", "a10", "a2"} {
			_, err := s.CreateCampaign(ctx, def(id))
			require.NoError(t, err)
		}
		require.Equal(t, []string{"a10", "a2", "b"}, list(t, s))
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		c, err := s.CreateCampaign(ctx, def("spring"))
		require.NoError(t, err)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.CreateCampaign(cctx, def("summer"))
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Campaign(cctx, "spring")
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.UpdateCampaign(cctx, c)
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, s.DeleteCampaign(cctx, "spring", 1), context.Canceled)
		crmtest.RequireCancelled(t, "Campaigns", s.Campaigns(cctx))
		require.Equal(t, []string{"spring"}, list(t, s))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		c, err := s.CreateCampaign(ctx, def("spring"))
		require.NoError(t, err)
		c.Status = campaign.Running
		_, err = s.UpdateCampaign(ctx, c)
		require.NoError(t, err)
		s = h.Reopen(t, s)
		got, err := s.Campaign(ctx, "spring")
		require.NoError(t, err)
		require.Equal(t, campaign.Running, got.Status)
		require.EqualValues(t, 2, got.Version)
	})
}
