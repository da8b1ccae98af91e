package segment_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

const benchRule = `recency_days <= 30 and frequency >= 3 and monetary >= 500 and country in ("CN", "US")`

// benchProfiles makes n profiles of schema s, with the fields the
// benchmark rules read, about a quarter matching benchRule's first
// condition.
func benchProfiles(b *testing.B, s *segment.Schema, n int) []*segment.Profile {
	rng := rand.New(rand.NewPCG(3, 3))
	countries := []string{"CN", "US", "DE", "GB", "FR", "JP", "BR", "AU"}
	ps := make([]*segment.Profile, n)
	for i := range ps {
		p := s.NewProfile("c", asOf)
		_ = p.SetNumber("recency_days", float64(rng.IntN(120)))
		_ = p.SetNumber("frequency", float64(rng.IntN(10)))
		_ = p.SetNumber("monetary", float64(rng.IntN(1500)))
		_ = p.SetString("country", countries[rng.IntN(len(countries))])
		for _, f := range []string{"r_score", "f_score", "m_score"} {
			if _, ok := s.Field(f); ok {
				_ = p.SetNumber(f, float64(1+rng.IntN(5)))
			}
		}
		ps[i] = p
	}
	return ps
}

// ruleSchema is the default schema cut down to the fields benchRule reads.
func ruleSchema(b *testing.B) *segment.Schema {
	m := segment.MustCompile(benchRule, segment.DefaultSchema())
	s, err := segment.DefaultSchema().Only(m.Fields()...)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkMatch: the four-condition rule over 1M profiles of the
// fields it reads; ns/op is per profile.
func BenchmarkMatch(b *testing.B) { benchMatch(b, ruleSchema(b), 1_000_000) }

// BenchmarkMatchDefaultSchema: the same over 1M profiles of all 25 default
// fields (800 bytes each): memory-bound.
func BenchmarkMatchDefaultSchema(b *testing.B) { benchMatch(b, segment.DefaultSchema(), 1_000_000) }

// BenchmarkMatchInCache: the same over 1,000 profiles that stay in cache.
func BenchmarkMatchInCache(b *testing.B) { benchMatch(b, segment.DefaultSchema(), 1000) }

func benchMatch(b *testing.B, s *segment.Schema, n int) {
	ps := benchProfiles(b, s, n)
	m := segment.MustCompile(benchRule, s)
	b.ReportAllocs()
	b.ResetTimer()
	hits := 0
	for i := 0; i < b.N; i++ {
		if m.Match(ps[i%len(ps)]) {
			hits++
		}
	}
	if hits == 0 && b.N > 1000 {
		b.Fatal("nothing matched")
	}
}

// BenchmarkExplain explains the same rule per profile.
func BenchmarkExplain(b *testing.B) {
	s := ruleSchema(b)
	ps := benchProfiles(b, s, 1_000_000)
	m := segment.MustCompile(benchRule, s)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.Explain(ps[i%len(ps)])
	}
}

// BenchmarkCompile parses nothing: it type-checks and compiles the parsed
// rule against the default schema.
func BenchmarkCompile(b *testing.B) {
	s := segment.DefaultSchema()
	r, err := segment.Parse(benchRule)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := segment.Compile(r, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAndCompile includes parsing the text.
func BenchmarkParseAndCompile(b *testing.B) {
	s := segment.DefaultSchema()
	b.ReportAllocs()
	for b.Loop() {
		r, err := segment.Parse(benchRule)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := segment.Compile(r, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssignRFM assigns 1M profiles to the 11 RFM presets.
func BenchmarkAssignRFM(b *testing.B) {
	s, err := segment.DefaultSchema().Only("recency_days", "frequency", "monetary", "country", "r_score", "f_score", "m_score")
	if err != nil {
		b.Fatal(err)
	}
	ps := benchProfiles(b, s, 1_000_000)
	a, err := segment.RFMSegments().Compile(s)
	if err != nil {
		b.Fatal(err)
	}
	seq := func(yield func(*segment.Profile, error) bool) {
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
	for b.Loop() {
		if _, err := a.Assign(context.Background(), seq, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProfiles builds the default profiles of 200k generated
// customers from a scoring run (summaries, RFM, values, tiers); ns/op is
// per customer. "in order" is how stores and analyses hand them over;
// "scores shuffled" makes the join search; "tiers by map" passes the tiers
// as a map by customer instead of the Tiering. CRM_BENCH_CUSTOMERS sets
// another number of customers (1000000, with 11M transactions, peaks
// at 11.5 GB).
func BenchmarkProfiles(b *testing.B) {
	ctx := context.Background()
	cfg := sampledata.DefaultConfig()
	cfg.Customers = 200_000
	if v := os.Getenv("CRM_BENCH_CUSTOMERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("CRM_BENCH_CUSTOMERS=%q: want a number of customers", v)
		}
		cfg.Customers = n
	}
	g, err := sampledata.NewGenerator(cfg)
	if err != nil {
		b.Fatal(err)
	}
	var customers []crm.Customer
	for c, err := range g.Customers() {
		if err != nil {
			b.Fatal(err)
		}
		customers = append(customers, c)
	}
	sums, err := scoring.Summarize(ctx, g.Transactions(), cfg.End, nil)
	if err != nil {
		b.Fatal(err)
	}
	rfm, _, err := scoring.RFM(sums, nil)
	if err != nil {
		b.Fatal(err)
	}
	values := make([]scoring.CustomerValue, len(sums))
	for i, s := range sums {
		values[i] = scoring.CustomerValue{CustomerID: s.CustomerID, CLV: crm.Money{Amount: s.Total, Currency: s.Currency}, Alive: 0.5}
	}
	tiering, err := scoring.TiersByCLV(values, scoring.DefaultTiers())
	if err != nil {
		b.Fatal(err)
	}
	perm := rand.New(rand.NewPCG(1, 2)).Perm(len(sums))
	shuffled := segment.Scores{Tiering: &scoring.Tiering{Reports: tiering.Reports}}
	for _, i := range perm {
		shuffled.Summaries = append(shuffled.Summaries, sums[i])
		shuffled.RFM = append(shuffled.RFM, rfm[i])
		shuffled.Values = append(shuffled.Values, values[i])
		shuffled.Tiering.Of = append(shuffled.Tiering.Of, tiering.Of[i])
	}
	stream := func(yield func(crm.Customer, error) bool) {
		for _, c := range customers {
			if !yield(c, nil) {
				return
			}
		}
	}
	var txs []crm.Transaction
	for tx, err := range g.Transactions() {
		if err != nil {
			b.Fatal(err)
		}
		txs = append(txs, tx)
	}
	txStream := func(yield func(crm.Transaction, error) bool) {
		for _, tx := range txs {
			if !yield(tx, nil) {
				return
			}
		}
	}
	schema := segment.DefaultSchema()
	windowed, err := schema.WithWindows(
		segment.Window{Name: "purchases_365d", Measure: segment.WindowPurchases, Days: 365},
		segment.Window{Name: "purchases_90d", Measure: segment.WindowPurchases, Days: 90},
		segment.Window{Name: "spend_90d", Measure: segment.WindowSpend, Days: 90},
		segment.Window{Name: "cat3_spend_365d", Measure: segment.WindowSpend, Days: 365, Category: "category-03"},
		segment.Window{Name: "categories_365d", Measure: segment.WindowCategories, Days: 365})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		scores segment.Scores
		schema *segment.Schema
	}{
		{"in order", segment.Scores{Summaries: sums, RFM: rfm, Values: values, Tiering: tiering}, schema},
		{"scores shuffled", shuffled, schema},
		{"in order, five windows", segment.Scores{Summaries: sums, RFM: rfm, Values: values, Tiering: tiering, Transactions: txStream}, windowed},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, err := range segment.Profiles(ctx, stream, bc.scores, bc.schema, cfg.End) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(customers)), "ns/customer")
		})
	}
	// For scale: one pass of scoring.Summarize over the same transactions,
	// the pass a host makes anyway to have the scores profiles read.
	b.Run("summaries of the same transactions", func(b *testing.B) {
		for b.Loop() {
			if _, err := scoring.Summarize(ctx, txStream, cfg.End, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(customers)), "ns/customer")
	})
}

// BenchmarkBuildProfiles builds profiles of the full default schema with
// the seven fields the benchmark rules read, from a host's own records;
// ns/op is per profile. "by name" is SetNumber("recency_days", …) on a new
// profile each; "by handle" resolves the fields once; "reused" resets one
// profile per customer and matches it, as a host streaming its customers
// past a rule would (the whole build-and-match pass).
func BenchmarkBuildProfiles(b *testing.B) {
	s := segment.DefaultSchema()
	type record struct {
		recency, frequency, monetary float64
		country                      string
		r, f, m                      float64
	}
	rng := rand.New(rand.NewPCG(3, 3))
	countries := []string{"CN", "US", "DE", "GB", "FR", "JP", "BR", "AU"}
	recs := make([]record, 1<<16)
	for i := range recs {
		recs[i] = record{float64(rng.IntN(120)), float64(rng.IntN(10)), float64(rng.IntN(1500)), countries[rng.IntN(len(countries))],
			float64(1 + rng.IntN(5)), float64(1 + rng.IntN(5)), float64(1 + rng.IntN(5))}
	}
	handle := func(name string) segment.Handle {
		h, err := s.Handle(name)
		if err != nil {
			b.Fatal(err)
		}
		return h
	}
	hR, hF, hM, hC := handle("recency_days"), handle("frequency"), handle("monetary"), handle("country")
	hRS, hFS, hMS := handle("r_score"), handle("f_score"), handle("m_score")
	byHandle := func(p *segment.Profile, r *record) {
		_ = hR.SetNumber(p, r.recency)
		_ = hF.SetNumber(p, r.frequency)
		_ = hM.SetNumber(p, r.monetary)
		_ = hC.SetString(p, r.country)
		_ = hRS.SetNumber(p, r.r)
		_ = hFS.SetNumber(p, r.f)
		_ = hMS.SetNumber(p, r.m)
	}
	var sink *segment.Profile
	b.Run("by name", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r := &recs[i&(len(recs)-1)]
			p := s.NewProfile("c", asOf)
			_ = p.SetNumber("recency_days", r.recency)
			_ = p.SetNumber("frequency", r.frequency)
			_ = p.SetNumber("monetary", r.monetary)
			_ = p.SetString("country", r.country)
			_ = p.SetNumber("r_score", r.r)
			_ = p.SetNumber("f_score", r.f)
			_ = p.SetNumber("m_score", r.m)
			sink = p
		}
	})
	b.Run("by handle", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p := s.NewProfile("c", asOf)
			byHandle(p, &recs[i&(len(recs)-1)])
			sink = p
		}
	})
	b.Run("reused, by handle, matched", func(b *testing.B) {
		m := segment.MustCompile(benchRule, s)
		p := s.NewProfile("c", asOf)
		hits := 0
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			p.Reset("c", asOf)
			byHandle(p, &recs[i&(len(recs)-1)])
			if m.Match(p) {
				hits++
			}
		}
		if hits == 0 && b.N > 1000 {
			b.Fatal("nothing matched")
		}
	})
	_ = sink
}

// hostCustomer is what a host without this SDK would keep per customer
// for the same fields as the default schema: the hand-written baseline
// of the "match ≤ 2× hand-written on the full default schema".
type hostCustomer struct {
	ID, Country, Region, AgeBand, SignupChannel string
	SignupDate                                  time.Time
	Tags                                        []string
	Style, AccountManager                       string
	DoNotContact                                bool
	PreferredChannels                           []string
	Purchases, TotalSpend, Frequency            float64
	RecencyDays, TenureDays, Monetary           float64
	FirstPurchase, LastPurchase                 time.Time
	CLV, PAlive, RScore, FScore, MScore         float64
	RFMCell, Tier                               string
}

// BenchmarkMatchHandWritten is benchRule written by hand over 1M such
// records, each allocated on its own as profiles are (ns/op is per
// record): the baseline BenchmarkMatchDefaultSchema is held to.
func BenchmarkMatchHandWritten(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	countries := []string{"CN", "US", "DE", "GB", "FR", "JP", "BR", "AU"}
	cs := make([]*hostCustomer, 1_000_000)
	for i := range cs {
		cs[i] = &hostCustomer{ID: "c", RecencyDays: float64(rng.IntN(120)), Frequency: float64(rng.IntN(10)),
			Monetary: float64(rng.IntN(1500)), Country: countries[rng.IntN(len(countries))],
			RScore: float64(1 + rng.IntN(5)), FScore: float64(1 + rng.IntN(5)), MScore: float64(1 + rng.IntN(5))}
	}
	b.ReportAllocs()
	b.ResetTimer()
	hits := 0
	for i := 0; i < b.N; i++ {
		c := cs[i%len(cs)]
		if c.RecencyDays <= 30 && c.Frequency >= 3 && c.Monetary >= 500 && (c.Country == "CN" || c.Country == "US") {
			hits++
		}
	}
	if hits == 0 && b.N > 1000 {
		b.Fatal("nothing matched")
	}
}
