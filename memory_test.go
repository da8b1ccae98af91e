package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	crmtest.TestCustomerStore(t, crmtest.Harness[crm.CustomerStore]{New: func(*testing.T) crm.CustomerStore { return crm.NewMemoryStore() }})
	crmtest.TestTransactionStore(t, crmtest.Harness[crm.TransactionStore]{New: func(*testing.T) crm.TransactionStore { return crm.NewMemoryStore() }})
	crmtest.TestTouchpointStore(t, crmtest.Harness[crm.TouchpointStore]{New: func(*testing.T) crm.TouchpointStore { return crm.NewMemoryStore() }})
	crmtest.TestContactIndex(t, crmtest.Harness[crm.CustomerStore]{New: func(*testing.T) crm.CustomerStore { return crm.NewMemoryStore() }})
	crmtest.TestCustomerHistory(t, crmtest.Harness[crm.CustomerStore]{New: func(*testing.T) crm.CustomerStore { return crm.NewMemoryStore() }})
}

// The event logs find records by a hash of their ID: with every ID
// colliding, the contract still holds.
func TestMemoryStoreCollisions(t *testing.T) {
	t.Parallel()
	crmtest.TestTransactionStore(t, crmtest.Harness[crm.TransactionStore]{New: func(*testing.T) crm.TransactionStore { return crm.NewCollidingMemoryStore() }})
	crmtest.TestTouchpointStore(t, crmtest.Harness[crm.TouchpointStore]{New: func(*testing.T) crm.TouchpointStore { return crm.NewCollidingMemoryStore() }})
}

func TestContactKeys(t *testing.T) {
	for in, want := range map[string]string{"+49 (30) 1234-567": "+49301234567", "0049 30 1234567": "+49301234567", "030 1234567": "0301234567", " +1.555.0100 ": "+15550100", "": ""} {
		if got := crm.PhoneKey(in); got != want {
			t.Errorf("PhoneKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := crm.EmailKey("  Ana.Ruiz@Example.ORG "); got != "ana.ruiz@example.org" {
		t.Errorf("EmailKey: %q", got)
	}
}

func TestConsentFor(t *testing.T) {
	at := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	c := crm.Customer{ID: "c1", CreatedAt: at(1), Preferences: crm.Preferences{Consents: []crm.Consent{
		{Purpose: crm.PurposeMarketing, Given: true, Source: crm.ConsentProvided, At: at(2)},
		{Purpose: crm.PurposeMarketing, Channel: crm.ChannelSMS, Given: false, Source: crm.ConsentProvided, At: at(3)},
		{Purpose: crm.PurposeMarketing, Given: false, Source: crm.ConsentProvided, At: at(5)},
		{Purpose: crm.PurposeService, Channel: crm.ChannelPhone, Given: true, Source: crm.ConsentInferred, At: at(4)},
	}}}
	require.NoError(t, c.Validate())
	k, ok := c.ConsentFor(crm.PurposeMarketing, crm.ChannelEmail)
	require.True(t, ok)
	require.False(t, k.Given, "the newest general record: withdrawn on the 5th")
	k, ok = c.ConsentFor(crm.PurposeMarketing, crm.ChannelSMS)
	require.True(t, ok)
	require.True(t, k.At.Equal(at(3)), "a channel's own record beats a general one")
	_, ok = c.ConsentFor(crm.PurposeService, crm.ChannelEmail)
	require.False(t, ok)
	c.Preferences.Consents = append(c.Preferences.Consents, crm.Consent{Purpose: "spam", Channel: "Pigeon Post", Source: "guessed"})
	err := c.Validate()
	for _, want := range []string{`consents[4].purpose: "spam"`, `consents[4].channel: "Pigeon Post"`, `consents[4].source: "guessed"`, "consents[4].at: must be set"} {
		require.ErrorContains(t, err, want)
	}
}
