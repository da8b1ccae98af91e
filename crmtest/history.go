package crmtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// TestCustomerHistory runs the crm.CustomerHistory conformance suite on a
// customer store that also implements it: every successful write adds
// the version it stored, a refused one (stale, invalid) adds nothing, the
// versions come back as written (UpdatedAt kept) and cannot be changed
// through what was returned, a delete erases the history, a cancelled
// context stops the stream, and (with h.Reopen) the history survives a
// reopen.
func TestCustomerHistory(t *testing.T, h Harness[crm.CustomerStore]) {
	h.Check(t, "crmtest.TestCustomerHistory")
	ctx := context.Background()
	at := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	history := func(t *testing.T, s crm.CustomerStore) crm.CustomerHistory {
		t.Helper()
		return capability[crm.CustomerHistory](t, s, "crm.CustomerHistory")
	}
	versions := func(t *testing.T, s crm.CustomerStore, id string) []crm.Customer {
		t.Helper()
		var out []crm.Customer
		for c, err := range history(t, s).CustomerVersions(ctx, id) {
			require.NoError(t, err)
			out = append(out, c)
		}
		return out
	}
	// write makes ana with three versions: created, e-mail changed, moved.
	write := func(t *testing.T, s crm.CustomerStore) {
		t.Helper()
		c, err := s.CreateCustomer(ctx, crm.Customer{ID: "ana", Name: "Ana", Email: "ana@example.org", CreatedAt: at})
		require.NoError(t, err)
		c.Email, c.UpdatedAt = "ana.ruiz@example.org", at.AddDate(0, 1, 0)
		c, err = s.UpdateCustomer(ctx, c)
		require.NoError(t, err)
		c.Demographics.Country, c.UpdatedAt = "ES", at.AddDate(0, 2, 0)
		_, err = s.UpdateCustomer(ctx, c)
		require.NoError(t, err)
	}
	check := func(t *testing.T, got []crm.Customer) {
		t.Helper()
		require.Len(t, got, 3)
		for i, c := range got {
			require.Equal(t, int64(i+1), c.Version, "oldest first")
		}
		require.Equal(t, "ana@example.org", got[0].Email)
		require.True(t, got[0].UpdatedAt.IsZero())
		require.True(t, at.AddDate(0, 1, 0).Equal(got[1].UpdatedAt))
		require.Equal(t, []crm.Change{{Field: "email", From: `"ana@example.org"`, To: `"ana.ruiz@example.org"`}}, crm.Changes(got[0], got[1]))
		require.Equal(t, []crm.Change{{Field: "demographics.country", To: `"ES"`}}, crm.Changes(got[1], got[2]))
	}
	t.Run("EveryVersion", func(t *testing.T) {
		s := h.New(t)
		write(t, s)
		check(t, versions(t, s, "ana"))
		require.Empty(t, versions(t, s, "nobody"))
	})
	t.Run("RefusedWritesAddNothing", func(t *testing.T) {
		s := h.New(t)
		write(t, s)
		stale := versions(t, s, "ana")[0]
		stale.Name = "Anna"
		_, err := s.UpdateCustomer(ctx, stale)
		require.ErrorIs(t, err, crm.ErrConflict)
		current, err := s.Customer(ctx, "ana")
		require.NoError(t, err)
		current.Email = "not an address"
		_, err = s.UpdateCustomer(ctx, current)
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorIs(t, s.DeleteCustomer(ctx, "ana", 1), crm.ErrConflict)
		check(t, versions(t, s, "ana"))
	})
	t.Run("Isolated", func(t *testing.T) {
		s := h.New(t)
		write(t, s)
		got := versions(t, s, "ana")
		got[0].Email, got[2].Tags = "changed@example.org", append(got[2].Tags, "vip")
		check(t, versions(t, s, "ana"))
	})
	t.Run("DeleteErases", func(t *testing.T) {
		s := h.New(t)
		write(t, s)
		require.NoError(t, s.DeleteCustomer(ctx, "ana", 3))
		require.Empty(t, versions(t, s, "ana"))
		_, err := s.CreateCustomer(ctx, crm.Customer{ID: "ana", Name: "Ana", CreatedAt: at})
		require.NoError(t, err)
		got := versions(t, s, "ana")
		require.Len(t, got, 1, "a new customer with the ID starts a new history")
		require.Empty(t, got[0].Email)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := h.New(t)
		write(t, s)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		RequireCancelled(t, "CustomerVersions", history(t, s).CustomerVersions(cctx, "ana"))
	})
	if h.Reopen == nil {
		return
	}
	t.Run("Reopen", func(t *testing.T) {
		s := h.New(t)
		write(t, s)
		s = h.Reopen(t, s)
		check(t, versions(t, s, "ana"))
	})
}
