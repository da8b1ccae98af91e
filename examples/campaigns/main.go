// Command campaigns runs three campaigns on a generated business and
// prints what each did: a follow-up to first-time buyers with a
// cross-sell from product affinity, a win-back call list of customers
// silent past their own repeat cycle with the calls' dispositions, and a
// service reminder at 12,000 miles or 12 months, whichever comes first.
// Each holds a tenth of its audience out as control, shares one contact
// log (so the frequency cap spans all three), and measures its uplift.
//
//	go run ./examples/campaigns
//	go run ./examples/campaigns -customers 20000
//
// Responses are simulated, reproducibly: a customer sent a message is
// likelier to respond than one held out, as a campaign that works would
// make them.
package main

import (
	"context"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"iter"
	"os"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/campaign"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "campaigns:", err)
		os.Exit(1)
	}
}

// plays are what the three campaigns send.
var plays = []lifecycle.Play{
	{Name: "goes well with", Channels: []crm.Channel{crm.ChannelEmail, crm.ChannelApp, crm.ChannelSMS, crm.ChannelSocial, crm.ChannelWeb},
		Subject: "{{.Name}}, this goes with your {{.bought}}", Brief: "{{.Name}}: customers who bought {{.bought}} also like {{.offer}}.",
		Personal: "Hello {{.Name}}, thank you for your first order. Customers who chose {{.bought}} often add {{.offer}} — we kept one aside for you."},
	{Name: "we miss you call", Channels: []crm.Channel{crm.ChannelPhone},
		Brief:    "Call {{.Name}}: last bought {{.last}}; ask what changed, offer a free repair or a voucher.",
		Personal: "Call {{.Name}} personally: last bought {{.last}}; listen first, then offer a free repair or a voucher."},
	{Name: "we miss you", Channels: []crm.Channel{crm.ChannelEmail, crm.ChannelApp, crm.ChannelSMS},
		Brief: "{{.Name}}, it has been a while since {{.last}}. Tell us what we could do better — and take 15% off your next order."},
	{Name: "service due", Channels: []crm.Channel{crm.ChannelSMS, crm.ChannelEmail, crm.ChannelApp, crm.ChannelPhone},
		Brief: "{{.Name}}, your car's service is due ({{.reason}}). Book a slot: reply YES."},
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("campaigns", flag.ContinueOnError)
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
	// The loop's run in the autumn of the business's first year, when
	// many customers have just bought for the first time.
	asOf := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	out := cycle.NewMemoryStore()
	loop, err := cycle.New(cycle.Stores{Customers: data, Transactions: data, Segments: segment.NewMemoryStore(),
		Lifecycle: lifecycle.NewMemoryStore(), Feedback: feedback.NewMemoryStore(), Results: out, Periods: out}, nil)
	if err != nil {
		return err
	}
	if _, err := loop.Run(ctx, asOf); err != nil {
		return err
	}
	affinity, baskets, popular, err := mine(ctx, data, asOf)
	if err != nil {
		return err
	}
	due, err := servicesDue(ctx, gen, asOf)
	if err != nil {
		return err
	}

	log := campaign.NewMemoryStore()
	m, err := campaign.NewManager(log, campaign.NewMemoryCampaigns(), plays, &campaign.Options{Clock: func() time.Time { return asOf.AddDate(0, -4, 0) }})
	if err != nil {
		return err
	}
	eur := func(s string) crm.Money { return crm.NewMoney(decimal.RequireFromString(s), "USD") }
	start, end := asOf, asOf.AddDate(0, 1, 0)
	campaigns := []struct {
		c    campaign.Campaign
		data func(crm.Customer, cycle.Result) map[string]any
	}{
		{campaign.Campaign{ID: "first-follow-up", Objective: "a second purchase, with what goes with the first", Owner: "Ines", Kind: campaign.Sales,
			Plays: []string{"goes well with"}, Audience: campaign.Audience{Stages: []string{lifecycle.FirstTimeBuyer}},
			Start: start, End: end, Budget: eur("2000"), CostPerContact: eur("0.05"), ControlShare: 0.1, Success: campaign.Converted},
			func(c crm.Customer, _ cycle.Result) map[string]any {
				bought := baskets[c.ID]
				if len(bought) == 0 {
					return nil // nothing bought to follow up: the play cannot be written, and says so
				}
				offer := popular // no rule fits the basket: the best seller
				if recs := affinity.Recommend(bought, 1); len(recs) > 0 {
					offer = recs[0].Item
				}
				return map[string]any{"bought": bought[0], "offer": offer}
			}},
		{campaign.Campaign{ID: "win-back-calls", Objective: "win back valuable customers silent past their own repeat cycle", Owner: "Tom", Kind: campaign.WinBack,
			Plays: []string{"we miss you call", "we miss you"}, Audience: campaign.Audience{Rule: `churn = "absolute" and clv >= 20`},
			Start: start, End: end, Budget: eur("5000"), CostPerContact: eur("4.00"), ControlShare: 0.1, Success: campaign.Converted},
			func(c crm.Customer, r cycle.Result) map[string]any {
				return map[string]any{"last": lastPurchase(ctx, data, c.ID, asOf)}
			}},
		{campaign.Campaign{ID: "service-reminder", Objective: "book the service at 12,000 miles or 12 months", Owner: "Ana", Kind: campaign.Service,
			Plays: []string{"service due"}, Audience: campaign.Audience{Moment: "service"},
			Start: start, End: end, CostPerContact: eur("0.02"), ControlShare: 0.1, Success: campaign.Responded},
			func(c crm.Customer, _ cycle.Result) map[string]any { return map[string]any{"reason": due[c.ID]} }},
	}
	occurrences := make([]lifecycle.Occurrence, 0, len(due))
	for id := range due {
		occurrences = append(occurrences, lifecycle.Occurrence{CustomerID: id, Moment: "service"})
	}
	for _, k := range campaigns {
		for _, step := range []func() error{
			func() error { _, err := m.Create(ctx, k.c); return err },
			func() error { _, err := m.Approve(ctx, k.c.ID); return err },
			func() error { _, err := m.Start(ctx, k.c.ID); return err },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		targets := campaign.Targets(ctx, k.c.Audience, campaign.TargetSources{Customers: data, Results: out, AsOf: asOf, Occurrences: occurrences, Data: k.data})
		tally, err := m.Run(ctx, k.c.ID, asOf.Add(9*time.Hour), targets)
		if err != nil {
			return err
		}
		if err := respond(ctx, m, log, k.c); err != nil {
			return err
		}
		e, err := m.Evaluate(ctx, k.c.ID)
		if err != nil {
			return err
		}
		report(w, k.c, tally, e)
	}
	// Running a campaign again at the same time sends nothing new.
	again, err := m.Run(ctx, "first-follow-up", asOf.Add(9*time.Hour), campaign.Targets(ctx, campaigns[0].c.Audience,
		campaign.TargetSources{Customers: data, Results: out, AsOf: asOf, Data: campaigns[0].data}))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nrunning %q again: %d decided before, %d new\n", "first-follow-up", again.Already, again.Decided)
	return nil
}

// mine finds which products sell together, each customer's last basket,
// and the best seller.
func mine(ctx context.Context, data *crm.MemoryStore, asOf time.Time) (*scoring.Affinity, map[string][]string, string, error) {
	var all [][]string
	last := map[string][]string{}
	sold := map[string]int{}
	for tx, err := range data.Transactions(ctx) {
		if err != nil {
			return nil, nil, "", err
		}
		if !tx.Time.Before(asOf) || len(tx.Items) == 0 {
			continue
		}
		var skus []string
		for _, it := range tx.Items {
			skus = append(skus, it.SKU)
			sold[it.SKU] += it.Quantity
		}
		all = append(all, skus)
		last[tx.CustomerID] = skus
	}
	popular := ""
	for sku, n := range sold {
		if n > sold[popular] || (n == sold[popular] && sku < popular) {
			popular = sku
		}
	}
	a, err := scoring.MineAssociations(ctx, all, &scoring.AffinityOptions{MinSupport: 0.002, MaxSize: 2, MinConfidence: 0.05, MinLift: 1.5})
	return a, last, popular, err
}

// servicesDue finds whose car service falls due in October: the last
// service at sign-up, odometer readings from the customer's own monthly
// mileage (reproducible from the ID), and the moment at 12,000 miles or 12
// months, whichever first.
func servicesDue(ctx context.Context, gen *sampledata.Generator, asOf time.Time) (map[string]string, error) {
	service := lifecycle.Moment{Name: "service", Kind: lifecycle.UsageOrTime, Anchor: "last_service",
		After: lifecycle.Offset{Months: 12}, Usage: 12000, Unit: "miles"}
	subjects := func(yield func(lifecycle.Subject, error) bool) {
		for c, err := range gen.Customers() {
			if err != nil {
				yield(lifecycle.Subject{}, err)
				return
			}
			monthly := 400 + float64(hash(c.ID)%1600) // 400–2,000 miles a month
			s := lifecycle.Subject{CustomerID: c.ID, Anchors: map[string]time.Time{"last_service": c.CreatedAt}}
			for at, miles := c.CreatedAt, 0.0; at.Before(asOf); at, miles = at.AddDate(0, 1, 0), miles+monthly {
				s.Readings = append(s.Readings, lifecycle.Reading{At: at, Value: miles})
			}
			if !yield(s, nil) {
				return
			}
		}
	}
	occ, err := lifecycle.Due(ctx, []lifecycle.Moment{service}, iter.Seq2[lifecycle.Subject, error](subjects), asOf, asOf.AddDate(0, 1, 0))
	if err != nil {
		return nil, err
	}
	due := map[string]string{}
	for _, o := range occ {
		due[o.CustomerID] = o.Reason
	}
	return due, nil
}

func lastPurchase(ctx context.Context, data *crm.MemoryStore, id string, asOf time.Time) string {
	var last time.Time
	for tx, err := range data.CustomerTransactions(ctx, id) {
		if err == nil && tx.Time.Before(asOf) && tx.Kind == crm.Purchase {
			last = tx.Time
		}
	}
	return last.Format("2 January 2006")
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// respond simulates what customers did: of those sent, a share responds
// and some convert; of the control group, fewer do anyway. Calls get a
// disposition in the agent's words.
func respond(ctx context.Context, m *campaign.Manager, log campaign.Store, c campaign.Campaign) error {
	var outs []campaign.Outcome
	dispositions := []string{"accepted the free repair", "dealer may call Tuesday afternoon", "dissatisfied: moved to a competitor", "no answer"}
	for k, err := range log.CampaignContacts(ctx, c.ID) {
		if err != nil {
			return err
		}
		if !k.Sent && k.Reason != campaign.ControlGroup {
			continue
		}
		roll := float64(hash(k.ID)%1000) / 1000
		respondP, convertP := 0.30, 0.12
		if !k.Sent {
			respondP, convertP = 0.10, 0.04
		}
		at := k.At.AddDate(0, 0, 3)
		if k.Sent && k.Channel == crm.ChannelPhone {
			outs = append(outs, campaign.Outcome{ID: k.ID + "/call", Contact: k.ID, Campaign: c.ID, Kind: campaign.Disposition, At: k.At.Add(2 * time.Hour),
				Note: dispositions[hash(k.ID+"d")%uint64(len(dispositions))]})
		}
		if roll < respondP {
			outs = append(outs, campaign.Outcome{ID: k.ID + "/responded", Contact: k.ID, Campaign: c.ID, Kind: campaign.Responded, At: at})
		}
		if roll < convertP {
			outs = append(outs, campaign.Outcome{ID: k.ID + "/converted", Contact: k.ID, Campaign: c.ID, Kind: campaign.Converted, At: at.Add(time.Hour),
				Value: crm.NewMoney(decimal.NewFromInt(60), "USD")})
		}
	}
	return m.Record(ctx, outs...)
}

func report(w io.Writer, c campaign.Campaign, t campaign.Tally, e campaign.Evaluation) {
	fmt.Fprintf(w, "\n== %s (%s): %s\n", c.ID, c.Kind, c.Objective)
	fmt.Fprintf(w, "decided %d: sent %d, held out as control %d\n", t.Decided, t.Sent, t.Suppressed[campaign.ControlGroup])
	reasons := make([]campaign.Reason, 0, len(t.Suppressed))
	for r := range t.Suppressed {
		if r != campaign.ControlGroup {
			reasons = append(reasons, r)
		}
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "  suppressed, %-14s %6d\n", r+":", t.Suppressed[r])
	}
	fmt.Fprintf(w, "responded %d (%.1f%%), converted %d (%.1f%%); control converted %d of %d\n",
		e.Responded, 100*e.ResponseRate, e.Converted, 100*e.ConversionRate, e.ControlConverted, e.Control)
	fmt.Fprintf(w, "uplift (%s) %+.1f points, 95%% CI %+.1f to %+.1f; cost %s %s, per conversion %s\n",
		c.Success, 100*e.Uplift, 100*e.Low, 100*e.High, e.Cost.Amount.StringFixed(2), e.Cost.Currency, e.CostPerConversion.Amount.StringFixed(2))
	if len(e.Dispositions) > 0 {
		keys := make([]string, 0, len(e.Dispositions))
		for d := range e.Dispositions {
			keys = append(keys, d)
		}
		slices.Sort(keys)
		for _, d := range keys {
			fmt.Fprintf(w, "  call: %-38s %5d\n", d, e.Dispositions[d])
		}
	}
}
