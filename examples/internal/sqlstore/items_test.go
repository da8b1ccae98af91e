package sqlstore

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// same says whether two decodings agree: both errors, or equal items
// (prices equal with the same exponent, as json.Unmarshal would give).
func sameItems(a []crm.LineItem, aErr error, b []crm.LineItem, bErr error) bool {
	if (aErr != nil) != (bErr != nil) {
		return false
	}
	if aErr != nil {
		return true
	}
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.SKU != y.SKU || x.Category != y.Category || x.Quantity != y.Quantity || x.UnitPrice.String() != y.UnitPrice.String() || x.UnitPrice.Exponent() != y.UnitPrice.Exponent() {
			return false
		}
	}
	return true
}

func jsonItems(b []byte) ([]crm.LineItem, error) {
	var items []crm.LineItem
	err := json.Unmarshal(b, &items)
	return items, err
}

// decodeItems reads what json.Unmarshal reads, the same: items the store
// wrote (names with quotes, backslashes, HTML characters, non-ASCII and
// invalid UTF-8, which take the slow path), and every input made by
// changing, inserting or deleting a byte of such a text.
func TestDecodeItemsIsJSONs(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	names := []string{"A-1", "sku 7", `q"uote`, `back\slash`, "<b>&", "Bücher", "bad\xff", "", "x/y", "tab\t"}
	fast := 0
	for round := range 3000 {
		items := make([]crm.LineItem, rng.IntN(4))
		for i := range items {
			items[i] = crm.LineItem{SKU: names[rng.IntN(len(names))], Quantity: rng.IntN(20) - 2,
				UnitPrice: decimal.New(rng.Int64N(1_000_000)-1000, -int32(rng.IntN(5)))}
			if rng.IntN(3) > 0 {
				items[i].Category = names[rng.IntN(len(names))]
			}
		}
		b, err := json.Marshal(items)
		require.NoError(t, err)
		inputs := [][]byte{b}
		for range 5 {
			m := append([]byte(nil), b...)
			switch k := rng.IntN(len(m)); rng.IntN(3) {
			case 0:
				m[k] = "[]{},:\"\\0123456789.-eE x"[rng.IntN(24)]
			case 1:
				m = append(m[:k], append([]byte{"[]{},:\"0-9."[rng.IntN(11)]}, m[k:]...)...)
			default:
				m = append(m[:k], m[k+1:]...)
			}
			inputs = append(inputs, m)
		}
		for _, in := range inputs {
			want, wantErr := jsonItems(in)
			got, gotErr := decodeItems(in)
			require.True(t, sameItems(want, wantErr, got, gotErr), "round %d: %q\njson: %v %v\nours: %v %v", round, in, want, wantErr, got, gotErr)
		}
		if _, ok := fastItems(b); ok {
			fast++
		}
	}
	require.Greater(t, fast, 500, "the store's own texts with plain names take the fast path")
}

func FuzzDecodeItems(f *testing.F) {
	f.Add([]byte(`[{"sku":"a","category":"c","quantity":2,"unit_price":"1.50"}]`))
	f.Add([]byte(`[{"sku":"a","quantity":-0,"unit_price":"7"},{"sku":"b","quantity":1,"unit_price":"1e3"}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := jsonItems(in)
		got, gotErr := decodeItems(in)
		if !sameItems(want, wantErr, got, gotErr) {
			t.Fatalf("%q: json %v %v, ours %v %v", in, want, wantErr, got, gotErr)
		}
	})
}
