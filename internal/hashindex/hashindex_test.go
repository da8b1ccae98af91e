package hashindex

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The index agrees with a plain map through adds, repeated keys, lookups
// and truncations, with a real hash and with one that collides often.
func TestIndexAgreesWithAMap(t *testing.T) {
	for _, collide := range []bool{false, true} {
		x := New()
		if collide {
			x.SetHash(func(s string) uint64 { return uint64(len(s) % 3) })
		}
		rng := rand.New(rand.NewPCG(7, 9))
		var keys []string
		want := map[string]int{} // key → last position
		keyAt := func(i int) string { return keys[i] }
		for step := range 20_000 {
			switch r := rng.IntN(10); {
			case r < 6:
				k := fmt.Sprintf("k%d", rng.IntN(3000))
				if got := x.Add(k); got != len(keys) {
					t.Fatalf("Add gave %d, want %d", got, len(keys))
				}
				keys = append(keys, k)
				want[k] = len(keys) - 1
			case r < 9:
				k := fmt.Sprintf("k%d", rng.IntN(3000))
				w, ok := want[k]
				if !ok {
					w = -1
				}
				if got := x.Find(k, keyAt); got != w {
					t.Fatalf("step %d (collide %v): Find(%q) = %d, want %d", step, collide, k, got, w)
				}
			default:
				n := max(0, len(keys)-rng.IntN(20))
				x.Truncate(n, keyAt)
				keys = keys[:n]
				clear(want)
				for i, k := range keys {
					want[k] = i
				}
			}
			if x.Len() != len(keys) {
				t.Fatalf("Len %d, want %d", x.Len(), len(keys))
			}
		}
		// Under lists every position of a key, newest first.
		k := keys[len(keys)-1]
		var all []int
		for i := range x.Under(k) {
			if keys[i] == k {
				all = append(all, i)
			}
		}
		var wantAll []int
		for i := len(keys) - 1; i >= 0; i-- {
			if keys[i] == k {
				wantAll = append(wantAll, i)
			}
		}
		if fmt.Sprint(all) != fmt.Sprint(wantAll) {
			t.Fatalf("Under(%q) = %v, want %v", k, all, wantAll)
		}
	}
}
