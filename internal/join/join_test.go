package join_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/internal/join"
)

type scored struct {
	id    string
	score int
}

func scoredID(s *scored) string { return s.id }

// TestLookup compares Find with a map over records sorted and shuffled,
// queried in their order, in reverse, at random and for absent customers.
func TestLookup(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for trial := range 200 {
		n := r.IntN(60)
		var items []scored
		var all []string // every customer, with and without a record
		for i := range n + r.IntN(30) {
			id := fmt.Sprintf("C%04d", i)
			all = append(all, id)
			if len(items) < n && r.IntN(3) > 0 {
				items = append(items, scored{id, i})
			}
		}
		shuffled := trial%2 == 1
		if shuffled {
			r.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
		}
		want := map[string]int{}
		for i, it := range items {
			want[it.id] = i
		}
		orders := map[string][]string{"customer order": all, "reverse": slices.Clone(all), "random": nil}
		slices.Reverse(orders["reverse"])
		for range 3 * len(all) {
			orders["random"] = append(orders["random"], fmt.Sprintf("C%04d", r.IntN(len(all)+5)))
		}
		for name, queries := range orders {
			l := join.New(items, scoredID)
			for _, q := range queries {
				i, ok := want[q]
				if !ok {
					i = -1
				}
				require.Equal(t, i, l.Find(q), "trial %d (shuffled %v), %s, customer %s", trial, shuffled, name, q)
			}
		}
	}
}

func TestLookupEmpty(t *testing.T) {
	l := join.New[scored](nil, scoredID)
	require.Equal(t, -1, l.Find("C1"))
	require.Equal(t, -1, l.Find(""))
}

func ExampleNew() {
	// Scores in customer order, joined to customers in the same order:
	// each Find is a comparison, no index is built.
	scores := []scored{{"C1", 80}, {"C3", 55}, {"C4", 91}}
	byID := join.New(scores, func(s *scored) string { return s.id })
	for _, id := range []string{"C1", "C2", "C3", "C4"} {
		if i := byID.Find(id); i >= 0 {
			fmt.Println(id, scores[i].score)
		} else {
			fmt.Println(id, "no score")
		}
	}
	// Output:
	// C1 80
	// C2 no score
	// C3 55
	// C4 91
}
