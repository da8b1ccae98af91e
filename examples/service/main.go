// Command service serves a month of the generated business's complaints
// as its service catalogue says each tier is served: routed by tier and
// skill (Platinum and Gold complaints to the key-account team, win-back
// calls to a senior specialist), with remedies above an agent's authority
// approved by the service manager. Then it hears the voice of the
// customer — a relationship survey and the answers of a churn-interview
// campaign — scores a weighted satisfaction index by tier, and ranks the
// reasons behind complaints, departures and low scores in one Pareto,
// whose vital few become draft initiatives of the service roadmap.
//
//	go run ./examples/service
//	go run ./examples/service -customers 20000
//
// Remedy costs, survey answers and the reasons customers give are
// simulated, reproducibly (hashes of the customers' IDs).
package main

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/roadmap"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

// The catalogue: what each tier is promised.
var catalogue = &feedback.Catalogue{Entitlements: []feedback.Entitlement{
	{Tier: "Platinum", Services: []string{"key-account team", "free collection and repair"}, Channels: []crm.Channel{crm.ChannelPhone, crm.ChannelEmail},
		FirstResponse: time.Hour, Resolution: 8 * time.Hour, AccountManager: true, RemedyBudget: 300},
	{Tier: "Gold", Services: []string{"key-account team"}, Channels: []crm.Channel{crm.ChannelPhone, crm.ChannelEmail},
		FirstResponse: 2 * time.Hour, Resolution: 16 * time.Hour, AccountManager: true, RemedyBudget: 150},
	{Tier: "Iron", FirstResponse: 8 * time.Hour, Resolution: 30 * time.Hour, RemedyBudget: 60},
	{Tier: "Lead", FirstResponse: 8 * time.Hour, RemedyBudget: 30},
}}

// The agents: a key-account team serving Platinum and Gold, generalists
// (who take what no route sends elsewhere) and win-back specialists who
// make calls, not complaint handling, each with the remedy authority of
// their role.
var agents = []feedback.Agent{
	{Name: "ada", Team: "key-accounts", Tiers: []string{"Platinum", "Gold"}, Seniority: 3, RemedyPerCase: 250, RemedyPerMonth: 3000},
	{Name: "ben", Team: "key-accounts", Tiers: []string{"Platinum", "Gold"}, Seniority: 2, RemedyPerCase: 150, RemedyPerMonth: 2000},
	{Name: "cai", Team: "key-accounts", Tiers: []string{"Platinum", "Gold"}, Seniority: 1, RemedyPerCase: 80, RemedyPerMonth: 1000},
	{Name: "dev", Team: "general", RemedyPerCase: 40, RemedyPerMonth: 600},
	{Name: "eva", Team: "general", RemedyPerCase: 40, RemedyPerMonth: 600},
	{Name: "fox", Team: "general", Seniority: 1, RemedyPerCase: 60, RemedyPerMonth: 800},
	{Name: "gil", Team: "win-back", Kinds: []feedback.Kind{feedback.Inquiry}, Skills: []string{"win-back"}, Seniority: 3, RemedyPerCase: 100},
	{Name: "hal", Team: "win-back", Kinds: []feedback.Kind{feedback.Inquiry}, Skills: []string{"win-back"}, Seniority: 1, RemedyPerCase: 50},
}

var routes = []feedback.Route{
	{Tier: "Platinum", Kind: feedback.Complaint, Team: "key-accounts", MinSeniority: 2},
	{Tier: "Gold", Kind: feedback.Complaint, Team: "key-accounts"},
	{Skill: "win-back", MinSeniority: 3},
}

// The one reason taxonomy complaints, interviews and low scores share.
var taxonomy = &feedback.Taxonomy{Reasons: []feedback.Reason{
	{Code: "late_delivery", Label: "Late delivery", Group: "logistics"},
	{Code: "damaged", Label: "Arrived damaged", Group: "logistics"},
	{Code: "faulty", Label: "Faulty product", Group: "product"},
	{Code: "billing", Label: "Billing error", Group: "finance"},
	{Code: "rude_staff", Label: "Unhelpful staff", Group: "service"},
	{Code: "price", Label: "Too expensive", Group: "offer"},
	{Code: "moved", Label: "Moved away", Group: "circumstance"},
}}

// causes weigh the complaint reasons (and the cost of their remedies).
var causes = []struct {
	code   string
	weight float64
	remedy float64
}{{"late_delivery", 35, 20}, {"damaged", 20, 120}, {"faulty", 15, 260}, {"billing", 12, 40}, {"rude_staff", 8, 30}, {"price", 10, 10}}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	customers := fs.Int("customers", 10_000, "customers of the generated business")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := sampledata.DefaultConfig()
	cfg.Customers = *customers
	gen, err := sampledata.NewGenerator(cfg)
	if err != nil {
		return err
	}
	data := crm.NewMemoryStore()
	if err := gen.Load(ctx, data); err != nil {
		return err
	}
	// Tiers and churn from the loop at the end of the month served.
	asOf := cfg.End
	from := asOf.AddDate(0, -1, 0)
	out := cycle.NewMemoryStore()
	loop, err := cycle.New(cycle.Stores{Customers: data, Transactions: data, Segments: segment.NewMemoryStore(),
		Lifecycle: lifecycle.NewMemoryStore(), Feedback: feedback.NewMemoryStore(), Results: out, Periods: out}, nil)
	if err != nil {
		return err
	}
	if _, err := loop.Run(ctx, asOf); err != nil {
		return err
	}
	results := map[string]cycle.Result{}
	for r, err := range out.ResultsAt(ctx, asOf) {
		if err != nil {
			return err
		}
		results[r.CustomerID] = r
	}
	tierOf := func(id string) string { return results[id].Tier }

	// The desk: the catalogue's targets, the routes, the manager approves.
	store := feedback.NewMemoryStore()
	clock := from
	desk, err := feedback.NewDesk(store, agents, &feedback.Options{Catalogue: catalogue, Routes: routes, Approvers: []string{"lena"}, Taxonomy: taxonomy,
		Clock: func() time.Time { return clock }})
	if err != nil {
		return err
	}
	var intakes []feedback.Intake
	for tp, err := range data.Touchpoints(ctx) {
		if err != nil {
			return err
		}
		if tp.Kind != crm.TouchComplaint || tp.Time.Before(from) || !tp.Time.Before(asOf) {
			continue
		}
		r := results[tp.CustomerID]
		v, _ := r.CLV.Amount.Float64()
		intakes = append(intakes, feedback.Intake{Key: "tp:" + tp.ID, CustomerID: tp.CustomerID, Kind: feedback.Complaint, Channel: tp.Channel,
			Category: pickCause(tp.ID), Tier: r.Tier, Value: v, Text: "complaint by " + string(tp.Channel)})
	}
	// Win-back calls to the valuable customers who left.
	for id, r := range results {
		if r.Churn == "absolute" && (r.Tier == "Platinum" || r.Tier == "Gold") {
			intakes = append(intakes, feedback.Intake{Key: "winback:" + id, CustomerID: id, Kind: feedback.Inquiry, Channel: crm.ChannelPhone,
				Category: "lapsed", Tier: r.Tier, Skill: "win-back", Text: "win-back call"})
		}
	}
	slices.SortFunc(intakes, func(a, b feedback.Intake) int { return compare(a.Key, b.Key) })
	tally, err := serve(ctx, desk, intakes, from, &clock)
	if err != nil {
		return err
	}
	var items []feedback.Item
	for it, err := range store.Items(ctx) {
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	fmt.Fprintf(w, "== a month of service, %s to %s: %d items\n\n", from.Format("2006-01-02"), asOf.Format("2006-01-02"), len(items))
	printRouting(w, items)
	fmt.Fprintf(w, "\nremedies: %d within the proposer's authority; %d approvals asked: %d approved by lena, %d refused and offered again cheaper\n",
		tally.within, tally.approval, tally.approved, tally.refused)
	costs, err := feedback.CostToServe(ctx, store.Items(ctx), store.ItemEvents, from, asOf, feedback.CostOptions{PerItem: 4, PerStep: 6})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncost to serve (4 an item, 6 a step, plus remedies):")
	for _, c := range costs {
		fmt.Fprintf(w, "  %-9s %5d items %6d steps  remedies %9.2f  per item %7.2f\n", cmp(c.Tier, "(none)"), c.Items, c.Steps, c.Remedies, c.PerItem)
	}
	cov, err := feedback.AccountManagers(data.Customers(ctx), tierOf, catalogue, store.Items(ctx))
	if err != nil {
		return err
	}
	assigned, err := feedback.AssignManagers(cov, []string{"ada", "ben"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "account managers: %d Platinum and Gold customers had none; proposed %d to ada, %d to ben\n",
		len(cov.Uncovered), countOf(assigned, "ada"), countOf(assigned, "ben"))

	// The voice of the customer.
	relationship, interviews := surveys(results, items, asOf)
	rows, err := feedback.SatisfactionIndex(csi, seq(relationship), func(r feedback.Response) []string { return []string{"tier=" + cmp(tierOf(r.CustomerID), "none")} })
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== satisfaction index (relationship survey, %d answers; 0–100, 95%% interval)\n", len(relationship))
	for _, r := range rows {
		handling := "–"
		if v, ok := r.Indicators["complaint_handling"]; ok {
			handling = fmt.Sprintf("%.2f", v)
		}
		fmt.Fprintf(w, "  %-15s n=%5d  %5.1f  [%5.1f, %5.1f]  service %.2f, complaint handling %s\n", cmp(r.Cut, "all"), r.N, r.Mean, r.Low, r.High,
			r.Indicators["service"], handling)
	}
	causes, err := feedback.RootCauses(taxonomy, feedback.ComplaintMentions(items), feedback.ResponseMentions("churn_interview", interviews, nil),
		feedback.ResponseMentions("low_score", relationship, func(r feedback.Response) bool { return r.Answers["q2"] <= 2 }))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== root causes across complaints, %d churn interviews and low scores\n", len(interviews))
	for _, c := range causes {
		mark := ""
		if c.VitalFew {
			mark = " *"
		}
		fmt.Fprintf(w, "  %-17s %5d  %5.1f%%  cum %5.1f%%  complaints %4d, interviews %3d, low scores %3d%s\n", c.Label, c.Count, 100*c.Share, 100*c.Cumulative,
			c.Sources["complaint"], c.Sources["churn_interview"], c.Sources["low_score"], mark)
	}
	fmt.Fprintln(w, "  (* the vital few)")
	fmt.Fprintf(w, "repeat complaints (same customer, same cause, within 30 days): %d\n", len(feedback.RepeatComplaints(items, 30*24*time.Hour)))
	fmt.Fprintln(w, "\ndraft initiatives for the service roadmap:")
	for _, in := range roadmap.InitiativesFromCauses(causes, "lena", asOf.AddDate(0, 1, 0), 6) {
		fmt.Fprintf(w, "  %s — %s, %s to %s\n", in.ID, in.Name, in.Start.Format("2006-01"), in.End.Format("2006-01"))
	}
	return nil
}

// csi is the relationship survey: the satisfaction index card's five
// indicators and an open question.
var csi = func() *feedback.Instrument {
	q := func(id, ind, text string) feedback.Question {
		return feedback.Question{ID: id, Text: text, Indicator: ind, Min: 1, Max: 5}
	}
	return &feedback.Instrument{Name: "csi", Purpose: feedback.Relationship, Card: scoring.SatisfactionIndexCard(), Questions: []feedback.Question{
		q("q1", "product_quality", "How satisfied are you with our products?"), q("q2", "service", "…with our service?"),
		q("q3", "delivery", "…with delivery?"), q("q4", "price_value", "…with the value for the price?"),
		q("q5", "complaint_handling", "…with how we handled your complaint, if you made one?"),
		{ID: "better", Text: "What should we do better?"},
	}}
}()

// surveys simulates the answers: a relationship survey of every fifth
// valued customer (answers lower for customers who complained, and a
// reason with a low service score) and an interview of every lapsed
// customer called.
func surveys(results map[string]cycle.Result, items []feedback.Item, at time.Time) (relationship, interviews []feedback.Response) {
	complained := map[string]bool{}
	for _, it := range items {
		if it.Kind == feedback.Complaint {
			complained[it.CustomerID] = true
		}
	}
	ids := make([]string, 0, len(results))
	for id := range results {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		r := results[id]
		h := hash(id)
		if r.Valued && i%5 == 0 {
			base := 4.0
			if complained[id] {
				base = 2.5
			}
			answer := func(k uint64) float64 { return min(5, max(1, base+float64(int(h>>(8*k)%3))-1)) }
			resp := feedback.Response{ID: "csi/" + id, Instrument: "csi", CustomerID: id, Channel: crm.ChannelEmail, At: at,
				Answers: map[string]float64{"q1": answer(1), "q2": answer(2), "q3": answer(3), "q4": answer(4)}}
			if complained[id] {
				resp.Answers["q5"] = answer(5)
			}
			if resp.Answers["q2"] <= 2 {
				resp.Reasons = []string{pickCause(id)}
			}
			relationship = append(relationship, resp)
		}
		if r.Churn == "absolute" && (r.Tier == "Platinum" || r.Tier == "Gold") {
			reasons := []string{pickCause(id + "/why")}
			if h%4 == 0 {
				reasons = []string{"moved"}
			}
			interviews = append(interviews, feedback.Response{ID: "exit/" + id, Instrument: "exit", CustomerID: id, Channel: crm.ChannelPhone, At: at, Reasons: reasons})
		}
	}
	return relationship, interviews
}

// tally counts the remedy decisions.
type tally struct{ within, approval, approved, refused int }

// serve takes in and works every intake in order through the month: a
// complaint is acknowledged, investigated and given a remedy priced by its
// cause; one above the proposer's authority goes to lena, who approves up
// to 250 and otherwise refuses (the agent then offers half, which may
// need her approval again); the customer
// accepts, and the item is resolved and closed. A win-back call is
// answered.
func serve(ctx context.Context, d *feedback.Desk, intakes []feedback.Intake, from time.Time, clock *time.Time) (tally, error) {
	var t tally
	for i, in := range intakes {
		*clock = from.Add(time.Duration(i) * 7 * time.Minute)
		it, _, err := d.Submit(ctx, in, "hotline")
		if err != nil {
			return t, err
		}
		step := func(a feedback.Action, c feedback.Content, actor string) error {
			*clock = clock.Add(40 * time.Minute)
			it, err = d.Step(ctx, it.ID, a, c, actor)
			return err
		}
		if in.Kind != feedback.Complaint {
			if err := step(feedback.Acknowledge, feedback.Content{Apology: "Hello, this is " + it.Owner}, it.Owner); err != nil {
				return t, err
			}
			if err := step(feedback.Answer, feedback.Content{Answer: "Called: offered a voucher and a free check of the last purchase"}, it.Owner); err != nil {
				return t, err
			}
			if err := step(feedback.CloseItem, feedback.Content{}, it.Owner); err != nil {
				return t, err
			}
			continue
		}
		cost := 0.0
		for _, c := range causes {
			if c.code == in.Category {
				cost = c.remedy * (0.5 + float64(hash(in.Key)%100)/100)
			}
		}
		for _, s := range []struct {
			a feedback.Action
			c feedback.Content
		}{{feedback.Acknowledge, feedback.Content{Apology: "We are sorry"}}, {feedback.Investigate, feedback.Content{}},
			{feedback.ProposeFix, feedback.Content{Facts: "confirmed: " + in.Category, Remedy: "put it right", Cost: cost}}} {
			if err := step(s.a, s.c, it.Owner); err != nil {
				return t, err
			}
		}
		if it.State != feedback.AwaitingApproval && cost > 0 {
			t.within++
		}
		for it.State == feedback.AwaitingApproval {
			t.approval++
			if it.Content.Cost <= 250 {
				t.approved++
				if err := step(feedback.Approve, feedback.Content{Note: "approved"}, "lena"); err != nil {
					return t, err
				}
				break
			}
			t.refused++
			if err := step(feedback.Refuse, feedback.Content{Note: "too dear: offer a repair"}, "lena"); err != nil {
				return t, err
			}
			if err := step(feedback.ProposeFix, feedback.Content{Facts: "confirmed", Remedy: "a repair", Cost: it.Content.Cost / 2}, it.Owner); err != nil {
				return t, err
			}
		}
		for _, s := range []struct {
			a feedback.Action
			c feedback.Content
		}{{feedback.Accept, feedback.Content{Decision: "accepted"}}, {feedback.Resolve, feedback.Content{Done: "done"}}, {feedback.CloseItem, feedback.Content{}}} {
			if err := step(s.a, s.c, it.Owner); err != nil {
				return t, err
			}
		}
	}
	return t, nil
}

// printRouting shows who owns what: items by tier and the owner's team.
func printRouting(w io.Writer, items []feedback.Item) {
	team := map[string]string{}
	for _, a := range agents {
		team[a.Name] = a.Team
	}
	counts := map[[2]string]int{}
	for _, it := range items {
		what := cmp(it.Tier, "(none)")
		if it.Skill != "" {
			what += " " + it.Skill
		}
		counts[[2]string{what, team[it.Owner]}]++
	}
	keys := make([][2]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) })
	fmt.Fprintln(w, "routing (items by tier, owned by team):")
	for _, k := range keys {
		fmt.Fprintf(w, "  %-18s → %-13s %5d\n", k[0], k[1], counts[k])
	}
}

func pickCause(key string) string {
	total := 0.0
	for _, c := range causes {
		total += c.weight
	}
	pick := float64(hash(key)%10_000) / 10_000 * total
	for _, c := range causes {
		if pick -= c.weight; pick < 0 {
			return c.code
		}
	}
	return causes[0].code
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func cmp(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func countOf(m map[string]string, v string) int {
	n := 0
	for _, x := range m {
		if x == v {
			n++
		}
	}
	return n
}

func seq[T any](xs []T) func(func(T, error) bool) {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}
