package feedback_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

func catalogue() *feedback.Catalogue {
	return &feedback.Catalogue{Entitlements: []feedback.Entitlement{
		{Tier: "Platinum", Services: []string{"priority line", "free collection"}, Channels: []crm.Channel{crm.ChannelPhone, crm.ChannelEmail},
			FirstResponse: time.Hour, Resolution: 8 * time.Hour, AccountManager: true, RemedyBudget: 200},
		{Tier: "Gold", FirstResponse: 4 * time.Hour, Resolution: 24 * time.Hour, AccountManager: true, RemedyBudget: 100},
		{Tier: "Iron", FirstResponse: 8 * time.Hour, RemedyBudget: 50},
		{Tier: "Lead"},
	}}
}

func TestCatalogueFindings(t *testing.T) {
	tiers := feedback.DefaultTiers()
	c := catalogue()
	require.Empty(t, c.Check(tiers, c.SLA()), "a catalogue agrees with its own targets")
	require.Len(t, c.SLA(), 3, "Lead is promised no targets")

	bad := &feedback.Catalogue{Entitlements: []feedback.Entitlement{
		c.Entitlements[0], c.Entitlements[0], // Platinum twice
		{Tier: "Diamond"},
		{Tier: "Gold", FirstResponse: 4 * time.Hour, RemedyBudget: -1, Channels: []crm.Channel{"pigeon post"}},
	}}
	policies := []feedback.SLAPolicy{
		{Tier: "Platinum", FirstResponse: time.Hour, Resolution: 8 * time.Hour},
		{Tier: "Platinum", Severity: feedback.Low, FirstResponse: 2 * time.Hour, Resolution: 8 * time.Hour}, // slower for low severity
		{FirstResponse: 8 * time.Hour},
	}
	var codes []string
	for _, f := range bad.Check(tiers, policies) {
		codes = append(codes, f.Code+" "+f.Tier)
	}
	require.ElementsMatch(t, []string{
		"policy_weaker_than_entitlement Platinum", // first copy: a low-severity item gets 2h
		"entitlement_twice Platinum", "policy_weaker_than_entitlement Platinum",
		"entitlement_unknown_tier Diamond",
		"bad_entitlement Gold", "bad_entitlement Gold", "policy_weaker_than_entitlement Gold", // 8h default against 4h promised
		"tier_without_entitlement Iron", "tier_without_entitlement Lead",
	}, codes)

	// A desk takes its SLA from the catalogue, and refuses one it finds
	// fault with.
	_, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{{Name: "ana"}}, &feedback.Options{Catalogue: bad, SLA: policies})
	require.ErrorContains(t, err, "catalogue: entitlement_unknown_tier (Diamond)")
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	d, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{{Name: "ana"}}, &feedback.Options{Catalogue: c, Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	it, _, err := d.Submit(context.Background(), feedback.Intake{CustomerID: "c", Kind: feedback.Complaint, Channel: crm.ChannelPhone, Category: "x", Tier: "Gold", Text: "x"}, "web")
	require.NoError(t, err)
	first, resolve, ok := d.Deadlines(it, clock)
	require.True(t, ok)
	require.Equal(t, clock.Add(4*time.Hour), first)
	require.Equal(t, clock.Add(24*time.Hour), resolve)
	require.Equal(t, map[string]any{"services": []string{"priority line", "free collection"}, "channels": []string{"phone", "email"},
		"account_manager": true, "first_response_hours": 1.0}, c.Entitlements[0].Data())
}

// A remedy above the tier's budget needs an approver, however much the
// agent may decide alone.
func TestRemedyBudgetPerTier(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	d, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{{Name: "ana", RemedyPerCase: 1000}, {Name: "bo", RemedyPerCase: 1000}},
		&feedback.Options{Catalogue: catalogue(), Approvers: []string{"sam"}, Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	open := func(tier string) feedback.Item {
		it, _, err := d.Submit(ctx, feedback.Intake{CustomerID: "c", Kind: feedback.Complaint, Channel: crm.ChannelPhone, Category: "x", Tier: tier, Text: "x"}, "web")
		require.NoError(t, err)
		for _, s := range []struct {
			a feedback.Action
			c feedback.Content
		}{{feedback.Acknowledge, feedback.Content{Apology: "sorry"}}, {feedback.Investigate, feedback.Content{}}} {
			it, err = d.Step(ctx, it.ID, s.a, s.c, "ana")
			require.NoError(t, err)
		}
		return it
	}
	gold := open("Gold")
	gold, err = d.Step(ctx, gold.ID, feedback.ProposeFix, feedback.Content{Facts: "f", Remedy: "r", Cost: 150}, "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.AwaitingApproval, gold.State, "150 > Gold's budget of 100")
	_, err = d.Step(ctx, gold.ID, feedback.Approve, feedback.Content{}, "bo")
	require.ErrorContains(t, err, "above the Gold tier's budget of 100.00 a case: an approver (sam) decides")
	gold, err = d.Step(ctx, gold.ID, feedback.Approve, feedback.Content{}, "sam")
	require.NoError(t, err)
	require.Equal(t, "sam", gold.AuthorisedBy)
	plat := open("Platinum")
	plat, err = d.Step(ctx, plat.ID, feedback.ProposeFix, feedback.Content{Facts: "f", Remedy: "r", Cost: 150}, "ana")
	require.NoError(t, err)
	require.Equal(t, feedback.RemedyProposed, plat.State, "within Platinum's budget and ana's authority")
}

func TestCostToServeAndManagers(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	store := feedback.NewMemoryStore()
	d, err := feedback.NewDesk(store, []feedback.Agent{{Name: "ana", RemedyPerCase: 100}}, &feedback.Options{Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	submit := func(customer, tier string) feedback.Item {
		it, _, err := d.Submit(ctx, feedback.Intake{CustomerID: customer, Kind: feedback.Complaint, Channel: crm.ChannelPhone, Category: "x", Tier: tier, Text: "x"}, "web")
		require.NoError(t, err)
		return it
	}
	// Gold: one item with four steps and a remedy of 60; Iron: two items,
	// one acknowledged.
	g := submit("g1", "Gold")
	for _, s := range []struct {
		a feedback.Action
		c feedback.Content
	}{{feedback.Acknowledge, feedback.Content{Apology: "sorry"}}, {feedback.Investigate, feedback.Content{}},
		{feedback.ProposeFix, feedback.Content{Facts: "f", Remedy: "r", Cost: 60}}, {feedback.Accept, feedback.Content{Decision: "yes"}}} {
		_, err := d.Step(ctx, g.ID, s.a, s.c, "ana")
		require.NoError(t, err)
	}
	i1 := submit("i1", "Iron")
	_, err = d.Step(ctx, i1.ID, feedback.Acknowledge, feedback.Content{Apology: "sorry"}, "ana")
	require.NoError(t, err)
	submit("i2", "Iron")
	costs, err := feedback.CostToServe(ctx, store.Items(ctx), store.ItemEvents, clock.AddDate(0, 0, -1), clock.AddDate(0, 0, 1), feedback.CostOptions{PerItem: 5, PerStep: 10})
	require.NoError(t, err)
	require.Equal(t, []feedback.TierCost{
		{Tier: "Gold", Items: 1, Steps: 4, Remedies: 60, Cost: 5 + 40 + 60, PerItem: 105},
		{Tier: "Iron", Items: 2, Steps: 1, Cost: 10 + 10, PerItem: 10},
	}, costs)

	// Account managers: Platinum and Gold customers need one.
	customers := []crm.Customer{
		{ID: "g1", Preferences: crm.Preferences{AccountManager: "tom"}},
		{ID: "g2"}, {ID: "p1"}, {ID: "p2", Preferences: crm.Preferences{AccountManager: "tom"}},
		{ID: "i1", Preferences: crm.Preferences{AccountManager: "uma"}}, {ID: "i2"},
	}
	tiers := map[string]string{"g1": "Gold", "g2": "Gold", "p1": "Platinum", "p2": "Platinum", "i1": "Iron", "i2": "Iron"}
	stream := func(yield func(crm.Customer, error) bool) {
		for _, c := range customers {
			if !yield(c, nil) {
				return
			}
		}
	}
	cov, err := feedback.AccountManagers(stream, func(id string) string { return tiers[id] }, catalogue(), store.Items(ctx))
	require.NoError(t, err)
	require.Equal(t, feedback.Coverage{
		Managers: []feedback.Manager{
			{Name: "tom", Customers: 2, ByTier: map[string]int{"Gold": 1, "Platinum": 1}, OpenItems: 1}, // g1's item
			{Name: "uma", Customers: 1, ByTier: map[string]int{"Iron": 1}, OpenItems: 1},
		},
		Uncovered: []string{"g2", "p1"},
	}, cov)
	assigned, err := feedback.AssignManagers(cov, []string{"tom", "uma", "vic"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"g2": "vic", "p1": "uma"}, assigned, "the smallest portfolios first: vic (0), then uma (1) before tom (2)")
	_, err = feedback.AssignManagers(cov, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
}
