package monitor_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/monitor"
)

// A monitor checks the loop's latest run: a Gold customer who entered
// the at-risk stage raises one alert, routed to the key-account team.
func Example() {
	ctx := context.Background()
	out := cycle.NewMemoryStore() // what the loop wrote; here by hand
	jan, feb := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, run := range []struct {
		at    time.Time
		stage string
	}{{jan, "loyal"}, {feb, "at_risk"}} {
		out.AppendResults(ctx, cycle.Result{CustomerID: "C42", AsOf: run.at, Stage: run.stage, Tier: "Gold", Buyer: true, Valued: true,
			CLV: crm.Money{Amount: decimal.NewFromInt(2400), Currency: "EUR"}})
		out.AppendPeriods(ctx, cycle.Period{From: run.at.AddDate(0, -1, 0), AsOf: run.at})
	}
	m, err := monitor.New(monitor.Sources{Alerts: monitor.NewMemoryStore(), Results: out, Periods: out}, monitor.StarterRules()[:1], nil)
	if err != nil {
		log.Fatal(err)
	}
	raised, err := m.Check(ctx, feb)
	if err != nil {
		log.Fatal(err)
	}
	again, _ := m.Check(ctx, feb)
	fmt.Println(raised[0].Rule, raised[0].Severity, raised[0].To)
	fmt.Println(raised[0].Message)
	fmt.Println(len(again), "raised again")
	// Output:
	// key customer at risk critical [key accounts]
	// customer C42: Gold, at_risk, CLV 2400 EUR
	// 0 raised again
}
