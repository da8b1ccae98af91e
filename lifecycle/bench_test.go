package lifecycle_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/segment"
)

// benchProfiles makes n lifecycle profiles with the fields the default
// policy reads, spread over every stage.
func benchProfiles(b *testing.B, n int) []*segment.Profile {
	s, err := lifecycle.Schema().Only("purchases", "frequency", "churned", "at_risk", "previous_stage", "referrals", "nps")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	ps := make([]*segment.Profile, n)
	for i := range ps {
		p := s.NewProfile(fmt.Sprintf("C%07d", i), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
		ps[i] = p
		f := rng.IntN(8)
		_ = p.SetNumber("purchases", float64(f))
		if f > 0 {
			_ = p.SetNumber("frequency", float64(f-1))
		}
		_ = p.SetBool("churned", rng.IntN(10) == 0)
		_ = p.SetBool("at_risk", rng.IntN(8) == 0)
		if rng.IntN(20) == 0 {
			_ = p.SetString("previous_stage", lifecycle.Lapsed)
		}
		_ = p.SetNumber("referrals", float64(rng.IntN(3)))
	}
	return ps
}

// BenchmarkClassify classifies 1M customers with the default policy.
func BenchmarkClassify(b *testing.B) {
	ps := benchProfiles(b, 1_000_000)
	c, err := lifecycle.NewClassifier(ps[0].Schema(), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		n := 0
		for i := range ps {
			if _, ok := c.Classify(ps[i]); ok {
				n++
			}
		}
		if n != len(ps) {
			b.Fatalf("%d of %d classified", n, len(ps))
		}
	}
}

// BenchmarkTrackerApply applies 1M first classifications and then 1M
// follow-ups (a third of them moves) to a fresh in-memory store.
func BenchmarkTrackerApply(b *testing.B) {
	const n = 1_000_000
	first := make([]lifecycle.Classification, n)
	second := make([]lifecycle.Classification, n)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range first {
		id := fmt.Sprintf("C%07d", i)
		first[i] = lifecycle.Classification{CustomerID: id, Stage: lifecycle.FirstTimeBuyer, AsOf: t0}
		next := lifecycle.FirstTimeBuyer
		if i%3 == 0 {
			next = lifecycle.RepeatBuyer
		}
		second[i] = lifecycle.Classification{CustomerID: id, Stage: next, AsOf: t0.AddDate(0, 1, 0)}
	}
	ctx := context.Background()
	for b.Loop() {
		tr, err := lifecycle.NewTracker(lifecycle.NewMemoryStore(), nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, cs := range [][]lifecycle.Classification{first, second} {
			if _, illegal, err := tr.ApplyAll(ctx, cs); err != nil || len(illegal) > 0 {
				b.Fatal(err, illegal)
			}
		}
	}
}

// BenchmarkMomentsDue finds a month of moments for 1M customers: a yearly
// financing anniversary, a monthly statement and a usage-or-time service.
func BenchmarkMomentsDue(b *testing.B) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(2, 2))
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	subjects := make([]lifecycle.Subject, n)
	for i := range subjects {
		anchor := start.Add(time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		subjects[i] = lifecycle.Subject{CustomerID: fmt.Sprintf("C%07d", i), Anchors: map[string]time.Time{"loan": anchor, "last_service": anchor},
			Readings: []lifecycle.Reading{{At: anchor, Value: 1000}, {At: anchor.AddDate(0, 1, 0), Value: 1000 + float64(rng.IntN(3000))}}}
	}
	moments := []lifecycle.Moment{
		{Name: "anniversary", Kind: lifecycle.Every, Anchor: "loan", After: lifecycle.Offset{Years: 1}},
		{Name: "statement", Kind: lifecycle.Every, Anchor: "loan", After: lifecycle.Offset{Months: 1}},
		{Name: "service", Kind: lifecycle.UsageOrTime, Anchor: "last_service", After: lifecycle.Offset{Months: 12}, Usage: 12000},
	}
	from := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	seqSubjects := func(yield func(lifecycle.Subject, error) bool) {
		for _, s := range subjects {
			if !yield(s, nil) {
				return
			}
		}
	}
	var due []lifecycle.Occurrence
	for b.Loop() {
		var err error
		if due, err = lifecycle.Due(context.Background(), moments, seqSubjects, from, to); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(due)), "due")
}

// BenchmarkRender renders a play of text and fields (written without the
// template engine), a play with a loop over offers, and the
// slowest plays the limits allow: the most loop passes, nested loops, and
// the longest body passes can run. The last three bound how long any one
// render can take.
func BenchmarkRender(b *testing.B) {
	c := crm.Customer{ID: "C1", Name: "Ana", Preferences: crm.Preferences{Style: crm.StylePersonal}}
	at := time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)
	quiet := strings.Repeat("{{$x := 1}}", 5800) // 23,200 nodes
	for _, bc := range []struct{ name, body string }{
		{"flat", `Dear {{.Name}}, your {{.offer}} is waiting for you in {{.store}}.`},
		{"typical", `Dear {{.Name}}, thank you for your {{.purchases}} orders. {{range $i, $o := .offers}}{{if $i}}, {{end}}{{$o}}{{end}} {{printf "%.0f" .discount}}% off.`},
		{"most_passes", fmt.Sprintf("{{range %d}}{{end}}", lifecycle.MaxRenderSteps/(lifecycle.PassSteps+1))},
		{"nested", "{{range 300}}{{range 300}}{{end}}{{end}}"},
		{"longest_body", fmt.Sprintf("{{range %d}}%s{{end}}", lifecycle.MaxRenderSteps/(lifecycle.PassSteps+1+4*5800+22), quiet)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p, err := lifecycle.Play{Name: "p", Channels: []crm.Channel{crm.ChannelEmail}, Brief: bc.body}.Compile(nil)
			if err != nil {
				b.Fatal(err)
			}
			extra := map[string]any{"purchases": 7, "offers": []string{"tea", "cake", "scones"}, "discount": 10.0, "offer": "voucher", "store": "Leeds"}
			for b.Loop() {
				if _, err := p.Render(b.Context(), c, extra, at, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
