package scoring_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

func ExampleFitBGNBD() {
	cfg := sampledata.DefaultConfig() // true r = 1, α = 30 days, a = 0.6, b = 6
	cfg.Customers = 5000
	g, _ := sampledata.NewGenerator(cfg)
	sums, err := scoring.Summarize(context.Background(), g.Transactions(), cfg.End, nil)
	if err != nil {
		panic(err)
	}
	m, err := scoring.FitBGNBD(context.Background(), scoring.Compress(sums), nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("r=%.2f alpha=%.1f a=%.2f b=%.1f\n", m.R, m.Alpha, m.A, m.B)
	for _, s := range sums[:3] {
		fmt.Printf("customer %s: x=%d t_x=%.0f T=%.0f, P(alive)=%.2f, next 90 days: %.2f purchases\n",
			s.CustomerID, s.Frequency, s.Recency, s.T, m.ProbabilityAlive(float64(s.Frequency), s.Recency, s.T),
			m.ConditionalExpectedPurchases(90, float64(s.Frequency), s.Recency, s.T))
	}
	// Output:
	// r=1.01 alpha=31.6 a=0.58 b=6.0
	// customer C0000000: x=4 t_x=14 T=535, P(alive)=0.00, next 90 days: 0.00 purchases
	// customer C0000001: x=1 t_x=4 T=617, P(alive)=0.03, next 90 days: 0.01 purchases
	// customer C0000002: x=8 t_x=547 T=567, P(alive)=0.94, next 90 days: 1.24 purchases
}

// Fit, predict and value on the CDNOW sample: summarise the raw
// transactions to the end of the 39-week calibration period in weeks, fit
// the purchase and spend models, and value each customer's next year.
func ExampleCustomerValues() {
	ctx := context.Background()
	asOf := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	sums, err := scoring.Summarize(ctx, datasets.CDNOWSample(), asOf, &scoring.SummaryOptions{Scale: 7})
	if err != nil {
		panic(err)
	}
	purchases, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
	if err != nil {
		panic(err)
	}
	spend, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("BG/NBD r=%.4f alpha=%.4f a=%.4f b=%.4f LL=%.2f\n", purchases.R, purchases.Alpha, purchases.A, purchases.B, purchases.LogLikelihood)
	fmt.Printf("Gamma-Gamma p=%.2f q=%.2f gamma=%.2f\n", spend.P, spend.Q, spend.Gamma)
	// A customer with 2 repeat purchases, the last at week 30.43 of 38.86.
	fmt.Printf("x=2 t_x=30.43 T=38.86: P(alive)=%.4f, next 39 weeks: %.4f purchases\n",
		purchases.ProbabilityAlive(2, 30.43, 38.86), purchases.ConditionalExpectedPurchases(39, 2, 30.43, 38.86))

	values, err := scoring.CustomerValues(ctx, purchases, spend, sums, &scoring.CLVOptions{
		Months: 12, MonthlyDiscount: 0.01, UnitsPerMonth: scoring.WeeksPerMonth,
	})
	if err != nil {
		panic(err)
	}
	slices.SortFunc(values, func(a, b scoring.CustomerValue) int { return b.CLV.Amount.Cmp(a.CLV.Amount) })
	for _, v := range values[:3] {
		fmt.Printf("customer %s: CLV %s, P(alive) %.2f\n", v.CustomerID, v.CLV, v.Alive)
	}
	// Output:
	// BG/NBD r=0.2426 alpha=4.4136 a=0.7929 b=2.4259 LL=-9582.43
	// Gamma-Gamma p=6.25 q=3.74 gamma=15.44
	// x=2 t_x=30.43 T=38.86: P(alive)=0.7266, next 39 weeks: 1.2259 purchases
	// customer 0509: CLV 1175.71 USD, P(alive) 0.95
	// customer 1081: CLV 1003.17 USD, P(alive) 0.92
	// customer 1516: CLV 972.57 USD, P(alive) 0.97
}

// Score a customer on the ready-made evaluation card and see why.
func ExampleScorer_ScoreRecord() {
	card := scoring.CustomerEvaluationCard()
	scorer, err := card.Compile()
	if err != nil {
		panic(err)
	}
	s, err := scorer.ScoreRecord(map[string]float64{
		"value": 0.92, "potential": 0.75, "days_late": 20, "tenure_years": 4,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("total %.1f: %s\n", s.Total, s.Band)
	for i, c := range card.Criteria {
		fmt.Printf("  %-12s %5.1f\n", c.Name, s.Contributions[i])
	}
	// Output:
	// total 74.7: develop
	//   value         32.2
	//   potential     22.5
	//   days_late      8.0
	//   tenure_years  12.0
}

// Cut customers into a pyramid by share of value: Platinum holds the
// customers who make the first half of it, Gold the next 30%, and so on.
// Of 14,540 in all, bob alone passes half; eve starts Gold at 9,800; ivy
// starts Iron at 12,300, and gus (13,720) still starts below 95%.
func ExampleAssignTiers() {
	ids := []string{"ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon"}
	values := []float64{120, 9800, 430, 60, 2500, 75, 310, 15, 990, 240}
	spec := scoring.TierSpec{Method: scoring.ByValueShare, Tiers: []scoring.Tier{
		{Name: "Platinum", Share: 0.5, Strategy: "personal account manager"},
		{Name: "Gold", Share: 0.3},
		{Name: "Iron", Share: 0.15},
		{Name: "Lead"},
	}}
	res, err := scoring.AssignTiers(ids, values, spec)
	if err != nil {
		panic(err)
	}
	for _, r := range res.Reports {
		fmt.Printf("%-8s %d customers, %5.1f%% of value\n", r.Tier.Name, r.Customers, 100*r.ValueShare)
	}
	fmt.Println("eve is", spec.Tiers[res.Of[4]].Name)
	// Output:
	// Platinum 1 customers,  67.4% of value
	// Gold     1 customers,  17.2% of value
	// Iron     3 customers,  11.9% of value
	// Lead     5 customers,   3.5% of value
	// eve is Gold
}

// Mine baskets for association rules and recommend what to offer next.
func ExampleAffinity_Recommend() {
	baskets := [][]string{
		{"tent", "sleeping bag", "stove"},
		{"tent", "sleeping bag"},
		{"tent", "sleeping bag", "lantern"},
		{"stove", "fuel"},
		{"stove", "fuel", "lantern"},
		{"tent", "lantern"},
		{"sleeping bag"},
		{"fuel"},
	}
	a, err := scoring.MineAssociations(context.Background(), baskets, &scoring.AffinityOptions{MinSupport: 0.25, MaxSize: 2})
	if err != nil {
		panic(err)
	}
	for _, r := range a.Recommend([]string{"stove"}, 2) {
		fmt.Printf("offer %s: %v ⇒ %v, confidence %.2f, lift %.2f\n", r.Item, r.Rule.If, r.Rule.Then, r.Rule.Confidence, r.Rule.Lift)
	}
	// Output:
	// offer fuel: [stove] ⇒ [fuel], confidence 0.67, lift 1.78
}

// Summarise three customers' purchases in days: customer 1 bought on 1 and
// 6 February 2015, customer 2 once on 1 January, customer 3 on 1, 2 and 5
// January; observed to 7 February.
func ExampleSummarize() {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	ctx := context.Background()
	store := crm.NewMemoryStore()
	for i, p := range []struct{ customer, date, amount string }{
		{"1", "2015-02-01", "10"}, {"1", "2015-02-06", "20"},
		{"2", "2015-01-01", "5"},
		{"3", "2015-01-01", "8"}, {"3", "2015-01-02", "12"}, {"3", "2015-01-05", "4"},
	} {
		if err := store.AppendTransactions(ctx, crm.Transaction{ID: fmt.Sprint("t", i), CustomerID: p.customer, Time: day(p.date),
			Amount: decimal.RequireFromString(p.amount), Currency: "USD", Kind: crm.Purchase}); err != nil {
			panic(err)
		}
	}
	sums, err := scoring.Summarize(ctx, store.Transactions(ctx), day("2015-02-07"), nil)
	if err != nil {
		panic(err)
	}
	for _, s := range sums {
		fmt.Printf("customer %s: frequency %d, recency %.0f, T %.0f, monetary %.2f, total %s\n",
			s.CustomerID, s.Frequency, s.Recency, s.T, s.Monetary, s.Total)
	}
	// Output:
	// customer 1: frequency 1, recency 5, T 6, monetary 20.00, total 30
	// customer 2: frequency 0, recency 0, T 37, monetary 0.00, total 5
	// customer 3: frequency 2, recency 4, T 37, monetary 8.00, total 24
}

// Score customers 1–5 on recency, frequency and spend by quintiles, and
// name their segment.
func ExampleRFM() {
	var sums []scoring.Summary
	for i := range 10 { // customer 9 bought most recently, most often, most
		sums = append(sums, scoring.Summary{CustomerID: fmt.Sprint("c", i), Frequency: i, Count: i + 1,
			Total: decimal.NewFromInt(int64(50 * (i + 1))), T: 400, Recency: float64(300 + 10*i)})
	}
	scores, _, err := scoring.RFM(sums, nil)
	if err != nil {
		panic(err)
	}
	for _, s := range []scoring.RFMScore{scores[0], scores[5], scores[9]} {
		fmt.Printf("%s: cell %s, %s\n", s.CustomerID, s.Cell, s.Segment(scoring.RFMSegments()))
	}
	// Output:
	// c0: cell 111, Lost
	// c5: cell 333, Loyal Customers
	// c9: cell 555, Champions
}
