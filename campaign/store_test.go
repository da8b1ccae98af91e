package campaign_test

import (
	"testing"

	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/campaign/campaigntest"
	"github.com/crmkit/crm/crmtest"
)

func TestMemoryStore(t *testing.T) {
	campaigntest.TestStore(t, crmtest.Harness[campaign.Store]{New: func(*testing.T) campaign.Store { return campaign.NewMemoryStore() }})
}

func TestMemoryCampaigns(t *testing.T) {
	campaigntest.TestCampaignStore(t, crmtest.Harness[campaign.CampaignStore]{New: func(*testing.T) campaign.CampaignStore { return campaign.NewMemoryCampaigns() }})
}

// TestMemoryStoreCollisions runs the contract on a store where every ID
// collides with half of the others: lookups must compare IDs, not trust
// the hash.
func TestMemoryStoreCollisions(t *testing.T) {
	campaigntest.TestStore(t, crmtest.Harness[campaign.Store]{New: func(*testing.T) campaign.Store { return campaign.NewCollidingMemoryStore() }})
}
