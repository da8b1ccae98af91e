package crmtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// TestContactIndex runs the crm.ContactIndex conformance suite on a
// customer store that also implements it: customers are found by e-mail
// address and phone number in any of their written forms, several
// customers sharing one are all found, an update moves a customer to its
// new keys and a delete removes it, a cancelled context stops every
// method, and (with h.Reopen) the index survives a reopen.
func TestContactIndex(t *testing.T, h Harness[crm.CustomerStore]) {
	h.Check(t, "crmtest.TestContactIndex")
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	index := func(t *testing.T, s crm.CustomerStore) crm.ContactIndex {
		t.Helper()
		return capability[crm.ContactIndex](t, s, "crm.ContactIndex")
	}
	ids := func(t *testing.T, seq func(func(crm.Customer, error) bool)) []string {
		t.Helper()
		var out []string
		for c, err := range seq {
			require.NoError(t, err)
			out = append(out, c.ID)
		}
		return out
	}
	create := func(t *testing.T, s crm.CustomerStore, id, email, phone string) crm.Customer {
		t.Helper()
		c, err := s.CreateCustomer(ctx, crm.Customer{ID: id, Name: id, Email: email, Phone: phone, CreatedAt: at})
		require.NoError(t, err)
		return c
	}
	t.Run("RoundTrip", func(t *testing.T) {
		s := h.New(t)
		create(t, s, "ana", "Ana.Ruiz@Example.org", "+49 (30) 1234-567")
		create(t, s, "bo", "bo@example.org", "030 1234567")
		x := index(t, s)
		for _, email := range []string{"ana.ruiz@example.org", "  ANA.RUIZ@EXAMPLE.ORG", "Ana.Ruiz@Example.org"} {
			require.Equal(t, []string{"ana"}, ids(t, x.CustomersByEmail(ctx, email)), email)
		}
		for _, phone := range []string{"+49301234567", "0049 30 1234 567", "+49.30.1234.567"} {
			require.Equal(t, []string{"ana"}, ids(t, x.CustomersByPhone(ctx, phone)), phone)
		}
		require.Equal(t, []string{"bo"}, ids(t, x.CustomersByPhone(ctx, "(030) 12 34 567")), "a national number by its digits")
		got := ids(t, x.CustomersByEmail(ctx, "bo@example.org"))
		require.Equal(t, []string{"bo"}, got)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := h.New(t)
		create(t, s, "ana", "ana@example.org", "")
		x := index(t, s)
		require.Empty(t, ids(t, x.CustomersByEmail(ctx, "nobody@example.org")))
		require.Empty(t, ids(t, x.CustomersByPhone(ctx, "+1 555 0100")))
		require.Empty(t, ids(t, x.CustomersByEmail(ctx, "")), "an empty address finds no one")
		require.Empty(t, ids(t, x.CustomersByPhone(ctx, "")), "nor an empty number, though ana has none")
	})
	t.Run("Shared", func(t *testing.T) {
		s := h.New(t)
		create(t, s, "zoe", "family@example.org", "+44 20 7946 0000")
		create(t, s, "max", "Family@example.org", "+44 20 7946 0000")
		create(t, s, "amy", "amy@example.org", "")
		x := index(t, s)
		require.Equal(t, []string{"max", "zoe"}, ids(t, x.CustomersByEmail(ctx, "family@example.org")), "every customer with the address, by ID")
		require.Equal(t, []string{"max", "zoe"}, ids(t, x.CustomersByPhone(ctx, "00442079460000")))
	})
	t.Run("UpdateAndDelete", func(t *testing.T) {
		s := h.New(t)
		c := create(t, s, "ana", "ana@old.example", "+34 600 000 001")
		c.Email, c.Phone = "ana@new.example", "+34 600 000 002"
		c, err := s.UpdateCustomer(ctx, c)
		require.NoError(t, err)
		x := index(t, s)
		require.Empty(t, ids(t, x.CustomersByEmail(ctx, "ana@old.example")))
		require.Empty(t, ids(t, x.CustomersByPhone(ctx, "+34600000001")))
		require.Equal(t, []string{"ana"}, ids(t, x.CustomersByEmail(ctx, "ana@new.example")))
		require.Equal(t, []string{"ana"}, ids(t, x.CustomersByPhone(ctx, "+34600000002")))
		require.NoError(t, s.DeleteCustomer(ctx, "ana", c.Version))
		require.Empty(t, ids(t, x.CustomersByEmail(ctx, "ana@new.example")))
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		create(t, s, "ana", "ana@example.org", "+34 600 000 001")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		x := index(t, s)
		RequireCancelled(t, "CustomersByEmail", x.CustomersByEmail(cctx, "ana@example.org"))
		RequireCancelled(t, "CustomersByPhone", x.CustomersByPhone(cctx, "+34600000001"))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		create(t, s, "ana", "ana@example.org", "+34 600 000 001")
		s = h.Reopen(t, s)
		x := index(t, s)
		require.Equal(t, []string{"ana"}, ids(t, x.CustomersByEmail(ctx, "ANA@example.org")))
		require.Equal(t, []string{"ana"}, ids(t, x.CustomersByPhone(ctx, "0034600000001")))
	})
}
