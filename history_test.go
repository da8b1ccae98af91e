package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestChanges(t *testing.T) {
	at := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	old := crm.Customer{ID: "ana", Name: "Ana", CreatedAt: at, Tags: []string{"vip"}, Version: 3,
		Attributes:  map[string]crm.Value{"shoe_size": crm.NumberValue(38), "club": crm.StringValue("gold")},
		Preferences: crm.Preferences{Channels: []crm.Channel{crm.ChannelEmail}}}
	require.Empty(t, crm.Changes(old, old))
	bumped := old
	bumped.Version, bumped.UpdatedAt = 4, at.AddDate(0, 1, 0)
	require.Empty(t, crm.Changes(old, bumped), "the store's bookkeeping is not a change")
	new := old
	new.Name, new.Tags = "Ana Ruiz", nil
	new.Attributes = map[string]crm.Value{"shoe_size": crm.NumberValue(39), "newsletter": crm.BoolValue(true)}
	new.Preferences.Channels = []crm.Channel{crm.ChannelPhone, crm.ChannelEmail}
	new.Preferences.DoNotContact = true
	require.Equal(t, []crm.Change{
		{Field: "attributes.club", From: `"gold"`},
		{Field: "attributes.newsletter", To: `true`},
		{Field: "attributes.shoe_size", From: `38`, To: `39`},
		{Field: "name", From: `"Ana"`, To: `"Ana Ruiz"`},
		{Field: "preferences.channels", From: `["email"]`, To: `["phone","email"]`},
		{Field: "preferences.do_not_contact", To: `true`},
		{Field: "tags", From: `["vip"]`},
	}, crm.Changes(old, new))
}

func TestUpdatedAtNotBeforeCreatedAt(t *testing.T) {
	at := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
	c := crm.Customer{ID: "ana", CreatedAt: at, UpdatedAt: at.Add(-time.Hour)}
	require.ErrorContains(t, c.Validate(), "updated_at: 2025-01-01T23:00:00Z is before created_at 2025-01-02T00:00:00Z")
	c.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	require.ErrorContains(t, c.Validate(), "updated_at")
	c.UpdatedAt = at
	require.NoError(t, c.Validate())
}
