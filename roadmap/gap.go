package roadmap

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Metric compares the current model with the target model on one measure.
type Metric struct {
	// Name names the metric.
	Name string `json:"name"`
	// Current is where the metric stands.
	Current float64 `json:"current"`
	// Target is where the plan wants it.
	Target float64 `json:"target"`
	// Benchmark, when set, is what the best comparable companies reach:
	// a metric behind it ranks as a gap even when its own target is met.
	Benchmark *float64 `json:"benchmark,omitempty"`
	// Weight is the metric's importance, relative to the others.
	Weight float64 `json:"weight"`
	// LowerIsBetter is set for metrics to bring down (complaints, churn).
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
}

// Gap is a metric's shortfall.
type Gap struct {
	// Metric is the metric behind the gap.
	Metric Metric `json:"metric"`
	// Shortfall is the distance still to go to the target as a share of the
	// target (0 when met).
	Shortfall float64 `json:"shortfall"`
	// BehindBenchmark is the same against the benchmark (0 when level or
	// ahead, or without one).
	BehindBenchmark float64 `json:"behind_benchmark"`
	// Score ranks gaps: Weight × (Shortfall + BehindBenchmark), so that of
	// two metrics equally short of their targets the one further behind
	// the best companies comes first.
	Score float64 `json:"score"`
}

func shortfall(current, goal float64, lowerIsBetter bool) float64 {
	d := goal - current
	if lowerIsBetter {
		d = -d
	}
	if d <= 0 {
		return 0
	}
	return d / math.Max(math.Abs(goal), 1e-12)
}

// Gaps normalises each metric's shortfall against its target and its
// benchmark and ranks them by Score, largest first (ties by name).
// Metrics with non-positive weights are an error.
func Gaps(metrics []Metric) ([]Gap, error) {
	out := make([]Gap, 0, len(metrics))
	for _, m := range metrics {
		if !(m.Weight > 0) {
			return nil, fmt.Errorf("roadmap: gap %q: weight %v must be positive", m.Name, m.Weight)
		}
		g := Gap{Metric: m, Shortfall: shortfall(m.Current, m.Target, m.LowerIsBetter)}
		if m.Benchmark != nil {
			g.BehindBenchmark = shortfall(m.Current, *m.Benchmark, m.LowerIsBetter)
		}
		g.Score = m.Weight * (g.Shortfall + g.BehindBenchmark)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Metric.Name, b.Metric.Name))
	})
	return out, nil
}

// ProposePhases turns ranked gaps into phases that tackle at most perPhase
// of them at a time, largest first; metrics that meet their target and
// their benchmark get no phase. Never
// everything at once: perPhase must be at least 1, and a proposal for a
// single phase holding every gap is split.
func ProposePhases(gaps []Gap, perPhase int) []Phase {
	if perPhase < 1 {
		perPhase = 1
	}
	var open []string
	for _, g := range gaps {
		if g.Shortfall > 0 || g.BehindBenchmark > 0 {
			open = append(open, g.Metric.Name)
		}
	}
	if perPhase >= len(open) && len(open) > 1 {
		perPhase = (len(open) + 1) / 2
	}
	var out []Phase
	for i := 0; i < len(open); i += perPhase {
		out = append(out, Phase{Name: fmt.Sprintf("Phase %d", len(out)+1), Priorities: slices.Clone(open[i:min(i+perPhase, len(open))])})
	}
	return out
}
