package lifecycle_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

// Classify customers from a lifecycle profile.
func ExampleClassifier() {
	schema := lifecycle.Schema()
	c, err := lifecycle.NewClassifier(schema, nil)
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	p := schema.NewProfile("C42", asOf)
	_ = p.SetNumber("purchases", 6)
	_ = p.SetNumber("frequency", 5)
	_ = p.SetBool("churned", false)
	_ = p.SetBool("at_risk", false)
	_ = p.SetNumber("referrals", 2)
	cl, _ := c.Classify(p)
	stage, _ := lifecycle.DefaultPolicy().Stage(cl.Stage)
	fmt.Println(cl.Stage, "because", cl.Reason)
	fmt.Println("objective:", stage.Objective)
	// Output:
	// advocate because frequency >= 4 and (referrals >= 1 or nps >= 9)
	// objective: thank them; give them reasons and tools to recommend us
}

// Track stages over time; the policy refuses regressions that skip at risk.
func ExampleTracker() {
	ctx := context.Background()
	tr, err := lifecycle.NewTracker(lifecycle.NewMemoryStore(), nil)
	if err != nil {
		panic(err)
	}
	day := func(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []lifecycle.Classification{
		{CustomerID: "C1", Stage: lifecycle.FirstTimeBuyer, AsOf: day(1)},
		{CustomerID: "C1", Stage: lifecycle.Loyal, AsOf: day(10)},
		{CustomerID: "C1", Stage: lifecycle.Loyal, AsOf: day(10)}, // re-run: nothing
		{CustomerID: "C1", Stage: lifecycle.RepeatBuyer, AsOf: day(20)},
	} {
		moved, err := tr.Apply(ctx, c)
		fmt.Println(c.Stage, moved, err)
	}
	// Output:
	// first_time_buyer true <nil>
	// loyal true <nil>
	// loyal false <nil>
	// repeat_buyer false lifecycle: customer "C1": loyal → repeat_buyer is not allowed; allowed from loyal: advocate, at_risk, lapsed
}

// A monthly retention table.
func ExampleCohorts() {
	d := func(m time.Month, day int) time.Time { return time.Date(2025, m, day, 0, 0, 0, 0, time.UTC) }
	txs := []crm.Transaction{
		buy("1", "a", d(1, 3), "20"), buy("2", "a", d(2, 3), "20"), buy("3", "a", d(3, 3), "20"),
		buy("4", "b", d(1, 9), "50"), buy("5", "b", d(3, 9), "10"),
		buy("6", "c", d(2, 1), "30"), buy("7", "c", d(3, 1), "30"),
	}
	table, err := lifecycle.Cohorts(context.Background(), seq(txs...), d(3, 31), lifecycle.Monthly, nil)
	if err != nil {
		panic(err)
	}
	for _, c := range table.Cohorts {
		fmt.Print(c.Start.Format("2006-01"), " ", c.Customers, " customers:")
		for k := range c.Retained {
			fmt.Printf(" %3.0f%%", 100*c.RetentionRate(k))
		}
		fmt.Println()
	}
	// Output:
	// 2025-01 2 customers: 100%  50% 100%
	// 2025-02 1 customers: 100% 100%
}

// A service at 12,000 miles or 12 months, whichever comes first: 3,000
// miles in the 59 days to 10 March project 12,000 after 236 days.
func ExampleMoment() {
	last := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	car := lifecycle.Subject{
		CustomerID: "C7",
		Anchors:    map[string]time.Time{"last_service": last},
		Readings:   []lifecycle.Reading{{At: last, Value: 30000}, {At: last.AddDate(0, 2, 0), Value: 33000}},
	}
	service := lifecycle.Moment{Name: "service", Kind: lifecycle.UsageOrTime, Anchor: "last_service",
		After: lifecycle.Offset{Months: 12}, Usage: 12000, Unit: "miles"}
	for _, o := range service.Due(car, last, last.AddDate(2, 0, 0)) {
		fmt.Println(o.Due.Format("2006-01-02"), o.Reason)
	}
	// Output:
	// 2025-09-03 12000 miles since last_service (projected from readings)
}

// Render a play for a customer who prefers a personal touch.
func ExamplePlay() {
	play, err := lifecycle.Play{
		Name:     "welcome back",
		Stage:    lifecycle.Reactivated,
		Channels: []crm.Channel{crm.ChannelEmail},
		Subject:  "Good to see you again, {{.Name}}",
		Brief:    "Welcome back! Your {{.offer}} is in your account.",
		Personal: "Dear {{.Name}}, it is {{.AccountManager}}. Welcome back: I have put a {{.offer}} in your account.",
	}.Compile(nil)
	if err != nil {
		panic(err)
	}
	c := crm.Customer{ID: "C9", Name: "Mei", Preferences: crm.Preferences{Style: crm.StylePersonal, AccountManager: "Tom"}}
	m, err := play.Render(context.Background(), c, map[string]any{"offer": "10% voucher"}, time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC), nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Channel, "|", m.Subject, "|", m.Body)
	_, err = play.Render(context.Background(), crm.Customer{ID: "C10"}, map[string]any{"offer": "10% voucher"}, time.Now(), nil, nil)
	fmt.Println(err != nil)
	// Output:
	// email | Good to see you again, Mei | Dear Mei, it is Tom. Welcome back: I have put a 10% voucher in your account.
	// true
}
