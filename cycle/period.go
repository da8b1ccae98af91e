package cycle

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/internal/bounds"
)

// Period is what one run of the loop measured: the metrics of the six
// processes between From (the previous run's AsOf, or AsOf less
// Options.Period) and AsOf.
type Period struct {
	// From is the start of the period, AsOf its end (excluded and
	// included as the analyses read them: transactions at From count,
	// transactions at AsOf do not).
	From time.Time `json:"from"`
	// AsOf is the run's observation time, the period's key.
	AsOf time.Time `json:"as_of"`
	// Currency is the currency of every money metric.
	Currency string `json:"currency,omitempty"`
	// Metrics are the measurements, sorted by name, then cut. Their names
	// and meanings are in Definitions.
	Metrics []Metric `json:"metrics"`
}

// Metric is one measurement of a period: a named figure, for the whole
// customer base or for one cut of it.
type Metric struct {
	// Name is the metric's stable name ("lifecycle.advocates"); see
	// Definitions.
	Name string `json:"name"`
	// Cut, when set, is the part of the base measured, as key=value pairs
	// joined by commas ("tier=Gold", "from=prospect,to=first_time_buyer").
	Cut string `json:"cut,omitempty"`
	// Value is the figure, in the definition's unit.
	Value float64 `json:"value"`
	// N is how many observations a share, score or mean is of (0 for
	// counts and sums).
	N int `json:"n,omitempty"`
	// Low and High bound a 95% confidence interval when the metric has
	// one (Low < High); both 0 otherwise.
	Low float64 `json:"low,omitempty"`
	// High is the interval's upper bound.
	High float64 `json:"high,omitempty"`
}

// Interval reports whether the metric has a confidence interval.
func (m Metric) Interval() bool { return m.Low < m.High }

// Get returns the metric with the name and cut ("" for the whole base).
func (p *Period) Get(name, cut string) (Metric, bool) {
	i, ok := slices.BinarySearchFunc(p.Metrics, [2]string{name, cut}, func(m Metric, k [2]string) int {
		return cmp.Or(cmp.Compare(m.Name, k[0]), cmp.Compare(m.Cut, k[1]))
	})
	if !ok {
		return Metric{}, false
	}
	return p.Metrics[i], true
}

// Value returns the value of the metric with the name and cut, and
// whether the period has it.
func (p *Period) Value(name, cut string) (float64, bool) {
	m, ok := p.Get(name, cut)
	return m.Value, ok
}

// Validate reports what a store could not keep or a reader could not
// trust: a zero or out-of-range time, From after AsOf, a metric without a
// name, a non-finite value, a metric twice, metrics out of order.
func (p *Period) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"as_of", p.AsOf}, {"from", p.From}} {
		if f.t.IsZero() {
			bad(f.name, "zero")
		} else if msg := bounds.Time(f.t); msg != "" {
			bad(f.name, "%s", msg)
		}
	}
	if p.From.After(p.AsOf) {
		bad("from", "after as_of")
	}
	for i, m := range p.Metrics {
		field := fmt.Sprintf("metrics[%d]", i)
		if m.Name == "" {
			bad(field, "no name")
		}
		for _, v := range []float64{m.Value, m.Low, m.High} {
			if msg := bounds.Number(v); msg != "" {
				bad(field, "%s: %s", m.Name, msg)
				break
			}
		}
		if m.N < 0 {
			bad(field, "%s: negative n", m.Name)
		}
		if i > 0 {
			prev := p.Metrics[i-1]
			switch cmp.Or(cmp.Compare(prev.Name, m.Name), cmp.Compare(prev.Cut, m.Cut)) {
			case 0:
				bad(field, "%s %q twice", m.Name, m.Cut)
			case 1:
				bad(field, "%s %q out of order (metrics are sorted by name, then cut)", m.Name, m.Cut)
			}
		}
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "cycle", What: "period at " + p.AsOf.Format(time.RFC3339), Problems: errs}
	}
	return nil
}

// Equal reports whether p and o are the same period.
func (p Period) Equal(o Period) bool {
	return p.From.Equal(o.From) && p.AsOf.Equal(o.AsOf) && p.Currency == o.Currency && slices.Equal(p.Metrics, o.Metrics)
}

func (p Period) clone() Period {
	p.Metrics = slices.Clone(p.Metrics)
	return p
}

// Cut joins key=value pairs into a metric cut: Cut("tier", "Gold") is
// "tier=Gold".
func Cut(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(kv[i+1])
	}
	return b.String()
}

// Movement is how one metric moved between two periods.
type Movement struct {
	// Name and Cut identify the metric.
	Name string `json:"name"`
	// Cut is the metric's cut.
	Cut string `json:"cut,omitempty"`
	// Before and After are its values in the earlier and later period;
	// InBefore and InAfter say whether each period has it.
	Before float64 `json:"before"`
	// After is the later period's value.
	After float64 `json:"after"`
	// InBefore says the earlier period has the metric.
	InBefore bool `json:"in_before"`
	// InAfter says the later period has the metric.
	InAfter bool `json:"in_after"`
	// Delta is After − Before (when both have it).
	Delta float64 `json:"delta"`
	// Tested says a significance test exists for the metric and both
	// periods have what it needs: the NPS change test (feedback.NPSChange)
	// for performance.nps, a two-proportion z-test for shares with N.
	Tested bool `json:"tested"`
	// P is the test's two-sided p-value, read when Tested.
	P float64 `json:"p,omitempty"`
	// Significant is P < 0.05.
	Significant bool `json:"significant"`
}

// Compare says what moved between two periods: one Movement per metric in
// either, in the periods' order (name, then cut), with a significance
// test where one exists.
func Compare(before, after *Period) []Movement {
	var out []Movement
	i, j := 0, 0
	for i < len(before.Metrics) || j < len(after.Metrics) {
		var mv Movement
		var b, a Metric
		switch c := compareKey(before.Metrics, i, after.Metrics, j); {
		case c < 0:
			b = before.Metrics[i]
			mv = Movement{Name: b.Name, Cut: b.Cut, Before: b.Value, InBefore: true}
			i++
		case c > 0:
			a = after.Metrics[j]
			mv = Movement{Name: a.Name, Cut: a.Cut, After: a.Value, InAfter: true}
			j++
		default:
			b, a = before.Metrics[i], after.Metrics[j]
			mv = Movement{Name: a.Name, Cut: a.Cut, Before: b.Value, After: a.Value, InBefore: true, InAfter: true, Delta: a.Value - b.Value}
			mv.Tested, mv.P = test(before, after, b, a)
			mv.Significant = mv.Tested && mv.P < 0.05
			i++
			j++
		}
		out = append(out, mv)
	}
	return out
}

func compareKey(x []Metric, i int, y []Metric, j int) int {
	switch {
	case i >= len(x):
		return 1
	case j >= len(y):
		return -1
	}
	return cmp.Or(cmp.Compare(x[i].Name, y[j].Name), cmp.Compare(x[i].Cut, y[j].Cut))
}

// test runs the significance test for a metric present in both periods.
func test(before, after *Period, b, a Metric) (bool, float64) {
	if b.Name == MetricNPS {
		pb, okb := npsResult(before, b.Cut)
		pa, oka := npsResult(after, a.Cut)
		if !okb || !oka {
			return false, 0
		}
		_, _, p := feedback.NPSChange(pb, pa)
		return true, p
	}
	def, ok := definition(b.Name)
	if !ok || def.Unit != UnitShare || b.N == 0 || a.N == 0 {
		return false, 0
	}
	// Two-proportion z-test, pooled.
	n1, n2 := float64(b.N), float64(a.N)
	pool := (b.Value*n1 + a.Value*n2) / (n1 + n2)
	se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2))
	if se == 0 {
		return true, boolP(b.Value == a.Value)
	}
	z := (a.Value - b.Value) / se
	return true, math.Erfc(math.Abs(z) / math.Sqrt2)
}

func boolP(same bool) float64 {
	if same {
		return 1
	}
	return 0
}

// npsResult rebuilds a period's NPS result from its counts.
func npsResult(p *Period, cut string) (feedback.NPSResult, bool) {
	pro, ok1 := p.Value(MetricNPSPromoters, cut)
	pas, ok2 := p.Value(MetricNPSPassives, cut)
	det, ok3 := p.Value(MetricNPSDetractors, cut)
	if !ok1 || !ok2 || !ok3 {
		return feedback.NPSResult{}, false
	}
	r, err := feedback.NPSFromCounts(int(pro), int(pas), int(det))
	return r, err == nil
}
