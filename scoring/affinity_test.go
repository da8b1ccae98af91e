package scoring_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

// The market-basket example of Tan, Steinbach & Kumar, "Introduction to
// Data Mining", worked by hand.
var handBaskets = [][]string{
	{"bread", "milk"},
	{"bread", "diapers", "beer", "eggs"},
	{"milk", "diapers", "beer", "cola"},
	{"bread", "milk", "diapers", "beer"},
	{"bread", "milk", "diapers", "cola"},
}

func findRule(a *scoring.Affinity, ifs, thens string) *scoring.AssociationRule {
	for i, r := range a.Rules {
		if strings.Join(r.If, ",") == ifs && strings.Join(r.Then, ",") == thens {
			return &a.Rules[i]
		}
	}
	return nil
}

func TestAssociationsByHand(t *testing.T) {
	a, err := scoring.MineAssociations(context.Background(), handBaskets, &scoring.AffinityOptions{MinSupport: 0.4})
	require.NoError(t, err)
	require.Equal(t, 5, a.Baskets)
	counts := map[string]int{}
	for _, s := range a.Itemsets {
		counts[strings.Join(s.Items, ",")] = s.Count
	}
	// Support ≥ 2 of 5: five items (not eggs, bought once), eight pairs and
	// four triples.
	require.Equal(t, map[string]int{
		"beer": 3, "bread": 4, "cola": 2, "diapers": 4, "milk": 4,
		"beer,bread": 2, "beer,diapers": 3, "beer,milk": 2, "bread,diapers": 3, "bread,milk": 3,
		"cola,diapers": 2, "cola,milk": 2, "diapers,milk": 3,
		"beer,bread,diapers": 2, "beer,diapers,milk": 2, "bread,diapers,milk": 2, "cola,diapers,milk": 2,
	}, counts)
	// {milk, diapers} ⇒ {beer}: support 2/5, confidence 2/3, lift (2/3)/(3/5).
	r := findRule(a, "diapers,milk", "beer")
	require.NotNil(t, r)
	require.InDelta(t, 0.4, r.Support, 1e-12)
	require.InDelta(t, 2.0/3, r.Confidence, 1e-12)
	require.InDelta(t, 10.0/9, r.Lift, 1e-12)
	// {beer} ⇒ {diapers}: confidence 1, lift 1/(4/5) = 1.25.
	r = findRule(a, "beer", "diapers")
	require.InDelta(t, 1, r.Confidence, 1e-12)
	require.InDelta(t, 1.25, r.Lift, 1e-12)
	// {beer} ⇒ {diapers, milk}: confidence 2/3, lift (2/3)/(3/5).
	r = findRule(a, "beer", "diapers,milk")
	require.InDelta(t, 10.0/9, r.Lift, 1e-12)
	for i := 1; i < len(a.Rules); i++ {
		require.GreaterOrEqual(t, a.Rules[i-1].Lift, a.Rules[i].Lift)
	}

	// A customer with beer: diapers first (lift 1.25, confidence 1).
	rec := a.Recommend([]string{"beer"}, 2)
	require.Equal(t, "diapers", rec[0].Item)
	require.Len(t, rec, 2)
	require.NotEqual(t, "beer", rec[1].Item)
	// Nothing is recommended that the customer has.
	for _, r := range a.Recommend([]string{"beer", "diapers", "milk", "bread", "cola"}, 5) {
		t.Fatalf("recommended %q to someone who has everything", r.Item)
	}

	filtered, err := scoring.MineAssociations(context.Background(), handBaskets, &scoring.AffinityOptions{MinSupport: 0.4, MinLift: 1.2, MaxSize: 2})
	require.NoError(t, err)
	for _, r := range filtered.Rules {
		require.GreaterOrEqual(t, r.Lift, 1.2)
		require.Len(t, append(r.If, r.Then...), 2)
	}
	require.NotEmpty(t, filtered.Rules)
}

// FP-growth finds exactly the itemsets a brute-force count finds.
func TestAssociationsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for trial := range 20 {
		var baskets [][]string
		for range 50 + rng.IntN(150) {
			var b []string
			for range 1 + rng.IntN(5) {
				// Skewed popularity, with a duplicate now and then.
				b = append(b, fmt.Sprintf("i%d", int(rng.ExpFloat64()*3)%10))
			}
			baskets = append(baskets, b)
		}
		minSupport := []float64{0.02, 0.05, 0.1}[trial%3]
		maxSize := 1 + trial%4
		a, err := scoring.MineAssociations(context.Background(), baskets, &scoring.AffinityOptions{MinSupport: minSupport, MaxSize: maxSize})
		require.NoError(t, err)
		got := map[string]int{}
		for _, s := range a.Itemsets {
			got[strings.Join(s.Items, ",")] = s.Count
		}
		// Brute force: every subset of the ten items up to maxSize.
		want := map[string]int{}
		for mask := 1; mask < 1<<10; mask++ {
			var set []string
			for i := range 10 {
				if mask&(1<<i) != 0 {
					set = append(set, fmt.Sprintf("i%d", i))
				}
			}
			if len(set) > maxSize {
				continue
			}
			c := 0
			for _, b := range baskets {
				all := true
				for _, it := range set {
					if !slices.Contains(b, it) {
						all = false
						break
					}
				}
				if all {
					c++
				}
			}
			if float64(c) >= minSupport*float64(len(baskets))-1e-9 && c > 0 {
				slices.Sort(set)
				want[strings.Join(set, ",")] = c
			}
		}
		require.Equal(t, want, got, "trial %d (support %v, size %d)", trial, minSupport, maxSize)
	}
}

// The generator plants SKU-00040 ⇒ SKU-00041 (0.6), SKU-00075 ⇒ SKU-00120
// (0.5) and SKU-00200 ⇒ SKU-00033 (0.45) among 2,000 products.
func TestAssociationsFindPlantedRules(t *testing.T) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 20_000
	g, err := sampledata.NewGenerator(cfg)
	require.NoError(t, err)
	baskets, err := scoring.TransactionBaskets(context.Background(), g.Transactions())
	require.NoError(t, err)
	a, err := scoring.MineAssociations(context.Background(), baskets, &scoring.AffinityOptions{MinSupport: 0.0005, MaxSize: 2})
	require.NoError(t, err)
	for _, p := range cfg.Associations {
		r := findRule(a, p.If, p.Then)
		require.NotNil(t, r, "%s ⇒ %s not found", p.If, p.Then)
		require.Greater(t, r.Lift, 5.0, "%s ⇒ %s", p.If, p.Then)
		require.InDelta(t, p.Probability, r.Confidence, 0.1, "%s ⇒ %s", p.If, p.Then)
	}
	// The planted rules are the strongest single-item rules of all.
	top := map[string]bool{}
	for _, r := range a.Rules[:6] {
		top[strings.Join(append(slices.Clone(r.If), r.Then...), "+")] = true
	}
	for _, p := range cfg.Associations {
		pair := []string{p.If, p.Then}
		slices.Sort(pair)
		require.True(t, top[pair[0]+"+"+pair[1]] || top[pair[1]+"+"+pair[0]], "%v among the top rules", pair)
	}
	rec := a.Recommend([]string{sampledata.SKU(40), sampledata.SKU(7)}, 3)
	require.Equal(t, sampledata.SKU(41), rec[0].Item)

	// Customer baskets find them too.
	cb, ids, err := scoring.CustomerBaskets(context.Background(), g.Transactions())
	require.NoError(t, err)
	require.Len(t, ids, len(cb))
	ca, err := scoring.MineAssociations(context.Background(), cb, &scoring.AffinityOptions{MinSupport: 0.002, MaxSize: 2})
	require.NoError(t, err)
	r := findRule(ca, sampledata.SKU(40), sampledata.SKU(41))
	require.NotNil(t, r)
	require.Greater(t, r.Lift, 2.0)
}

func TestAssociationOptionsRefused(t *testing.T) {
	_, err := scoring.MineAssociations(context.Background(), handBaskets, &scoring.AffinityOptions{MinSupport: 2, MaxSize: -1, MinConfidence: 1.5, MinLift: -1})
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{"min_support: 2", "max_size: -1", "min_confidence: 1.5", "min_lift: -1"} {
		require.ErrorContains(t, err, want)
	}
	a, err := scoring.MineAssociations(context.Background(), nil, nil)
	require.NoError(t, err)
	require.Empty(t, a.Rules)
}

func TestAffinityJSONRoundTrip(t *testing.T) {
	a, err := scoring.MineAssociations(context.Background(), handBaskets, &scoring.AffinityOptions{MinSupport: 0.4})
	require.NoError(t, err)
	requireJSONRoundTrip(t, a)
	b, err := json.Marshal(a)
	require.NoError(t, err)
	var back scoring.Affinity
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, a.Recommend([]string{"beer"}, 3), back.Recommend([]string{"beer"}, 3))
}

// 999 ordinary baskets and one order of 200 SKUs, with the default options:
// every subset of the big order is "frequent" at one basket in a thousand.
// Mining stops at MaxItemsets with an error saying what to change (it used
// 3 GB over 40 s and ignored a deadline); a deadline is honoured.
func TestAssociationsBoundedOnOneHugeBasket(t *testing.T) {
	baskets := make([][]string, 0, 1000)
	for i := range 999 {
		baskets = append(baskets, []string{fmt.Sprintf("p%d", i%7), fmt.Sprintf("p%d", (i+3)%7)})
	}
	big := make([]string, 200)
	for i := range big {
		big[i] = fmt.Sprintf("sku%03d", i)
	}
	baskets = append(baskets, big)
	_, err := scoring.MineAssociations(context.Background(), baskets, nil)
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "more than MaxItemsets (100000) at MinSupport 0.001 and MaxSize 3: raise MinSupport")

	// With the limits raised out of the way, a deadline still stops it.
	ctx, cancel := context.WithCancel(context.Background())
	at := make(chan time.Time, 1)
	time.AfterFunc(20*time.Millisecond, func() { at <- time.Now(); cancel() })
	_, err = scoring.MineAssociations(ctx, baskets, &scoring.AffinityOptions{MaxItemsets: 1 << 40, MaxRules: 1 << 40})
	require.ErrorIs(t, err, context.Canceled)
	t.Logf("mining returned %v after cancellation", time.Since(<-at))

	// Rules have their own bound.
	_, err = scoring.MineAssociations(context.Background(), baskets[len(baskets)-1:], &scoring.AffinityOptions{MaxSize: 2, MaxRules: 1000})
	require.ErrorContains(t, err, "more than MaxRules (1000)")
	// And ordinary data mine as before.
	a, err := scoring.MineAssociations(context.Background(), baskets[:999], nil)
	require.NoError(t, err)
	require.NotEmpty(t, a.Rules)
}
