package segment_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

func seq[T any](xs ...T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

var windows = []segment.Window{
	{Name: "purchases_365d", Measure: segment.WindowPurchases, Days: 365},
	{Name: "spend_90d", Measure: segment.WindowSpend, Days: 90},
	{Name: "shoes_spend_90d", Measure: segment.WindowSpend, Days: 90, Category: "shoes"},
	{Name: "categories_365d", Measure: segment.WindowCategories, Days: 365},
	{Name: "channels", Measure: segment.WindowChannels},
}

// Windowed fields, worked by hand: counted and summed from each
// customer's transactions in the same pass as the profiles.
func TestWindows(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	schema, err := segment.DefaultSchema().WithWindows(windows...)
	require.NoError(t, err)
	item := func(cat string, price int64, qty int) crm.LineItem {
		return crm.LineItem{SKU: cat + "-1", Category: cat, Quantity: qty, UnitPrice: decimal.NewFromInt(price)}
	}
	tx := func(id, customer string, daysAgo int, kind crm.TransactionKind, ch crm.Channel, items ...crm.LineItem) crm.Transaction {
		total := decimal.Zero
		for _, it := range items {
			total = total.Add(it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Quantity))))
		}
		return crm.Transaction{ID: id, CustomerID: customer, Time: asOf.AddDate(0, 0, -daysAgo), Amount: total, Currency: "EUR", Kind: kind, Channel: ch, Items: items}
	}
	txs := seq(
		tx("a1", "a", 400, crm.Purchase, crm.ChannelStore, item("hats", 30, 1)),                      // outside every window but "ever"
		tx("a2", "a", 200, crm.Purchase, crm.ChannelWeb, item("shoes", 80, 1)),                       // 365 days
		tx("a3", "a", 60, crm.Purchase, crm.ChannelApp, item("shoes", 100, 2), item("socks", 10, 3)), // 90 days: 230, shoes 200
		tx("a4", "a", 30, crm.Refund, crm.ChannelApp, item("shoes", 100, 1)),                         // 90 days: −100, shoes −100
		tx("a5", "a", 0, crm.Purchase, crm.ChannelWeb, item("socks", 10, 1)),                         // at asOf: not counted
		tx("x1", "x", 10, crm.Purchase, crm.ChannelWeb, item("hats", 30, 1)),                         // a customer without a record
		tx("z1", "z", 5, crm.Purchase, crm.ChannelPhone, item("shoes", 50, 1)),
	)
	customers := seq(crm.Customer{ID: "a", CreatedAt: asOf.AddDate(-2, 0, 0)}, crm.Customer{ID: "b", CreatedAt: asOf.AddDate(-1, 0, 0)}, crm.Customer{ID: "z", CreatedAt: asOf.AddDate(-1, 0, 0)})
	got := map[string]map[string]any{}
	for p, err := range segment.Profiles(ctx, customers, segment.Scores{Transactions: txs}, schema, asOf) {
		require.NoError(t, err)
		vals := map[string]any{}
		for _, w := range windows {
			v, ok := p.Get(w.Name)
			require.True(t, ok, "%s of %s is never missing", w.Name, p.CustomerID)
			vals[w.Name] = v
		}
		got[p.CustomerID] = vals
	}
	require.Equal(t, map[string]any{"purchases_365d": 2.0, "spend_90d": 130.0, "shoes_spend_90d": 100.0,
		"categories_365d": []string{"shoes", "socks"}, "channels": []string{"app", "store", "web"}}, got["a"])
	require.Equal(t, map[string]any{"purchases_365d": 0.0, "spend_90d": 0.0, "shoes_spend_90d": 0.0,
		"categories_365d": []string{}, "channels": []string{}}, normal(got["b"]), "no transactions: zeros and empty sets")
	require.Equal(t, 50.0, got["z"]["shoes_spend_90d"])

	// Rules read them like any field, and explain them.
	rule, err := segment.Parse(`purchases_365d >= 2 and spend_90d >= 100 and categories_365d contains "shoes" and not (channels contains "phone")`)
	require.NoError(t, err)
	m, err := segment.Compile(rule, schema)
	require.NoError(t, err)
	var matched []string
	for p, err := range segment.Profiles(ctx, customers, segment.Scores{Transactions: txs}, schema, asOf) {
		require.NoError(t, err)
		if m.Match(p) {
			matched = append(matched, p.CustomerID)
			require.NotEmpty(t, m.Explain(p).Clauses)
		}
	}
	require.Equal(t, []string{"a"}, matched)
	f, _ := schema.Field("spend_90d")
	require.Equal(t, "spend net of refunds in the last 90 days", f.Description)
}

func normal(m map[string]any) map[string]any {
	for k, v := range m {
		if s, ok := v.([]string); ok && s == nil {
			m[k] = []string{}
		}
	}
	return m
}

func TestWindowsRefuseWhatCannotWork(t *testing.T) {
	_, err := segment.DefaultSchema().WithWindows(segment.Window{Name: "w", Measure: "clicks"}, segment.Window{Name: "v", Measure: segment.WindowSpend, Days: -1},
		segment.Window{Name: "u", Measure: segment.WindowChannels, Category: "shoes"}, segment.Window{Name: "purchases", Measure: segment.WindowPurchases})
	for _, want := range []string{`"w".measure: "clicks"`, `"v".days: negative`, `"u".category: a channels window takes no category`} {
		require.ErrorContains(t, err, want)
	}
	_, err = segment.DefaultSchema().WithWindows(segment.Window{Name: "purchases", Measure: segment.WindowPurchases})
	require.ErrorContains(t, err, "purchases: declared twice")

	schema, err := segment.DefaultSchema().WithWindows(windows...)
	require.NoError(t, err)
	ctx := context.Background()
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, err := range segment.Profiles(ctx, seq(crm.Customer{ID: "a", CreatedAt: asOf}), segment.Scores{}, schema, asOf) {
		require.ErrorIs(t, err, crm.ErrInvalid)
		require.ErrorContains(t, err, "needs Scores.Transactions, which is nil")
	}
	var last error
	for _, err := range segment.Profiles(ctx, seq(crm.Customer{ID: "b", CreatedAt: asOf}, crm.Customer{ID: "a", CreatedAt: asOf}), segment.Scores{Transactions: seq[crm.Transaction]()}, schema, asOf) {
		last = err
	}
	require.ErrorContains(t, last, "windowed fields need the customers by ID")
	only, err := schema.Only("purchases_365d", "country")
	require.NoError(t, err)
	require.Equal(t, []string{"purchases_365d"}, slices.Collect(func(yield func(string) bool) {
		for _, w := range only.Windows() {
			yield(w.Name)
		}
	}))
}

// Touchpoint windows and the preferred channels: "last contact more than
// 7 years ago", "prefers the phone channel".
func TestContactWindowsAndPreferredChannels(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	schema, err := segment.DefaultSchema().WithWindows(
		segment.Window{Name: "contacts_30d", Measure: segment.WindowContacts, Days: 30},
		segment.Window{Name: "last_contact", Measure: segment.WindowLastContact})
	require.NoError(t, err)
	tp := func(id, customer string, at time.Time) crm.Touchpoint {
		return crm.Touchpoint{ID: id, CustomerID: customer, Time: at, Channel: crm.ChannelWeb, Kind: crm.TouchVisit}
	}
	tps := seq(tp("1", "a", asOf.AddDate(-8, 0, 0)), tp("2", "b", asOf.AddDate(0, 0, -40)), tp("3", "b", asOf.AddDate(0, 0, -10)), tp("4", "b", asOf.AddDate(0, 0, -1)), tp("5", "b", asOf))
	customers := seq(crm.Customer{ID: "a", CreatedAt: asOf.AddDate(-9, 0, 0), Preferences: crm.Preferences{Channels: []crm.Channel{crm.ChannelPhone, crm.ChannelEmail}}},
		crm.Customer{ID: "b", CreatedAt: asOf.AddDate(-1, 0, 0)}, crm.Customer{ID: "c", CreatedAt: asOf.AddDate(-1, 0, 0)})
	rule, err := segment.Parse(`not (last_contact within 2555d) and preferred_channels contains "phone"`)
	require.NoError(t, err)
	m, err := segment.Compile(rule, schema)
	require.NoError(t, err)
	got := map[string][2]any{}
	var matched []string
	for p, err := range segment.Profiles(ctx, customers, segment.Scores{Touchpoints: tps}, schema, asOf) {
		require.NoError(t, err)
		n, _ := p.Get("contacts_30d")
		last, _ := p.Get("last_contact")
		got[p.CustomerID] = [2]any{n, last}
		if m.Match(p) {
			matched = append(matched, p.CustomerID)
		}
	}
	require.Equal(t, 2.0, got["b"][0], "two touchpoints in the 30 days before asOf")
	require.True(t, asOf.AddDate(0, 0, -1).Equal(got["b"][1].(time.Time)))
	require.Nil(t, got["c"][1], "no touchpoint: last_contact is missing")
	require.Equal(t, []string{"a"}, matched, "silent for eight years, and prefers the phone")
}

func TestOpenCaseWindows(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	schema, err := segment.DefaultSchema().WithWindows(
		segment.Window{Name: "open_complaints", Measure: segment.WindowOpenCases, Category: "complaint"},
		segment.Window{Name: "open_cases_30d", Measure: segment.WindowOpenCases, Days: 30},
		segment.Window{Name: "purchases_ever", Measure: segment.WindowPurchases})
	require.NoError(t, err)
	f, _ := schema.Field("open_cases_30d")
	require.Equal(t, "open cases opened in the last 30 days", f.Description)
	f, _ = schema.Field("open_complaints")
	require.Equal(t, "open cases of kind complaint", f.Description)
	day := func(d int) time.Time { return asOf.AddDate(0, 0, d) }
	// In any order, as a ticketing system lists them.
	cases := []segment.Case{
		{ID: "k1", CustomerID: "b", Kind: "complaint", Opened: day(-90)},                  // open, old
		{ID: "k2", CustomerID: "a", Kind: "complaint", Opened: day(-10), Closed: day(-2)}, // closed before asOf
		{ID: "k3", CustomerID: "a", Kind: "inquiry", Opened: day(-5)},                     // open, recent, not a complaint
		{ID: "k4", CustomerID: "b", Kind: "complaint", Opened: day(-3), Closed: day(4)},   // closed after asOf: open at asOf
		{ID: "k5", CustomerID: "c", Kind: "complaint", Opened: day(1)},                    // opened after asOf
		{ID: "k6", CustomerID: "zz", Kind: "complaint", Opened: day(-1)},                  // a customer without a record
		{ID: "k7", CustomerID: "a", Kind: "complaint", Opened: day(-20), Closed: asOf},    // closed at asOf
	}
	customers := seq(crm.Customer{ID: "a", CreatedAt: day(-400)}, crm.Customer{ID: "b", CreatedAt: day(-400)}, crm.Customer{ID: "c", CreatedAt: day(-400)})
	rule, err := segment.Parse(`open_complaints > 0`)
	require.NoError(t, err)
	m, err := segment.Compile(rule, schema)
	require.NoError(t, err)
	got := map[string][2]any{}
	var matched []string
	for p, err := range segment.Profiles(ctx, customers, segment.Scores{Cases: seq(cases...), Transactions: seq[crm.Transaction]()}, schema, asOf) {
		require.NoError(t, err)
		c, _ := p.Get("open_complaints")
		r, _ := p.Get("open_cases_30d")
		got[p.CustomerID] = [2]any{c, r}
		if m.Match(p) {
			matched = append(matched, p.CustomerID)
		}
	}
	require.Equal(t, map[string][2]any{"a": {0.0, 1.0}, "b": {2.0, 1.0}, "c": {0.0, 0.0}}, got)
	require.Equal(t, []string{"b"}, matched)

	_, err = first(segment.Profiles(ctx, customers, segment.Scores{Transactions: seq[crm.Transaction]()}, schema, asOf))
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "open_complaints needs Scores.Cases")
	boom := errors.New("the ticketing system is down")
	broken := func(yield func(segment.Case, error) bool) { yield(segment.Case{}, boom) }
	_, err = first(segment.Profiles(ctx, customers, segment.Scores{Cases: broken, Transactions: seq[crm.Transaction]()}, schema, asOf))
	require.ErrorIs(t, err, boom)
}

// first is the first error of a stream of profiles, or the count.
func first(ps iter.Seq2[*segment.Profile, error]) (int, error) {
	n := 0
	for _, err := range ps {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// TestCategoryWindowsAgainstAReference sums category windows over
// generated transactions and compares every customer's figures with a
// plain recomputation: more categories than the 64 the windows number
// (so sets mix numbered categories and texts), item categories that are
// the same text at other addresses, empty categories, more distinct sets
// than are shared, and a window's category seen only late.
func TestCategoryWindowsAgainstAReference(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(7, 11))
	names := make([]string, 150)
	for i := range names {
		names[i] = fmt.Sprintf("cat-%03d", (i*37)%150) // numbered in another order than their names'
	}
	names[5] = strings.Repeat("a-category-longer-than-the-cache-keeps-", 3) // looked up in the map every time
	late := "zz-late"                                                       // the first item in it comes after 64 others are numbered
	ws := []segment.Window{
		{Name: "cats_all", Measure: segment.WindowCategories},
		{Name: "cats_365d", Measure: segment.WindowCategories, Days: 365},
		{Name: "cats_hot", Measure: segment.WindowCategories, Days: 365, Category: names[3]},
		{Name: "cats_late", Measure: segment.WindowCategories, Category: late},
		{Name: "spend_hot", Measure: segment.WindowSpend, Days: 200, Category: names[3]},
		{Name: "spend_late", Measure: segment.WindowSpend, Category: late},
		{Name: "buys_cold", Measure: segment.WindowPurchases, Days: 365, Category: names[140]},
	}
	// Windows with 65 other categories first take every number, so that
	// the windows above compare their categories as texts.
	var crowded []segment.Window
	for i := range 65 {
		crowded = append(crowded, segment.Window{Name: fmt.Sprintf("spend_%d", i), Measure: segment.WindowSpend, Category: names[20+i]})
	}
	crowded = append(crowded, ws...)
	var customers []crm.Customer
	var txs []crm.Transaction
	for c := range 6000 {
		id := fmt.Sprintf("c%05d", c)
		customers = append(customers, crm.Customer{ID: id, CreatedAt: asOf.AddDate(-3, 0, 0)})
		for k := range 1 + r.IntN(6) {
			var items []crm.LineItem
			for range r.IntN(5) {
				var cat string
				switch p := r.Float64(); {
				case p < 0.05:
					cat = "" // no category
				case p < 0.6:
					cat = names[r.IntN(20)]
				case p < 0.62 && c > 3000:
					cat = late
				default:
					cat = names[r.IntN(len(names))]
				}
				if r.IntN(3) == 0 {
					cat = strings.Clone(cat) // the same text elsewhere in memory
				}
				items = append(items, crm.LineItem{SKU: "s", Category: cat, Quantity: 1 + r.IntN(3), UnitPrice: decimal.New(int64(r.IntN(100000)), -2)})
			}
			kind := crm.Purchase
			if r.IntN(6) == 0 {
				kind = crm.Refund
			}
			txs = append(txs, crm.Transaction{ID: fmt.Sprintf("%s-%d", id, k), CustomerID: id, Time: asOf.AddDate(0, 0, -r.IntN(800)),
				Amount: decimal.New(100, 0), Currency: "EUR", Kind: kind, Channel: crm.ChannelWeb, Items: items})
		}
	}
	// The reference: each window worked out from the customer's records.
	want := func(w segment.Window, own []crm.Transaction) any {
		cats, n, spend := map[string]bool{}, 0.0, decimal.Zero
		for _, tx := range own {
			if !tx.Time.Before(asOf) || w.Days > 0 && tx.Time.Before(asOf.AddDate(0, 0, -w.Days)) {
				continue
			}
			bought := false
			for _, it := range tx.Items {
				if it.Category == "" || w.Category != "" && it.Category != w.Category {
					continue
				}
				bought = true
				if tx.Kind == crm.Purchase {
					cats[it.Category] = true
				}
				v := it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Quantity)))
				if tx.Kind == crm.Refund {
					v = v.Neg()
				}
				spend = spend.Add(v)
			}
			if bought && tx.Kind == crm.Purchase {
				n++
			}
		}
		switch w.Measure {
		case segment.WindowPurchases:
			return n
		case segment.WindowSpend:
			return spend.InexactFloat64()
		}
		set := []string{}
		for c := range cats {
			set = append(set, c)
		}
		slices.Sort(set)
		return set
	}
	byCustomer := map[string][]crm.Transaction{}
	for _, tx := range txs {
		byCustomer[tx.CustomerID] = append(byCustomer[tx.CustomerID], tx)
	}
	for _, ws := range [][]segment.Window{ws, crowded} {
		schema, err := segment.DefaultSchema().WithWindows(ws...)
		require.NoError(t, err)
		seen, distinct := 0, map[string]bool{}
		for p, err := range segment.Profiles(ctx, seq(customers...), segment.Scores{Transactions: seq(txs...)}, schema, asOf) {
			require.NoError(t, err)
			for _, w := range ws {
				got, ok := p.Get(w.Name)
				require.True(t, ok)
				if set, isSet := got.([]string); isSet {
					if set == nil {
						got = []string{}
					}
					distinct[fmt.Sprint(set)] = true
				}
				require.Equal(t, want(w, byCustomer[p.CustomerID]), got, "%s of %s", w.Name, p.CustomerID)
			}
			seen++
		}
		require.Equal(t, len(customers), seen)
		require.Greater(t, len(distinct), 4096, "more distinct sets than are shared")
	}
}

// TestSharedCategorySetsAreNotChangedThroughGet: profiles with the same
// set of categories share it, so Get hands out a copy.
func TestSharedCategorySetsAreNotChangedThroughGet(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	schema, err := segment.DefaultSchema().WithWindows(segment.Window{Name: "cats", Measure: segment.WindowCategories})
	require.NoError(t, err)
	item := []crm.LineItem{{SKU: "a", Category: "shoes", Quantity: 1, UnitPrice: decimal.New(5, 0)}}
	txs := seq(
		crm.Transaction{ID: "1", CustomerID: "a", Time: asOf.AddDate(0, 0, -1), Amount: decimal.New(5, 0), Currency: "EUR", Kind: crm.Purchase, Items: item},
		crm.Transaction{ID: "2", CustomerID: "b", Time: asOf.AddDate(0, 0, -1), Amount: decimal.New(5, 0), Currency: "EUR", Kind: crm.Purchase, Items: item})
	var ps []*segment.Profile
	for p, err := range segment.Profiles(ctx, seq(crm.Customer{ID: "a"}, crm.Customer{ID: "b"}), segment.Scores{Transactions: txs}, schema, asOf) {
		require.NoError(t, err)
		ps = append(ps, p)
	}
	require.Len(t, ps, 2)
	v, _ := ps[0].Get("cats")
	v.([]string)[0] = "changed"
	w, _ := ps[1].Get("cats")
	require.Equal(t, []string{"shoes"}, w)
	v, _ = ps[0].Get("cats")
	require.Equal(t, []string{"shoes"}, v)
}
