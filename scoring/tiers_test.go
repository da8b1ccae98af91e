package scoring_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/scoring"
)

// tenCustomers: c01 worth 100 down to c10 worth 10, in shuffled order.
func tenCustomers() ([]string, []float64) {
	ids := make([]string, 10)
	values := make([]float64, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%02d", i+1)
		values[i] = float64(100 - 10*i)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	rng.Shuffle(10, func(i, j int) { ids[i], ids[j] = ids[j], ids[i]; values[i], values[j] = values[j], values[i] })
	return ids, values
}

func tierMembers(ids []string, res *scoring.Tiering, k int) []string {
	var out []string
	for _, i := range res.Ranked {
		if res.Of[i] == k {
			out = append(out, ids[i])
		}
	}
	return out
}

func TestTiersByHand(t *testing.T) {
	ids, values := tenCustomers()
	abc := func(method scoring.TierMethod, a, b scoring.Tier) scoring.TierSpec {
		a.Name, b.Name = "A", "B"
		return scoring.TierSpec{Method: method, Tiers: []scoring.Tier{a, b, {Name: "C", Strategy: "automate"}}}
	}

	// Customer shares 10% / 20% / rest of 10 customers: 1, 2, 7.
	res, err := scoring.AssignTiers(ids, values, abc(scoring.ByCustomerShare, scoring.Tier{Share: 0.1}, scoring.Tier{Share: 0.2}))
	require.NoError(t, err)
	require.Equal(t, []string{"c01"}, tierMembers(ids, res, 0))
	require.Equal(t, []string{"c02", "c03"}, tierMembers(ids, res, 1))
	require.Len(t, tierMembers(ids, res, 2), 7)
	a, b, c := res.Reports[0], res.Reports[1], res.Reports[2]
	require.Equal(t, 100.0, a.Value)
	require.InDelta(t, 100.0/550, a.ValueShare, 1e-12)
	require.Equal(t, 170.0, b.Value)
	require.Equal(t, [2]float64{80, 90}, [2]float64{b.MinValue, b.MaxValue})
	require.Equal(t, 280.0, c.Value)
	require.Equal(t, 0.7, c.CustomerShare)
	require.Equal(t, "automate", c.Tier.Strategy)
	require.InDelta(t, 1, a.ValueShare+b.ValueShare+c.ValueShare, 1e-12)

	// Value shares 30% / 40% / rest of 550: A closes at 165, B at 385. c01
	// and c02 start below 165; c03 starts at 190, c05 at 340 < 385, c06 at
	// 400.
	res, err = scoring.AssignTiers(ids, values, abc(scoring.ByValueShare, scoring.Tier{Share: 0.3}, scoring.Tier{Share: 0.4}))
	require.NoError(t, err)
	require.Equal(t, []string{"c01", "c02"}, tierMembers(ids, res, 0))
	require.Equal(t, []string{"c03", "c04", "c05"}, tierMembers(ids, res, 1))
	require.Equal(t, []float64{190, 210, 150}, []float64{res.Reports[0].Value, res.Reports[1].Value, res.Reports[2].Value})

	// Thresholds 80 and 50.
	res, err = scoring.AssignTiers(ids, values, abc(scoring.ByThreshold, scoring.Tier{Min: 80}, scoring.Tier{Min: 50}))
	require.NoError(t, err)
	require.Equal(t, []string{"c01", "c02", "c03"}, tierMembers(ids, res, 0))
	require.Equal(t, []string{"c04", "c05", "c06"}, tierMembers(ids, res, 1))
	require.Equal(t, []string{"c07", "c08", "c09", "c10"}, tierMembers(ids, res, 2))
}

func TestTiersBreakTiesByID(t *testing.T) {
	// Five customers of equal value, one Platinum place: the smallest ID
	// wins, whatever the input order.
	spec := scoring.TierSpec{Method: scoring.ByCustomerShare, Tiers: []scoring.Tier{{Name: "top", Share: 0.2}, {Name: "rest"}}}
	for _, ids := range [][]string{{"e", "d", "c", "b", "a"}, {"c", "a", "e", "b", "d"}} {
		res, err := scoring.AssignTiers(ids, []float64{7, 7, 7, 7, 7}, spec)
		require.NoError(t, err)
		require.Equal(t, []string{"a"}, tierMembers(ids, res, 0))
	}
}

func TestDefaultTiersOnAThousand(t *testing.T) {
	n := 1000
	ids := make([]string, n)
	values := make([]float64, n)
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range ids {
		ids[i] = fmt.Sprintf("c%04d", i)
		values[i] = math.Exp(rng.NormFloat64() * 2) // a long tail, as in real portfolios
	}
	res, err := scoring.AssignTiers(ids, values, scoring.DefaultTiers())
	require.NoError(t, err)
	var counts []int
	for _, r := range res.Reports {
		counts = append(counts, r.Customers)
	}
	require.Equal(t, []int{10, 40, 150, 800}, counts)
	require.Equal(t, "Platinum", res.Reports[0].Tier.Name)
	// Every Platinum customer is worth at least every Gold one, and so on.
	for k := 1; k < len(res.Reports); k++ {
		require.GreaterOrEqual(t, res.Reports[k-1].MinValue, res.Reports[k].MaxValue)
	}
	// The top 1% hold far more than 1% of the value in a long-tailed book.
	require.Greater(t, res.Reports[0].ValueShare, 0.1)
}

func TestTierSpecRefusals(t *testing.T) {
	err := scoring.TierSpec{Method: "pareto", Tiers: []scoring.Tier{{Name: "x"}}}.Validate()
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `method: "pareto"`)
	require.ErrorContains(t, err, "at least two tiers")
	err = scoring.TierSpec{Method: scoring.ByCustomerShare, Tiers: []scoring.Tier{{Name: "a", Share: 0.7}, {Name: "a", Share: 0.5}, {Name: "", Share: 0.2}}}.Validate()
	require.ErrorContains(t, err, `tiers[1] "a": duplicate name`)
	require.ErrorContains(t, err, `tiers[2] "": no name`)
	require.ErrorContains(t, err, "leave its share 0 (got 0.2)")
	require.ErrorContains(t, err, "add up to 1.2")
	err = scoring.TierSpec{Method: scoring.ByThreshold, Tiers: []scoring.Tier{{Name: "a", Min: 10}, {Name: "b", Min: 20}, {Name: "c"}}}.Validate()
	require.ErrorContains(t, err, `tiers[1] "b": min 20 must be below the tier above's 10`)
	_, err = scoring.AssignTiers([]string{"a", "b"}, []float64{1, math.NaN()}, scoring.DefaultTiers())
	require.ErrorContains(t, err, `values[1] (customer "b"): NaN is not a finite value`)
	_, err = scoring.AssignTiers([]string{"a"}, []float64{-1}, scoring.TierSpec{Method: scoring.ByValueShare, Tiers: []scoring.Tier{{Name: "a", Share: 0.5}, {Name: "b"}}})
	require.ErrorContains(t, err, "≥ 0")
	_, err = scoring.AssignTiers([]string{"a"}, []float64{1, 2}, scoring.DefaultTiers())
	require.ErrorContains(t, err, "1 customer IDs for 2 values")

	b, err := json.Marshal(scoring.DefaultTiers())
	require.NoError(t, err)
	var back scoring.TierSpec
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, scoring.DefaultTiers(), back)
}

// Large inputs take the radix-sort path; the ranking must still be value
// descending with ties by ID, across negative values, zeros and ties.
func TestTiersRankLargeInputs(t *testing.T) {
	n := 50_000
	ids := make([]string, n)
	values := make([]float64, n)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range ids {
		ids[i] = fmt.Sprintf("c%06d", rng.IntN(1_000_000))
		switch rng.IntN(4) {
		case 0:
			values[i] = float64(rng.IntN(20) - 10) // many ties, negatives
		case 1:
			values[i] = math.Copysign(0, -1)
		default:
			values[i] = rng.NormFloat64() * 1e6
		}
	}
	res, err := scoring.AssignTiers(ids, values, scoring.DefaultTiers())
	require.NoError(t, err)
	for r := 1; r < n; r++ {
		a, b := res.Ranked[r-1], res.Ranked[r]
		require.True(t, values[a] > values[b] || (values[a] == values[b] && (ids[a] < ids[b] || (ids[a] == ids[b] && a < b))),
			"rank %d: %v %q before %v %q", r, values[a], ids[a], values[b], ids[b])
		require.LessOrEqual(t, res.Of[a], res.Of[b])
	}
}
