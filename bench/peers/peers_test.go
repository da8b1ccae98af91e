package peers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/interpreter"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

// customer is what a host keeps per customer for the default schema's
// fields, each allocated on its own as profiles are.
type customer struct {
	ID                string    `expr:"customer_id"`
	Country           string    `expr:"country"`
	Region            string    `expr:"region"`
	AgeBand           string    `expr:"age_band"`
	SignupChannel     string    `expr:"signup_channel"`
	SignupDate        time.Time `expr:"signup_date"`
	Tags              []string  `expr:"tags"`
	Style             string    `expr:"style"`
	AccountManager    string    `expr:"account_manager"`
	DoNotContact      bool      `expr:"do_not_contact"`
	PreferredChannels []string  `expr:"preferred_channels"`
	Purchases         float64   `expr:"purchases"`
	TotalSpend        float64   `expr:"total_spend"`
	Frequency         float64   `expr:"frequency"`
	RecencyDays       float64   `expr:"recency_days"`
	TenureDays        float64   `expr:"tenure_days"`
	Monetary          float64   `expr:"monetary"`
	FirstPurchase     time.Time `expr:"first_purchase"`
	LastPurchase      time.Time `expr:"last_purchase"`
	CLV               float64   `expr:"clv"`
	PAlive            float64   `expr:"p_alive"`
	RScore            float64   `expr:"r_score"`
	FScore            float64   `expr:"f_score"`
	MScore            float64   `expr:"m_score"`
	RFMCell           string    `expr:"rfm_cell"`
	Tier              string    `expr:"tier"`
}

// The rule in each engine's syntax.
const (
	rule     = `recency_days <= 30 and frequency >= 3 and monetary >= 500 and country in ("CN", "US")`
	exprRule = `recency_days <= 30 and frequency >= 3 and monetary >= 500 and country in ["CN", "US"]`
	celRule  = `recency_days <= 30.0 && frequency >= 3.0 && monetary >= 500.0 && country in ["CN", "US"]`
)

const customers = 1_000_000

var asOf = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// handWritten is the rule as a host would write it.
func handWritten(c *customer) bool {
	return c.RecencyDays <= 30 && c.Frequency >= 3 && c.Monetary >= 500 && (c.Country == "CN" || c.Country == "US")
}

type fixture struct {
	hosts           []*customer
	full, trimmed   []*segment.Profile
	fullM, trimmedM *segment.Matcher
	rfm             []*segment.Profile // the three scores only
	rfmA            *segment.Assigner
	exprProgram     *vm.Program
	celProgram      cel.Program
	celTrackProgram cel.Program
	exprRFM         []*vm.Program
	rfmRows         []scoring.RFMSegment
}

// data is built once for every benchmark and test: a million customers,
// about a quarter of them within the rule's recency.
var data = sync.OnceValues(func() (*fixture, error) {
	f, full := &fixture{}, segment.DefaultSchema()
	rng := rand.New(rand.NewPCG(3, 3))
	countries := []string{"CN", "US", "DE", "GB", "FR", "JP", "BR", "AU"}
	f.hosts = make([]*customer, customers)
	for i := range f.hosts {
		f.hosts[i] = &customer{ID: fmt.Sprintf("c%07d", i), RecencyDays: float64(rng.IntN(120)), Frequency: float64(rng.IntN(10)),
			Monetary: float64(rng.IntN(1500)), Country: countries[rng.IntN(len(countries))],
			RScore: float64(1 + rng.IntN(5)), FScore: float64(1 + rng.IntN(5)), MScore: float64(1 + rng.IntN(5))}
	}
	var err error
	f.fullM, err = segment.Compile(mustParse(rule), full)
	if err != nil {
		return nil, err
	}
	trimmed, err := full.Only(f.fullM.Fields()...)
	if err != nil {
		return nil, err
	}
	if f.trimmedM, err = segment.Compile(mustParse(rule), trimmed); err != nil {
		return nil, err
	}
	rfmSchema, err := full.Only("r_score", "f_score", "m_score")
	if err != nil {
		return nil, err
	}
	if f.rfmA, err = segment.RFMSegments().Compile(rfmSchema); err != nil {
		return nil, err
	}
	for _, s := range []struct {
		schema *segment.Schema
		out    *[]*segment.Profile
	}{{full, &f.full}, {trimmed, &f.trimmed}, {rfmSchema, &f.rfm}} {
		if *s.out, err = build(s.schema, f.hosts); err != nil {
			return nil, err
		}
	}
	if f.exprProgram, err = expr.Compile(exprRule, expr.Env(customer{}), expr.AsBool()); err != nil {
		return nil, err
	}
	env, err := cel.NewEnv(cel.Variable("recency_days", cel.DoubleType), cel.Variable("frequency", cel.DoubleType),
		cel.Variable("monetary", cel.DoubleType), cel.Variable("country", cel.StringType))
	if err != nil {
		return nil, err
	}
	ast, iss := env.Compile(celRule)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	if f.celProgram, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize)); err != nil {
		return nil, err
	}
	if f.celTrackProgram, err = env.Program(ast, cel.EvalOptions(cel.OptTrackState)); err != nil {
		return nil, err
	}
	f.rfmRows = scoring.RFMSegments()
	for _, row := range f.rfmRows {
		p, err := expr.Compile(fmt.Sprintf("r_score >= %d and r_score <= %d and f_score >= %d and f_score <= %d and m_score >= %d and m_score <= %d",
			row.RMin, row.RMax, row.FMin, row.FMax, row.MMin, row.MMax), expr.Env(customer{}), expr.AsBool())
		if err != nil {
			return nil, err
		}
		f.exprRFM = append(f.exprRFM, p)
	}
	return f, nil
})

func mustParse(text string) segment.Rule {
	r, err := segment.Parse(text)
	if err != nil {
		panic(err)
	}
	return r
}

// build makes a profile of schema s per host record, through field
// handles resolved once (the fields the schema has of the seven).
func build(s *segment.Schema, hosts []*customer) ([]*segment.Profile, error) {
	type setter struct {
		h   segment.Handle
		get func(*customer) float64
	}
	var nums []setter
	for name, get := range map[string]func(*customer) float64{
		"recency_days": func(c *customer) float64 { return c.RecencyDays }, "frequency": func(c *customer) float64 { return c.Frequency },
		"monetary": func(c *customer) float64 { return c.Monetary }, "r_score": func(c *customer) float64 { return c.RScore },
		"f_score": func(c *customer) float64 { return c.FScore }, "m_score": func(c *customer) float64 { return c.MScore },
	} {
		if h, err := s.Handle(name); err == nil {
			nums = append(nums, setter{h, get})
		}
	}
	country, countryErr := s.Handle("country")
	out := make([]*segment.Profile, len(hosts))
	for i, c := range hosts {
		p := s.NewProfile(c.ID, asOf)
		for _, n := range nums {
			if err := n.h.SetNumber(p, n.get(c)); err != nil {
				return nil, err
			}
		}
		if countryErr == nil {
			if err := country.SetString(p, c.Country); err != nil {
				return nil, err
			}
		}
		out[i] = p
	}
	return out, nil
}

// activation hands cel-go a host record's fields by name.
type activation struct{ c *customer }

func (a *activation) ResolveName(name string) (any, bool) {
	switch name {
	case "recency_days":
		return a.c.RecencyDays, true
	case "frequency":
		return a.c.Frequency, true
	case "monetary":
		return a.c.Monetary, true
	case "country":
		return a.c.Country, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// rfmByHand is the first RFM row whose ranges hold the scores.
func rfmByHand(rows []scoring.RFMSegment, c *customer) string {
	r, f, m := int(c.RScore), int(c.FScore), int(c.MScore)
	for _, row := range rows {
		if r >= row.RMin && r <= row.RMax && f >= row.FMin && f <= row.FMax && m >= row.MMin && m <= row.MMax {
			return row.Name
		}
	}
	return ""
}

func fixtureOf(tb testing.TB) *fixture {
	f, err := data()
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestEnginesAgree: every engine decides the first 200,000 customers as
// the hand-written rule does, and explains what it decided.
func TestEnginesAgree(t *testing.T) {
	f := fixtureOf(t)
	var machine vm.VM
	matched := 0
	for i, c := range f.hosts[:200_000] {
		want := handWritten(c)
		if want {
			matched++
		}
		require.Equal(t, want, f.fullM.Match(f.full[i]), "crmkit, full profile %d", i)
		require.Equal(t, want, f.trimmedM.Match(f.trimmed[i]), "crmkit, trimmed profile %d", i)
		got, err := machine.Run(f.exprProgram, c)
		require.NoError(t, err)
		require.Equal(t, want, got, "expr %d", i)
		val, _, err := f.celProgram.Eval(&activation{c})
		require.NoError(t, err)
		require.Equal(t, want, val.Value(), "cel %d", i)
		val, det, err := f.celTrackProgram.Eval(&activation{c})
		require.NoError(t, err)
		require.Equal(t, want, val.Value())
		require.NotEmpty(t, det.State().IDs())
		require.Equal(t, want, f.trimmedM.Explain(f.trimmed[i]).Matched)
		name := rfmByHand(f.rfmRows, c)
		require.Equal(t, []string{name}, f.rfmA.Match(f.rfm[i]), "RFM %d", i)
		first := ""
		for k, p := range f.exprRFM {
			if ok, err := machine.Run(p, c); err == nil && ok.(bool) {
				first = f.rfmRows[k].Name
				break
			}
		}
		require.Equal(t, name, first, "expr RFM %d", i)
	}
	require.Greater(t, matched, 1000)
}

// BenchmarkMatch: the rule over a million customers, ns/op per customer.
func BenchmarkMatch(b *testing.B) {
	f := fixtureOf(b)
	n := len(f.hosts)
	b.Run("hand-written", func(b *testing.B) {
		hits := 0
		for i := 0; i < b.N; i++ {
			if handWritten(f.hosts[i%n]) {
				hits++
			}
		}
		sink = hits
	})
	for _, c := range []struct {
		name     string
		m        *segment.Matcher
		profiles []*segment.Profile
	}{{"crmkit trimmed profiles", f.trimmedM, f.trimmed}, {"crmkit full default schema", f.fullM, f.full}} {
		b.Run(c.name, func(b *testing.B) {
			hits := 0
			for i := 0; i < b.N; i++ {
				if c.m.Match(c.profiles[i%n]) {
					hits++
				}
			}
			sink = hits
		})
	}
	b.Run("expr reused VM", func(b *testing.B) {
		var machine vm.VM
		hits := 0
		for i := 0; i < b.N; i++ {
			if out, err := machine.Run(f.exprProgram, f.hosts[i%n]); err == nil && out.(bool) {
				hits++
			}
		}
		sink = hits
	})
	b.Run("cel-go activation", func(b *testing.B) {
		a := &activation{}
		hits := 0
		for i := 0; i < b.N; i++ {
			a.c = f.hosts[i%n]
			if out, _, err := f.celProgram.Eval(a); err == nil && out.Value() == true {
				hits++
			}
		}
		sink = hits
	})
}

// BenchmarkExplain: the rule's decision with every clause's value, per
// customer: crmkit's Explain against cel-go's state tracking.
func BenchmarkExplain(b *testing.B) {
	f := fixtureOf(b)
	n := len(f.hosts)
	for _, c := range []struct {
		name     string
		m        *segment.Matcher
		profiles []*segment.Profile
	}{{"trimmed", f.trimmedM, f.trimmed}, {"full default schema", f.fullM, f.full}} {
		b.Run("crmkit Explain "+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				sink = c.m.Explain(c.profiles[i%n])
			}
		})
		b.Run("crmkit ExplainTo "+c.name, func(b *testing.B) {
			b.ReportAllocs()
			var e segment.Explanation
			for i := 0; i < b.N; i++ {
				c.m.ExplainTo(c.profiles[i%n], &e)
			}
			sink = e.Result
		})
	}
	b.Run("cel-go OptTrackState", func(b *testing.B) {
		b.ReportAllocs()
		a := &activation{}
		for i := 0; i < b.N; i++ {
			a.c = f.hosts[i%n]
			_, det, _ := f.celTrackProgram.Eval(a)
			sink = det
		}
	})
}

// BenchmarkRFM: the eleven RFM presets, first match wins, per customer.
func BenchmarkRFM(b *testing.B) {
	f := fixtureOf(b)
	n := len(f.hosts)
	b.Run("hand-written", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink = rfmByHand(f.rfmRows, f.hosts[i%n])
		}
	})
	b.Run("crmkit Match", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink = f.rfmA.Match(f.rfm[i%n])
		}
	})
	b.Run("crmkit Assign", func(b *testing.B) {
		profiles := func(yield func(*segment.Profile, error) bool) {
			for i := 0; i < b.N; i++ {
				if !yield(f.rfm[i%n], nil) {
					return
				}
			}
		}
		if _, err := f.rfmA.Assign(context.Background(), profiles, asOf); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("expr reused VM", func(b *testing.B) {
		var machine vm.VM
		for i := 0; i < b.N; i++ {
			for k, p := range f.exprRFM {
				if out, err := machine.Run(p, f.hosts[i%n]); err == nil && out.(bool) {
					sink = f.rfmRows[k].Name
					break
				}
			}
		}
	})
}

var sink any
