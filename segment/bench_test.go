package segment_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/crmkit/crm/segment"
)

const benchRule = `recency_days <= 30 and frequency >= 3 and monetary >= 500 and country in ("CN", "US")`

// benchProfiles makes n profiles of schema s in one block, with the fields
// the benchmark rules read, about a quarter matching benchRule's first
// condition.
func benchProfiles(b *testing.B, s *segment.Schema, n int) []*segment.Profile {
	rng := rand.New(rand.NewPCG(3, 3))
	countries := []string{"CN", "US", "DE", "GB", "FR", "JP", "BR", "AU"}
	block := s.NewProfiles(n, asOf)
	ps := make([]*segment.Profile, n)
	for i := range ps {
		p := &block[i]
		p.CustomerID = "c"
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
	var e segment.Explanation
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Explain(ps[i%len(ps)], &e)
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
