package feedback_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// routingDesk has a key-account team serving Platinum and Gold (one
// senior, one junior), a generalist, and two agents who do win-back calls
// (one senior); Platinum complaints go to senior key-account agents and
// win-back calls to senior agents.
func routingDesk(t testing.TB) (*feedback.Desk, *feedback.MemoryStore) {
	store := feedback.NewMemoryStore()
	agents := []feedback.Agent{
		{Name: "ana", Team: "key-accounts", Tiers: []string{"Platinum", "Gold"}, Seniority: 3},
		{Name: "bo", Team: "key-accounts", Tiers: []string{"Platinum", "Gold"}, Seniority: 1},
		{Name: "cy"},
		{Name: "di", Skills: []string{"win-back"}, Seniority: 4},
		{Name: "ed", Skills: []string{"win-back"}, Seniority: 1},
	}
	routes := []feedback.Route{
		{Tier: "Platinum", Kind: feedback.Complaint, Team: "key-accounts", MinSeniority: 2},
		{Skill: "win-back", MinSeniority: 3},
	}
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	d, err := feedback.NewDesk(store, agents, &feedback.Options{Routes: routes, Clock: func() time.Time { return clock }})
	require.NoError(t, err)
	return d, store
}

func TestRoutingByTierAndSkill(t *testing.T) {
	ctx := context.Background()
	d, store := routingDesk(t)
	owners := func(in feedback.Intake, n int) map[string]int {
		got := map[string]int{}
		for range n {
			o, err := d.Route(ctx, in)
			require.NoError(t, err)
			got[o]++
		}
		return got
	}
	complaint := func(tier string) feedback.Intake {
		return feedback.Intake{CustomerID: "c", Kind: feedback.Complaint, Channel: crm.ChannelPhone, Category: "billing", Tier: tier, Text: "charged twice"}
	}
	require.Equal(t, map[string]int{"ana": 10}, owners(complaint("Platinum"), 10), "a Platinum complaint: the senior key-account agent")
	require.Equal(t, map[string]int{"ana": 2, "bo": 2, "cy": 2, "di": 2, "ed": 2}, owners(complaint("Gold"), 10), "no route: any agent serving Gold, in turn")
	require.Equal(t, map[string]int{"cy": 3, "di": 3, "ed": 3}, owners(complaint("Iron"), 9), "the key-account team serves Platinum and Gold only")
	require.Equal(t, map[string]int{"cy": 3, "di": 3, "ed": 3}, owners(complaint(""), 9), "an item without a tier goes to agents who serve any")
	winBack := feedback.Intake{CustomerID: "c", Kind: feedback.Inquiry, Channel: crm.ChannelPhone, Category: "lapsed", Skill: "win-back", Tier: "Gold", Text: "call back"}
	require.Equal(t, map[string]int{"di": 4}, owners(winBack, 4), "a win-back call: the senior agent with the skill")

	// Submit assigns the same way, and records the owner.
	it, _, err := d.Submit(ctx, complaint("Platinum"), "web")
	require.NoError(t, err)
	require.Equal(t, "ana", it.Owner)
	it, _, err = d.Submit(ctx, winBack, "web")
	require.NoError(t, err)
	require.Equal(t, "di", it.Owner)
	require.Equal(t, "win-back", it.Skill)

	// An item no agent may own is refused, saying why, and nothing is stored.
	spanish := complaint("Gold")
	spanish.Skill = "spanish"
	_, _, err = d.Submit(ctx, spanish, "web")
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `no agent may own a Gold complaint about "billing" needing "spanish"`)
	n := 0
	for _, err := range store.Items(ctx) {
		require.NoError(t, err)
		n++
	}
	require.Equal(t, 2, n)
	_, err = d.Route(ctx, feedback.Intake{Kind: feedback.Complaint, Tier: "platinum"})
	require.ErrorContains(t, err, `tier: "platinum" is not one of the tiers`)
}

// A desk refuses routes and agents it could not work with, each named.
func TestRoutingConfigurationFindings(t *testing.T) {
	_, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{
		{Name: "ana", Team: "key-accounts", Tiers: []string{"Platinum", "Diamond"}},
		{Name: "ana"},
		{Name: "bo", Seniority: -1},
	}, &feedback.Options{Routes: []feedback.Route{
		{Tier: "Platinum", Kind: feedback.Complaint, Team: "key-accounts", MinSeniority: 2},
		{Tier: "Ruby"},
		{Kind: "rant"},
		{Skill: "win-back"},
	}})
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{
		`agents[0] "ana".tiers: "Diamond" is not one of the tiers`,
		`agents[1].name: "ana" twice`,
		`agents[2] "bo".seniority: negative`,
		`routes[0]: no agent can take its items: route 0 (team key-accounts, seniority ≥ 2)`,
		`routes[1].tier: "Ruby" is not one of the tiers`,
		`routes[2].kind: "rant" is not complaint`,
		`routes[3]: no agent can take its items`,
	} {
		require.ErrorContains(t, err, want)
	}
}

// BenchmarkRoute routes 1M intakes of twelve kinds (four tiers, three
// kinds, a skill now and then) over 50 agents in five teams.
func BenchmarkRoute(b *testing.B) {
	tiers := feedback.DefaultTiers()
	d := benchDesk(b, nil)
	kinds := []feedback.Kind{feedback.Complaint, feedback.Inquiry, feedback.Suggestion}
	intakes := make([]feedback.Intake, 1_000_000)
	for i := range intakes {
		intakes[i] = feedback.Intake{CustomerID: "c", Kind: kinds[i%3], Channel: crm.ChannelEmail, Category: fmt.Sprintf("cause%d", i%20), Tier: tiers[i%4], Text: "x"}
		if i%10 == 0 {
			intakes[i].Skill = "win-back"
		}
	}
	ctx := context.Background()
	for b.Loop() {
		for i := range intakes {
			if _, err := d.Route(ctx, intakes[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSubmitRouted takes in 1M intakes through Submit — validated,
// routed, numbered and written with their intake event to the memory
// store — over the same agents and routes as BenchmarkRoute.
func BenchmarkSubmitRouted(b *testing.B) {
	tiers := feedback.DefaultTiers()
	kinds := []feedback.Kind{feedback.Complaint, feedback.Inquiry, feedback.Suggestion}
	const n = 1_000_000
	clock := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		d := benchDesk(b, func() time.Time { return clock })
		b.StartTimer()
		for i := range n {
			in := feedback.Intake{CustomerID: "c", Kind: kinds[i%3], Channel: crm.ChannelEmail, Category: "cause", Tier: tiers[i%4], Text: "x"}
			if i%10 == 0 {
				in.Skill = "win-back"
			}
			if _, _, err := d.Submit(ctx, in, "web"); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// benchDesk has 50 agents in five teams, a fifth serving Platinum and
// Gold only, a seventh doing win-back calls, and two routes.
func benchDesk(b *testing.B, clock func() time.Time) *feedback.Desk {
	tiers := feedback.DefaultTiers()
	var agents []feedback.Agent
	for i := range 50 {
		a := feedback.Agent{Name: fmt.Sprintf("agent%02d", i), Team: fmt.Sprintf("team%d", i%5), Seniority: i % 4}
		if i%5 == 0 {
			a.Tiers = tiers[:2]
		}
		if i%7 == 0 {
			a.Skills = []string{"win-back"}
		}
		agents = append(agents, a)
	}
	d, err := feedback.NewDesk(feedback.NewMemoryStore(), agents, &feedback.Options{Clock: clock, Routes: []feedback.Route{
		{Tier: "Platinum", Kind: feedback.Complaint, Team: "team0", MinSeniority: 2},
		{Skill: "win-back", MinSeniority: 3},
	}})
	if err != nil {
		b.Fatal(err)
	}
	return d
}
