package lifecycle_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/lifecycle/lifecycletest"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

var asOf = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

func daysAgo(n int) time.Time { return asOf.AddDate(0, 0, -n) }

func buy(id, customer string, at time.Time, amount string) crm.Transaction {
	return crm.Transaction{ID: id, CustomerID: customer, Time: at, Amount: decimal.RequireFromString(amount), Currency: "USD", Kind: crm.Purchase}
}

func seq[T any](xs ...T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// histories builds hand-made customers whose stages are known.
func histories() ([]crm.Customer, []crm.Transaction) {
	var txs []crm.Transaction
	add := func(c string, amount string, days ...int) {
		for i, d := range days {
			txs = append(txs, buy(c+"-"+string(rune('a'+i)), c, daysAgo(d), amount))
		}
	}
	add("first", "50", 10)                           // one purchase, recent
	add("repeat", "50", 40, 20)                      // two purchases, gap 20 days, 20 ago
	add("loyal", "50", 100, 80, 60, 40, 20)          // five, regular
	add("advocate", "50", 100, 80, 60, 40, 20)       // five, and refers friends
	add("atrisk", "100", 300, 270, 240, 210, 60, 30) // still buying, but far less than before
	add("lapsed", "50", 400, 380, 360)               // gap 20, silent for 360 days
	add("back", "50", 400, 380, 360, 5)              // lapsed, bought again
	txs = append(txs, buy("atrisk-x", "atrisk", daysAgo(200), "900"), buy("atrisk-y", "atrisk", daysAgo(180), "900"))
	var cs []crm.Customer
	for _, id := range []string{"prospect", "first", "repeat", "loyal", "advocate", "atrisk", "lapsed", "back"} {
		cs = append(cs, crm.Customer{ID: id, Name: strings.ToUpper(id[:1]) + id[1:], CreatedAt: daysAgo(500)})
	}
	return cs, txs
}

func sortByCustomer(txs []crm.Transaction) []crm.Transaction {
	byID := map[string][]crm.Transaction{}
	var order []string
	for _, tx := range txs {
		if _, ok := byID[tx.CustomerID]; !ok {
			order = append(order, tx.CustomerID)
		}
		byID[tx.CustomerID] = append(byID[tx.CustomerID], tx)
	}
	var out []crm.Transaction
	for _, id := range order {
		out = append(out, byID[id]...)
	}
	return out
}

func classifyAll(t *testing.T, previous map[string]string) map[string]lifecycle.Classification {
	ctx := context.Background()
	cs, txs := histories()
	txs = sortByCustomer(txs)
	sums, err := scoring.Summarize(ctx, seq(txs...), asOf, nil)
	require.NoError(t, err)
	scores := segment.Scores{Summaries: sums}
	churn, err := lifecycle.Churn(ctx, seq(txs...), scores, asOf, nil)
	require.NoError(t, err)
	in := lifecycle.Inputs{Scores: scores, Churn: churn, Previous: previous,
		Advocacy: map[string]lifecycle.Advocacy{"advocate": {Referrals: 2, NPS: 10, NPSAnswered: true}, "loyal": {NPS: 7, NPSAnswered: true}}}
	c, err := lifecycle.NewClassifier(lifecycle.Schema(), nil)
	require.NoError(t, err)
	got, err := c.ClassifyAll(ctx, lifecycle.StageProfiles(ctx, seq(cs...), in, lifecycle.Schema(), asOf))
	require.NoError(t, err)
	out := map[string]lifecycle.Classification{}
	for _, cl := range got {
		out[cl.CustomerID] = cl
	}
	return out
}

func TestEveryDefaultStageIsReached(t *testing.T) {
	got := classifyAll(t, map[string]string{"back": lifecycle.Lapsed})
	want := map[string]string{
		"prospect": lifecycle.Prospect, "first": lifecycle.FirstTimeBuyer, "repeat": lifecycle.RepeatBuyer,
		"loyal": lifecycle.Loyal, "advocate": lifecycle.Advocate, "atrisk": lifecycle.AtRisk,
		"lapsed": lifecycle.Lapsed, "back": lifecycle.Reactivated,
	}
	for id, stage := range want {
		require.Equal(t, stage, got[id].Stage, id)
		require.Equal(t, asOf, got[id].AsOf)
	}
	require.Equal(t, "churned = true", got["lapsed"].Reason)
	// Without the record of having lapsed, the returning customer is
	// simply a repeat buyer.
	require.Equal(t, lifecycle.RepeatBuyer, classifyAll(t, nil)["back"].Stage)
}

func TestAbsoluteAndRelativeChurn(t *testing.T) {
	ctx := context.Background()
	_, txs := histories()
	txs = sortByCustomer(txs)
	sums, err := scoring.Summarize(ctx, seq(txs...), asOf, nil)
	require.NoError(t, err)
	values := []scoring.CustomerValue{{CustomerID: "lapsed", CLV: crm.MoneyFromFloat(12.5, "USD"), Alive: 0.6}, {CustomerID: "loyal", Alive: 0.1}}
	churn, err := lifecycle.Churn(ctx, seq(txs...), segment.Scores{Summaries: sums, Values: values}, asOf, nil)
	require.NoError(t, err)
	by := map[string]lifecycle.ChurnSignal{}
	for _, c := range churn {
		by[c.CustomerID] = c
	}
	lapsed := by["lapsed"]
	require.True(t, lapsed.Absolute)
	require.False(t, lapsed.Relative, "no spend in either window: nothing to compare")
	require.InDelta(t, 20, lapsed.TypicalGapDays, 1e-9)
	require.InDelta(t, 18, lapsed.GapRatio, 1e-9)
	require.Contains(t, lapsed.Reasons[0], "no purchase for 360 days, 18.0 times the usual 20")
	require.Equal(t, "12.50 USD", lapsed.AtStake.String())
	require.True(t, lapsed.Valued)
	require.False(t, by["atrisk"].Valued, "no value given: no P(alive), not a sentinel")
	// loyal's P(alive) of 0.1 is absolute churn, unless the policy ignores
	// P(alive) and looks at purchase gaps alone.
	require.True(t, by["loyal"].Absolute)
	require.Contains(t, by["loyal"].Reasons[0], "P(alive) 0.10 below 0.20")
	gapsOnly, err := lifecycle.Churn(ctx, seq(txs...), segment.Scores{Summaries: sums, Values: values}, asOf, &lifecycle.ChurnPolicy{IgnorePAlive: true})
	require.NoError(t, err)
	for _, c := range gapsOnly {
		if c.CustomerID == "loyal" {
			require.False(t, c.Absolute || c.Warning, "%+v", c)
		}
	}

	// Window spends do not depend on the order of the transactions: as
	// histories makes them (one customer's split in two runs) and reversed.
	_, raw := histories()
	reversed := slices.Clone(raw)
	slices.Reverse(reversed)
	for _, order := range [][]crm.Transaction{raw, reversed} {
		again, err := lifecycle.Churn(ctx, seq(order...), segment.Scores{Summaries: sums, Values: values}, asOf, nil)
		require.NoError(t, err)
		require.Equal(t, churn, again)
	}

	// atrisk spent 1,800 + 100·… in the 180-day baseline (days 270..90 ago:
	// 100 at 240 and 210, 900 at 200 and 180) and 200 in the last 90 days:
	// the daily rate fell from 2000/180 to 200/90, by 80%.
	atrisk := by["atrisk"]
	require.False(t, atrisk.Absolute)
	require.True(t, atrisk.Relative)
	require.InDelta(t, 200, atrisk.RecentSpend, 1e-9)
	require.InDelta(t, 2000, atrisk.BaselineSpend, 1e-9)
	require.InDelta(t, (200.0/90)/(2000.0/180)-1, atrisk.Change, 1e-12)
	require.Contains(t, strings.Join(atrisk.Reasons, "; "), "spend rate down 80%")

	// By purchases: 4 in the baseline (240, 210, 200, 180 days ago), 2 in
	// the last 90: the rate per day fell from 4/180 to 2/90, not at all.
	byCount, err := lifecycle.Churn(ctx, seq(txs...), segment.Scores{Summaries: sums}, asOf, &lifecycle.ChurnPolicy{Measure: lifecycle.ByPurchases})
	require.NoError(t, err)
	for _, c := range byCount {
		if c.CustomerID == "atrisk" {
			require.Equal(t, 2, c.RecentPurchases)
			require.Equal(t, 4, c.BaselinePurchases)
			require.InDelta(t, 0, c.Change, 1e-12)
			require.False(t, c.Relative, "fewer dollars, not fewer purchases")
		}
	}
	_, err = lifecycle.Churn(ctx, seq(txs...), segment.Scores{Summaries: sums}, asOf, &lifecycle.ChurnPolicy{Measure: "visits"})
	require.ErrorIs(t, err, crm.ErrInvalid)

	// P(alive) below the threshold is absolute churn whatever the gaps say.
	require.True(t, by["loyal"].Absolute)
	require.Contains(t, by["loyal"].Reasons[0], "P(alive) 0.10 below 0.20")
	require.False(t, by["repeat"].Absolute || by["repeat"].Relative || by["repeat"].Warning)
}

func TestTrackerTransitions(t *testing.T) {
	ctx := context.Background()
	store := lifecycle.NewMemoryStore()
	tr, err := lifecycle.NewTracker(store, nil)
	require.NoError(t, err)
	at := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	apply := func(stage string, d int) (bool, error) {
		return tr.Apply(ctx, lifecycle.Classification{CustomerID: "c", Stage: stage, Reason: "test", AsOf: at(d)})
	}
	for _, step := range []struct {
		stage string
		day   int
		moved bool
	}{
		{lifecycle.Prospect, 1, true},
		{lifecycle.Prospect, 2, false},    // same stage: nothing
		{lifecycle.RepeatBuyer, 3, true},  // skipping ahead is fine
		{lifecycle.RepeatBuyer, 3, false}, // re-run at the same asOf
		{lifecycle.Loyal, 3, false},       // anything at the same asOf: nothing
		{lifecycle.AtRisk, 5, true},       // regression through at risk
		{lifecycle.Lapsed, 8, true},
		{lifecycle.Reactivated, 20, true}, // the only way out of lapsed
		{lifecycle.Loyal, 25, true},
	} {
		moved, err := apply(step.stage, step.day)
		require.NoError(t, err, "%+v", step)
		require.Equal(t, step.moved, moved, "%+v", step)
	}
	// Illegal moves name the allowed ones and change nothing.
	_, err = apply(lifecycle.RepeatBuyer, 26)
	var ie *crm.TransitionError
	require.True(t, errors.As(err, &ie))
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.Equal(t, "lifecycle: customer \"c\": loyal → repeat_buyer is not allowed; allowed from loyal: advocate, at_risk, lapsed", err.Error())
	state, err := store.State(ctx, "c")
	require.NoError(t, err)
	require.Equal(t, lifecycle.Loyal, state.Stage)
	_, err = apply(lifecycle.Prospect, 1)
	require.ErrorContains(t, err, "older than the state")
	_, err = tr.Apply(ctx, lifecycle.Classification{CustomerID: "c", Stage: "vip", AsOf: at(30)})
	require.ErrorContains(t, err, `unknown stage "vip"`)
	// From lapsed only reactivation.
	tr2, err := lifecycle.NewTracker(lifecycle.NewMemoryStore(), nil)
	require.NoError(t, err)
	_, err = tr2.Apply(ctx, lifecycle.Classification{CustomerID: "d", Stage: lifecycle.Lapsed, AsOf: at(1)})
	require.NoError(t, err)
	_, err = tr2.Apply(ctx, lifecycle.Classification{CustomerID: "d", Stage: lifecycle.Loyal, AsOf: at(2)})
	require.ErrorContains(t, err, "allowed from lapsed: reactivated")

	var hist []string
	for h, err := range store.CustomerTransitions(ctx, "c") {
		require.NoError(t, err)
		hist = append(hist, h.From+"→"+h.To)
	}
	require.Equal(t, []string{"→prospect", "prospect→repeat_buyer", "repeat_buyer→at_risk", "at_risk→lapsed", "lapsed→reactivated", "reactivated→loyal"}, hist)
	in, err := tr.TimeInStage(ctx, "c", at(30))
	require.NoError(t, err)
	require.Equal(t, 5*24*time.Hour, in)
	flows, err := lifecycle.Flows(ctx, store, time.Time{}, at(31))
	require.NoError(t, err)
	require.Len(t, flows, 6)
	require.Equal(t, lifecycle.Flow{From: "", To: lifecycle.Prospect, Count: 1}, flows[0])
	// The natural call gives the natural answer: the moves after the first
	// date up to and including the second, whose moves were recorded at
	// exactly that time.
	flows, err = lifecycle.Flows(ctx, store, at(1), at(25))
	require.NoError(t, err)
	require.Len(t, flows, 5, "the first stage at day 1 is not a move since day 1")
	require.NotContains(t, flows, lifecycle.Flow{From: "", To: lifecycle.Prospect, Count: 1})
	require.Contains(t, flows, lifecycle.Flow{From: lifecycle.Reactivated, To: lifecycle.Loyal, Count: 1}, "the move recorded at day 25 counts")
	flows, err = lifecycle.Flows(ctx, store, at(20), at(25))
	require.NoError(t, err)
	require.Equal(t, []lifecycle.Flow{{From: lifecycle.Reactivated, To: lifecycle.Loyal, Count: 1}}, flows)
	flows, err = lifecycle.Flows(ctx, store, at(25), at(31))
	require.NoError(t, err)
	require.Empty(t, flows)

	moved, illegal, err := tr.ApplyAll(ctx, []lifecycle.Classification{
		{CustomerID: "e", Stage: lifecycle.Prospect, AsOf: at(1)},
		{CustomerID: "e", Stage: lifecycle.Lapsed, AsOf: at(2)},
		{CustomerID: "e", Stage: lifecycle.FirstTimeBuyer, AsOf: at(3)},
	})
	require.NoError(t, err)
	require.Equal(t, 2, moved)
	require.Len(t, illegal, 1)
	require.Equal(t, lifecycle.Lapsed, illegal[0].To)
}

func TestPolicyValidationAndMermaid(t *testing.T) {
	p := lifecycle.DefaultPolicy()
	require.NoError(t, p.Validate())
	m := p.Mermaid()
	require.True(t, strings.HasPrefix(m, "stateDiagram-v2\n"))
	require.Contains(t, m, "    [*] --> prospect\n")
	require.Contains(t, m, "    lapsed --> reactivated\n")
	require.NotContains(t, m, "lapsed --> loyal")
	bad := &lifecycle.Policy{Stages: []lifecycle.Stage{{Name: "a", Rule: "x >"}, {Name: "a", Rule: "y = 1"}}, Allowed: map[string][]string{"a": {"b"}, "z": nil}}
	err := bad.Validate()
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{`stages[0] "a": segment: line 1, column 4`, `stages[1] "a": duplicate name`, `"a" → unknown stage "b"`, `unknown stage "z"`} {
		require.ErrorContains(t, err, want)
	}
	_, err = lifecycle.NewClassifier(lifecycle.Schema(), &lifecycle.Options{Policy: &lifecycle.Policy{Stages: []lifecycle.Stage{{Name: "a", Rule: "nope = 1"}}}})
	require.ErrorContains(t, err, `unknown field in "nope = 1"`)
}

func TestMemoryStoreConformance(t *testing.T) {
	lifecycletest.TestStore(t, crmtest.Harness[lifecycle.Store]{New: func(t *testing.T) lifecycle.Store { return lifecycle.NewMemoryStore() }})
}

func TestDefinitionsRoundTripJSON(t *testing.T) {
	roundTrip := func(v, into any) {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, into))
	}
	var p lifecycle.Policy
	roundTrip(lifecycle.DefaultPolicy(), &p)
	require.Equal(t, *lifecycle.DefaultPolicy(), p)
	m := lifecycle.Moment{Name: "service", Kind: lifecycle.UsageOrTime, Anchor: "last_service", After: lifecycle.Offset{Months: 12}, Usage: 12000, Unit: "miles", Hour: 8}
	var m2 lifecycle.Moment
	roundTrip(m, &m2)
	require.Equal(t, m, m2)
	pl := lifecycle.Play{Name: "p", Stage: lifecycle.Loyal, Channels: []crm.Channel{crm.ChannelEmail}, Subject: "s", Brief: "b", Personal: "q"}
	var pl2 lifecycle.Play
	roundTrip(pl, &pl2)
	require.Equal(t, pl, pl2)
}

// The documented way to previous stages: the tracker reads them from its
// store in one stream. A customer recorded as lapsed who buys again is
// reactivated; classifying again at the same time sees the same previous
// stages and records nothing new.
func TestTrackerStagesFeedReactivation(t *testing.T) {
	ctx := context.Background()
	tr, err := lifecycle.NewTracker(lifecycle.NewMemoryStore(), nil)
	require.NoError(t, err)
	earlier := asOf.AddDate(0, -3, 0)
	_, illegal, err := tr.ApplyAll(ctx, []lifecycle.Classification{
		{CustomerID: "back", Stage: lifecycle.Lapsed, AsOf: earlier},
		{CustomerID: "loyal", Stage: lifecycle.RepeatBuyer, AsOf: earlier.AddDate(0, 0, -30)},
		{CustomerID: "loyal", Stage: lifecycle.Loyal, AsOf: earlier},
	})
	require.NoError(t, err)
	require.Empty(t, illegal)
	previous, err := tr.Stages(ctx, asOf)
	require.NoError(t, err)
	require.Equal(t, map[string]string{"back": lifecycle.Lapsed, "loyal": lifecycle.Loyal}, previous)

	got := classifyAll(t, previous)
	require.Equal(t, lifecycle.Reactivated, got["back"].Stage)
	var now []lifecycle.Classification
	for _, c := range got {
		now = append(now, c)
	}
	moved, illegal, err := tr.ApplyAll(ctx, now)
	require.NoError(t, err)
	require.Empty(t, illegal)
	require.Positive(t, moved)
	again, err := tr.Stages(ctx, asOf)
	require.NoError(t, err)
	require.Equal(t, previous, again, "moves recorded at asOf are not previous to asOf")
	moved, _, err = tr.ApplyAll(ctx, slices.Collect(maps.Values(classifyAll(t, again))))
	require.NoError(t, err)
	require.Zero(t, moved, "idempotent at the same time")
	after, err := tr.Stages(ctx, asOf.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, lifecycle.Reactivated, after["back"])
}

// A customer never asked the NPS question has no nps in the profile — not
// a 0, which would make them a detractor; an answer out of range is an
// error naming the customer.
func TestAdvocacyNotAskedIsNotADetractor(t *testing.T) {
	ctx := context.Background()
	cs := []crm.Customer{{ID: "asked", CreatedAt: daysAgo(10)}, {ID: "not-asked", CreatedAt: daysAgo(10)}}
	in := lifecycle.Inputs{Advocacy: map[string]lifecycle.Advocacy{
		"asked": {NPS: 0, NPSAnswered: true}, "not-asked": {Referrals: 2},
	}}
	nps := map[string]any{}
	for p, err := range lifecycle.StageProfiles(ctx, seq(cs...), in, lifecycle.Schema(), asOf) {
		require.NoError(t, err)
		v, ok := p.Get("nps")
		if ok {
			nps[p.CustomerID] = v
		}
		r, ok := p.Get("referrals")
		require.True(t, ok)
		require.Equal(t, map[string]float64{"asked": 0, "not-asked": 2}[p.CustomerID], r)
	}
	require.Equal(t, map[string]any{"asked": 0.0}, nps)
	for _, bad := range []lifecycle.Advocacy{{NPS: 11, NPSAnswered: true}, {NPS: math.NaN(), NPSAnswered: true}, {Referrals: -1}} {
		in.Advocacy["asked"] = bad
		var err error
		for _, e := range lifecycle.StageProfiles(ctx, seq(cs...), in, lifecycle.Schema(), asOf) {
			if e != nil {
				err = e
				break
			}
		}
		require.ErrorIs(t, err, crm.ErrInvalid, "%+v", bad)
		require.ErrorContains(t, err, `profile of "asked"`)
	}
}

// A classification at a time no store keeps is refused before the store.
func TestTrackerRefusesFarTimes(t *testing.T) {
	store := lifecycle.NewMemoryStore()
	tr, err := lifecycle.NewTracker(store, nil)
	require.NoError(t, err)
	for _, at := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)} {
		_, err = tr.Apply(context.Background(), lifecycle.Classification{CustomerID: "c1", Stage: "prospect", AsOf: at})
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, "outside 1–9999")
	}
	_, err = store.State(context.Background(), "c1")
	require.ErrorIs(t, err, crm.ErrNotFound)
}

// storeOnly hides the memory store's StateLister: the tracker reads each
// state on its own.
type storeOnly struct{ lifecycle.Store }

// ApplyAll through a StateLister (one stream of states merged with
// classifications in customer order) decides exactly what it decides
// reading each customer's state: the same moves, the same refusals in the
// same order, the same states and histories — repeats of a customer in one
// batch included — and an unsorted batch still works.
func TestApplyAllStreamingStatesAgrees(t *testing.T) {
	ctx := context.Background()
	stages := []string{}
	for _, s := range lifecycle.DefaultPolicy().Stages {
		stages = append(stages, s.Name)
	}
	streamed, single := lifecycle.NewMemoryStore(), lifecycle.NewMemoryStore()
	trS, err := lifecycle.NewTracker(streamed, nil)
	require.NoError(t, err)
	tr1, err := lifecycle.NewTracker(storeOnly{single}, nil)
	require.NoError(t, err)
	seed := uint64(7)
	rnd := func(n int) int { // a small LCG: reproducible, no shared state
		seed = seed*6364136223846793005 + 1442695040888963407
		return int(seed>>33) % n
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range 8 {
		var cs []lifecycle.Classification
		for c := range 300 {
			if rnd(3) == 0 {
				continue // not every customer every round
			}
			id := "c" + string(rune('a'+c%26)) + strings.Repeat("x", c/26)
			for k := range 1 + rnd(2) { // sometimes twice in a batch
				cs = append(cs, lifecycle.Classification{CustomerID: id, Stage: stages[rnd(len(stages))],
					AsOf: at.AddDate(0, 0, 10*round).Add(time.Duration(k) * time.Hour), Reason: "round"})
			}
		}
		slices.SortStableFunc(cs, func(a, b lifecycle.Classification) int { return strings.Compare(a.CustomerID, b.CustomerID) })
		if round == 5 {
			// Unsorted (each customer's own order kept): the per-customer
			// path, on both.
			slices.SortStableFunc(cs, func(a, b lifecycle.Classification) int { return strings.Compare(b.CustomerID, a.CustomerID) })
		}
		m1, ill1, err1 := trS.ApplyAll(ctx, cs)
		m2, ill2, err2 := tr1.ApplyAll(ctx, cs)
		require.NoError(t, err1)
		require.NoError(t, err2)
		require.Equal(t, m2, m1, "round %d: moves", round)
		require.Equal(t, fmt.Sprint(ill2), fmt.Sprint(ill1), "round %d: refusals", round)
		require.Positive(t, m1+len(ill1), "round %d decides something", round)
	}
	var a, b []lifecycle.State
	for s, err := range streamed.States(ctx) {
		require.NoError(t, err)
		a = append(a, s)
	}
	for s, err := range single.States(ctx) {
		require.NoError(t, err)
		b = append(b, s)
	}
	require.Equal(t, b, a)
	for _, s := range a {
		require.Equal(t, slices.Collect(keys(single.CustomerTransitions(ctx, s.CustomerID))), slices.Collect(keys(streamed.CustomerTransitions(ctx, s.CustomerID))))
	}
}

func keys(seq iter.Seq2[lifecycle.Transition, error]) iter.Seq[string] {
	return func(yield func(string) bool) {
		for tr, err := range seq {
			if !yield(fmt.Sprint(tr, err)) {
				return
			}
		}
	}
}

// A classification ApplyAll refuses (an unknown stage here) stops it with
// the moves before it made, whether the store takes moves in batches or
// one at a time.
func TestApplyAllStopsWithTheMovesBeforeMade(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	cs := []lifecycle.Classification{
		{CustomerID: "a", Stage: "prospect", AsOf: at},
		{CustomerID: "b", Stage: "prospect", AsOf: at},
		{CustomerID: "c", Stage: "no such stage", AsOf: at},
		{CustomerID: "d", Stage: "prospect", AsOf: at},
	}
	for name, store := range map[string]lifecycle.Store{"batches": lifecycle.NewMemoryStore(), "one at a time": storeOnly{lifecycle.NewMemoryStore()}} {
		tr, err := lifecycle.NewTracker(store, nil)
		require.NoError(t, err)
		moved, _, err := tr.ApplyAll(ctx, cs)
		require.ErrorIs(t, err, crm.ErrInvalid, name)
		require.ErrorContains(t, err, "no such stage", name)
		require.Equal(t, 2, moved, name)
		for _, id := range []string{"a", "b"} {
			st, err := store.State(ctx, id)
			require.NoError(t, err, "%s: %s", name, id)
			require.Equal(t, "prospect", st.Stage)
		}
		_, err = store.State(ctx, "d")
		require.ErrorIs(t, err, crm.ErrNotFound, "%s: nothing after the refusal", name)
	}
}
