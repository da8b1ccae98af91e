package feedback_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
)

// A complaint from intake to close: apologise, establish the facts, agree
// the remedy with the customer, carry it out, close.
func Example() {
	ctx := context.Background()
	now := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	desk, err := feedback.NewDesk(feedback.NewMemoryStore(), []feedback.Agent{{Name: "ann"}}, &feedback.Options{
		Clock: func() time.Time { now = now.Add(time.Hour); return now },
	})
	if err != nil {
		panic(err)
	}
	it, _, err := desk.Submit(ctx, feedback.Intake{Key: "call-81", CustomerID: "C1", Kind: feedback.Complaint,
		Channel: crm.ChannelPhone, Category: "delivery", Severity: feedback.High, Text: "the sofa came broken"}, "hotline")
	if err != nil {
		panic(err)
	}
	for _, s := range []struct {
		a feedback.Action
		c feedback.Content
	}{
		{feedback.Acknowledge, feedback.Content{Apology: "We are sorry your sofa arrived damaged."}},
		{feedback.Investigate, feedback.Content{}},
		{feedback.ProposeFix, feedback.Content{Facts: "damaged in transit", Remedy: "a new sofa, delivered free"}},
		{feedback.Accept, feedback.Content{Decision: "yes, by phone"}},
		{feedback.Resolve, feedback.Content{Done: "new sofa delivered"}},
		{feedback.CloseItem, feedback.Content{}},
	} {
		if it, err = desk.Step(ctx, it.ID, s.a, s.c, "ann"); err != nil {
			panic(err)
		}
		fmt.Println(s.a, "→", it.State)
	}
	_, err = desk.Step(ctx, it.ID, feedback.Resolve, feedback.Content{Done: "again"}, "ann")
	fmt.Println(err)
	// Output:
	// acknowledge → acknowledged
	// investigate → investigating
	// propose → remedy_proposed
	// accept → remedy_accepted
	// resolve → resolved
	// close → closed
	// feedback: item "F00000001": closed → resolve is not allowed; allowed from closed: reopen
}

// When is a first response due on a Friday afternoon before a holiday?
func ExampleCalendar_Add() {
	london, _ := time.LoadLocation("Europe/London")
	cal := feedback.WeekdayCalendar(london, 9*60, 17*60, feedback.Date{Year: 2025, Month: time.May, Day: 5}) // bank holiday Monday
	received := time.Date(2025, 5, 2, 15, 30, 0, 0, london)
	fmt.Println(cal.Add(received, 4*time.Hour).Format("Mon 2 Jan 15:04"))
	// Output:
	// Tue 6 May 11:30
}

func ExamplePareto() {
	var items []feedback.Item
	for cat, n := range map[string]int{"late delivery": 42, "wrong item": 23, "billing": 15, "rude staff": 12, "website": 8} {
		for range n {
			items = append(items, feedback.Item{Category: cat})
		}
	}
	for _, r := range feedback.Pareto(items, feedback.ByCategory, feedback.Count) {
		fmt.Printf("%-14s %3d  %5.1f%%  vital few: %v\n", r.Cause, r.Count, 100*r.Cumulative, r.VitalFew)
	}
	// Output:
	// late delivery   42   42.0%  vital few: true
	// wrong item      23   65.0%  vital few: true
	// billing         15   80.0%  vital few: true
	// rude staff      12   92.0%  vital few: false
	// website          8  100.0%  vital few: false
}

func ExampleNPSScore() {
	scores := []int{10, 9, 9, 10, 8, 7, 6, 3, 10, 9, 9, 5, 10, 8, 9, 10, 2, 9, 10, 7}
	r, err := feedback.NPSScore(scores)
	if err != nil {
		panic(err)
	}
	fmt.Printf("NPS %+.0f (%d promoters, %d passives, %d detractors), 95%% CI %+.0f to %+.0f\n",
		100*r.Score, r.Promoters, r.Passives, r.Detractors, 100*r.Low, 100*r.High)
	// Output:
	// NPS +40 (12 promoters, 4 passives, 4 detractors), 95% CI +2 to +67
}
