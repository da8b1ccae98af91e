package main

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/roadmap"
	"github.com/crmkit/crm/scoring"
)

// accountPlan is the key account's roadmap and how it is doing.
type accountPlan struct {
	value         scoring.CustomerValue
	tier          string
	planned       time.Time // when the plan was written
	roadmap       roadmap.Roadmap
	draftFindings []roadmap.Finding // of the first draft (not kept when resumed)
	findings      []roadmap.Finding // of the plan as signed off
	health        roadmap.Health
	resumed       bool
}

// planAccount writes a roadmap for the most valuable customer four months
// before the analysis date — a first draft with the usual mistakes, fixed,
// signed off by every department involved and activated — records two
// months of measurements, and assesses its health at the analysis date.
// A resumed database already holds the roadmap; only the health is new.
func planAccount(ctx context.Context, store roadmap.Store, now *snapshot) (*accountPlan, error) {
	top := now.values[now.tiers.Ranked[0]]
	a := &accountPlan{value: top, tier: now.tiers.Reports[now.tiers.Of[now.tiers.Ranked[0]]].Tier.Name,
		planned: now.asOf.AddDate(0, -4, 0)}
	clock := a.planned
	p, err := roadmap.NewPlanner(store, &roadmap.Options{Clock: func() time.Time { return clock }})
	if err != nil {
		return nil, err
	}
	id := "key-account-" + top.CustomerID
	r, err := p.Get(ctx, id)
	switch {
	case err == nil:
		a.resumed = true
	case errors.Is(err, crm.ErrNotFound):
		draft := accountDraft(top.CustomerID, a.planned, now.currency)
		if r, err = p.Create(ctx, id, draft); err != nil {
			return nil, err
		}
		a.draftFindings = r.Validate(a.planned)
		if r, err = p.Edit(ctx, id, r.Version, fixDraft(r.Content, a.planned)); err != nil {
			return nil, err
		}
		if _, err = p.Submit(ctx, id); err != nil {
			return nil, err
		}
		for _, d := range r.Content.Departments() {
			if r, err = p.SignOff(ctx, id, d, "head of "+d); err != nil {
				return nil, err
			}
		}
		if _, err = p.Approve(ctx, id); err != nil {
			return nil, err
		}
		if _, err = p.Activate(ctx, id); err != nil {
			return nil, err
		}
		clock = now.asOf
		if _, err = p.Record(ctx, id,
			roadmap.Measurement{Goal: "E1", At: now.asOf.AddDate(0, -2, 0), Value: 80}, roadmap.Measurement{Goal: "E1", At: now.asOf.AddDate(0, -1, 0), Value: 88},
			roadmap.Measurement{Goal: "E2", At: now.asOf.AddDate(0, -1, 0), Value: 12},
			roadmap.Measurement{Goal: "I1", At: now.asOf.AddDate(0, -2, 0), Value: 34}, roadmap.Measurement{Goal: "I1", At: now.asOf.AddDate(0, -1, 0), Value: 37},
			roadmap.Measurement{Goal: "I2", At: now.asOf.AddDate(0, -1, 0), Value: 38}); err != nil {
			return nil, err
		}
		if r, err = p.Report(ctx, id, roadmap.Progress{Initiative: "N1", Status: "running", Spent: money("9000", now.currency)}); err != nil {
			return nil, err
		}
	default:
		return nil, err
	}
	a.roadmap = r
	a.findings = r.Validate(a.planned)
	if a.health, err = r.Assess(now.asOf); err != nil {
		return nil, err
	}
	return a, nil
}

func money(amount, currency string) crm.Money {
	return crm.Money{Amount: decimal.RequireFromString(amount), Currency: currency}
}

// accountDraft is the plan as the account manager first writes it: one
// promise without a measurable commitment and a training programme
// planned too close.
func accountDraft(customer string, at time.Time, currency string) roadmap.Content {
	day := func(d int) time.Time { return at.AddDate(0, 0, d) }
	fy := func(d int) int { return day(d).Year() }
	return roadmap.Content{
		Account: customer,
		Vision:  "the customer buys from us first because we know what they need before they ask",
		Owner:   "Ana Ruiz",
		Team: []roadmap.Member{
			{Name: "Ana Ruiz", Department: "sales", Role: "key account manager"},
			{Name: "Tom Berg", Department: "service", Role: "service lead"},
			{Name: "Ines Kahn", Department: "marketing", Role: "programme manager"},
		},
		ExternalGoals: []roadmap.ExternalGoal{
			{ID: "E1", Situation: "an order goes wrong", Promise: "a named contact calls back within 2 hours",
				Commitment: &roadmap.KPI{Name: "call-backs within 2 h", Unit: "%", Baseline: 70, Target: 95, Deadline: day(240), Weight: 3}},
			{ID: "E2", Situation: "a new product line launches", Promise: "a private preview and training before anyone else"},
		},
		InternalGoals: []roadmap.InternalGoal{
			{ID: "I1", Perspective: roadmap.Financial, FinancialLink: "share of wallet drives the account's CLV",
				KPI: &roadmap.KPI{Name: "share of wallet", Unit: "%", Baseline: 30, Target: 45, Deadline: day(365), Weight: 3}},
			{ID: "I2", Perspective: roadmap.CustomerView, FinancialLink: "promoters buy more and refer others",
				KPI: &roadmap.KPI{Name: "account NPS", Unit: "points", Baseline: 20, Target: 50, Deadline: day(300), Weight: 2}},
		},
		Initiatives: []roadmap.Initiative{
			{ID: "N1", Name: "Quarterly business reviews", Kind: roadmap.Communication, Owner: "Ana Ruiz", Departments: []string{"sales"},
				Start: day(100), End: day(365), Budget: money("12000", currency), FiscalYear: fy(100)},
			{ID: "N2", Name: "Product academy for the customer's staff", Kind: roadmap.Education, Owner: "Tom Berg", Departments: []string{"service", "marketing"},
				Start: day(45), End: day(180), Budget: money("20000", currency), FiscalYear: fy(45)},
			{ID: "N3", Name: "Volume loyalty rebate", Kind: roadmap.Incentive, Owner: "Ines Kahn", Departments: []string{"marketing", "finance"},
				Start: day(150), End: day(365), Budget: money("30000", currency), FiscalYear: fy(150)},
		},
		Phases: []roadmap.Phase{
			{Name: "Earn trust", Start: day(90), End: day(210), Priorities: []string{"E1", "N1", "N2"}},
			{Name: "Grow together", Start: day(211), End: day(365), Priorities: []string{"I1", "I2", "N3"}},
		},
		Budgets: []roadmap.YearBudget{{FiscalYear: fy(0), Amount: money("40000", currency)}, {FiscalYear: fy(0) + 1, Amount: money("60000", currency)}},
	}
}

// fixDraft repairs what validation found in the draft.
func fixDraft(c roadmap.Content, at time.Time) roadmap.Content {
	c.ExternalGoals[1].Commitment = &roadmap.KPI{Name: "users trained before launch", Unit: "people", Baseline: 0, Target: 25, Deadline: at.AddDate(0, 0, 200), Weight: 1}
	c.Initiatives[1].Start = at.AddDate(0, 0, 100)
	c.Initiatives[1].FiscalYear = c.Initiatives[1].Start.Year()
	// The scorecard needs the internal-process and learning perspectives.
	c.InternalGoals = append(c.InternalGoals,
		roadmap.InternalGoal{ID: "I3", Perspective: roadmap.InternalProcess, FinancialLink: "orders right first time cost less to serve",
			KPI: &roadmap.KPI{Name: "orders needing a correction", Unit: "%", Baseline: 8, Target: 3, Deadline: at.AddDate(0, 0, 300), Weight: 1, LowerIsBetter: true}},
		roadmap.InternalGoal{ID: "I4", Perspective: roadmap.LearningGrowth, FinancialLink: "a trained service team keeps the account",
			KPI: &roadmap.KPI{Name: "service staff certified on the account", Unit: "people", Baseline: 1, Target: 6, Deadline: at.AddDate(0, 0, 240), Weight: 1}})
	return c
}
