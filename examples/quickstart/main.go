// Command quickstart generates a synthetic retail business into crmkit's
// in-memory store and prints what the store holds.
//
//	go run ./examples/quickstart [-customers N] [-seed S]
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Stderr, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, progress io.Writer, args []string) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(progress)
	customers := fs.Int("customers", 10_000, "number of customers to generate")
	seed := fs.Uint64("seed", 1, "random seed of the sample business")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := crmtest.DefaultConfig()
	cfg.Customers, cfg.Seed = *customers, *seed
	gen, err := crmtest.NewGenerator(cfg)
	if err != nil {
		return err
	}
	start := time.Now()
	fmt.Fprintf(progress, "generating %d customers…\n", cfg.Customers)
	store := crm.NewMemoryStore()
	if err := gen.Load(ctx, store); err != nil {
		return err
	}
	fmt.Fprintf(progress, "loaded in %v\n", time.Since(start).Round(time.Millisecond))
	return report(ctx, out, store, cfg)
}

type tally struct {
	n     int
	value decimal.Decimal
}

func report(ctx context.Context, w io.Writer, s *crm.MemoryStore, cfg crmtest.Config) error {
	byCountry := map[string]int{}
	byStyle := map[crm.RelationshipStyle]int{}
	nCustomers := 0
	for c, err := range s.Customers(ctx) {
		if err != nil {
			return err
		}
		nCustomers++
		byCountry[c.Demographics.Country]++
		byStyle[c.Preferences.Style]++
	}
	buyers := map[string]bool{}
	byChannel := map[crm.Channel]*tally{}
	byCategory := map[string]*tally{}
	var revenue decimal.Decimal
	nTx, nItems := 0, 0
	for tx, err := range s.Transactions(ctx) {
		if err != nil {
			return err
		}
		nTx++
		buyers[tx.CustomerID] = true
		revenue = revenue.Add(tx.SignedAmount())
		add(byChannel, tx.Channel, tx.SignedAmount())
		for _, it := range tx.Items {
			nItems++
			add(byCategory, it.Category, it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Quantity))))
		}
	}
	experience := map[crm.Channel][2]int{} // sum of ratings, count
	nTouch := 0
	for tp, err := range s.Touchpoints(ctx) {
		if err != nil {
			return err
		}
		nTouch++
		if tp.Experience != crm.NotRated {
			e := experience[tp.Channel]
			experience[tp.Channel] = [2]int{e[0] + int(tp.Experience), e[1] + 1}
		}
	}

	fmt.Fprintf(w, "crmkit quickstart: a sample business (seed %d), observed to %s\n\n", cfg.Seed, cfg.End.Format("2006-01-02"))
	fmt.Fprintf(w, "customers     %9d  (%d bought at least once, %d prospects)\n", nCustomers, len(buyers), nCustomers-len(buyers))
	fmt.Fprintf(w, "transactions  %9d  (%.1f per buyer, %.1f items per basket)\n", nTx, float64(nTx)/float64(max(1, len(buyers))), float64(nItems)/float64(max(1, nTx)))
	fmt.Fprintf(w, "revenue       %9s %s\n", revenue.StringFixed(2), cfg.Currency)
	fmt.Fprintf(w, "touchpoints   %9d\n\n", nTouch)

	fmt.Fprintln(w, "customers by country:")
	for _, k := range sortedByCount(byCountry) {
		fmt.Fprintf(w, "  %-3s %7d  %5.1f%%\n", k, byCountry[k], 100*float64(byCountry[k])/float64(nCustomers))
	}
	fmt.Fprintln(w, "relationship style:")
	for _, k := range sortedByCount(byStyle) {
		name := string(k)
		if name == "" {
			name = "unspecified"
		}
		fmt.Fprintf(w, "  %-11s %7d\n", name, byStyle[k])
	}
	fmt.Fprintln(w, "revenue by channel:")
	for _, k := range sortedByValue(byChannel) {
		fmt.Fprintf(w, "  %-8s %12s  %5.1f%%\n", k, byChannel[k].value.StringFixed(2), share(byChannel[k].value, revenue))
	}
	fmt.Fprintln(w, "top categories by line value:")
	for _, k := range sortedByValue(byCategory)[:min(5, len(byCategory))] {
		fmt.Fprintf(w, "  %-12s %12s\n", k, byCategory[k].value.StringFixed(2))
	}
	fmt.Fprintln(w, "experience by channel (mean rating, 1-5):")
	chans := slices.Collect(maps.Keys(experience))
	slices.SortFunc(chans, func(a, b crm.Channel) int {
		return cmp.Compare(mean(experience[a]), mean(experience[b]))
	})
	for _, ch := range chans {
		fmt.Fprintf(w, "  %-8s %.2f  (%d ratings)\n", ch, mean(experience[ch]), experience[ch][1])
	}
	return nil
}

func add[K comparable](m map[K]*tally, k K, v decimal.Decimal) {
	t := m[k]
	if t == nil {
		t = &tally{}
		m[k] = t
	}
	t.n++
	t.value = t.value.Add(v)
}

func sortedByCount[K cmp.Ordered](m map[K]int) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int { return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b)) })
	return keys
}

func sortedByValue[K cmp.Ordered](m map[K]*tally) []K {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int { return cmp.Or(m[b].value.Cmp(m[a].value), cmp.Compare(a, b)) })
	return keys
}

func share(part, whole decimal.Decimal) float64 {
	if whole.IsZero() {
		return 0
	}
	return part.Div(whole).InexactFloat64() * 100
}

func mean(e [2]int) float64 { return float64(e[0]) / float64(max(1, e[1])) }
